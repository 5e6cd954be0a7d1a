//! Compares the model of the docker CLI (`src/docker/spec.rs`) with the help of the
//! installed client, `/usr/local/bin/docker` (28.2.2, no plugins).
//!
//! For every modelled command and every alias, `docker <path> --help` must show the
//! command the model says (its usage line), the same visible flags (long name,
//! shorthand, type word, optional value), the same "Aliases:" line and, for a group,
//! the same sub-commands. The root help must list exactly the modelled top-level
//! commands and the global options. Two more probes per command check what help does
//! not print: `docker <path> XARG --help` shows help only if flags may follow a
//! positional (interspersed), and `docker <path> --<hidden flag> --help` shows help
//! only if docker accepts the hidden flag.
//!
//! docker runs with an empty HOME and config dir and with DOCKER_HOST pointing at a
//! socket that does not exist. When docker cannot ping a daemon it hides nothing behind
//! the "version", "ostype", "experimental" and "swarm" annotations
//! (cmd/docker/docker.go `hideUnsupportedFeatures`), so the comparison is exact
//! whatever daemon the host runs; and no probe can reach a daemon.

use docker_guard::docker::model::{CommandSpec, FlagSpec};
use docker_guard::docker::spec::{
    COMMANDS, COMPOSE_VERSION, DOCKER_VERSION, GLOBAL_FLAGS, HELP, HIDDEN_ALIASES,
};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

const DOCKER: &str = "/usr/local/bin/docker";

/// Modelled commands whose `--help` cannot be compared, and why.
const NOT_COMPARED: &[(&str, &str)] = &[
    (
        "bake",
        "a stub for `buildx bake`: without buildx, `docker bake --help` is an error",
    ),
    (
        "__complete",
        "cobra's completion request: DisableFlagParsing, so `--help` is an argument",
    ),
];

/// (long, shorthand, type word, optional value shown as `[=...]`)
type FlagRow = (String, Option<char>, String, Option<String>);

#[derive(Debug, Default)]
struct Help {
    /// The command path of the "Usage:" line (`container ls`; empty for the root).
    usage_path: Option<String>,
    /// The "Aliases:" line, without the leading `docker `; None without that section.
    aliases: Option<BTreeSet<String>>,
    /// "Options:" (or "Global Options:" for the root).
    flags: BTreeSet<FlagRow>,
    /// The names listed under the "... Commands:" sections.
    subcommands: BTreeSet<String>,
}

fn parse_help(text: &str) -> Help {
    let mut help = Help::default();
    let mut section = String::new();
    for line in text.lines() {
        if let Some(usage) = line.strip_prefix("Usage:") {
            let mut words = usage.split_whitespace();
            if words.next() == Some("docker") {
                let path: Vec<&str> = words
                    .take_while(|w| {
                        !w.starts_with('-')
                            && w.chars()
                                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    })
                    .collect();
                help.usage_path = Some(path.join(" "));
            }
            section.clear();
            continue;
        }
        if !line.is_empty() && !line.starts_with(' ') && line.ends_with(':') {
            section = line.trim_end_matches(':').to_string();
            continue;
        }
        match section.as_str() {
            "Aliases" if !line.trim().is_empty() => {
                let set = help.aliases.get_or_insert_with(BTreeSet::new);
                for alias in line.split(',') {
                    let alias = alias.trim();
                    set.insert(alias.strip_prefix("docker ").unwrap_or(alias).to_string());
                }
            }
            "Options" | "Global Options" => {
                if let Some(row) = parse_option_line(line) {
                    help.flags.insert(row);
                }
            }
            "Common Commands" | "Management Commands" | "Swarm Commands" | "Commands" => {
                if let Some(rest) = line.strip_prefix("  ")
                    && !rest.starts_with(' ')
                    && let Some(name) = rest.split_whitespace().next()
                {
                    // Plugins are decorated with `*`.
                    help.subcommands
                        .insert(name.trim_end_matches('*').to_string());
                }
            }
            _ => {}
        }
    }
    help
}

