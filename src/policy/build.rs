//! `docker build` without handing over the host.
//!
//! The docker CLI reads the build context as root and sends it to the daemon: a
//! context of `/etc` puts `/etc/shadow` in an image the caller can read. It also
//! opens the Dockerfile and `.dockerignore` by path, following symlinks. So a context
//! must be a directory below one the policy names, that the caller can neither swap
//! (no directory above it writable by the caller) nor write into (where a
//! `Dockerfile` symlink to `/etc/shadow` would be read as root and echoed back in a
//! parse error). The Dockerfile (`-f`) must lie inside the context. Tags are matched
//! on the normalised reference so a build cannot replace an image other rules trust.
//! `-` (a context on stdin) and remote contexts only when the policy says so.

use super::container::{Rewrite, RewriteTarget};
use super::glob::{Glob, listing};
use super::host::{Access, HostView};
use crate::docker::parse::Invocation;
use crate::docker::reference;
use std::path::{Path, PathBuf};

pub const BUILD_COMMAND: &str = "image build";

#[derive(Debug, Clone, Default)]
pub struct BuildRule {
    /// Directories below which a context may be.
    pub contexts: Vec<PathBuf>,
    /// Patterns on the normalised reference of each `-t` tag.
    pub tags: Vec<Glob>,
    /// A context streamed on stdin (`-`): docker reads nothing of the host for it.
    pub stdin: bool,
    /// A URL context (git or tarball): fetched by the daemon.
    pub remote: bool,
}

/// Values refused for every build whatever the rule says.
pub fn never_allowed(invocation: &Invocation) -> Vec<String> {
    let mut reasons = Vec::new();
    for flag in invocation.command_flags() {
        if flag.spec.long == "network"
            && (flag.value == "host" || flag.value.starts_with("container:"))
        {
            reasons.push(format!(
                "--network={} gives the build the host's network",
                flag.value
            ));
        }
        if flag.spec.long == "security-opt" {
            reasons.push(format!(
                "--security-opt={} changes the confinement of build steps",
                flag.value
            ));
        }
    }
    reasons
}

/// Returns the reasons to deny, and the rewrites that put the resolved context and
/// Dockerfile paths in the canonical argv (docker runs from `/`, not the caller's
/// working directory).
pub fn check(
    rule: &BuildRule,
    invocation: &Invocation,
    host: &dyn HostView,
    user: &str,
) -> (Vec<String>, Vec<Rewrite>) {
    let mut reasons = Vec::new();
    let mut rewrites = Vec::new();
    for flag in invocation.command_flags() {
        if flag.spec.long == "tag"
            && let Some(why) = tag_reason(&rule.tags, &flag.value, user)
        {
            reasons.push(why);
        }
    }
    let dockerfiles: Vec<(usize, &str)> = invocation
        .command_flags()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.spec.long == "file")
        .map(|(i, f)| (i, f.value.as_str()))
        .collect();
    let Some(context) = invocation.positionals.first() else {
        reasons.push("no build context given".into());
        return (reasons, rewrites);
    };
    if context == "-" {
        if !rule.stdin {
            reasons.push("a build context on stdin (-) is not allowed".into());
        }
        return (reasons, rewrites);
    }
    if is_remote(context) {
        if !rule.remote {
            reasons.push(format!("remote build context {context:?} is not allowed"));
        }
        return (reasons, rewrites);
    }
    if invocation.positionals.len() > 1 {
        reasons.push("docker build takes one context".into());
    }
    let Some(resolved) = local_context(rule, context, host, &mut reasons) else {
        return (reasons, rewrites);
    };
    for (index, file) in dockerfiles {
        if let Some(path) = dockerfile(file, &resolved, host, &mut reasons) {
            rewrites.push(Rewrite {
                target: RewriteTarget::Flag(index),
                value: path,
            });
        }
    }
    match resolved.to_str() {
        Some(path) => rewrites.push(Rewrite {
            target: RewriteTarget::Positional(0),
            value: path.to_string(),
        }),
        None => reasons.push("the build context path is not valid UTF-8".into()),
    }
    (reasons, rewrites)
}

