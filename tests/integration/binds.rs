//! Bind mounts under a policy that allows one host directory: every route out of it
//! (`..`, symlinks, a symlink followed by a missing leaf, sockets, directories the
//! caller could swap) is refused for its reason, and what is allowed reaches docker
//! as the resolved absolute path.

use crate::harness::{Sandbox, set_mode, stderr};
use std::os::unix::fs::symlink;
use std::path::Path;

fn policy(read_only: bool) -> String {
    format!(
        r#"
docker = "{{docker}}"
[environment]
PATH = "/usr/bin:/bin"
DOCKER_CONFIG = "{{config}}"
[[rule]]
users = ["*"]
[rule.commands."container run"]
flags = {{ rm = true, volume = true, mount = true }}
images = ["*"]
[rule.commands."container run".mounts]
binds = ["{{srv}}"]
binds_read_only = {read_only}
[rule.commands."container run".force]
user = "{{uid}}:{{uid}}"
security-opt = "no-new-privileges"
"#
    )
}

struct Fixture {
    sandbox: Sandbox,
}

impl Fixture {
    /// srv/ (root, 0755) holds: data/ (root), agent/ (owned by nobody), links out.
    fn new(read_only: bool) -> Fixture {
        let sandbox = Sandbox::new("docker = \"{docker}\"\n");
        let srv = sandbox.path("srv");
        std::fs::create_dir_all(srv.join("data/sub")).unwrap();
        std::fs::create_dir_all(srv.join("agent/work")).unwrap();
        for dir in ["srv", "srv/data", "srv/data/sub"] {
            set_mode(&sandbox.path(dir), 0o755);
        }
        let nobody = nix::unistd::Uid::from_raw(65534);
        for dir in ["srv/agent", "srv/agent/work"] {
            nix::unistd::chown(&sandbox.path(dir), Some(nobody), None).unwrap();
            set_mode(&sandbox.path(dir), 0o755);
        }
        symlink("/etc", srv.join("to-etc")).unwrap();
        symlink("/", srv.join("to-root")).unwrap();
        symlink("data/sub", srv.join("to-sub")).unwrap();
        let _listener = std::os::unix::net::UnixListener::bind(srv.join("data/api.sock")).unwrap();
        std::mem::forget(_listener);
        let text = policy(read_only).replace("{srv}", &srv.display().to_string());
        sandbox.write_policy(&text);
        Fixture { sandbox }
    }

    fn srv(&self, rel: &str) -> String {
        self.sandbox.path("srv").join(rel).display().to_string()
    }

    /// Runs `run --rm -v SPEC img` as `nobody` from `cwd`; returns exit code, stderr.
    fn run_volume(&self, flag: &str, spec: &str, cwd: &Path) -> (Option<i32>, String) {
        self.sandbox.clear_record();
        let uid = "65534";
        let output = self
            .sandbox
            .command(["run", "--rm", flag, spec, "img"])
            .current_dir(cwd)
            .env("SUDO_USER", "nobody")
            .env("SUDO_UID", uid)
            .output()
            .unwrap();
        (output.status.code(), stderr(&output))
    }

    fn docker_volume_arg(&self) -> String {
        let record = self.sandbox.record().expect("docker ran");
        record
            .args
            .iter()
            .find(|a| a.starts_with("--volume=") || a.starts_with("--mount="))
            .cloned()
            .unwrap()
    }
}

#[test]
fn a_bind_inside_the_allowed_directory_reaches_docker_resolved() {
    let f = Fixture::new(false);
    let root = f.sandbox.path("");
    let (code, err) = f.run_volume("-v", &format!("{}:/d:ro", f.srv("data")), &root);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        f.docker_volume_arg(),
        format!("--volume={}:/d:ro", f.srv("data"))
    );

    // Relative to the caller's working directory, which docker never sees.
    let (code, err) = f.run_volume("-v", "./sub:/d:ro", &f.sandbox.path("srv/data"));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        f.docker_volume_arg(),
        format!("--volume={}:/d:ro", f.srv("data/sub"))
    );

    // A symlink that stays inside is replaced by its target.
    let (code, err) = f.run_volume("-v", &format!("{}:/d:ro", f.srv("to-sub")), &root);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        f.docker_volume_arg(),
        format!("--volume={}:/d:ro", f.srv("data/sub"))
    );

    // --mount gets its source field rewritten the same way.
    let spec = "type=bind,src=./sub,dst=/d,readonly";
    let (code, err) = f.run_volume("--mount", spec, &f.sandbox.path("srv/data"));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        f.docker_volume_arg(),
        format!(
            "--mount=type=bind,src={},dst=/d,readonly",
            f.srv("data/sub")
        )
    );
}

