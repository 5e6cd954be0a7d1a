//! The checks every generated or fuzzed argv must pass, shared by the property tests
//! (`tests/integration/properties.rs`), the fuzz targets (`fuzz/fuzz_targets/*.rs`,
//! which include this file by path) and the replay of fuzz findings
//! (`fuzz/regressions/`). One copy, so that a finding the fuzzer reports fails the
//! same assertion in `cargo test`.
//!
//! Only the library API is used: no subprocess, no root, no docker.

use docker_guard::caller::Caller;
use docker_guard::docker::canonical;
use docker_guard::docker::parse::{self, FlagUse, Invocation};
use docker_guard::docker::spec::{COMMANDS, GLOBAL_FLAGS};
use docker_guard::policy::{FlagRules, Policy, Rule, ValueRule, flag_rule, load};
use docker_guard::policy::{build, container};
use docker_guard::shim::{self, Judgement};
use std::ffi::OsString;
use std::fmt::Write as _;
use std::os::unix::ffi::OsStringExt;

/// The policy the project ships, checked as shipped.
pub const SHIPPED_POLICY: &str = include_str!("../../../policy.toml");

/// An unprivileged caller that every `users = ["*"]` rule covers.
pub fn caller() -> Caller {
    Caller {
        user: "agent".to_string(),
        uid: 4242,
        groups: vec!["agent".to_string()],
    }
}

pub fn shipped_policy() -> Policy {
    load::parse_policy(SHIPPED_POLICY, "policy.toml")
        .unwrap_or_else(|e| panic!("the shipped policy does not load: {e}"))
}

/// A policy that names every command of the model with every one of its flags, so
/// that generated invocations reach the allow path (forced flags, rewrites, value
/// patterns, positional patterns) and not only the "command not allowed" denial.
/// A few patterns keep the value checks in play: `strings` flags (split on commas)
/// must match `[a-z]*` per element, and `volume` commands' positionals must match
/// `[a-z]*` or start with `-`.
pub fn permissive_policy_text() -> String {
    let mut text = String::from(
        "docker = \"/usr/bin/docker\"\n\n[[rule]]\nid = \"everything\"\nusers = [\"*\"]\nhelp = true\n",
    );
    let globals: Vec<String> = GLOBAL_FLAGS
        .iter()
        .map(|f| format!("\"{}\" = true", f.long))
        .collect();
    writeln!(text, "global_flags = {{ {} }}", globals.join(", ")).unwrap();
    for command in COMMANDS.iter().filter(|c| !c.group) {
        writeln!(text, "\n[rule.commands.\"{}\"]", command.path).unwrap();
        let flags: Vec<String> = command
            .flags
            .iter()
            .map(|f| {
                if f.is_csv_list() {
                    format!("\"{}\" = [\"[a-z]*\"]", f.long)
                } else {
                    format!("\"{}\" = true", f.long)
                }
            })
            .collect();
        writeln!(text, "flags = {{ {} }}", flags.join(", ")).unwrap();
        if container::creates_container(command.path) {
            text.push_str("images = [\"*\"]\n");
            writeln!(
                text,
                "mounts = {{ volumes = [\"*\"], binds = [\"/srv/docker-guard-proptest\"], tmpfs = true, volume_options = true }}"
            )
            .unwrap();
            text.push_str("force = { label = \"owner={user}\", pids-limit = \"100\" }\n");
        } else if command.path.starts_with("volume ") {
            text.push_str("positionals = [\"[a-z]*\", \"-*\"]\n");
        }
    }
    text
}

pub fn permissive_policy() -> Policy {
    load::parse_policy(&permissive_policy_text(), "permissive.toml")
        .unwrap_or_else(|e| panic!("the permissive test policy does not load: {e}"))
}

/// What the re-parse property compares: the command, and every level's flags (long
/// name and normalised value, in order) and the positionals. Group levels without
/// flags are left out: an alias (`ps`) reaches the command without passing through
/// its group, while the canonical path (`container ls`) passes through it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shape {
    pub command: &'static str,
    pub levels: Vec<(&'static str, Vec<(&'static str, String)>)>,
    pub positionals: Vec<String>,
}

pub fn shape(invocation: &Invocation) -> Shape {
    Shape {
        command: invocation.command().path,
        levels: invocation
            .levels
            .iter()
            .enumerate()
            .filter(|(i, level)| *i == 0 || !level.flags.is_empty())
            .map(|(_, level)| {
                let flags = level
                    .flags
                    .iter()
                    .map(|f| (f.spec.long, f.value.clone()))
                    .collect();
                (level.command.path, flags)
            })
            .collect(),
        positionals: invocation.positionals.clone(),
    }
}

fn strings(args: &[String]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

/// What one argv came to under one policy, for the tallies the properties keep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Unparsed,
    Denied,
    Allowed,
}

