//! Property tests over generated docker argv (issue 7), on the library API.
//!
//! Generators build a *logical* invocation from the docker model (a command or group,
//! flags from its `FlagSpec` list with values, positionals) and *render* it in a
//! random pflag spelling: `--long=v`, `--long v`, `-s v`, `-sv`, `-s=v`, clusters of
//! boolean shorthands ending in a value flag, `--bool`, `-b=F`, aliases of the
//! command path, flags between positionals where the command allows it, `--`. Values
//! and loose tokens include hostile ones: `-`-prefixed, `=`-joined, `--`, empty,
//! very long, unicode look-alikes of `-`, NUL, non-UTF-8 bytes.
//!
//! Properties, each checked by [`oracle`] (shared with the fuzz targets):
//! - parse, judge and the canonical argv never panic, whatever the argv;
//! - the canonical argv re-parses to the same command, flags and positionals;
//! - two spellings of one invocation get one decision and one exec argv, under the
//!   shipped policy and under a policy that allows every command and flag;
//! - under the shipped policy, an allowed invocation's exec argv carries only flags
//!   the allowing rule lists or forces, and is a fixed point of judge + canonical.
//!
//! Case counts: 1000 per property, or `PROPTEST_CASES`; a failing case is
//! shrunk and printed; `PROPTEST_RNG_SEED=N` replays a run.
//! Also here: the replay of the fuzz targets' seeds and findings (`fuzz/seeds/`,
//! `fuzz/regressions/`), so that they run in `cargo test` without the fuzzer.

mod oracle;

use docker_guard::docker::model::{CommandSpec, FlagSpec};
use docker_guard::docker::parse::{self, ROOT, lookup};
use docker_guard::docker::spec::{COMMANDS, GLOBAL_FLAGS};
use docker_guard::policy::{Policy, ValueRule, container};
use docker_guard::shim;
use oracle::{Outcome, Shape};
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::Union;
use proptest::test_runner::{Config, TestCaseResult, TestRunner};
use std::cell::Cell;
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;
use std::sync::LazyLock;

static SHIPPED: LazyLock<Policy> = LazyLock::new(oracle::shipped_policy);
static PERMISSIVE: LazyLock<Policy> = LazyLock::new(oracle::permissive_policy);

/// Runs a property with proptest's configuration (`PROPTEST_CASES` and friends),
/// without writing failure files into the source tree: a failure prints the shrunk
/// input, which belongs in a named regression test.
fn check<S: Strategy>(strategy: S, test: impl Fn(S::Value) -> TestCaseResult) {
    let config = Config {
        cases: cases() as u32,
        failure_persistence: None,
        ..Config::default()
    };
    if let Err(failure) = TestRunner::new(config).run(&strategy, test) {
        panic!("{failure}");
    }
}

/// Cases per property: `PROPTEST_CASES`, else 1000 (a few seconds in a debug build;
/// proptest's own default of 256 misses rarer grammar edges too often).
fn cases() -> usize {
    if std::env::var_os("PROPTEST_CASES").is_some() {
        Config::default().cases as usize
    } else {
        1000
    }
}

// ---- values ----------------------------------------------------------------------

/// Tokens that have broken argument parsers: dash games, `=` games, terminators,
/// whitespace, look-alikes of `-` (U+2010, U+2212, U+FE63, U+FF0D, em dash), a
/// Cyrillic `е` in a flag name, zero-width and bidi characters, and the values the
/// policy cares about most.
const HOSTILE: &[&str] = &[
    "",
    "-",
    "--",
    "---",
    "--=",
    "-=",
    "=",
    "==",
    "-=x",
    "--=x",
    "-h",
    "--help",
    "--help=false",
    "--privileged",
    "--privileged=true",
    "-v",
    "-v=",
    "/:/host",
    "--volume=/:/h",
    "-itv/:/h",
    "--pid=host",
    "--network=host",
    "--config=/tmp/x",
    "-H",
    "unix:///tmp/d.sock",
    " --privileged",
    "--privileged ",
    "\u{2010}\u{2010}privileged",
    "\u{2212}v",
    "\u{FE63}\u{FE63}volume=/:/h",
    "\u{FF0D}\u{FF0D}privileged",
    "\u{2014}privileged",
    "--privil\u{0435}ged",
    "--pri\u{200B}vileged",
    "\u{202E}--privileged",
    "-\u{0301}",
    "-é",
    "host",
    "container:web",
    "seccomp=unconfined",
    "type=bind,src=/,dst=/h",
    "o=bind,device=/",
    ".",
    "..",
    "./",
    "../..",
    "/",
    "/etc",
    "/var/run/docker.sock",
    "a=b=c",
    "a,b",
    "\"a,b\"",
    "-\n-",
    "\t",
    "\r\n",
    "true",
    "false",
    "1",
    "-1",
    "--1",
    "-0",
];

