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
        let rewrites: Vec<(usize, String)> = judgement
            .decision
            .rewrites
            .iter()
            .map(|r| (r.flag_index, r.value.clone()))
            .collect();
        canonical::argv(invocation, &judgement.decision.forced, &rewrites)
    })
}

fn enforce(args: &[OsString]) -> Result<std::convert::Infallible, Error> {
    let policy = load::load_installed()?;
    let caller = caller::identify()?;
    let judgement = judge(&policy, &caller, args);
    let exec_args = docker_args(&judgement);
    let record = audit_record(
        &caller,
        args,
        &judgement,
        exec_args.as_deref().unwrap_or(&[]),
    );
    let problems = audit::write(&record, policy.audit.json_log.as_deref());
    for problem in &problems {
        eprintln!("docker-guard: audit record not written: {problem}");
    }
    let Some(exec_args) = exec_args else {
        return Err(Error::Denied(
            judgement.decision.denial_message(&judgement.command),
        ));
    };
    if !problems.is_empty() && policy.audit.required {
        return Err(Error::Denied(
            "the policy requires an audit record for every command, and it could not be written"
                .to_string(),
        ));
    }
    let docker = trust::check_trusted_binary(&policy.docker)?;
    if let Some((_, dir)) = policy
        .environment
        .iter()
        .find(|(k, _)| k == "DOCKER_CONFIG")
    {
        trust::check_trusted_dir(Path::new(dir))?;
    }
    Err(exec_docker(&docker, &exec_args, &policy.environment))
}

fn audit_record(
    caller: &Caller,
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
        user: caller.user.clone(),
        uid: caller.uid,
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