/// Reads `args` as the shim does and checks, without ever panicking in the code under
/// test (a panic there is a finding):
/// - an argv that parses has a canonical argv that parses back to the same shape;
/// - under each policy, an allowed argv's exec argv obeys the rule that allowed it
///   ([`check_allowed`]).
///
/// Returns the outcome under each policy, in order.
pub fn check_argv(policies: &[&Policy], args: &[OsString]) -> Vec<Outcome> {
    let parsed = parse::to_strings(args).and_then(|s| parse::parse(&s));
    if let Ok(invocation) = &parsed {
        check_reparse(invocation);
    }
    let caller = caller();
    policies
        .iter()
        .map(|policy| {
            let judgement = shim::judge(policy, &caller, args);
            assert_eq!(
                judgement.invocation.is_some(),
                parsed.is_ok(),
                "judge and parse disagree on whether {args:?} parses"
            );
            let exec = shim::docker_args(&judgement);
            assert_eq!(
                exec.is_some(),
                judgement.decision.allowed,
                "an exec argv exists exactly when the decision allows: {args:?}"
            );
            if judgement.decision.allowed {
                assert!(
                    judgement.decision.reasons.is_empty() && judgement.decision.rule.is_some(),
                    "an allowance names its rule and has no reasons: {:?}",
                    judgement.decision
                );
                check_allowed(policy, &judgement, &exec.unwrap_or_default(), args);
                Outcome::Allowed
            } else {
                assert!(
                    !judgement.decision.reasons.is_empty(),
                    "a denial says why: {args:?}"
                );
                if judgement.invocation.is_some() {
                    Outcome::Denied
                } else {
                    Outcome::Unparsed
                }
            }
        })
        .collect()
}

/// The canonical argv (without forced flags or rewrites) parses, and parses to what
/// the typed argv parsed to.
pub fn check_reparse(invocation: &Invocation) {
    let argv = canonical::argv(invocation, &[], None);
    let again = parse::parse(&argv).unwrap_or_else(|e| {
        panic!("canonical argv {argv:?} does not parse: {e}\n(from {invocation:?})")
    });
    assert_eq!(
        shape(&again),
        shape(invocation),
        "canonical argv {argv:?} re-parses differently"
    );
}

/// For an allowed judgement: every flag docker will see is one the allowing rule
/// lists (with an allowed value) or one it forces, no value is one no policy may
/// allow, and judging the exec argv again (without the forced flags, which the
/// caller may not type) allows it by the same rule and gives the same exec argv:
/// the canonical form is a fixed point, so docker reads what was checked.
fn check_allowed(policy: &Policy, judgement: &Judgement, exec: &[String], typed: &[OsString]) {
    let decision = &judgement.decision;
    let rule = allowing_rule(policy, typed);
    assert_eq!(
        decision.rule.as_deref(),
        Some(rule.id.as_str()),
        "the decision names another rule than the one that allows {typed:?}"
    );
    let seen = parse::parse(exec)
        .unwrap_or_else(|e| panic!("exec argv {exec:?} does not parse: {e} (typed {typed:?})"));
    let context = format!("exec argv {exec:?} (typed {typed:?})");
    if decision.help_only {
        assert!(rule.help, "help allowed by a rule without help: {context}");
        for flag in seen.levels.iter().flat_map(|l| &l.flags) {
            assert_eq!(
                flag.spec.long, "help",
                "help argv carries a flag: {context}"
            );
        }
    } else {
        check_flags_allowed(&rule.global_flags, seen.global_flags(), &[], &context);
        let command = seen.command();
        if !command.path.is_empty() {
            let command_rule = rule
                .command(command)
                .unwrap_or_else(|| panic!("the rule does not name the command: {context}"));
            for level in &seen.levels[1..] {
                if let Some((group, tokens)) = &decision.group_tokens
                    && *group == level.command.path
                {
                    // The policy's own tokens (compose's pinned project), not the caller's.
                    let given: Vec<String> =
                        level.flags.iter().map(canonical::flag_token).collect();
                    assert_eq!(
                        &given, tokens,
                        "group flags are not the policy's: {context}"
                    );
                } else if level.command.path == command.path {
                    let forced: Vec<(&str, &str)> = decision
                        .forced
                        .iter()
                        .map(|f| (f.long, f.value.as_str()))
                        .collect();
                    check_flags_allowed(&command_rule.flags, &level.flags, &forced, &context);
                } else {
                    let group = rule.command(level.command).map(|c| c.flags.clone());
                    check_flags_allowed(&group.unwrap_or_default(), &level.flags, &[], &context);
                }
            }
            if container::creates_container(command.path) {
                let never = container::never_allowed(seen.command_flags());
                assert!(never.is_empty(), "{never:?}: {context}");
            }
            if command.path == build::BUILD_COMMAND {
                let never = build::never_allowed(&seen);
                assert!(never.is_empty(), "{never:?}: {context}");
            }
        }
    }
    if decision.group_tokens.is_some() {
        // The pinned project flags are the policy's and a caller may not type them,
        // so the exec argv is not itself an argv the caller could have typed.
        return;
    }
    let without_forced = strip_forced(exec, decision);
    let again = shim::judge(policy, &caller(), &strings(&without_forced));
    assert!(
        again.decision.allowed,
        "the exec argv without forced flags, {without_forced:?}, is denied: {:?} (typed {typed:?})",
        again.decision.reasons
    );
    assert_eq!(again.decision.rule, decision.rule, "{context}");
    assert_eq!(
        shim::docker_args(&again).as_deref(),
        Some(exec),
        "the exec argv is not a fixed point (typed {typed:?})"
    );
}