/// NUL in all the places it can hide; only for the any-argv property, since
/// `to_strings` refuses these before anything reads them.
const WITH_NUL: &[&str] = &["\0", "--privileged\0", "-v\0/:/h", "run\0", "ps\0--all"];

fn any_char_but_nul() -> impl Strategy<Value = char> {
    any::<char>().prop_filter("no NUL", |c| *c != '\0')
}

/// Values at the edges of pflag's grammar, where `-s=`, `-sVALUE` and `--` differ.
const EDGES: &[&str] = &["", "=", "==", "=x", "-", "--", "-x", "=-", "-="];

/// A flag value or positional: plain, docker-ish, hostile, grammar edges, any
/// unicode, very long.
fn value() -> BoxedStrategy<String> {
    prop_oneof![
        4 => "[a-z0-9]{1,8}",
        2 => select(EDGES).prop_map(String::from),
        3 => "[a-zA-Z0-9/:=,._@+-]{0,16}",
        3 => select(HOSTILE).prop_map(String::from),
        1 => prop::collection::vec(any_char_but_nul(), 0..8).prop_map(String::from_iter),
        1 => (1usize..10_000, select(&["a", "-", "=", "/", ":"][..]))
            .prop_map(|(n, unit)| unit.repeat(n)),
    ]
    .boxed()
}

/// Values that mean something to docker for some flags, so that the decision's
/// mount, namespace and security-option checks are reached and sometimes pass.
fn realistic(long: &str) -> Option<&'static [&'static str]> {
    Some(match long {
        "volume" => &[
            "data:/data",
            "/data",
            "vol:/v:ro",
            "./x:/y",
            ".:/w",
            "/:/host",
            "/etc:/etc:ro",
            "~/x:/y",
            "x/y:/z",
            "/var/run/docker.sock:/s",
            "/srv/docker-guard-proptest/a:/a",
            "/srv/docker-guard-proptest/../../etc:/e",
            "/srv/docker-guard-proptest/a:/a:rshared",
        ],
        "mount" => &[
            "type=volume,src=v,dst=/d",
            "type=tmpfs,dst=/t",
            "dst=/anon",
            "type=bind,src=/,dst=/h",
            "type=bind,source=/srv/docker-guard-proptest/x,target=/x",
            "type=volume,src=v,dst=/d,volume-opt=o=bind,volume-opt=device=/",
            "type=image,src=alpine,dst=/i",
            "type=bind,src=.,dst=/w",
        ],
        "tmpfs" => &["/t", "/t:size=1m", "/run:exec"],
        "network" | "net" => &[
            "bridge",
            "none",
            "default",
            "host",
            "container:web",
            "name=host",
            "mynet",
        ],
        "pid" | "ipc" | "uts" | "userns" | "cgroupns" => {
            &["host", "private", "container:web", "", "Host"]
        }
        "security-opt" => &[
            "no-new-privileges",
            "seccomp=unconfined",
            "seccomp:/tmp/p.json",
            "apparmor=unconfined",
            "label=disable",
            "systempaths=unconfined",
        ],
        "env" | "label" => &["A=b", "PATH", "A=b=c", "docker-guard.user=agent"],
        "filter" => &["status=running", "name=web", "dangling=true"],
        "format" => &["{{.ID}}", "json", "table {{.Names}}"],
        "tail" | "timeout" | "time" | "pids-limit" => &["5", "all", "-1"],
        "signal" => &["KILL", "9"],
        "device" => &["/dev/sda", "/dev/mem:/dev/mem"],
        "cap-add" | "cap-drop" => &["ALL", "SYS_ADMIN", "NET_RAW"],
        "user" => &["0", "root", "1000:1000"],
        "platform" => &["linux/amd64"],
        _ => return None,
    })
}

