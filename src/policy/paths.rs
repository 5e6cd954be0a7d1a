//! Host paths, for deciding bind mounts and other host files.
//!
//! How docker turns a bind source into the host path it mounts (docker/cli v28.2.2,
//! moby v28.2.2): the CLI joins a '.'-relative source onto its working directory with
//! `filepath.Abs`, and the daemon takes `path.Clean` of the result. Both are lexical,
//! so `/home/u/link/..` is `/home/u` whatever `link` points to: [`absolutize`] gives
//! that path. The kernel then follows symlinks in it when mounting, and for `-v` the
//! daemon first creates missing directories as root: [`resolve`] says where that
//! lands. Decide on the result of `resolve(absolutize(cwd, source))`, and treat any
//! error from [`resolve`] (a loop, a /proc magic link, no permission) as a denial.
//!
//! Both answers hold at the time of the check only. A caller who can rename or
//! replace any component of the path (it owns the parent directory, or the parent is
//! writable to it) can swap it for a symlink afterwards, and docker resolves the
//! source again at every container start.

use std::collections::VecDeque;
use std::ffi::{OsStr, OsString};
use std::fs;
use std::io;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::os::unix::fs::FileTypeExt;
use std::path::{Component, Path, PathBuf};

use nix::errno::Errno;

/// Symlinks followed in one resolution before giving up, as Linux does (ELOOP).
const MAX_SYMLINKS: usize = 40;

/// Paths that no bind source may be, nor be an ancestor of. Binding an ancestor
/// exposes the path: `/var` contains `/var/run/docker.sock`, `/home` other users'
/// files, `/tmp` other users' sockets (tmux, ssh-agent).
pub const NEVER_BIND: &[&str] = &[
    "/",
    "/home",
    "/tmp",
    "/var",
    "/var/lib",
    "/var/tmp",
    "/var/spool",
    "/srv",
    "/opt",
    "/mnt",
    "/media",
];

/// Paths that no bind source may be, be an ancestor of, *or be inside*: the docker
/// and containerd sockets and state, kernel interfaces, devices, and everything root
/// reads configuration or code from.
pub const NEVER_BIND_INSIDE: &[&str] = &[
    "/proc",
    "/sys",
    "/dev",
    "/boot",
    "/root",
    "/etc",
    "/run",
    "/var/run",
    "/run/docker.sock",
    "/var/run/docker.sock",
    "/run/containerd",
    "/var/lib/docker",
    "/var/lib/containerd",
    "/var/lib/containers",
    "/var/lib/dpkg",
    "/var/lib/snapd",
    "/var/lib/sudo",
    "/var/db/sudo",
    "/var/spool/cron",
    "/usr",
    "/bin",
    "/sbin",
    "/lib",
    "/lib32",
    "/lib64",
    "/libx32",
    "/nix",
    "/snap",
];

/// Go's `path.Clean`: one '/' between names, no `.`, `..` applied lexically (and
/// dropped at the root), no trailing '/'; `.` for an empty relative result.
pub fn clean(path: &str) -> String {
    let cleaned = clean_bytes(path.as_bytes());
    String::from_utf8(cleaned).expect("cleaning keeps whole UTF-8 names")
}

fn clean_bytes(path: &[u8]) -> Vec<u8> {
    let rooted = path.first() == Some(&b'/');
    let mut names: Vec<&[u8]> = Vec::new();
    for name in path.split(|&b| b == b'/') {
        match name {
            b"" | b"." => {}
            b".." if names.last().is_some_and(|n| *n != b"..") => {
                names.pop();
            }
            b".." if rooted => {}
            _ => names.push(name),
        }
    }
    let mut out = Vec::with_capacity(path.len());
    if rooted {
        out.push(b'/');
    }
    out.extend(names.join(&b'/'));
    if out.is_empty() {
        out.push(b'.');
    }
    out
}

