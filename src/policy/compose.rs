//! `docker compose` without handing over the host.
//!
//! A compose file is a container configuration (privileged, `/:/host` binds), read
//! by the compose CLI as root. So the caller never names one: the policy pins
//! projects (a directory and its files, root-owned like the policy), the caller
//! names a project with `-p`, and the canonical argv carries the pinned
//! `--project-directory` and `--file`s. Without a project only the commands that
//! read no compose file run (`compose ls`, `compose version`).

use super::host::HostView;
use super::{ComposeProject, Rule};
use crate::docker::parse::{FlagUse, Invocation};

/// compose's own flags that choose what compose reads: never from the caller.
const PINNED_FLAGS: &[&str] = &["file", "project-directory", "env-file", "workdir"];
/// compose's own flags that only change output or which services are selected.
const HARMLESS_FLAGS: &[&str] = &[
    "ansi",
    "progress",
    "parallel",
    "profile",
    "compatibility",
    "dry-run",
];
/// Sub-commands that read no compose file.
const WITHOUT_PROJECT: &[&str] = &["compose ls", "compose version"];

pub fn is_compose(path: &str) -> bool {
    path == "compose" || path.starts_with("compose ")
}

/// Checks the compose-level flags and project; returns the reasons to deny and the
/// tokens the canonical argv puts after `compose`.
pub fn check(
    rule: &Rule,
    invocation: &Invocation,
    host: &dyn HostView,
) -> (Vec<String>, Vec<String>) {
    let mut reasons = Vec::new();
    let mut kept: Vec<&FlagUse> = Vec::new();
    let mut project_name: Option<&str> = None;
    let group_flags = invocation
        .levels
        .iter()
        .filter(|l| l.command.path == "compose")
        .flat_map(|l| &l.flags);
    let pinned_names = || {
        let names: Vec<&str> = rule.projects.iter().map(|p| p.name.as_str()).collect();
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    };
    for flag in group_flags {
        let long = flag.spec.long;
        if PINNED_FLAGS.contains(&long) {
            reasons.push(format!(
                "compose --{long} is chosen by the policy: name a pinned project with -p (pinned projects: {})",
                pinned_names()
            ));
        } else if long == "project-name" {
            project_name = Some(flag.value.as_str());
        } else if HARMLESS_FLAGS.contains(&long) {
            kept.push(flag);
        } else {
            reasons.push(format!("compose flag --{long} is not allowed"));
        }
    }
    let command = invocation.command().path;
    let mut tokens = Vec::new();
    if WITHOUT_PROJECT.contains(&command) {
        if let Some(name) = project_name {
            tokens.push(format!("--project-name={name}"));
        }
    } else {
        match project_name {
            None => reasons.push(format!(
                "\"{command}\" reads a compose file: name a pinned project with -p (pinned projects: {})",
                pinned_names()
            )),
            Some(name) => match rule.projects.iter().find(|p| p.name == name) {
                None => reasons.push(format!(
                    "compose project {name:?} is not pinned for you (pinned projects: {})",
                    pinned_names()
                )),
                Some(project) => {
                    reasons.extend(untrusted(project, host));
                    tokens.push(format!("--project-directory={}", project.directory.display()));
                    for file in &project.files {
                        tokens.push(format!("--file={}", file.display()));
                    }
                    tokens.push(format!("--project-name={name}"));
                }
            },
        }
    }
    tokens.extend(kept.iter().map(|f| crate::docker::canonical::flag_token(f)));
    (reasons, tokens)
}

fn untrusted(project: &ComposeProject, host: &dyn HostView) -> Vec<String> {
    std::iter::once(&project.directory)
        .chain(&project.files)
        .filter_map(|path| host.untrusted(path))
        .map(|why| format!("compose project {:?} is refused: {why}", project.name))
        .collect()
}