fn flag_value(spec: &'static FlagSpec) -> BoxedStrategy<String> {
    if spec.is_bool() {
        return any::<bool>().prop_map(|b| b.to_string()).boxed();
    }
    match realistic(spec.long) {
        Some(values) => {
            prop_oneof![2 => select(values).prop_map(String::from), 1 => value()].boxed()
        }
        None => value(),
    }
}

const IMAGES: &[&str] = &[
    "alpine",
    "alpine:3.20",
    "busybox",
    "docker.io/library/alpine:latest",
    "ollama/ollama",
    "localhost:5000/x",
    "a1b2c3d4e5f6",
    "ALPINE",
    "",
    "-",
];

fn positional() -> BoxedStrategy<String> {
    prop_oneof![2 => value(), 1 => select(IMAGES).prop_map(String::from)].boxed()
}

// ---- logical invocations -------------------------------------------------------

/// One flag of a logical invocation; booleans carry `true`/`false` (how a spelling
/// writes them is the renderer's choice).
#[derive(Debug, Clone)]
struct Flag {
    spec: &'static FlagSpec,
    value: String,
}

/// An invocation before it is spelled.
#[derive(Debug, Clone)]
struct Logical {
    /// A leaf command, a group (no sub-command: docker shows help), or the root.
    command: &'static CommandSpec,
    globals: Vec<Flag>,
    /// Groups above the command (on its canonical path) with flags of their own.
    groups: Vec<(&'static CommandSpec, Vec<Flag>)>,
    flags: Vec<Flag>,
    positionals: Vec<String>,
}

impl Logical {
    /// What parsing any spelling of it must give.
    fn shape(&self) -> Shape {
        let flags = |list: &[Flag]| -> Vec<(&'static str, String)> {
            list.iter()
                .map(|f| (f.spec.long, f.value.clone()))
                .collect()
        };
        let mut levels = vec![("", flags(&self.globals))];
        for (group, list) in &self.groups {
            levels.push((group.path, flags(list)));
        }
        if !self.flags.is_empty() {
            levels.push((self.command.path, flags(&self.flags)));
        }
        Shape {
            command: self.command.path,
            levels,
            positionals: self.positionals.clone(),
        }
    }

    /// The typed paths that reach the command with the group flags in their place:
    /// the canonical path, and aliases that pass through the same groups.
    fn paths(&self) -> Vec<&'static str> {
        let mut paths = vec![self.command.path];
        paths.extend(self.command.aliases.iter().copied().filter(|alias| {
            self.groups
                .iter()
                .all(|(g, _)| alias.starts_with(&format!("{} ", g.path)))
        }));
        paths
    }
}

