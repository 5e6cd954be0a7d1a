//! `docker-guard policy ...`: explaining, validating and testing policies. Never
//! executes docker.
//!
//! Under sudo these commands read only the installed policy: a path the caller
//! gives is never opened as root, and the caller can only ask about itself.

use crate::caller::{self, Caller};
use crate::error::{EXIT_CONFIG, EXIT_DENIED, Error, Located};
use crate::policy::cases::{self, Case};
use crate::policy::{Policy, lint, load, show};
use crate::shim::{Judgement, docker_args, judge};
use clap::{Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Exit code of `policy test` when a case fails: a test failure, not a refusal (77)
/// nor a broken file (78).
pub const EXIT_TEST_FAILED: i32 = 1;

#[derive(Parser, Debug)]
#[command(
    name = "docker-guard policy",
    about = "Explain, validate and test docker-guard policies (never runs docker)",
    version
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Show what the policy decides for one docker command line, and the argv docker
    /// would get. Exit 0 allow, 77 deny, 78 bad policy.
    Check {
        /// Policy file to read instead of the installed one (not under sudo).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Decide as this user (under sudo: only yourself).
        #[arg(long)]
        user: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The docker arguments, after `--`.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
        args: Vec<OsString>,
    },
    /// Check a policy file. Exit 0 when valid, 78 with `file:line:col: message` lines
    /// when not. Warns (`file:line:col: warning: ...`) about allowances that amount to
    /// host access or data loss.
    Validate {
        /// Turn warnings into errors (exit 78).
        #[arg(long)]
        strict: bool,
        /// Policy file (default: the installed one; under sudo only that).
        file: Option<PathBuf>,
    },
    /// Run policy test cases (`[[case]]` with argv, expect, user, groups, reason).
    /// Exit 0 when all pass, 1 when one fails, 78 for a bad case or policy file.
    /// Not under sudo: case files would be opened as root.
    Test {
        /// Policy file to test instead of the installed one.
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Case files.
        #[arg(required = true)]
        cases: Vec<PathBuf>,
    },
    /// Say in plain words what a user may run: commands, flags, values, arguments.
    Show {
        /// Policy file to read instead of the installed one (not under sudo).
        #[arg(long)]
        policy: Option<PathBuf>,
        /// Show for this user (under sudo: only yourself).
        #[arg(long)]
        user: Option<String>,
    },
}

#[derive(Copy, Clone, Debug, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

pub fn run(args: &[OsString]) -> i32 {
    let mut argv = vec![OsString::from("docker-guard policy")];
    argv.extend(args.iter().cloned());
    let cli = match Cli::try_parse_from(argv) {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                crate::error::EXIT_USAGE
            } else {
                0
            };
            let _ = e.print();
            return code;
        }
    };
    match execute(cli.command) {
        Ok(code) => code,
        // One `file:line:col: message` per line, as editors and CI read them.
        Err(Error::Policy(problems)) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            EXIT_CONFIG
        }
        Err(e) => {
            eprintln!("docker-guard: {e}");
            e.exit_code()
        }
    }
}

fn execute(command: Command) -> Result<i32, Error> {
    match command {
        Command::Check {
            policy,
            user,
            format,
            args,
        } => {
            let policy = read_policy(policy)?;
            let caller = subject(user)?;
            let judgement = judge(&policy, &caller, &args);
            print_check(&policy, &judgement, format);
            Ok(if judgement.decision.allowed {
                0
            } else {
                EXIT_DENIED
            })
        }
        Command::Validate { strict, file } => validate(file, strict),
        Command::Test { policy, cases } => test(policy, &cases),
        Command::Show { policy, user } => {
            let policy = read_policy(policy)?;
            let caller = subject(user)?;
            print!("{}", show::describe(&policy, &caller));
            Ok(0)
        }
    }
}

