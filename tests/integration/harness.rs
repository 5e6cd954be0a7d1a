//! Runs the real docker-guard binary on its real enforcing path.
//!
//! The release binary reads its policy only from the fixed path
//! `/etc/docker-guard/policy.toml`. To give it a test policy without touching the
//! host's `/etc`, each run happens in a private mount namespace in which `/etc` is an
//! overlay whose upper layer is a temp dir holding the policy. docker is a small
//! script that records its argv, environment, pid and working directory, so a test
//! sees exactly what docker would have been given. Needs root (as CI has).

use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::net::UnixDatagram;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

pub const BIN: &str = env!("CARGO_BIN_EXE_docker-guard");

/// Records what docker got, one item per line: pid, cwd, then argv, then env.
const FAKE_DOCKER: &str = r#"#!/bin/sh
out="$(dirname "$0")/../record"
{
  echo "pid=$$"
  echo "cwd=$(pwd)"
  for a in "$@"; do printf 'arg=%s\n' "$a"; done
  env | sort | sed 's/^/env=/'
} > "$out"
exit "$(cat "$(dirname "$0")/../exit-code" 2>/dev/null || echo 0)"
"#;

pub struct Sandbox {
    pub dir: tempfile::TempDir,
}

/// The syslog socket of a sandbox, relative to its directory.
const SYSLOG_SOCKET: &str = "log.sock";

/// Shell run after the /etc overlay when the sandbox has a syslog socket; `$3` is the
/// sandbox directory.
const PRIVATE_DEV: &str = "&& mount --bind /dev \"$3/hostdev\" \
     && mount -t tmpfs -o mode=755,nosuid tmpfs /dev \
     && for n in null zero full random urandom tty; do \
          touch /dev/$n && mount --bind \"$3/hostdev/$n\" /dev/$n || exit 1; done \
     && ln -s /proc/self/fd /dev/fd && ln -s \"$3/log.sock\" /dev/log";

/// A syslog daemon's socket, for tests to read records from.
pub struct Syslog {
    socket: UnixDatagram,
}

impl Syslog {
    /// The messages received so far (waiting briefly for the first).
    pub fn messages(&self) -> Vec<String> {
        let mut out = Vec::new();
        let mut buf = vec![0u8; 65536];
        while let Ok(n) = self.socket.recv(&mut buf) {
            out.push(String::from_utf8_lossy(&buf[..n]).into_owned());
            self.socket.set_nonblocking(true).unwrap();
        }
        self.socket.set_nonblocking(false).unwrap();
        out
    }
}

/// What the fake docker recorded.
#[derive(Debug)]
pub struct Record {
    pub pid: u32,
    pub cwd: String,
    pub args: Vec<String>,
    pub env: Vec<String>,
}

pub fn require_root() {
    assert!(
        nix::unistd::geteuid().is_root(),
        "the integration tests run docker-guard's enforcing path in a private mount \
         namespace and need root (run them as root, as CI does)"
    );
}

impl Sandbox {
    /// A sandbox whose policy is `policy`; `{docker}` and `{config}` in it are replaced
    /// by the fake docker's path and a root-owned docker config dir, `{dir}` by the
    /// sandbox directory (root-owned, mode 755).
    pub fn new(policy: &str) -> Sandbox {
        require_root();
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        for sub in ["upper/docker-guard", "work", "bin", "docker-config"] {
            fs::create_dir_all(root.join(sub)).unwrap();
        }
        for sub in ["", "upper", "upper/docker-guard", "bin", "docker-config"] {
            set_mode(&root.join(sub), 0o755);
        }
        let docker = root.join("bin/docker");
        fs::write(&docker, FAKE_DOCKER).unwrap();
        set_mode(&docker, 0o755);
        let sandbox = Sandbox { dir };
        sandbox.write_policy(policy);
        sandbox
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn docker(&self) -> PathBuf {
        self.path("bin/docker")
    }

    pub fn policy_file(&self) -> PathBuf {
        self.path("upper/docker-guard/policy.toml")
    }

    pub fn write_policy(&self, policy: &str) {
        let text = policy
            .replace("{docker}", &self.docker().display().to_string())
            .replace(
                "{config}",
                &self.path("docker-config").display().to_string(),
            )
            .replace("{dir}", &self.dir.path().display().to_string());
        fs::write(self.policy_file(), text).unwrap();
        set_mode(&self.policy_file(), 0o644);
    }

    pub fn set_docker_exit(&self, code: i32) {
        fs::write(self.path("exit-code"), code.to_string()).unwrap();
    }

    /// Runs `docker-guard ARGS` as if `sudo -u root` had been run by `user` (sudo's
    /// variables), plus `extra_env`, with the test policy at the fixed path.
    pub fn run_as<I, S>(&self, user: &str, args: I, extra_env: &[(&str, &str)]) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let uid = nix::unistd::User::from_name(user)
            .unwrap()
            .unwrap_or_else(|| panic!("user {user} missing"))
            .uid
            .to_string();
        let mut cmd = self.command(args);
        cmd.env("SUDO_USER", user).env("SUDO_UID", uid);
        for (k, v) in extra_env {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    }

    pub fn run<I, S>(&self, args: I) -> Output
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_as("root", args, &[])
    }

