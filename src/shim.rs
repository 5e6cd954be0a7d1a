//! The enforcing path: parse → decide → audit → canonical argv → exec.
//!
//! Every step that cannot be completed refuses: a policy that cannot be trusted or
//! read (78), a caller that cannot be identified or a request the policy does not
//! allow (77). Only a complete "allow" reaches `execve`.

use crate::audit;
use crate::caller::{self, Caller};
use crate::docker::canonical;
use crate::docker::parse::{self, Invocation};
use crate::error::Error;
use crate::exec::exec_docker;
use crate::policy::container::Rewrite;
use crate::policy::decide::{Decision, decide};
use crate::policy::host::RealHost;
use crate::policy::{Policy, load};
use crate::trust;
use std::ffi::OsString;
use std::path::Path;

pub fn run(args: &[OsString]) -> i32 {
    let err = match enforce(args) {
        Ok(never) => match never {},
        Err(e) => e,
    };
    eprintln!("docker-guard: {err}");
    err.exit_code()
}

/// The outcome of reading and judging one argv, before any side effect.
pub struct Judgement {
    pub invocation: Option<Invocation>,
    pub command: String,
    pub decision: Decision,
}

/// Parses and decides. A parse error is a denial with the parser's reason.
pub fn judge(policy: &Policy, caller: &Caller, args: &[OsString]) -> Judgement {
    let parsed = parse::to_strings(args).and_then(|strings| parse::parse(&strings));
    match parsed {
        Ok(invocation) => {
            let cwd = std::env::current_dir().unwrap_or_else(|_| "/".into());
            let host = RealHost { caller, cwd };
            let decision = decide(policy, caller, &invocation, &host);
            Judgement {
                command: invocation.command_name().to_string(),
                invocation: Some(invocation),
                decision,
            }
        }
        Err(e) => Judgement {
            invocation: None,
            command: "(unparsed)".to_string(),
            decision: Decision::deny(vec![e.to_string()], None),
        },
    }
}

/// The arguments docker is given (after the program name), for an allowed judgement.
pub fn docker_args(judgement: &Judgement) -> Option<Vec<String>> {
    let invocation = judgement.invocation.as_ref()?;
    if !judgement.decision.allowed {
        return None;
    }
    Some(if judgement.decision.help_only {
        canonical::help_argv(invocation)
    } else {
        let invocation = Rewrite::apply(invocation, &judgement.decision.rewrites);
        canonical::argv(
            &invocation,
            &judgement.decision.forced,
            judgement.decision.group_tokens.as_ref(),
        )
    })
}

fn enforce(args: &[OsString]) -> Result<std::convert::Infallible, Error> {
    // Whatever fails first, the refusal is recorded: a denial is never unlogged.
    let identity = caller::identify();
    let policy = match load::load_installed() {
        // No policy, so no JSON log to name: syslog only.
        Err(e) => return Err(refuse(None, &Subject::of(&identity), args, None, e)),
        Ok(policy) => policy,
    };
    let caller = match identity {
        Err(e) => return Err(refuse(Some(&policy), &Subject::unknown(), args, None, e)),
        Ok(caller) => caller,
    };
    let subject = Subject::from(&caller);
    let judgement = judge(&policy, &caller, args);
    let exec_args = docker_args(&judgement);
    // The installation is checked before the record, so that an "allow" record means
    // docker was executed (or failed in execve itself).
    let docker = match exec_args.as_ref().map(|_| trusted_docker(&policy)) {
        Some(Err(e)) => {
            let command = Some(judgement.command.clone());
            return Err(refuse(Some(&policy), &subject, args, command, e));
        }
        Some(Ok(docker)) => Some(docker),
        None => None,
    };
    let (mut sinks, open_problems) = audit::Sinks::open(policy.audit.json_log.as_deref());
    let mut record = audit_record(
        &subject,
        args,
        &judgement,
        exec_args.as_deref().unwrap_or(&[]),
    );
    // A required record that cannot be written refuses the command, and the record
    // that reaches the sinks still open says so.
    let unrecordable = (exec_args.is_some() && policy.audit.required && !open_problems.is_empty())
        .then(|| unrecordable_reason(&open_problems));
    if let Some(reason) = &unrecordable {
        record.decision = "deny";
        record.rule = None;
        record.reasons = vec![reason.clone()];
        record.exec.clear();
    }
    let write_problems = sinks.write(&record);
    for problem in open_problems.iter().chain(&write_problems) {
        eprintln!("docker-guard: audit record not written: {problem}");
    }
    let (Some(exec_args), Some(docker)) = (exec_args, docker) else {
        return Err(Error::Denied(
            judgement.decision.denial_message(&judgement.command),
        ));
    };
    if let Some(reason) = unrecordable {
        return Err(Error::Denied(format!("{}: {reason}", judgement.command)));
    }
    if policy.audit.required && !write_problems.is_empty() {
        let reason = unrecordable_reason(&write_problems);
        return Err(Error::Denied(format!("{}: {reason}", judgement.command)));
    }
    Err(exec_docker(&docker, &exec_args, &policy.environment))
}

