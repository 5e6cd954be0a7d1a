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
//!
//! The other thing it answers: docker mounts as root, so a bind would let the caller
//! read (or write) what its own permissions do not. Access is judged by the caller's
//! uid and groups against the mode bits, cautiously: POSIX ACLs are not read, so an
//! ACL that grants the caller more is not counted. Paths the caller cannot reach are
//! not resolved further, so no message reveals what lies behind them.

use super::paths;
use crate::caller::Caller;
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

    /// Whether the caller's own permissions allow this access to an existing path.
    fn caller_may(&self, path: &Path, access: Access) -> bool;

    /// Whether the caller belongs to the group with this gid.
    fn caller_in_group(&self, gid: u32) -> bool;

    /// A path below `dir` the caller cannot read (symlinks are not followed: docker
    /// sends them as links), or why the tree cannot be checked.
    fn unreadable_below(&self, dir: &Path) -> Result<Option<PathBuf>, String>;
}

/// How many entries of a build context are checked at most; a larger context is
/// refused rather than half checked.
pub const MAX_CONTEXT_ENTRIES: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Read a file, or list and enter a directory.
    Read,
    /// Write a file, or create and remove entries in a directory.
    Write,
}

/// The real host, seen for one caller from one working directory.
pub struct RealHost<'a> {
    pub caller: &'a Caller,
    pub cwd: PathBuf,
}

impl HostView for RealHost<'_> {
    fn bind_source(&self, typed: &str) -> BindSource {
        let absolute = paths::absolutize(&self.cwd, typed);
        // Not resolved past what the caller cannot enter: a symlink's target there
        // is none of its business, not even in a message.
        if let Some(dir) = self.first_unreachable(&absolute) {
            return BindSource {
                resolved: absolute,
                problem: Some(format!("you cannot enter {}", dir.display())),
            };
        }
        let resolved = match paths::resolve(&absolute) {
            Ok(path) => path,
            Err(e) => {
                return BindSource {
                    resolved: absolute,
                    problem: Some(format!("cannot be resolved: {e}")),
                };
            }
        };
        if let Some(dir) = self.first_unreachable(&resolved) {
            return BindSource {
                resolved: absolute,
                problem: Some(format!("you cannot enter {}", dir.display())),
            };
        }
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
        std::fs::metadata(dir)
            .map(|meta| caller_can_write(&meta, self.caller))
            .unwrap_or(false)
    }

    fn caller_may(&self, path: &Path, access: Access) -> bool {
        let Ok(meta) = std::fs::metadata(path) else {
            return false;
        };
        let wanted = match (access, meta.is_dir()) {
            (Access::Read, true) => 0o5,  // list and enter
            (Access::Read, false) => 0o4, // read
            (Access::Write, true) => 0o3, // create and remove entries
            (Access::Write, false) => 0o2,
        };
        self.grants(&meta, wanted)
    }

    fn unreadable_below(&self, dir: &Path) -> Result<Option<PathBuf>, String> {
        let mut pending = vec![dir.to_path_buf()];
        let mut seen = 0usize;
        while let Some(current) = pending.pop() {
            let entries = std::fs::read_dir(&current)
                .map_err(|e| format!("cannot list {}: {e}", current.display()))?;
            for entry in entries {
                let entry = entry.map_err(|e| format!("cannot list {}: {e}", current.display()))?;
                seen += 1;
                if seen > MAX_CONTEXT_ENTRIES {
                    return Err(format!(
                        "has more than {MAX_CONTEXT_ENTRIES} entries to check"
                    ));
                }
                let path = entry.path();
                let meta = std::fs::symlink_metadata(&path)
                    .map_err(|e| format!("cannot stat {}: {e}", path.display()))?;
                if meta.file_type().is_symlink() {
                    continue;
                }
                let wanted = if meta.is_dir() { 0o5 } else { 0o4 };
                if !self.grants(&meta, wanted) {
                    return Ok(Some(path));
                }
                if meta.is_dir() {
                    pending.push(path);
                }
            }
        }
        Ok(None)
    }

    fn caller_in_group(&self, gid: u32) -> bool {
        nix::unistd::Group::from_gid(nix::unistd::Gid::from_raw(gid))
            .ok()
            .flatten()
            .is_some_and(|g| self.caller.groups.contains(&g.name))
    }
}

impl RealHost<'_> {
    /// Whether the mode bits that apply to the caller include all of `wanted` (an
    /// `rwx` triple as 0o4/0o2/0o1).
    fn grants(&self, meta: &std::fs::Metadata, wanted: u32) -> bool {
        // Root may do anything, and an owner may chmod its file to anything.
        if self.caller.uid == 0 || meta.uid() == self.caller.uid {
            return true;
        }
        let mode = meta.mode();
        let bits = if self.caller_in_group(meta.gid()) {
            mode >> 3
        } else {
            mode
        };
        bits & wanted == wanted
    }

    /// The first existing directory on `path` (above it) the caller cannot enter.
    fn first_unreachable(&self, path: &Path) -> Option<PathBuf> {
        let mut above: Vec<&Path> = path.ancestors().skip(1).collect();
        above.reverse();
        for dir in above {
            match std::fs::metadata(dir) {
                Ok(meta) if meta.is_dir() && !self.grants(&meta, 0o1) => {
                    return Some(dir.to_path_buf());
                }
                Ok(_) => {}
                Err(_) => return None, // the rest does not exist yet
            }
        }
        None
    }
}

/// Whether the caller could create, remove or rename entries in the directory
/// `meta` describes. Cautious on purpose: the owner can always chmod its directory,
/// and a group-writable directory counts as writable by the caller whatever its
/// groups, since POSIX ACLs (which docker-guard does not read) show through the
/// group bits as their mask. A wrong "yes" refuses a bind; a wrong "no" would let
/// the caller swap the path after the check.
fn caller_can_write(meta: &std::fs::Metadata, caller: &Caller) -> bool {
    meta.uid() == caller.uid || meta.mode() & 0o022 != 0
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
    // For each existing directory D on the path and its child C on the path: the
    // caller can rename C when it can write D, unless D is sticky and C is not the
    // caller's.
    let components: Vec<&Path> = path.ancestors().collect();
    for pair in components.windows(2) {
        let (child, dir) = (pair[0], pair[1]);
        let Ok(dir_meta) = std::fs::symlink_metadata(dir) else {
            continue; // not created yet: docker creates it as root
        };
        if !caller_can_write(&dir_meta, caller) {
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

    fn caller_may(&self, _path: &Path, _access: Access) -> bool {
        true
    }

    fn caller_in_group(&self, _gid: u32) -> bool {
        false
    }

    fn unreadable_below(&self, _dir: &Path) -> Result<Option<PathBuf>, String> {
        Ok(None)
    }
}