/// What docker makes of a bind source given the working directory: `path.Clean` of
/// the path, joined onto `cwd` first when relative (no file system access).
pub fn absolutize(cwd: &Path, path: &str) -> PathBuf {
    let joined = if path.starts_with('/') {
        path.as_bytes().to_vec()
    } else {
        let mut j = cwd.as_os_str().as_bytes().to_vec();
        j.push(b'/');
        j.extend_from_slice(path.as_bytes());
        j
    };
    PathBuf::from(OsString::from_vec(clean_bytes(&joined)))
}

/// Like `realpath`, but also for paths that do not exist (yet). Walks the path one
/// name at a time as the kernel does: a symlink is replaced by its target (relative
/// targets from the link's directory), so a later `..` applies to where the link
/// points; a name that does not exist is taken as a directory to be created and the
/// walk goes on, so a dangling symlink leads to where it points. Fails on more than
/// 40 symlinks (ELOOP), on a non-directory in the middle (ENOTDIR), on a symlink
/// inside /proc (magic links such as `/proc/self/root` are not real paths), and on
/// any other error than "does not exist". `path` must be absolute.
pub fn resolve(path: &Path) -> io::Result<PathBuf> {
    if !path.is_absolute() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            format!("{} is not an absolute path", path.display()),
        ));
    }
    let mut pending = VecDeque::new();
    push_front(&mut pending, path);
    let mut resolved = PathBuf::from("/");
    // What `resolved` is: a directory (or missing, to be created), or something else.
    let mut is_dir = true;
    let mut links = 0;
    while let Some(name) = pending.pop_front() {
        if !is_dir {
            return Err(Errno::ENOTDIR.into());
        }
        if name == ".." {
            resolved.pop();
            continue;
        }
        let candidate = resolved.join(&name);
        let meta = match fs::symlink_metadata(&candidate) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                resolved = candidate;
                continue;
            }
            Err(e) => return Err(e),
        };
        if !meta.file_type().is_symlink() {
            is_dir = meta.is_dir();
            resolved = candidate;
            continue;
        }
        links += 1;
        if links > MAX_SYMLINKS {
            return Err(Errno::ELOOP.into());
        }
        if is_within(&resolved, Path::new("/proc")) {
            return Err(io::Error::new(
                io::ErrorKind::PermissionDenied,
                format!("{} is a /proc link; not followed", candidate.display()),
            ));
        }
        let target = fs::read_link(&candidate)?;
        if target.as_os_str().is_empty() {
            return Err(Errno::ENOENT.into());
        }
        if target.is_absolute() {
            resolved = PathBuf::from("/");
        }
        push_front(&mut pending, &target);
    }
    Ok(resolved)
}

/// Puts the names of `path` in front of the queue, in order (`.` dropped).
fn push_front(pending: &mut VecDeque<OsString>, path: &Path) {
    let names: Vec<OsString> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(n) => Some(n.to_os_string()),
            Component::ParentDir => Some(OsStr::new("..").to_os_string()),
            Component::RootDir | Component::CurDir | Component::Prefix(_) => None,
        })
        .collect();
    for name in names.into_iter().rev() {
        pending.push_front(name);
    }
}

/// Whether `path` is `root` or below it, name by name after a lexical clean
/// (`/data2` is not within `/data`; `/data/../etc` is not either).
pub fn is_within(path: &Path, root: &Path) -> bool {
    let path = clean_bytes(path.as_os_str().as_bytes());
    let root = clean_bytes(root.as_os_str().as_bytes());
    Path::new(OsStr::from_bytes(&path)).starts_with(OsStr::from_bytes(&root))
}