fn unrecordable_reason(problems: &[String]) -> String {
    format!(
        "the policy requires an audit record of every command, and it cannot be written ({})",
        problems.join("; ")
    )
}

/// The docker binary and docker's config directory, if root alone controls them.
fn trusted_docker(policy: &Policy) -> Result<std::path::PathBuf, Error> {
    let docker = trust::check_trusted_binary(&policy.docker)?;
    if let Some((_, dir)) = policy
        .environment
        .iter()
        .find(|(k, _)| k == "DOCKER_CONFIG")
    {
        trust::check_docker_config(Path::new(dir))?;
    }
    Ok(docker)
}

/// Whom a record names.
struct Subject {
    user: String,
    uid: u32,
}

impl Subject {
    fn from(caller: &Caller) -> Subject {
        Subject {
            user: caller.user.clone(),
            uid: caller.uid,
        }
    }

    fn of(identity: &Result<Caller, Error>) -> Subject {
        identity
            .as_ref()
            .map_or_else(|_| Subject::unknown(), Subject::from)
    }

    /// An unidentified caller: `?`, with the uid as far as it is known: sudo's
    /// `SUDO_UID` (which the caller cannot set) under root, else the real uid.
    fn unknown() -> Subject {
        let real = nix::unistd::getuid();
        let claimed = std::env::var("SUDO_UID")
            .ok()
            .and_then(|v| v.parse().ok())
            .filter(|_| real.is_root());
        Subject {
            user: "?".to_string(),
            uid: claimed.unwrap_or(real.as_raw()),
        }
    }
}

/// Records a refusal that happened before or outside the decision (no policy, no
/// caller, an untrusted docker binary) and returns the error to report.
fn refuse(
    policy: Option<&Policy>,
    subject: &Subject,
    args: &[OsString],
    command: Option<String>,
    error: Error,
) -> Error {
    // The command as far as the argv says, for whoever reads the log.
    let command = command.unwrap_or_else(|| {
        parse::to_strings(args)
            .and_then(|s| parse::parse(&s))
            .map(|i| i.command_name().to_string())
            .unwrap_or_else(|_| "(unparsed)".to_string())
    });
    let judgement = Judgement {
        invocation: None,
        command,
        decision: Decision::deny(vec![error.to_string()], None),
    };
    let record = audit_record(subject, args, &judgement, &[]);
    let json_log = policy.and_then(|p| p.audit.json_log.as_deref());
    for problem in audit::write(&record, json_log) {
        eprintln!("docker-guard: audit record not written: {problem}");
    }
    error
}

fn audit_record(
    subject: &Subject,
    args: &[OsString],
    judgement: &Judgement,
    exec_args: &[String],
) -> audit::Record {
    let typed: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    audit::Record {
        time: audit::now_rfc3339(),
        pid: std::process::id(),
        user: subject.user.clone(),
        uid: subject.uid,
        tty: audit::tty_name(),
        cwd: std::env::current_dir()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|_| "-".into()),
        decision: if judgement.decision.allowed {
            "allow"
        } else {
            "deny"
        },
        command: judgement.command.clone(),
        rule: judgement.decision.rule.clone(),
        reasons: judgement.decision.reasons.clone(),
        argv: audit::redact(&typed),
        exec: audit::redact(exec_args),
    }
}