/// docker's own test for a remote context: URLs and git references.
fn is_remote(context: &str) -> bool {
    ["http://", "https://", "git://", "git@", "github.com/"]
        .iter()
        .any(|prefix| context.starts_with(prefix))
}

/// The resolved context directory, when it is one the caller may build from.
fn local_context(
    rule: &BuildRule,
    context: &str,
    host: &dyn HostView,
    reasons: &mut Vec<String>,
) -> Option<PathBuf> {
    if rule.contexts.is_empty() {
        reasons.push("the policy allows no local build contexts".into());
        return None;
    }
    let source = host.bind_source(context);
    if let Some(problem) = source.problem {
        reasons.push(format!(
            "build context {}: {problem}",
            source.resolved.display()
        ));
        return None;
    }
    let resolved = source.resolved;
    let before = reasons.len();
    if !rule
        .contexts
        .iter()
        .any(|root| super::paths::is_within(&resolved, root))
    {
        let roots: Vec<String> = rule
            .contexts
            .iter()
            .map(|r| r.display().to_string())
            .collect();
        reasons.push(format!(
            "build context {} is outside the allowed directories ({})",
            resolved.display(),
            roots.join(", ")
        ));
    }
    if host.writable_by_caller(&resolved) {
        reasons.push(format!(
            "build context {} is writable by you: docker reads its Dockerfile and .dockerignore as root, following symlinks",
            resolved.display()
        ));
    }
    // docker reads and sends the whole tree as root: nothing in it may be more
    // than the caller could read itself.
    if !host.caller_may(&resolved, Access::Read) {
        reasons.push(format!(
            "you cannot read the build context {}",
            resolved.display()
        ));
    } else {
        match host.unreadable_below(&resolved) {
            Ok(None) => {}
            Ok(Some(path)) => reasons.push(format!(
                "you cannot read {} in the build context (docker would send it as root)",
                path.display()
            )),
            Err(why) => reasons.push(format!("build context {}: {why}", resolved.display())),
        }
    }
    (reasons.len() == before).then_some(resolved)
}

/// The resolved path of a `-f` Dockerfile, when it lies inside the context in a
/// directory the caller cannot write.
fn dockerfile(
    file: &str,
    context: &Path,
    host: &dyn HostView,
    reasons: &mut Vec<String>,
) -> Option<String> {
    // docker resolves -f against its working directory, which was the caller's.
    let source = host.bind_source(file);
    if let Some(problem) = source.problem {
        reasons.push(format!(
            "Dockerfile {}: {problem}",
            source.resolved.display()
        ));
        return None;
    }
    let resolved = source.resolved;
    if !super::paths::is_within(&resolved, context) {
        reasons.push(format!(
            "Dockerfile {} is outside the build context {}",
            resolved.display(),
            context.display()
        ));
        return None;
    }
    if !host.caller_may(&resolved, Access::Read) {
        reasons.push(format!(
            "you cannot read the Dockerfile {}",
            resolved.display()
        ));
        return None;
    }
    let parent = resolved.parent().unwrap_or(Path::new("/"));
    if host.writable_by_caller(parent) {
        reasons.push(format!(
            "the directory of Dockerfile {} is writable by you",
            resolved.display()
        ));
        return None;
    }
    resolved.to_str().map(str::to_string)
}

fn tag_reason(patterns: &[Glob], tag: &str, user: &str) -> Option<String> {
    let canonical = match reference::normalize(tag) {
        Ok(reference) => reference.canonical(),
        Err(e) => return Some(format!("tag {tag:?}: {e}")),
    };
    if patterns.iter().any(|p| p.matches_for(&canonical, user)) {
        return None;
    }
    Some(format!(
        "tag {canonical} is not allowed (allowed tags: {})",
        listing(patterns, "none")
    ))
}