/// pflag's usage lines: `  -a, --all   desc`, `      --filter filter   desc`,
/// `      --opt[="x"] string   desc`. Wrapped description lines are indented further
/// and are not options.
fn parse_option_line(line: &str) -> Option<FlagRow> {
    let (short, rest) = if let Some(rest) = line.strip_prefix("      --") {
        (None, rest)
    } else {
        let b = line.as_bytes();
        if b.len() > 8 && line.starts_with("  -") && &line[4..8] == ", --" {
            (Some(b[3] as char), &line[8..])
        } else {
            return None;
        }
    };
    let name_end = rest.find(' ').unwrap_or(rest.len());
    let (name, after) = rest.split_at(name_end);
    let (long, no_opt) = match name.split_once("[=") {
        Some((long, v)) => {
            let v = v.trim_end_matches(']').trim_matches('"');
            (long, Some(v.to_string()))
        }
        None => (name, None),
    };
    // A type word follows after exactly one space; the description after two or more.
    let ty = match after.strip_prefix(' ') {
        Some(t) if !t.starts_with(' ') && !t.is_empty() => {
            t.split_whitespace().next().unwrap_or("").to_string()
        }
        _ => String::new(),
    };
    Some((long.to_string(), short, ty, no_opt))
}

/// What the model says help shows: visible flags, without the root's persistent
/// `-h/--help`, which docker hides.
fn expected_rows(flags: &[FlagSpec]) -> BTreeSet<FlagRow> {
    flags
        .iter()
        .filter(|f| !f.hidden && **f != HELP)
        .map(|f| {
            let shown = match f.no_opt_default {
                Some("true") if f.is_bool() => None,
                other => other.map(str::to_string),
            };
            (f.long.to_string(), f.short, f.ty.to_string(), shown)
        })
        .collect()
}

fn fmt_row(r: &FlagRow) -> String {
    let mut s = match r.1 {
        Some(c) => format!("-{c}, --{}", r.0),
        None => format!("--{}", r.0),
    };
    if let Some(v) = &r.3 {
        s += &format!("[={v}]");
    }
    if !r.2.is_empty() {
        s += &format!(" {}", r.2);
    }
    s
}

fn parent(path: &str) -> &str {
    path.rsplit_once(' ').map_or("", |(p, _)| p)
}

fn last_word(path: &str) -> &str {
    path.rsplit_once(' ').map_or(path, |(_, w)| w)
}

/// The names help lists under group `group`: each command's own path, plus every alias
/// living under another parent (a separate cobra command such as `ps` or `builder
/// build`; an alias under the same parent is a cobra alias, never listed). cobra lists
/// neither hidden commands nor its `help` command.
fn expected_children(group: &str, in_scope: &dyn Fn(&CommandSpec) -> bool) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for c in COMMANDS.iter().filter(|c| !c.hidden && in_scope(c)) {
        let separate = c.aliases.iter().filter(|a| parent(a) != parent(c.path));
        for name in std::iter::once(&c.path).chain(separate) {
            if parent(name) == group && *name != "help" {
                out.insert(last_word(name).to_string());
            }
        }
    }
    out
}

/// A value each flag type's `Set` accepts, for the hidden-flag probe.
fn sample_value(ty: &str) -> Option<&'static str> {
    match ty {
        "" => None,
        "duration" => Some("1s"),
        "int" | "uint" | "uint16" | "bytes" | "decimal" | "float" => Some("1"),
        _ => Some("x"),
    }
}

struct Sandbox {
    _dir: tempfile::TempDir,
    home: PathBuf,
    config: PathBuf,
    work: PathBuf,
    host: String,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().expect("temp dir");
        let home = dir.path().join("home");
        let config = dir.path().join("config");
        let work = dir.path().join("work");
        for d in [&home, &config, &work] {
            std::fs::create_dir(d).expect("create dir");
        }
        let host = format!("unix://{}", dir.path().join("no-daemon.sock").display());
        Sandbox {
            _dir: dir,
            home,
            config,
            work,
            host,
        }
    }

    fn docker(&self, args: &[String]) -> Run {
        let out = Command::new(DOCKER)
            .args(args)
            .env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &self.home)
            .env("DOCKER_CONFIG", &self.config)
            .env("DOCKER_HOST", &self.host)
            .current_dir(&self.work)
            .stdin(Stdio::null())
            .output()
            .unwrap_or_else(|e| panic!("running {DOCKER} {args:?}: {e}"));
        Run {
            ok: out.status.success(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs all the invocations on a few threads; results in the same order.
    fn docker_all(&self, jobs: &[Vec<String>]) -> Vec<Run> {
        let next = AtomicUsize::new(0);
        let results: Mutex<Vec<Option<Run>>> = Mutex::new((0..jobs.len()).map(|_| None).collect());
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        let Some(job) = jobs.get(i) else { break };
                        let run = self.docker(job);
                        results.lock().unwrap()[i] = Some(run);
                    }
                });
            }
        });
        results
            .into_inner()
            .unwrap()
            .into_iter()
            .map(|r| r.expect("every job ran"))
            .collect()
    }
}

struct Run {
    ok: bool,
    stdout: String,
    stderr: String,
}