/// Why `resolved` (a result of [`resolve`]) must never be a bind source, if it must
/// not: it is, contains or lies inside a protected path (see [`NEVER_BIND`] and
/// [`NEVER_BIND_INSIDE`]), or it is a unix socket (a daemon's API such as a
/// docker.sock wherever it lives) or a device node. Reads the file type.
pub fn sensitive_reason(resolved: &Path) -> Option<String> {
    if !resolved.is_absolute() {
        return Some(format!("{} is not an absolute path", resolved.display()));
    }
    let shown = resolved.display();
    // `is_within` for each protected path, which are clean already: `resolved` is
    // cleaned once here rather than twice per entry (an allocation each).
    let cleaned = PathBuf::from(OsString::from_vec(clean_bytes(
        resolved.as_os_str().as_bytes(),
    )));
    for never in NEVER_BIND.iter().chain(NEVER_BIND_INSIDE) {
        let never = Path::new(never);
        if never.starts_with(&cleaned) {
            return Some(if cleaned.starts_with(never) {
                format!("{shown} is a protected host path")
            } else {
                format!(
                    "{shown} contains the protected host path {}",
                    never.display()
                )
            });
        }
    }
    for inside in NEVER_BIND_INSIDE {
        if cleaned.starts_with(inside) {
            return Some(format!(
                "{shown} is inside the protected host path {inside}"
            ));
        }
    }
    let file_type = match fs::metadata(resolved) {
        Ok(meta) => meta.file_type(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => return None,
        Err(e) => return Some(format!("{shown} cannot be inspected: {e}")),
    };
    if file_type.is_socket() {
        Some(format!(
            "{shown} is a unix socket (a daemon's API, possibly docker's)"
        ))
    } else if file_type.is_block_device() || file_type.is_char_device() {
        Some(format!("{shown} is a device node"))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;
    use std::os::unix::net::UnixListener;

    /// A temporary directory, by its real path (the temp root may be a symlink).
    fn tmp() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let real = fs::canonicalize(dir.path()).unwrap();
        (dir, real)
    }

    fn eloop(r: io::Result<PathBuf>) -> bool {
        matches!(r, Err(e) if e.raw_os_error() == Some(Errno::ELOOP as i32))
    }

    #[test]
    fn clean_like_go() {
        for (input, want) in [
            ("", "."),
            ("/", "/"),
            ("//", "/"),
            ("/.", "/"),
            ("/..", "/"),
            ("/etc/../", "/"),
            ("/a//b/./c/", "/a/b/c"),
            ("/a/b/../../..", "/"),
            ("a/../..", ".."),
            ("../a", "../a"),
            ("./x", "x"),
            ("a/./b/", "a/b"),
            ("/\\etc", "/\\etc"),
        ] {
            assert_eq!(clean(input), want, "{input:?}");
        }
    }

    #[test]
    fn absolutize_is_lexical() {
        let cwd = Path::new("/home/u/proj");
        for (input, want) in [
            ("./x", "/home/u/proj/x"),
            (".", "/home/u/proj"),
            ("", "/home/u/proj"),
            ("..", "/home/u"),
            ("../../../../..", "/"),
            ("../../../etc", "/etc"),
            (".hidden", "/home/u/proj/.hidden"),
            ("/etc/../", "/"),
            ("//", "/"),
            ("/.", "/"),
            ("/data//x/", "/data/x"),
            ("link/..", "/home/u/proj"),
        ] {
            assert_eq!(absolutize(cwd, input), Path::new(want), "{input:?}");
        }
        assert_eq!(absolutize(Path::new("/a/"), "b/"), Path::new("/a/b"));
    }

    #[test]
    fn within_is_per_component() {
        let w = |p: &str, r: &str| is_within(Path::new(p), Path::new(r));
        assert!(w("/data", "/data"));
        assert!(w("/data/x/y", "/data"));
        assert!(w("/data/", "/data"));
        assert!(w("/data", "/data/"));
        assert!(!w("/data2", "/data"));
        assert!(!w("/dat", "/data"));
        assert!(!w("/data/../etc", "/data"));
        assert!(!w("/", "/data"));
        assert!(w("/anything", "/"));
        assert!(w("//data//x", "/data"));
    }

    #[test]
    fn resolve_existing_and_missing() {
        let (_d, base) = tmp();
        fs::create_dir_all(base.join("a/b")).unwrap();
        assert_eq!(resolve(&base.join("a/b")).unwrap(), base.join("a/b"));
        assert_eq!(
            resolve(&base.join("a/b/new/deeper")).unwrap(),
            base.join("a/b/new/deeper")
        );
        assert_eq!(
            resolve(&base.join("a/missing/../b")).unwrap(),
            base.join("a/b")
        );
        assert_eq!(resolve(Path::new("/")).unwrap(), Path::new("/"));
    }

    #[test]
    fn resolve_slashes_and_dots() {
        let (_d, base) = tmp();
        fs::create_dir_all(base.join("a/b")).unwrap();
        let p = format!("{}//a/./b/", base.display());
        assert_eq!(resolve(Path::new(&p)).unwrap(), base.join("a/b"));
        let p = format!("{}/a/b/../../../../../../../..", base.display());
        assert_eq!(resolve(Path::new(&p)).unwrap(), Path::new("/"));
    }

    #[test]
    fn resolve_symlink_to_root() {
        let (_d, base) = tmp();
        symlink("/", base.join("root")).unwrap();
        assert_eq!(resolve(&base.join("root")).unwrap(), Path::new("/"));
        assert_eq!(resolve(&base.join("root/etc")).unwrap(), Path::new("/etc"));
        // A missing leaf under the link: docker would create it in /.
        let leaf = "docker-guard-test-does-not-exist";
        assert_eq!(
            resolve(&base.join("root").join(leaf)).unwrap(),
            Path::new("/").join(leaf)
        );
    }

    #[test]
    fn resolve_dotdot_after_symlink_uses_target() {
        let (_d, base) = tmp();
        fs::create_dir_all(base.join("real/sub")).unwrap();
        fs::create_dir_all(base.join("home")).unwrap();
        symlink(base.join("real/sub"), base.join("home/link")).unwrap();
        // Lexically home/link/.. is home; the kernel goes to real.
        assert_eq!(
            resolve(&base.join("home/link/..")).unwrap(),
            base.join("real")
        );
        assert_eq!(
            resolve(&base.join("home/link/../x")).unwrap(),
            base.join("real/x")
        );
    }

    #[test]
    fn resolve_relative_symlinks_and_chains() {
        let (_d, base) = tmp();
        fs::create_dir_all(base.join("dir/target")).unwrap();
        symlink("../dir/target", base.join("dir/rel")).unwrap();
        fs::create_dir(base.join("x")).unwrap();
        symlink("../dir/rel", base.join("x/hop1")).unwrap();
        symlink("hop1", base.join("x/hop2")).unwrap();
        symlink(base.join("x/hop2"), base.join("hop3")).unwrap();
        assert_eq!(
            resolve(&base.join("dir/rel")).unwrap(),
            base.join("dir/target")
        );
        assert_eq!(
            resolve(&base.join("hop3/f")).unwrap(),
            base.join("dir/target/f")
        );
    }

    #[test]
    fn resolve_dangling_symlink_follows_target() {
        let (_d, base) = tmp();
        symlink(base.join("nowhere/deep"), base.join("dangling")).unwrap();
        assert_eq!(
            resolve(&base.join("dangling")).unwrap(),
            base.join("nowhere/deep")
        );
        assert_eq!(
            resolve(&base.join("dangling/child")).unwrap(),
            base.join("nowhere/deep/child")
        );
        symlink("/etc/docker-guard-missing/x", base.join("to_etc")).unwrap();
        let r = resolve(&base.join("to_etc")).unwrap();
        assert_eq!(r, Path::new("/etc/docker-guard-missing/x"));
        assert!(sensitive_reason(&r).is_some());
    }

    #[test]
    fn resolve_agrees_with_realpath_on_existing_paths() {
        let (_d, base) = tmp();
        fs::create_dir_all(base.join("d/e")).unwrap();
        symlink("d/e", base.join("l")).unwrap();
        symlink("../l/..", base.join("d/up")).unwrap();
        let mut paths = vec![
            base.join("l"),
            base.join("d/up"),
            base.join("d/up/e/../../l"),
        ];
        for p in [
            "/",
            "/usr",
            "/usr/bin",
            "/bin",
            "/lib",
            "/var/run",
            "/etc/ssl/certs",
        ] {
            paths.push(PathBuf::from(p));
        }
        for p in paths.iter().filter(|p| p.exists()) {
            assert_eq!(
                resolve(p).unwrap(),
                fs::canonicalize(p).unwrap(),
                "{}",
                p.display()
            );
        }
    }

    #[test]
    fn resolve_walk_continues_after_missing_name() {
        // missing/../link must still follow link.
        let (_d, base) = tmp();
        symlink("/", base.join("up")).unwrap();
        assert_eq!(
            resolve(&base.join("missing/../up")).unwrap(),
            Path::new("/")
        );
    }

    #[test]
    fn resolve_loops() {
        let (_d, base) = tmp();
        symlink("b", base.join("a")).unwrap();
        symlink("a", base.join("b")).unwrap();
        symlink("self", base.join("self")).unwrap();
        assert!(eloop(resolve(&base.join("a"))));
        assert!(eloop(resolve(&base.join("self/x"))));
    }

    #[test]
    fn resolve_link_limit_is_forty() {
        let (_d, base) = tmp();
        fs::create_dir(base.join("end")).unwrap();
        symlink("end", base.join("l0")).unwrap();
        for i in 1..=40 {
            symlink(format!("l{}", i - 1), base.join(format!("l{i}"))).unwrap();
        }
        assert_eq!(resolve(&base.join("l39")).unwrap(), base.join("end"));
        assert!(eloop(resolve(&base.join("l40"))));
    }

    #[test]
    fn resolve_errors() {
        let (_d, base) = tmp();
        fs::write(base.join("file"), b"x").unwrap();
        let e = resolve(&base.join("file/x")).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(Errno::ENOTDIR as i32));
        assert!(resolve(&base.join("file/..")).is_err());
        assert_eq!(
            resolve(Path::new("relative/path")).unwrap_err().kind(),
            io::ErrorKind::InvalidInput
        );
        assert!(resolve(Path::new("/proc/self/root")).is_err());
        assert!(resolve(Path::new("/proc/self/cwd/x")).is_err());
        symlink("/proc/self/root", base.join("magic")).unwrap();
        assert!(resolve(&base.join("magic")).is_err());
        assert_eq!(resolve(&base.join("file")).unwrap(), base.join("file"));
    }

    #[test]
    fn never_bind_paths_and_their_ancestors() {
        for p in [
            "/",
            "/var",
            "/var/lib",
            "/home",
            "/tmp",
            "/run",
            "/var/run",
            "/etc",
            "/proc",
            "/usr",
            "/var/lib/docker",
            "/var/run/docker.sock",
            "/run/docker.sock",
            "/lib64",
            "/nix",
        ] {
            assert!(sensitive_reason(Path::new(p)).is_some(), "{p}");
        }
        let why = sensitive_reason(Path::new("/var/db")).unwrap();
        assert!(why.contains("contains"), "{why}");
    }

    #[test]
    fn never_bind_inside() {
        for p in [
            "/etc/ssl",
            "/var/lib/docker/volumes/x/_data",
            "/proc/1/root",
            "/sys/kernel",
            "/dev/sda",
            "/run/containerd/containerd.sock",
            "/run/user/1000",
            "/root/.ssh",
            "/usr/local/bin",
            "/boot/efi",
        ] {
            let why = sensitive_reason(Path::new(p));
            assert!(
                why.as_deref().is_some_and(|w| w.contains("inside")),
                "{p}: {why:?}"
            );
        }
    }

    #[test]
    fn ordinary_paths_pass() {
        for p in [
            "/home/u/proj",
            "/data2",
            "/srv/app/data",
            "/tmp/docker-guard-missing",
            "/varx",
            "/opt/app",
            "/etcetera",
        ] {
            assert_eq!(sensitive_reason(Path::new(p)), None, "{p}");
        }
        assert!(sensitive_reason(Path::new("relative")).is_some());
    }

    #[test]
    fn sockets_and_devices_are_refused_anywhere() {
        let (_d, base) = tmp();
        let sock = base.join("docker.sock");
        let _listener = UnixListener::bind(&sock).unwrap();
        let why = sensitive_reason(&sock).unwrap();
        assert!(why.contains("socket"), "{why}");
        fs::write(base.join("plain"), b"x").unwrap();
        assert_eq!(sensitive_reason(&base.join("plain")), None);
        assert_eq!(sensitive_reason(&base), None);
    }
}