#[test]
fn every_route_out_of_the_allowed_directory_is_refused() {
    let f = Fixture::new(false);
    let root = f.sandbox.path("");
    let cases = [
        (
            format!("{}/../..:/d", f.srv("data")),
            "is outside the allowed host directories",
        ),
        (format!("{}:/d", f.srv("to-etc")), "/etc"),
        (format!("{}/shadow:/d", f.srv("to-etc")), "/etc"),
        (
            format!("{}/newdir:/d", f.srv("to-root")),
            "is outside the allowed host directories",
        ),
        (format!("{}:/d", f.srv("to-root")), "bind source /:"),
        (format!("{}:/d", f.srv("data/api.sock")), "is a unix socket"),
        (format!("{}:/d", f.srv("agent/work")), "who could swap"),
        (format!("{}/new:/d", f.srv("agent")), "who could swap"),
        (
            format!("{}:/d:shared", f.srv("data")),
            "shared bind propagation",
        ),
    ];
    for (spec, reason) in &cases {
        let (code, err) = f.run_volume("-v", spec, &root);
        assert_eq!(code, Some(77), "{spec}: {err}");
        assert!(err.contains(reason), "{spec}: expected {reason:?} in {err}");
        assert!(f.sandbox.record().is_none(), "{spec}: docker must not run");
    }
    // Relative routes out, from inside the allowed directory.
    let (code, err) = f.run_volume("-v", "../../..:/d", &f.sandbox.path("srv/data/sub"));
    assert_eq!(code, Some(77), "{err}");
    assert!(
        err.contains("outside the allowed host directories"),
        "{err}"
    );
    let spec = format!("type=bind,src={},dst=/d", f.srv("to-etc"));
    let (code, err) = f.run_volume("--mount", &spec, &root);
    assert_eq!(code, Some(77), "{err}");
    assert!(err.contains("/etc"), "{err}");
}