fn validate(file: Option<PathBuf>, strict: bool) -> Result<i32, Error> {
    let (text, source) = read_policy_text(file)?;
    let policy = match load::parse_policy(&text, &source) {
        Ok(policy) => policy,
        Err(Error::Policy(errors)) => {
            for error in &errors {
                eprint!("{}", with_excerpt(error, &text));
            }
            eprintln!("{source}: invalid: {}", count(errors.len(), "error"));
            return Ok(EXIT_CONFIG);
        }
        Err(e) => return Err(e),
    };
    let warnings = lint::warnings(&policy, &text);
    for warning in &warnings {
        eprint!("{}", with_excerpt(warning, &text));
    }
    if strict && !warnings.is_empty() {
        eprintln!(
            "{source}: invalid under --strict: {}",
            count(warnings.len(), "warning")
        );
        return Ok(EXIT_CONFIG);
    }
    let commands: usize = policy.rules.iter().map(|r| r.commands.len()).sum();
    println!(
        "{source}: valid ({}, {}, {})",
        count(policy.rules.len(), "rule"),
        count(commands, "command"),
        count(warnings.len(), "warning")
    );
    Ok(0)
}

fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// `file:line:col: message`, then the offending line with a caret under the column.
fn with_excerpt(problem: &Located, text: &str) -> String {
    let mut out = format!("{problem}\n");
    if let Some((line, col)) = problem.position
        && let Some(source_line) = text.lines().nth(line - 1)
    {
        let number = line.to_string();
        let pad = " ".repeat(number.len());
        // Control characters would move the caret or the terminal: show them escaped.
        let shown: String = source_line
            .chars()
            .map(|c| if c.is_control() { '?' } else { c })
            .collect();
        out.push_str(&format!("{number} | {shown}\n"));
        out.push_str(&format!("{pad} | {}^\n", " ".repeat(col.saturating_sub(1))));
    }
    out
}

fn test(policy: Option<PathBuf>, files: &[PathBuf]) -> Result<i32, Error> {
    if under_privilege_escalation() {
        return Err(Error::Usage(
            "under sudo, case files are not read: docker-guard would open them as root. \
             Run `docker-guard policy test` without sudo (with --policy FILE if you cannot \
             read the installed policy)"
                .into(),
        ));
    }
    let policy = read_policy(policy)?;
    let mut all = Vec::new();
    let mut problems = Vec::new();
    for file in files {
        match cases::load_cases(file) {
            Ok(cases) => all.extend(cases),
            Err(Error::Policy(list)) => problems.extend(list),
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Policy(problems));
    }
    let (mut passed, mut failed) = (0usize, 0usize);
    for case in &all {
        let args: Vec<OsString> = case.argv.iter().map(OsString::from).collect();
        // The very function the enforcing path decides with.
        let judgement = judge(&policy, &case.subject(), &args);
        let decision = &judgement.decision;
        match cases::evaluate(case, decision.allowed, &decision.reasons) {
            Ok(()) => passed += 1,
            Err(expected) => {
                failed += 1;
                print!("{}", failure(case, &judgement, &expected));
            }
        }
    }
    println!("{passed} passed, {failed} failed");
    Ok(if failed == 0 { 0 } else { EXIT_TEST_FAILED })
}

fn failure(case: &Case, judgement: &Judgement, expected: &str) -> String {
    let decision = &judgement.decision;
    let mut argv = vec!["docker".to_string()];
    argv.extend(case.argv.iter().cloned());
    let groups = if case.groups.is_empty() {
        "none".to_string()
    } else {
        case.groups.join(", ")
    };
    let actual = match (&decision.allowed, &decision.rule) {
        (true, Some(rule)) => format!("allow (rule {rule:?})"),
        (true, None) => "allow".to_string(),
        (false, _) => "deny".to_string(),
    };
    let mut out = format!(
        "FAIL {} ({})\n  argv:     {}\n  user:     {} (groups: {groups})\n  expected: {expected}\n  actual:   {actual}\n",
        case.id,
        case.place,
        shell_words(&argv),
        case.user,
    );
    if decision.reasons.is_empty() {
        out.push_str("  reasons:  none\n");
    }
    for reason in &decision.reasons {
        out.push_str(&format!("  reason:   {reason}\n"));
    }
    out
}