/// The groups strictly above `command` on its canonical path.
fn groups_above(command: &'static CommandSpec) -> Vec<&'static CommandSpec> {
    let words: Vec<&str> = command.path.split(' ').collect();
    (1..words.len())
        .filter_map(|n| lookup(&words[..n].join(" ")))
        .filter(|c| c.group)
        .collect()
}

/// Up to `max` flags from `list`, `--help` left out (it turns anything into a help
/// request; it gets its own small chance in [`logical_for`]).
fn flags_from(list: &'static [FlagSpec], max: usize) -> BoxedStrategy<Vec<Flag>> {
    match one_flag(list) {
        Some(flag) if max > 0 => prop::collection::vec(flag, 0..=max).boxed(),
        _ => Just(Vec::new()).boxed(),
    }
}

fn logical_for(command: &'static CommandSpec) -> BoxedStrategy<Logical> {
    let is_root = std::ptr::eq(command, &ROOT);
    let globals = if is_root {
        flags_from(GLOBAL_FLAGS, 3)
    } else {
        prop_oneof![4 => Just(Vec::new()), 1 => flags_from(GLOBAL_FLAGS, 2)].boxed()
    };
    let groups: Vec<BoxedStrategy<(&'static CommandSpec, Vec<Flag>)>> = groups_above(command)
        .into_iter()
        .map(|g| flags_from(g.flags, 3).prop_map(move |f| (g, f)).boxed())
        .collect();
    let flags = if is_root {
        Just(Vec::new()).boxed()
    } else {
        flags_from(command.flags, 6)
    };
    let help = prop::option::weighted(0.05, any::<bool>());
    let positionals = if command.group {
        Just(Vec::new()).boxed()
    } else {
        prop::collection::vec(positional(), 0..4).boxed()
    };
    (
        globals,
        groups,
        flags,
        help,
        any::<prop::sample::Index>(),
        positionals,
    )
        .prop_map(
            move |(mut globals, groups, mut flags, help, at, positionals)| {
                if let (Some(value), Some(spec)) = (help, command.flag_by_long("help")) {
                    // For bare `docker` the help flag is a global option.
                    let list = if is_root { &mut globals } else { &mut flags };
                    let at = at.index(list.len() + 1);
                    let value = value.to_string();
                    list.insert(at, Flag { spec, value });
                }
                Logical {
                    command,
                    globals,
                    groups: groups.into_iter().filter(|(_, f)| !f.is_empty()).collect(),
                    flags,
                    positionals,
                }
            },
        )
        .boxed()
}

/// Any command of the model (leaf or group), or bare `docker` with global options.
fn logical() -> impl Strategy<Value = Logical> {
    (0..=COMMANDS.len()).prop_flat_map(|i| logical_for(COMMANDS.get(i).unwrap_or(&ROOT)))
}

/// One flag of `list` other than `--help`, with a value; `None` if there is none.
fn one_flag(list: &'static [FlagSpec]) -> Option<BoxedStrategy<Flag>> {
    let choices: Vec<&'static FlagSpec> = list.iter().filter(|f| f.long != "help").collect();
    if choices.is_empty() {
        return None;
    }
    Some(
        select(choices)
            .prop_flat_map(|spec| flag_value(spec).prop_map(move |value| Flag { spec, value }))
            .boxed(),
    )
}

/// Invocations of the commands a policy's rules name, with mostly the flags and
/// values the rule allows (and now and then any flag of the command), so that the
/// allow path is reached often.
fn guided(policy: &'static Policy) -> impl Strategy<Value = Logical> {
    let commands: Vec<_> = policy.rules.iter().flat_map(|r| &r.commands).collect();
    select(commands).prop_flat_map(|rule| {
        let command = rule.command;
        let allowed: Vec<BoxedStrategy<Flag>> = rule
            .flags
            .iter()
            .filter(|(long, _)| *long != "help")
            .filter_map(|(long, value_rule)| {
                let spec = command.flag_by_long(long)?;
                let values = match value_rule {
                    ValueRule::OneOf(patterns) if !patterns.is_empty() => {
                        let literal: Vec<String> =
                            patterns.iter().map(|p| p.as_str().to_string()).collect();
                        prop_oneof![3 => select(literal), 1 => flag_value(spec)].boxed()
                    }
                    _ => flag_value(spec),
                };
                Some(values.prop_map(move |value| Flag { spec, value }).boxed())
            })
            .collect();
        let flags = match (allowed.is_empty(), one_flag(command.flags)) {
            (_, None) => Just(Vec::new()).boxed(),
            (true, Some(any_flag)) => prop::collection::vec(any_flag, 0..2).boxed(),
            (false, Some(any_flag)) => {
                prop::collection::vec(prop_oneof![12 => Union::new(allowed), 1 => any_flag], 0..5)
                    .boxed()
            }
        };
        let positionals = if container::creates_container(command.path) {
            (select(IMAGES), prop::collection::vec(value(), 0..3))
                .prop_map(|(image, mut rest)| {
                    rest.insert(0, image.to_string());
                    rest
                })
                .boxed()
        } else {
            prop::collection::vec(positional(), 0..3).boxed()
        };
        let version = GLOBAL_FLAGS.iter().find(|f| f.long == "version").unwrap();
        let globals = prop_oneof![
            10 => Just(Vec::new()),
            1 => Just(vec![Flag { spec: version, value: "true".into() }]),
            1 => flags_from(GLOBAL_FLAGS, 1),
        ];
        (globals, flags, positionals).prop_map(move |(globals, flags, positionals)| Logical {
            command,
            globals,
            groups: Vec::new(),
            flags,
            positionals,
        })
    })
}

// ---- spellings -------------------------------------------------------------------

/// splitmix64: the renderer's choices come from one seed, so a failing case shrinks
/// the invocation and keeps its spelling reproducible.
struct Choices(u64);

impl Choices {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    fn one_in(&mut self, n: u64) -> bool {
        self.next().is_multiple_of(n)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

/// Every spelling Go's `strconv.ParseBool` reads as each value.
const TRUE_LITERALS: &[&str] = &["true", "1", "t", "T", "TRUE", "True"];
const FALSE_LITERALS: &[&str] = &["false", "0", "f", "F", "FALSE", "False"];

/// The flag's value as typed after `=` or as the next argument.
fn literal(c: &mut Choices, flag: &Flag) -> String {
    if !flag.spec.is_bool() {
        return flag.value.clone();
    }
    let literals = if flag.value == "true" {
        TRUE_LITERALS
    } else {
        FALSE_LITERALS
    };
    c.pick(literals).to_string()
}

/// The flag may be given bare (`--rm`, `-d`): its value is the one pflag assumes.
fn bare_ok(flag: &Flag) -> bool {
    flag.spec.no_opt_default == Some(flag.value.as_str())
}

/// pflag reads `-s=` as the default value followed by a shorthand `=`, so a flag with
/// an optional value and an empty value cannot be spelled by its shorthand.
fn short_ok(flag: &Flag) -> bool {
    flag.spec.short.is_some()
        && (flag.spec.no_opt_default.is_none() || bare_ok(flag) || !flag.value.is_empty())
}

/// How a value follows a shorthand letter: text attached to it, and maybe a separate
/// argument.
fn short_value(c: &mut Choices, flag: &Flag) -> (String, Option<String>) {
    let lit = literal(c, flag);
    if flag.spec.no_opt_default.is_some() {
        return (format!("={lit}"), None); // only `-s=v` gives such a flag a value
    }
    // `-sVALUE` reads VALUE, except that a leading `=` is taken as the separator when
    // more follows it.
    let attached_ok = !lit.is_empty() && (!lit.starts_with('=') || lit == "=");
    match c.below(3) {
        0 if attached_ok => (lit, None),
        1 if !lit.is_empty() => (format!("={lit}"), None),
        _ => (String::new(), Some(lit)),
    }
}

/// The flags as argument groups, in order; a group is one flag (one or two
/// arguments) or a cluster of shorthands (`-itv` `/x:/y`).
fn render_flags(c: &mut Choices, flags: &[Flag]) -> Vec<Vec<String>> {
    let mut units = Vec::new();
    let mut i = 0;
    while i < flags.len() {
        let flag = &flags[i];
        i += 1;
        let mut unit = Vec::new();
        if short_ok(flag) && c.one_in(2) {
            let letter = flag.spec.short.unwrap();
            if bare_ok(flag) && !c.one_in(3) {
                // A cluster: bare shorthands, then maybe one that takes a value.
                let mut cluster = format!("-{letter}");
                let mut separate = None;
                while i < flags.len() && short_ok(&flags[i]) && !c.one_in(3) {
                    let next = &flags[i];
                    i += 1;
                    cluster.push(next.spec.short.unwrap());
                    if bare_ok(next) && !c.one_in(4) {
                        continue;
                    }
                    let (attached, after) = short_value(c, next);
                    cluster.push_str(&attached);
                    separate = after;
                    break;
                }
                unit.push(cluster);
                unit.extend(separate);
            } else {
                let (attached, after) = short_value(c, flag);
                unit.push(format!("-{letter}{attached}"));
                unit.extend(after);
            }
        } else {
            let long = flag.spec.long;
            if bare_ok(flag) && c.one_in(2) {
                unit.push(format!("--{long}"));
            } else if flag.spec.no_opt_default.is_some() || c.one_in(2) {
                unit.push(format!("--{long}={}", literal(c, flag)));
            } else {
                unit.push(format!("--{long}"));
                unit.push(flag.value.clone());
            }
        }
        units.push(unit);
    }
    units
}

/// Whether pflag reads the argument as a positional when no `--` came before it.
fn plain(arg: &str) -> bool {
    arg != "--" && !(arg.len() > 1 && arg.starts_with('-'))
}

/// One spelling of the invocation, chosen by `seed`.
fn render(logical: &Logical, seed: u64) -> Vec<String> {
    let c = &mut Choices(seed);
    let mut out: Vec<String> = render_flags(c, &logical.globals).concat();
    let paths = logical.paths();
    let path = paths[c.below(paths.len())];
    let mut typed = String::new();
    for word in path.split_whitespace() {
        out.push(word.to_string());
        if !typed.is_empty() {
            typed.push(' ');
        }
        typed.push_str(word);
        if let Some((_, flags)) = logical.groups.iter().find(|(g, _)| g.path == typed) {
            out.extend(render_flags(c, flags).concat());
        }
    }
    let units = render_flags(c, &logical.flags);
    let positionals = &logical.positionals;
    if logical.command.interspersed && !logical.command.group {
        // Plain positionals may sit between flags; from the first one that looks like
        // a flag (or sooner, by choice) they follow a `--`.
        let first_odd = positionals
            .iter()
            .position(|p| !plain(p))
            .unwrap_or(positionals.len());
        let before = c.below(first_odd + 1);
        let mut units = units.into_iter().peekable();
        let mut loose = positionals[..before].iter().peekable();
        while units.peek().is_some() || loose.peek().is_some() {
            let take_unit = match (units.peek(), loose.peek()) {
                (Some(_), Some(_)) => c.one_in(2),
                (Some(_), None) => true,
                _ => false,
            };
            if take_unit {
                out.extend(units.next().unwrap());
            } else {
                out.push(loose.next().unwrap().clone());
            }
        }
        if before < positionals.len() || c.one_in(4) {
            out.push("--".to_string());
            out.extend(positionals[before..].iter().cloned());
        }
    } else {
        // Not interspersed (or a group): the first positional ends the flags.
        out.extend(units.concat());
        let needs_terminator = positionals.first().is_some_and(|p| !plain(p));
        if needs_terminator || (!logical.command.group && c.one_in(3)) {
            out.push("--".to_string());
        }
        out.extend(positionals.iter().cloned());
    }
    out
}

fn os(args: &[String]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

// ---- properties ------------------------------------------------------------------

/// Any token list: command words, model flags, hostile tokens, NUL, any unicode;
/// or arbitrary bytes (non-UTF-8 included).
fn any_argv() -> impl Strategy<Value = Vec<OsString>> {
    let word = (0..COMMANDS.len()).prop_map(|i| {
        let command = &COMMANDS[i];
        let words: Vec<&str> = command.path.split(' ').collect();
        words[words.len() - 1].to_string()
    });
    let model_flag = (0..COMMANDS.len(), any::<prop::sample::Index>()).prop_map(|(i, at)| {
        let flags = COMMANDS[i].flags;
        if flags.is_empty() {
            return "--help".to_string();
        }
        let flag = &flags[at.index(flags.len())];
        match (flag.short, at.index(2)) {
            (Some(s), 0) => format!("-{s}"),
            _ => format!("--{}", flag.long),
        }
    });
    let token = prop_oneof![
        3 => word,
        3 => model_flag,
        3 => value(),
        1 => select(WITH_NUL).prop_map(String::from),
        1 => any::<String>(),
    ];
    let strings =
        (0..=COMMANDS.len(), prop::collection::vec(token, 0..12)).prop_map(|(i, mut tokens)| {
            // Mostly start with a real command path, so that parsing gets far.
            if let Some(command) = COMMANDS.get(i) {
                let words = command.path.split(' ').map(String::from);
                tokens.splice(0..0, words);
            }
            os(&tokens)
        });
    let bytes = prop::collection::vec(prop::collection::vec(any::<u8>(), 0..12), 0..6)
        .prop_map(|args| args.into_iter().map(OsString::from_vec).collect());
    prop_oneof![4 => strings, 1 => bytes]
}

#[test]
fn parse_judge_and_canonical_never_panic_on_any_argv() {
    let parsed = Cell::new(0usize);
    check(any_argv(), |args| {
        let outcomes = oracle::check_argv(&[&SHIPPED, &PERMISSIVE], &args);
        if outcomes[0] != Outcome::Unparsed {
            parsed.set(parsed.get() + 1);
        }
        Ok(())
    });
    eprintln!("{} cases, {} parsed", cases(), parsed.get());
    // The generator must reach past the parser now and then, or the checks after it
    // are never exercised.
    assert!(parsed.get() > 0, "no generated argv parsed");
}

#[test]
fn every_spelling_parses_to_its_invocation_and_canonical_argv_reparses() {
    check((logical(), any::<u64>()), |(logical, seed)| {
        let argv = render(&logical, seed);
        let invocation = parse::parse(&argv)
            .map_err(|e| TestCaseError::fail(format!("{argv:?} does not parse: {e}")))?;
        prop_assert_eq!(
            oracle::shape(&invocation),
            logical.shape(),
            "{:?} parsed wrongly",
            argv
        );
        oracle::check_reparse(&invocation);
        Ok(())
    });
}

#[test]
fn equivalent_spellings_get_one_decision() {
    let allowed = [Cell::new(0usize), Cell::new(0usize)];
    check(
        (logical(), any::<u64>(), any::<u64>()),
        |(logical, seed_a, seed_b)| {
            let a = render(&logical, seed_a);
            let b = render(&logical, seed_b);
            let caller = oracle::caller();
            for (policy, count) in [&*SHIPPED, &*PERMISSIVE].into_iter().zip(&allowed) {
                let first = shim::judge(policy, &caller, &os(&a));
                let second = shim::judge(policy, &caller, &os(&b));
                prop_assert_eq!(
                    &first.decision,
                    &second.decision,
                    "{:?} and {:?} are decided differently under {}",
                    a,
                    b,
                    policy.source
                );
                prop_assert_eq!(shim::docker_args(&first), shim::docker_args(&second));
                if first.decision.allowed {
                    count.set(count.get() + 1);
                }
            }
            oracle::check_argv(&[&SHIPPED, &PERMISSIVE], &os(&a));
            Ok(())
        },
    );
    eprintln!(
        "{} cases; allowed: {} under the shipped policy, {} under the permissive one",
        cases(),
        allowed[0].get(),
        allowed[1].get()
    );
    // The permissive policy allows every flag: a good share of cases must reach the
    // allow path, or this property only compares denials.
    assert!(
        allowed[1].get() >= cases() / 10,
        "only {} allowed under the permissive policy",
        allowed[1].get()
    );
}

#[test]
fn allowed_by_the_shipped_policy_means_docker_sees_only_allowed_flags() {
    let allowed = Cell::new(0usize);
    check((guided(&SHIPPED), any::<u64>()), |(logical, seed)| {
        let argv = render(&logical, seed);
        // check_argv checks each allowed exec argv against the allowing rule.
        if oracle::check_argv(&[&SHIPPED], &os(&argv))[0] == Outcome::Allowed {
            allowed.set(allowed.get() + 1);
        }
        Ok(())
    });
    eprintln!("{} cases, {} allowed", cases(), allowed.get());
    assert!(
        allowed.get() >= cases() / 10,
        "only {} of the guided invocations were allowed",
        allowed.get()
    );
}

/// The renderer must produce every spelling the parser has to handle, or the
/// properties above test less than they claim.
#[test]
fn the_renderer_uses_every_spelling() {
    let run = lookup("container run").unwrap();
    let flag = |long: &str, value: &str| Flag {
        spec: run.flag_by_long(long).unwrap(),
        value: value.to_string(),
    };
    let logical = Logical {
        command: run,
        globals: Vec::new(),
        groups: Vec::new(),
        flags: vec![
            flag("interactive", "true"),
            flag("tty", "true"),
            flag("volume", "/x:/y"),
            flag("detach", "false"),
        ],
        positionals: vec!["img".to_string()],
    };
    let mut seen = BTreeSet::new();
    for seed in 0..2000 {
        let argv = render(&logical, seed);
        for (i, arg) in argv.iter().enumerate() {
            let next = argv.get(i + 1).map(String::as_str);
            let form = match arg.as_str() {
                "-itv/x:/y" | "-itv=/x:/y" => "cluster ending in an attached value",
                "-itv" if next == Some("/x:/y") => "cluster, value in the next argument",
                "-v/x:/y" => "-sv",
                "-v=/x:/y" => "-s=v",
                "-v" => "-s v",
                "--volume=/x:/y" => "--long=v",
                "--volume" => "--long v",
                "--interactive" => "--bool",
                "--detach=F" | "-d=0" => "false literal",
                "-i" => "bare shorthand",
                "--" => "terminator",
                _ => continue,
            };
            seen.insert(form);
        }
        let parsed = parse::parse(&argv).unwrap();
        assert_eq!(oracle::shape(&parsed), logical.shape(), "{argv:?}");
    }
    assert_eq!(seen.len(), 11, "spellings seen: {seen:?}");
}

// ---- fuzz findings -----------------------------------------------------------------

/// The inputs a fuzz target starts from and has failed on: `fuzz/seeds/TARGET` and
/// `fuzz/regressions/TARGET`, by path.
fn fuzz_inputs(target: &str) -> Vec<(String, Vec<u8>)> {
    let fuzz = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz");
    let mut inputs = Vec::new();
    for dir in [fuzz.join("seeds"), fuzz.join("regressions")] {
        let dir = dir.join(target);
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue; // no findings yet
        };
        for entry in entries {
            let path = entry.unwrap().path();
            let data = std::fs::read(&path).unwrap();
            inputs.push((path.display().to_string(), data));
        }
    }
    inputs.sort();
    assert!(!inputs.is_empty(), "no seeds for fuzz target {target}");
    inputs
}

/// Every seed and finding of the guard target (`fuzz/seeds/guard/`,
/// `fuzz/regressions/guard/`) passes the target's checks in an ordinary `cargo test`,
/// without the fuzzer.
#[test]
fn fuzz_inputs_of_guard_pass_without_the_fuzzer() {
    let inputs = fuzz_inputs("guard");
    for (name, data) in inputs {
        let outcome =
            std::panic::catch_unwind(|| oracle::fuzz_guard(&[&SHIPPED, &PERMISSIVE], &data));
        assert!(
            outcome.is_ok(),
            "fuzz input {name} fails (see the panic above)"
        );
    }
}

/// Every seed and finding of the policy_load target loads or is refused, never panics.
#[test]
fn fuzz_inputs_of_policy_load_pass_without_the_fuzzer() {
    let inputs = fuzz_inputs("policy_load");
    for (name, data) in inputs {
        let outcome = std::panic::catch_unwind(|| oracle::fuzz_policy_load(&data));
        assert!(
            outcome.is_ok(),
            "fuzz input {name} fails (see the panic above)"
        );
    }
}
