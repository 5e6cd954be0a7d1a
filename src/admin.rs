//! `docker-guard policy ...`: explaining, validating and testing policies. Never
//! executes docker.
//!
//! Under sudo these commands read only the installed policy: a path the caller
//! gives is never opened as root, and the caller can only ask about itself.

use crate::caller::{self, Caller};
use crate::error::{EXIT_DENIED, Error};
use crate::policy::{Policy, load};
use crate::shim::{Judgement, docker_args, judge};
use clap::{Parser, Subcommand, ValueEnum};
use std::ffi::OsString;
use std::path::PathBuf;

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
    /// when not.
    Validate {
        /// Turn warnings into errors.
        #[arg(long)]
        strict: bool,
        /// Policy file (default: the installed one).
        file: Option<PathBuf>,
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
        Command::Validate { strict: _, file } => {
            let policy = read_policy(file)?;
            println!(
                "{}: valid ({} rule{})",
                policy.source,
                policy.rules.len(),
                if policy.rules.len() == 1 { "" } else { "s" }
            );
            Ok(0)
        }
    }
}

/// True when a less privileged user runs us through sudo or doas.
fn under_privilege_escalation() -> bool {
    nix::unistd::getuid().is_root()
        && ["SUDO_USER", "SUDO_UID", "DOAS_USER"]
            .iter()
            .any(|v| std::env::var_os(v).is_some())
}

fn read_policy(path: Option<PathBuf>) -> Result<Policy, Error> {
    match path {
        None => load::load_installed(),
        Some(_) if under_privilege_escalation() => Err(Error::Usage(
            "under sudo only the installed policy is read; run without sudo to check another file"
                .into(),
        )),
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