/// True when a less privileged user runs us through sudo or doas. Root running sudo
/// is root; a caller that cannot be identified counts as less privileged.
fn under_privilege_escalation() -> bool {
    let escalated = nix::unistd::getuid().is_root()
        && ["SUDO_USER", "SUDO_UID", "DOAS_USER"]
            .iter()
            .any(|v| std::env::var_os(v).is_some());
    escalated && caller::identify().map_or(true, |c| c.uid != 0)
}

/// The text of a policy file and its name for messages, read like [`read_policy`]
/// reads it: the installed one after the ownership checks, another only outside sudo.
fn read_policy_text(path: Option<PathBuf>) -> Result<(String, String), Error> {
    let path = match path {
        None => {
            let path = Path::new(crate::policy::POLICY_PATH);
            let mut text = String::new();
            crate::trust::open_trusted_file(path)?
                .read_to_string(&mut text)
                .map_err(|e| Error::Config(format!("{}: cannot read: {e}", path.display())))?;
            return Ok((text, path.display().to_string()));
        }
        Some(_) if under_privilege_escalation() => return Err(not_under_sudo()),
        Some(path) => path,
    };
    let source = path.display().to_string();
    let text = std::fs::read_to_string(&path).map_err(|e| {
        Error::Policy(vec![Located {
            file: source.clone(),
            position: None,
            message: format!("cannot read: {e}"),
        }])
    })?;
    Ok((text, source))
}

fn not_under_sudo() -> Error {
    Error::Usage(
        "under sudo only the installed policy is read; run without sudo to check another file"
            .into(),
    )
}

fn read_policy(path: Option<PathBuf>) -> Result<Policy, Error> {
    match path {
        None => load::load_installed(),
        Some(_) if under_privilege_escalation() => Err(not_under_sudo()),
        Some(path) => load::load_unchecked(&path),
    }
}

/// Whom to decide for: the caller, or (outside sudo) any named user.
fn subject(user: Option<String>) -> Result<Caller, Error> {
    let me = caller::identify()?;
    match user {
        None => Ok(me),
        Some(name) if name == me.user => Ok(me),
        Some(_) if under_privilege_escalation() => Err(Error::Usage(
            "under sudo you can only check your own permissions; omit --user".into(),
        )),
        Some(name) => caller::lookup_user(&name),
    }
}

fn print_check(policy: &Policy, judgement: &Judgement, format: Format) {
    let decision = &judgement.decision;
    let argv = docker_args(judgement).map(|args| {
        let mut full = vec![policy.docker.display().to_string()];
        full.extend(args);
        full
    });
    match format {
        Format::Json => {
            let mut object = serde_json::json!({
                "decision": if decision.allowed { "allow" } else { "deny" },
                "command": judgement.command,
                "reasons": decision.reasons,
            });
            if let Some(rule) = &decision.rule {
                object["rule"] = rule.clone().into();
            }
            if let Some(hint) = &decision.hint {
                object["hint"] = hint.clone().into();
            }
            if let Some(argv) = argv {
                object["argv"] = argv.into();
            }
            println!("{object}");
        }
        Format::Text => {
            println!(
                "decision: {}",
                if decision.allowed { "allow" } else { "deny" }
            );
            println!("command: {}", judgement.command);
            if let Some(rule) = &decision.rule {
                println!("rule: {rule}");
            }
            for reason in &decision.reasons {
                println!("reason: {reason}");
            }
            if let Some(hint) = &decision.hint {
                println!("instead: {hint}");
            }
            if let Some(argv) = argv {
                println!("argv: {}", shell_words(&argv));
            }
        }
    }
}

/// Quotes words so that the printed command can be pasted into a shell.
pub fn shell_words(words: &[String]) -> String {
    words
        .iter()
        .map(|w| {
            let plain = !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "-_=./:,@%+".contains(c));
            if plain {
                w.clone()
            } else {
                format!("'{}'", w.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}
