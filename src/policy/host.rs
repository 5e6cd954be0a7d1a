//! What the decision needs to know about the host: where a bind source the caller
//! typed really leads, and whether the caller could change that after the check.
//!
//! This is the only part of deciding that reads the filesystem. It sits behind the
//! [`HostView`] trait so that the decision itself stays a function of its inputs.
//!
//! The race it closes: docker mounts a bind source by path, some milliseconds after
//! docker-guard checked it. If the caller can rename any directory on that path, it
//! can swap it for a symlink to `/` in between. So a bind source is only accepted
//! when no directory above it is one the caller could change.

use super::paths;
use crate::caller::Caller;
use nix::unistd::Group;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// A bind source after resolution.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BindSource {
    /// Absolute, `.`/`..` and symlinks resolved (a missing tail is appended as typed).
    pub resolved: PathBuf,
    /// Why this source must not be bound at all, if so.
    pub problem: Option<String>,
}

pub trait HostView {
    /// Resolves a bind source as docker would find it (relative to the caller's
    /// working directory) and says what is wrong with it, if anything.
    fn bind_source(&self, typed: &str) -> BindSource;

    /// Why docker must not read this admin-named file or directory (a compose file),
    /// if it is not root-owned and unwritable by others, with its parents.
    fn untrusted(&self, path: &Path) -> Option<String>;

    /// Whether the caller can create, remove or rename entries in this directory.
    fn writable_by_caller(&self, dir: &Path) -> bool;
}

/// The real host, seen for one caller from one working directory.
pub struct RealHost<'a> {
    pub caller: &'a Caller,
    pub cwd: PathBuf,
}

impl HostView for RealHost<'_> {
    fn bind_source(&self, typed: &str) -> BindSource {
        let absolute = paths::absolutize(&self.cwd, typed);
        let resolved = match paths::resolve(&absolute) {
            Ok(path) => path,
            Err(e) => {
                return BindSource {
                    resolved: absolute,
                    problem: Some(format!("cannot be resolved: {e}")),
                };
            }
        };
        let problem = paths::sensitive_reason(&resolved)
            .or_else(|| socket_reason(&resolved))
            .or_else(|| swappable_reason(&resolved, self.caller));
        BindSource { resolved, problem }
    }

    fn untrusted(&self, path: &Path) -> Option<String> {
        let result = if path.is_dir() {
            crate::trust::check_trusted_dir(path)
        } else {
            crate::trust::open_trusted_file(path).map(|_| ())
        };
        result.err().map(|e| e.to_string())
    }

    fn writable_by_caller(&self, dir: &Path) -> bool {
        if self.caller.uid == 0 {
            return false; // root could do anything anyway
        }
        let groups = caller_gids(self.caller);
        std::fs::metadata(dir)
            .map(|meta| can_write(&meta, self.caller.uid, &groups))
            .unwrap_or(false)
    }
}

fn caller_gids(caller: &Caller) -> Vec<u32> {
    caller
        .groups
        .iter()
        .filter_map(|name| Group::from_name(name).ok().flatten())
        .map(|g| g.gid.as_raw())
        .collect()
}

fn socket_reason(path: &Path) -> Option<String> {
    let meta = std::fs::metadata(path).ok()?;
    meta.file_type()
        .is_socket()
        .then(|| "is a unix socket (a daemon socket gives control of the host)".to_string())
}

/// Whether the caller could replace some component of `path` (an existing directory
/// entry on it) between the check and the mount.
fn swappable_reason(path: &Path, caller: &Caller) -> Option<String> {
    if caller.uid == 0 {
        return None; // root could do anything anyway
    }
    let groups = caller_gids(caller);
    // For each existing directory D on the path and its child C on the path: the
    // caller can rename C when it can write D, unless D is sticky and C is not the
    // caller's.
    let components: Vec<&Path> = path.ancestors().collect();
    for pair in components.windows(2) {
        let (child, dir) = (pair[0], pair[1]);
        let Ok(dir_meta) = std::fs::symlink_metadata(dir) else {
            continue; // not created yet: docker creates it as root
        };
        if !can_write(&dir_meta, caller.uid, &groups) {
            continue;
        }
        let sticky = dir_meta.mode() & 0o1000 != 0;
        let child_owner = std::fs::symlink_metadata(child).ok().map(|m| m.uid());
        let child_missing = child_owner.is_none();
        if !sticky
            || dir_meta.uid() == caller.uid
            || child_owner == Some(caller.uid)
            || child_missing
        {
            return Some(format!(
                "{} is writable by {}, who could swap {} for a symlink after the check",
                dir.display(),
                caller.user,
                child.display()
            ));
        }
    }
    None
}

fn can_write(meta: &std::fs::Metadata, uid: u32, gids: &[u32]) -> bool {
    let mode = meta.mode();
    if meta.uid() == uid {
        mode & 0o200 != 0
    } else if gids.contains(&meta.gid()) {
        mode & 0o020 != 0
    } else {
        mode & 0o002 != 0
    }
}

/// For tests of the decision: a host where every path resolves to itself.
pub struct LiteralHost;

impl HostView for LiteralHost {
    fn bind_source(&self, typed: &str) -> BindSource {
        let resolved = paths::absolutize(Path::new("/"), typed);
        let problem = paths::sensitive_reason(&resolved);
        BindSource { resolved, problem }
    }

    fn untrusted(&self, _path: &Path) -> Option<String> {
        None
    }

    fn writable_by_caller(&self, _dir: &Path) -> bool {
        false
    }
}