#[test]
fn the_directory_the_caller_owns_itself_may_be_bound() {
    // srv/agent belongs to the caller, but srv (its parent) does not: the caller can
    // change what is inside, not where the path leads.
    let f = Fixture::new(false);
    let (code, err) = f.run_volume(
        "-v",
        &format!("{}:/work", f.srv("agent")),
        &f.sandbox.path(""),
    );
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn read_only_binds_are_enforced_when_the_policy_says_so() {
    let f = Fixture::new(true);
    let root = f.sandbox.path("");
    let (code, err) = f.run_volume("-v", &format!("{}:/d", f.srv("data")), &root);
    assert_eq!(code, Some(77));
    assert!(err.contains("bind mounts must be read-only here"), "{err}");
    let (code, err) = f.run_volume("-v", &format!("{}:/d:ro", f.srv("data")), &root);
    assert_eq!(code, Some(0), "{err}");
    let spec = format!("type=bind,src={},dst=/d,readonly=true", f.srv("data"));
    let (code, err) = f.run_volume("--mount", &spec, &root);
    assert_eq!(code, Some(0), "{err}");
}

#[test]
fn validation_refuses_sensitive_bind_directories() {
    let sandbox = Sandbox::new("docker = \"{docker}\"\n");
    for dir in [
        "/",
        "/etc",
        "/var",
        "/run",
        "/proc",
        "/var/lib/docker",
        "/root",
    ] {
        let text = policy(false).replace("{srv}", dir);
        let path = sandbox.path("candidate.toml");
        let text = text
            .replace("{docker}", &sandbox.docker().display().to_string())
            .replace("{config}", "/nonexistent");
        std::fs::write(&path, text).unwrap();
        let output = std::process::Command::new(crate::harness::BIN)
            .args(["policy", "validate"])
            .arg(&path)
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(78), "{dir}");
        assert!(
            stderr(&output).contains("can never be allowed"),
            "{dir}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn a_bind_needs_the_container_to_run_as_the_caller() {
    let f = Fixture::new(false);
    let root = f.sandbox.path("");
    let agent = f.srv("agent");
    // As the caller itself (forced --user {uid}:{uid}): allowed.
    let (code, err) = f.run_volume("-v", &format!("{agent}:/w"), &root);
    assert_eq!(code, Some(0), "{err}");
    let policy = std::fs::read_to_string(f.sandbox.policy_file()).unwrap();
    for (user, what) in [
        ("\"0:0\"", "root"),
        ("\"1000:1000\"", "another uid"),
        ("\"{uid}:0\"", "the caller with group 0"),
        ("\"{uid}\"", "no gid: docker may pick group 0"),
    ] {
        f.sandbox
            .write_policy(&policy.replace("\"{uid}:{uid}\"", user));
        for spec in [format!("{agent}:/w"), format!("{}:/d:ro", f.srv("data"))] {
            let (code, err) = f.run_volume("-v", &spec, &root);
            assert_eq!(code, Some(77), "{what} {spec}: {err}");
            assert!(
                err.contains("a bind mount needs the container to run as you: --user 65534:GID"),
                "{what}: {err}"
            );
        }
    }
    // no-new-privileges: the last value wins, as in the daemon.
    let open = policy
        .replace("security-opt = \"no-new-privileges\"\n", "")
        .replace("mount = true }", "mount = true, security-opt = true }");
    f.sandbox.write_policy(&open);
    let spec = format!("{agent}:/w");
    let turned_off = [
        "run",
        "--rm",
        "--security-opt",
        "no-new-privileges",
        "--security-opt",
        "no-new-privileges=false",
        "-v",
        &spec,
        "img",
    ];
    f.sandbox.clear_record();
    let output = f
        .sandbox
        .command(turned_off)
        .current_dir(&root)
        .env("SUDO_USER", "nobody")
        .env("SUDO_UID", "65534")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(77), "{}", stderr(&output));
    assert!(stderr(&output).contains("a bind mount needs the container to run as you"));
}

#[test]
fn the_caller_gets_no_access_through_a_bind_it_does_not_have_itself() {
    let f = Fixture::new(false);
    let root = f.sandbox.path("");
    // Another user's private directory inside the allowed tree.
    let private = f.sandbox.path("srv/other");
    std::fs::create_dir(&private).unwrap();
    set_mode(&private, 0o700);
    std::fs::create_dir(private.join("inner")).unwrap();
    let (code, err) = f.run_volume("-v", &format!("{}:/o:ro", f.srv("other")), &root);
    assert_eq!(code, Some(77), "{err}");
    assert!(
        err.contains(&format!("you cannot read {}", f.srv("other"))),
        "{err}"
    );
    // Below it, the path is not even resolved: nothing behind it is revealed.
    let (code, err) = f.run_volume("-v", &format!("{}/inner:/o:ro", f.srv("other")), &root);
    assert_eq!(code, Some(77), "{err}");
    assert!(
        err.contains(&format!("you cannot enter {}", f.srv("other"))),
        "{err}"
    );
    // Readable but not writable: only read-only.
    let (code, err) = f.run_volume("-v", &format!("{}:/d", f.srv("data")), &root);
    assert_eq!(code, Some(77), "{err}");
    assert!(err.contains("you cannot write"), "{err}");
    // A source that does not exist would be created by docker as root.
    let (code, err) = f.run_volume("-v", &format!("{}/new:/n", f.srv("data")), &root);
    assert_eq!(code, Some(77), "{err}");
    assert!(err.contains("does not exist"), "{err}");
}

#[test]
fn directories_the_caller_could_change_count_as_writable_whatever_their_mode() {
    let f = Fixture::new(false);
    let root = f.sandbox.path("");
    // The caller owns srv/agent: even at mode 0555 it could chmod it back and swap
    // what is below.
    set_mode(&f.sandbox.path("srv/agent"), 0o555);
    let (code, err) = f.run_volume("-v", &format!("{}:/d", f.srv("agent/work")), &root);
    assert_eq!(code, Some(77), "{err}");
    assert!(err.contains("who could swap"), "{err}");
    // A group-writable directory counts as writable by the caller, whatever its
    // groups: ACLs show through the group bits.
    std::fs::create_dir_all(f.sandbox.path("srv/shared/x")).unwrap();
    set_mode(&f.sandbox.path("srv/shared"), 0o775);
    set_mode(&f.sandbox.path("srv/shared/x"), 0o755);
    let (code, err) = f.run_volume("-v", &format!("{}:/d:ro", f.srv("shared/x")), &root);
    assert_eq!(code, Some(77), "{err}");
    assert!(err.contains("who could swap"), "{err}");
}