/// The rule that allowed `typed`: the first that allows it alone. Found by judging
/// with each rule alone, since rule ids need not be unique (a fuzzer finding:
/// `fuzz/regressions/policy_load/duplicate-rule-ids.toml`).
fn allowing_rule<'p>(policy: &'p Policy, typed: &[OsString]) -> &'p Rule {
    if let [only] = &policy.rules[..] {
        return only;
    }
    policy
        .rules
        .iter()
        .find(|rule| {
            let alone = Policy {
                rules: vec![(*rule).clone()],
                ..policy.clone()
            };
            shim::judge(&alone, &caller(), typed).decision.allowed
        })
        .unwrap_or_else(|| panic!("no rule alone allows {typed:?}, yet the policy does"))
}

/// Each flag is listed by the rule with a value it allows, or is one of `forced`.
fn check_flags_allowed(
    rules: &FlagRules,
    flags: &[FlagUse],
    forced: &[(&str, &str)],
    context: &str,
) {
    for flag in flags {
        let long = flag.spec.long;
        if forced.contains(&(long, flag.value.as_str())) {
            continue;
        }
        if long == "help" && flag.value == "false" {
            continue; // asks for nothing; decide skips it too
        }
        match flag_rule(rules, long) {
            None => panic!("--{long} is not allowed by the rule: {context}"),
            Some(ValueRule::Any) => {}
            Some(ValueRule::OneOf(patterns)) => {
                // pflag splits a `strings` value on commas; the policy checks each part.
                let parts: Vec<&str> = if flag.spec.is_csv_list() && !flag.value.contains('"') {
                    flag.value.split(',').collect()
                } else {
                    vec![flag.value.as_str()]
                };
                for part in parts {
                    assert!(
                        patterns.iter().any(|p| p.matches(part)),
                        "--{long}={part} matches no allowed pattern: {context}"
                    );
                }
            }
        }
    }
}

/// The exec argv less the forced tokens, which `canonical::argv` puts after the
/// command's own flags, just before `--` (or at the end).
fn strip_forced(exec: &[String], decision: &docker_guard::policy::decide::Decision) -> Vec<String> {
    if decision.forced.is_empty() || decision.help_only {
        return exec.to_vec();
    }
    let end = exec.iter().position(|a| a == "--").unwrap_or(exec.len());
    let start = end - decision.forced.len();
    let tokens: Vec<String> = decision
        .forced
        .iter()
        .map(|f| format!("--{}={}", f.long, f.value))
        .collect();
    assert_eq!(
        exec[start..end],
        tokens[..],
        "forced flags are not where canonical::argv puts them"
    );
    let mut out = exec[..start].to_vec();
    out.extend_from_slice(&exec[end..]);
    out
}

/// The guard fuzz target's reading of bytes as an argv: the first byte chooses the
/// separator (even: newline, odd: NUL), so that either can also appear inside an
/// argument; the rest is split on it, and arguments may be any bytes (non-UTF-8
/// included, which `to_strings` must refuse).
pub fn fuzz_argv(data: &[u8]) -> Vec<OsString> {
    let Some((&first, rest)) = data.split_first() else {
        return Vec::new();
    };
    let separator = if first % 2 == 0 { b'\n' } else { 0 };
    if rest.is_empty() {
        return Vec::new();
    }
    rest.split(|&b| b == separator)
        .map(|arg| OsString::from_vec(arg.to_vec()))
        .collect()
}

/// One input of the guard fuzz target: argv bytes through parse, decide (shipped and
/// permissive policies) and the canonical argv, with every check of [`check_argv`].
pub fn fuzz_guard(policies: &[&Policy], data: &[u8]) {
    check_argv(policies, &fuzz_argv(data));
}

/// One input of the policy-loading fuzz target: any text must load or be refused
/// with located errors, never panic; a policy that loads must judge a few argvs.
pub fn fuzz_policy_load(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match load::parse_policy(text, "fuzz.toml") {
        Ok(policy) => {
            for args in [&["ps"][..], &["run", "-v", "/:/h", "alpine"], &["--help"]] {
                let args: Vec<OsString> = args.iter().map(OsString::from).collect();
                check_argv(&[&policy], &args);
            }
        }
        Err(e) => assert!(!e.to_string().is_empty(), "an empty policy error"),
    }
}