    /// The command that runs docker-guard in the private namespace. `unshare` and `sh`
    /// exec in turn, so docker-guard (and docker after it) keeps the child's pid.
    pub fn command<I, S>(&self, args: I) -> Command
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new("unshare");
        // With a syslog socket (see `syslog`), /dev is private too, so that /dev/log
        // can be that socket.
        let dev = if self.path(SYSLOG_SOCKET).exists() {
            PRIVATE_DEV
        } else {
            ""
        };
        cmd.env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .current_dir(self.dir.path())
            .args(["--mount", "--propagation", "private", "sh", "-c"])
            .arg(format!(
                "mount -t overlay overlay -o \"lowerdir=/etc,upperdir=$1,workdir=$2\" /etc \
                 {dev} && shift 3 && exec \"$@\""
            ))
            .arg("sh")
            .arg(self.path("upper"))
            .arg(self.path("work"))
            .arg(self.dir.path())
            .arg(BIN)
            .args(args);
        cmd
    }

    /// Receives the syslog records of the following runs: binds a datagram socket in
    /// the sandbox and, in each run's mount namespace, mounts a tmpfs over /dev with
    /// the host's null/zero/full/random/urandom/tty bound in and `/dev/log` a symlink
    /// to that socket (as systemd makes it a symlink to journald's). The host's /dev
    /// and its syslog are never touched.
    pub fn syslog(&self) -> Syslog {
        fs::create_dir_all(self.path("hostdev")).unwrap();
        let socket = UnixDatagram::bind(self.path(SYSLOG_SOCKET)).unwrap();
        socket
            .set_read_timeout(Some(std::time::Duration::from_millis(200)))
            .unwrap();
        Syslog { socket }
    }

    /// What docker was given, or None when docker did not run.
    pub fn record(&self) -> Option<Record> {
        let text = fs::read_to_string(self.path("record")).ok()?;
        let mut record = Record {
            pid: 0,
            cwd: String::new(),
            args: Vec::new(),
            env: Vec::new(),
        };
        for line in text.lines() {
            if let Some(v) = line.strip_prefix("pid=") {
                record.pid = v.parse().unwrap();
            } else if let Some(v) = line.strip_prefix("cwd=") {
                record.cwd = v.to_string();
            } else if let Some(v) = line.strip_prefix("arg=") {
                record.args.push(v.to_string());
            } else if let Some(v) = line.strip_prefix("env=") {
                record.env.push(v.to_string());
            }
        }
        Some(record)
    }

    pub fn clear_record(&self) {
        let _ = fs::remove_file(self.path("record"));
    }
}

pub fn set_mode(path: &Path, mode: u32) {
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// The shipped policy, with its docker path pointed at the sandbox's fake docker.
pub fn shipped_policy() -> String {
    let text = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/policy.toml")).unwrap();
    text.replace(
        "docker = \"/usr/local/bin/docker\"",
        "docker = \"{docker}\"",
    )
    .replace(
        "DOCKER_CONFIG = \"/etc/docker-guard/docker-config\"",
        "DOCKER_CONFIG = \"{config}\"",
    )
}