impl Run {
    /// docker printed a help page and succeeded (a deprecated flag's warning may come
    /// first; a flag error exits 125).
    fn shows_help(&self) -> bool {
        self.ok && self.stdout.lines().any(|l| l.starts_with("Usage:"))
    }
}

fn words(path: &str) -> Vec<String> {
    path.split(' ')
        .filter(|w| !w.is_empty())
        .map(str::to_string)
        .collect()
}

enum Job {
    /// `docker <name> --help` of the command `command`.
    Help {
        command: &'static CommandSpec,
        name: &'static str,
    },
    /// `docker <path> XARG --help`.
    Interspersed { command: &'static CommandSpec },
    /// `docker <path> --<flag>[=value] --help`.
    HiddenFlag {
        command: &'static CommandSpec,
        flag: &'static FlagSpec,
    },
}

#[test]
fn spec_matches_the_installed_docker_help() {
    assert!(
        Path::new(DOCKER).is_file(),
        "the model is compared with the help of docker {DOCKER_VERSION} (28.x), \
         which is needed at {DOCKER}"
    );
    let sandbox = Sandbox::new();
    let mut diffs: Vec<String> = Vec::new();

    // The version the model describes.
    let version = sandbox.docker(&["--version".to_string()]);
    let installed = version
        .stdout
        .strip_prefix("Docker version ")
        .and_then(|v| v.split(',').next())
        .unwrap_or("")
        .to_string();
    if installed != DOCKER_VERSION {
        diffs.push(format!(
            "installed docker is {:?}, the model describes {DOCKER_VERSION}",
            version.stdout.trim()
        ));
    }

    // The root: top-level commands and global options.
    let root_run = sandbox.docker(&["--help".to_string()]);
    let root = parse_help(&root_run.stdout);
    let compose_installed = root.subcommands.contains("compose");
    if compose_installed {
        let v = sandbox.docker(&words("compose version --short"));
        let v = v.stdout.trim().trim_start_matches('v');
        if v != COMPOSE_VERSION {
            diffs.push(format!(
                "installed docker compose is {v:?}, the model describes {COMPOSE_VERSION}"
            ));
        }
    } else {
        println!(
            "compose not compared: the docker compose plugin is not installed \
             (the model describes compose {COMPOSE_VERSION} from its source)"
        );
    }
    let in_scope = |c: &CommandSpec| {
        compose_installed || !(c.path == "compose" || c.path.starts_with("compose "))
    };
    compare_sets(
        &mut diffs,
        "docker --help: top-level commands",
        &expected_children("", &in_scope),
        &root.subcommands,
    );
    compare_sets(
        &mut diffs,
        "docker --help: global options",
        &fmt_rows(&expected_rows(GLOBAL_FLAGS)),
        &fmt_rows(&root.flags),
    );

    // Every modelled command.
    let mut jobs: Vec<Job> = Vec::new();
    let mut skipped = Vec::new();
    for c in COMMANDS.iter().filter(|c| in_scope(c)) {
        if let Some((_, why)) = NOT_COMPARED.iter().find(|(p, _)| *p == c.path) {
            skipped.push(format!("{}: {why}", c.path));
            continue;
        }
        for name in std::iter::once(&c.path).chain(c.aliases.iter()) {
            jobs.push(Job::Help { command: c, name });
        }
        if !c.group {
            jobs.push(Job::Interspersed { command: c });
        }
        for flag in c.flags.iter().filter(|f| f.hidden) {
            jobs.push(Job::HiddenFlag { command: c, flag });
        }
    }
    let argvs: Vec<Vec<String>> = jobs
        .iter()
        .map(|job| match job {
            Job::Help { name, .. } => [words(name), vec!["--help".into()]].concat(),
            Job::Interspersed { command } => {
                [words(command.path), vec!["XARG".into(), "--help".into()]].concat()
            }
            Job::HiddenFlag { command, flag } => {
                let arg = match sample_value(flag.ty) {
                    Some(v) => format!("--{}={v}", flag.long),
                    None => format!("--{}", flag.long),
                };
                [words(command.path), vec![arg, "--help".into()]].concat()
            }
        })
        .collect();
    let runs = sandbox.docker_all(&argvs);

    let (mut helps, mut probes, mut hidden_flags) = (0, 0, 0);
    for ((job, argv), run) in jobs.iter().zip(&argvs).zip(&runs) {
        let shown = format!("docker {}", argv.join(" "));
        match job {
            Job::Help { command, name } => {
                helps += 1;
                compare_help(&mut diffs, &shown, command, name, run, &in_scope);
            }
            Job::Interspersed { command } => {
                probes += 1;
                if run.shows_help() != command.interspersed {
                    diffs.push(format!(
                        "{shown}: {}, but the model says interspersed: {}",
                        if run.shows_help() {
                            "shows help (flags may follow a positional)"
                        } else {
                            "does not show help (flags end at the first positional)"
                        },
                        command.interspersed
                    ));
                }
            }
            Job::HiddenFlag { .. } => {
                hidden_flags += 1;
                if !run.shows_help() {
                    diffs.push(format!(
                        "{shown}: the hidden flag is not accepted: {}",
                        first_line(&run.stderr)
                    ));
                }
            }
        }
    }

    println!(
        "compared {helps} help pages, {probes} interspersed probes and {hidden_flags} \
         hidden flags with {DOCKER} (daemon deliberately unreachable, so no flag or \
         command was hidden for the daemon's version, OS, experimental or swarm state)"
    );
    for s in &skipped {
        println!("not compared: {s}");
    }
    assert!(
        diffs.is_empty(),
        "the model (src/docker/spec.rs) differs from the help of {DOCKER} in {} places:\n  {}",
        diffs.len(),
        diffs.join("\n  ")
    );
}

fn compare_help(
    diffs: &mut Vec<String>,
    shown: &str,
    command: &CommandSpec,
    name: &str,
    run: &Run,
    in_scope: &dyn Fn(&CommandSpec) -> bool,
) {
    if !run.ok {
        diffs.push(format!("{shown}: failed: {}", first_line(&run.stderr)));
        return;
    }
    let help = parse_help(&run.stdout);
    // A cobra alias shows its command's help; a separate top-level command (`ps`) its own.
    let expected_path = if parent(name) == parent(command.path) {
        command.path
    } else {
        name
    };
    if help.usage_path.as_deref() != Some(expected_path) {
        diffs.push(format!(
            "{shown}: shows the help of {:?}, expected the help of {expected_path:?}",
            help.usage_path.unwrap_or_default()
        ));
        return;
    }
    compare_sets(
        diffs,
        &format!("{shown}: flags"),
        &fmt_rows(&expected_rows(command.flags)),
        &fmt_rows(&help.flags),
    );
    let visible_aliases: BTreeSet<String> = command
        .aliases
        .iter()
        .filter(|a| !HIDDEN_ALIASES.contains(a))
        .map(|a| a.to_string())
        .collect();
    match help.aliases {
        None if visible_aliases.is_empty() => {}
        None => diffs.push(format!(
            "{shown}: no \"Aliases:\" line, but the model has {visible_aliases:?}"
        )),
        Some(listed) => {
            let mut expected = visible_aliases;
            expected.insert(command.path.to_string());
            compare_sets(diffs, &format!("{shown}: aliases"), &expected, &listed);
        }
    }
    if command.group || !help.subcommands.is_empty() {
        compare_sets(
            diffs,
            &format!("{shown}: sub-commands"),
            &expected_children(command.path, in_scope),
            &help.subcommands,
        );
    }
}

fn fmt_rows(rows: &BTreeSet<FlagRow>) -> BTreeSet<String> {
    rows.iter().map(fmt_row).collect()
}

fn compare_sets(
    diffs: &mut Vec<String>,
    what: &str,
    model: &BTreeSet<String>,
    help: &BTreeSet<String>,
) {
    let missing: Vec<&String> = help.difference(model).collect();
    let extra: Vec<&String> = model.difference(help).collect();
    if !missing.is_empty() {
        diffs.push(format!(
            "{what}: in the help, not in the model: {missing:?}"
        ));
    }
    if !extra.is_empty() {
        diffs.push(format!("{what}: in the model, not in the help: {extra:?}"));
    }
}

fn first_line(s: &str) -> &str {
    s.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or("")
        .trim()
}

#[test]
fn option_lines_are_read_like_pflag_prints_them() {
    assert_eq!(
        parse_option_line("  -a, --all             Show all containers"),
        Some(("all".into(), Some('a'), String::new(), None))
    );
    assert_eq!(
        parse_option_line("      --filter filter   Filter output"),
        Some(("filter".into(), None, "filter".into(), None))
    );
    assert_eq!(
        parse_option_line("      --opt[=\"x\"] string   desc"),
        Some(("opt".into(), None, "string".into(), Some("x".into())))
    );
    assert_eq!(
        parse_option_line("  -t, --tty   Allocate a pseudo-TTY"),
        Some(("tty".into(), Some('t'), String::new(), None))
    );
    // Wrapped description lines, even one starting with a flag name.
    assert_eq!(
        parse_option_line("                        --tlsverify and more"),
        None
    );
    assert_eq!(
        parse_option_line("                        (default 0)"),
        None
    );
}
