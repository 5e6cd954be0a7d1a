//! The end-to-end suite's installation: a real Docker Engine, real sudo, and an
//! unprivileged user who reaches the daemon only through `sudo docker-guard`.
//!
//! Nothing on the host changes outside temp dirs. Once per test binary, a holder
//! process (`unshare --mount` running a shell) makes a private mount namespace in
//! which `/etc`, `/usr/local/bin` and `/run` are overlays whose upper layers are temp
//! dirs, and does there what an admin does (see install.sh): creates the user
//! [`AGENT`] (not in the `docker` group), installs docker-guard as
//! `/usr/local/bin/docker-guard` (root, 0755), the repo's `policy.toml` unchanged at
//! the fixed path, and a sudoers drop-in granting the user that one command, checked
//! with `visudo -cf`. `/run` is an overlay so that sudo's timestamp files stay in the
//! temp dir; the daemon's socket is bound back into it (a socket cannot be reached
//! through overlayfs). The daemon itself runs outside, untouched.
//!
//! Every agent command enters that namespace with `nsenter` and drops to the agent
//! with `setpriv`, both of which exec: the pid of the spawned child is the pid of
//! `sudo` (the signal test relies on it).
//!
//! The image is `FROM scratch` with Debian's static busybox, made by `docker import`
//! of a rootfs built here, tagged `docker-guard-e2e:<pid>`. Containers and volumes the
//! suite creates are named with [`Suite::name`] (`dg-e2e-<pid>-…`). [`Cleanup`]
//! guards remove them when a test ends, also when it panics; when the test binary
//! exits (normally, after failures, or killed), the holder sees its stdin close and
//! removes every container made from the image or carrying the prefix, the volumes
//! with the prefix, the image, and the temp dir. On a normal exit the binary waits for
//! that (an `atexit` hook), so nothing is left when `cargo test` returns.

use crate::harness::{self, stderr, stdout};
use serde_json::Value;
use std::fs;
use std::io::{BufRead, BufReader, Read, Write};
use std::os::unix::fs::{MetadataExt, symlink};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::sync::{Mutex, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// The unprivileged account the suite creates (in the namespace's /etc only).
pub const AGENT: &str = "e2e-agent";
/// The label the policy forces on every container, naming the caller.
pub const CALLER_LABEL: &str = "docker-guard.user";
/// Where an admin installs docker-guard; the sudoers rule names this path.
pub const INSTALLED: &str = "/usr/local/bin/docker-guard";
const PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
/// Upper bound for one command of the suite (a docker run of busybox takes < 1 s).
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs in the holder: `sh -c HOLDER sh DIR BIN POLICY USER IMAGE PREFIX`.
const HOLDER: &str = r#"
set -eu
dir=$1 bin=$2 policy=$3 user=$4 image=$5 prefix=$6
# Only the end of stdin (the test binary exiting) ends the namespace: a Ctrl-C on
# the terminal must not skip the teardown.
trap '' INT HUP
exec 2>"$dir/setup.log"

# Overlays: the host's /etc, /usr/local/bin and /run stay as they are.
sock=$(readlink -f /var/run/docker.sock)
case "$sock" in
/run/*) ;;
*) echo "the daemon socket $sock is not under /run" >&2; exit 1 ;;
esac
: >"$dir/docker.sock"
mount --bind "$sock" "$dir/docker.sock"
mount -t overlay overlay -o "lowerdir=/run,upperdir=$dir/run,workdir=$dir/run.work" /run
mount --bind "$dir/docker.sock" "$sock"
mount -t overlay overlay -o "lowerdir=/etc,upperdir=$dir/etc,workdir=$dir/etc.work" /etc
mount -t overlay overlay -o "lowerdir=/usr/local/bin,upperdir=$dir/bin,workdir=$dir/bin.work" /usr/local/bin

# The admin's install, as install.sh does it.
grep -Eq '^[@#]includedir[[:space:]]+/etc/sudoers\.d[[:space:]]*$' /etc/sudoers || {
    echo "/etc/sudoers does not include /etc/sudoers.d" >&2; exit 1; }
if id "$user" >/dev/null 2>&1; then echo "user $user already exists on the host" >&2; exit 1; fi
useradd --no-create-home --home-dir /nonexistent --shell /bin/sh --user-group "$user"
install -o root -g root -m 0755 "$bin" /usr/local/bin/docker-guard
install -d -o root -g root -m 0755 /etc/docker-guard /etc/docker-guard/docker-config
install -o root -g root -m 0644 "$policy" /etc/docker-guard/policy.toml
printf '%s ALL=(root) NOPASSWD: /usr/local/bin/docker-guard\n' "$user" >"$dir/sudoers-rule"
visudo -cf "$dir/sudoers-rule" >&2
install -o root -g root -m 0440 "$dir/sudoers-rule" /etc/sudoers.d/docker-guard
visudo -c >&2
/usr/local/bin/docker-guard policy validate >&2

echo ready
exec >/dev/null 2>&1
read -r _ || true

# Teardown. First end the agent commands still running in this namespace (left by
# a killed test binary): the daemon (20.10) can wedge a container in "Removal In
# Progress" when `rm -f` races an in-flight `restart`. Then everything made from the
# image or named with the prefix, the image, the mounts and the temp dir.
set +e
ns=$(readlink /proc/$$/ns/mnt) killed=
for p in /proc/[0-9]*; do
    pid=${p#/proc/}
    if [ "$pid" != $$ ] && [ "$(readlink "$p/ns/mnt" 2>/dev/null)" = "$ns" ]; then
        kill -KILL "$pid" 2>/dev/null && killed=yes
    fi
done
[ -z "$killed" ] || sleep 2
ids=$( { docker ps -aq --filter "ancestor=$image"; docker ps -aq --filter "name=$prefix"; } | sort -u)
[ -z "$ids" ] || docker rm -f $ids
vols=$(docker volume ls -q --filter "name=$prefix")
[ -z "$vols" ] || docker volume rm -f $vols
docker image rm -f "$image"
umount /usr/local/bin /etc "$sock" /run "$dir/docker.sock"
rm -rf "$dir"
"#;

pub struct Suite {
    /// `docker-guard-e2e:<pid>`, the only image the suite runs.
    pub image: String,
    /// `dg-e2e-<pid>-`: every container and volume name the suite gives.
    pub prefix: String,
    /// Unix time when the suite started (for `docker events --since`).
    pub since: u64,
    /// Whether the installed policy allows `run --rm IMAGE true` for the agent.
    pub run_allowed: bool,
    /// The flags the installed policy adds to such a run (`--label=…`, …).
    pub forced: Vec<String>,
    /// The daemon runs on cgroup v1, where its default cgroup namespace is the host's.
    pub cgroup_v1: bool,
    holder_pid: u32,
    /// Refusal tests compare the daemon before and after, so they run alone
    /// (write); tests that create containers share (read).
    lock: RwLock<()>,
}

/// What the atexit hook needs, filled in as setup goes.
struct Teardown {
    holder: Option<Child>,
    image: Option<String>,
    dir: Option<PathBuf>,
    prefix: String,
}

static SUITE: OnceLock<Result<Suite, String>> = OnceLock::new();
static TEARDOWN: Mutex<Option<Teardown>> = Mutex::new(None);

/// The installed suite; panics with the reason when it could not be set up (no
/// daemon, a missing tool, not root): the suite fails, it never passes silently.
pub fn suite() -> &'static Suite {
    match SUITE.get_or_init(setup) {
        Ok(suite) => suite,
        Err(why) => panic!("end-to-end suite not set up: {why}"),
    }
}

fn setup() -> Result<Suite, String> {
    harness::require_root();
    check_tools()?;
    let info = docker_command()
        .args(["info", "--format", "{{.ServerVersion}} {{.CgroupVersion}}"])
        .output()
        .map_err(|e| format!("cannot run docker: {e}"))?;
    if !info.status.success() || stdout(&info).trim().is_empty() {
        return Err(format!(
            "these tests need a running Docker Engine, and `docker info` failed: {} \
             (start dockerd, or run the tests where one runs; they do not skip)",
            stderr(&info).trim()
        ));
    }
    check_socket()?;
    let pid = std::process::id();
    // Names start with the agent's: the shipped policy allows only volumes named
    // {user}-*.
    let prefix = format!("{AGENT}-dg-{pid}-");
    let image = format!("docker-guard-e2e:{pid}");
    let since = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();

    *lock(&TEARDOWN) = Some(Teardown {
        holder: None,
        image: None,
        dir: None,
        prefix: prefix.clone(),
    });
    // SAFETY: registering a plain extern "C" function with no arguments.
    if unsafe { ::nix::libc::atexit(teardown) } != 0 {
        return Err("atexit failed".into());
    }

    let dir = tempfile::Builder::new()
        .prefix("docker-guard-e2e.")
        .tempdir()
        .map_err(|e| format!("temp dir: {e}"))?
        .keep();
    with_teardown(|t| t.dir = Some(dir.clone()));
    for sub in ["etc", "etc.work", "bin", "bin.work", "run", "run.work"] {
        fs::create_dir(dir.join(sub)).map_err(|e| format!("{sub}: {e}"))?;
    }
    // The roots of the overlays take the modes of their upper dirs.
    for sub in ["", "etc", "bin", "run"] {
        harness::set_mode(&dir.join(sub), 0o755);
    }

    build_image(&dir, &image)?;
    with_teardown(|t| t.image = Some(image.clone()));

    let holder_pid = start_holder(&dir, &image, &prefix)?;
    let mut suite = Suite {
        image,
        prefix,
        since,
        run_allowed: false,
        forced: Vec::new(),
        cgroup_v1: stdout(&info).split_whitespace().nth(1) == Some("1"),
        holder_pid,
        lock: RwLock::new(()),
    };
    (suite.run_allowed, suite.forced) = suite.probe_run_policy();
    eprintln!(
        "e2e: image {}, names {}*, user {AGENT}; the installed policy {} `run`{}",
        suite.image,
        suite.prefix,
        if suite.run_allowed {
            "allows"
        } else {
            "does NOT allow"
        },
        if suite.forced.is_empty() {
            String::new()
        } else {
            format!(" and forces {}", suite.forced.join(" "))
        }
    );
    Ok(suite)
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn with_teardown(f: impl FnOnce(&mut Teardown)) {
    if let Some(t) = lock(&TEARDOWN).as_mut() {
        f(t);
    }
}

fn check_tools() -> Result<(), String> {
    let missing: Vec<&str> = [
        "docker", "sudo", "visudo", "useradd", "setpriv", "nsenter", "unshare", "script", "tar",
        "busybox",
    ]
    .into_iter()
    .filter(|tool| which(tool).is_none())
    .collect();
    if missing.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "missing tools: {} (Debian: apt-get install sudo util-linux bsdutils busybox-static)",
            missing.join(", ")
        ))
    }
}

fn which(tool: &str) -> Option<PathBuf> {
    PATH.split(':')
        .map(|dir| Path::new(dir).join(tool))
        .find(|p| p.is_file())
}

/// The daemon socket must not be usable by everyone, or the agent would not need
/// docker-guard at all.
fn check_socket() -> Result<(), String> {
    let meta = fs::metadata("/var/run/docker.sock")
        .map_err(|e| format!("/var/run/docker.sock: {e} (the suite expects the default socket)"))?;
    if meta.mode() & 0o007 != 0 {
        return Err(format!(
            "/var/run/docker.sock has mode {:o}: anyone can use the daemon",
            meta.mode() & 0o7777
        ));
    }
    Ok(())
}

/// `FROM scratch` plus the static busybox and its applets, via `docker import`.
fn build_image(dir: &Path, image: &str) -> Result<(), String> {
    let busybox = which("busybox").unwrap();
    let bytes = fs::read(&busybox).map_err(|e| format!("{}: {e}", busybox.display()))?;
    if !is_static_elf64(&bytes) {
        return Err(format!(
            "{} is not a static binary: install Debian's busybox-static",
            busybox.display()
        ));
    }
    let rootfs = dir.join("rootfs");
    fs::create_dir_all(rootfs.join("bin")).unwrap();
    fs::create_dir_all(rootfs.join("tmp")).unwrap();
    harness::set_mode(&rootfs.join("tmp"), 0o1777);
    fs::write(rootfs.join("bin/busybox"), &bytes).unwrap();
    harness::set_mode(&rootfs.join("bin/busybox"), 0o755);
    let list = Command::new(&busybox).arg("--list").output().unwrap();
    for applet in stdout(&list)
        .lines()
        .filter(|a| !a.is_empty() && *a != "busybox")
    {
        symlink("busybox", rootfs.join("bin").join(applet)).unwrap();
    }
    let import = Command::new("sh")
        .env_remove("DOCKER_HOST")
        .env_remove("DOCKER_CONTEXT")
        .args([
            "-c",
            "tar -C \"$1\" -c . | docker import --change 'CMD [\"sh\"]' - \"$2\"",
            "sh",
        ])
        .arg(&rootfs)
        .arg(image)
        .output()
        .unwrap();
    fs::remove_dir_all(&rootfs).unwrap();
    if !import.status.success() {
        return Err(format!("docker import failed: {}", stderr(&import)));
    }
    Ok(())
}

/// A 64-bit little-endian ELF without a PT_INTERP program header (no dynamic loader).
fn is_static_elf64(b: &[u8]) -> bool {
    if b.len() < 64 || &b[..4] != b"\x7fELF" || b[4] != 2 || b[5] != 1 {
        return false;
    }
    let phoff = u64::from_le_bytes(b[0x20..0x28].try_into().unwrap()) as usize;
    let phentsize = u16::from_le_bytes([b[0x36], b[0x37]]) as usize;
    let phnum = u16::from_le_bytes([b[0x38], b[0x39]]) as usize;
    (0..phnum).all(|i| {
        let at = phoff + i * phentsize;
        b.get(at..at + 4)
            .is_some_and(|t| u32::from_le_bytes(t.try_into().unwrap()) != 3)
    })
}

fn start_holder(dir: &Path, image: &str, prefix: &str) -> Result<u32, String> {
    let mut holder = Command::new("unshare")
        .args([
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            HOLDER,
            "sh",
        ])
        .arg(dir)
        .arg(harness::BIN)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/policy.toml"))
        .args([AGENT, image, prefix])
        .env_clear()
        .env("PATH", PATH)
        .env("HOME", "/root")
        .current_dir("/")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .process_group(0)
        .spawn()
        .map_err(|e| format!("cannot run unshare: {e}"))?;
    let pid = holder.id();
    let mut line = String::new();
    let mut out = BufReader::new(holder.stdout.take().unwrap());
    let _ = out.read_line(&mut line);
    if line.trim() == "ready" {
        with_teardown(|t| t.holder = Some(holder));
        return Ok(pid);
    }
    let _ = holder.wait();
    let log = fs::read_to_string(dir.join("setup.log")).unwrap_or_default();
    Err(format!("the admin install in the namespace failed:\n{log}"))
}

/// Runs at exit: ends the holder, which removes what the suite created, and reports
/// anything left.
extern "C" fn teardown() {
    let Some(mut t) = lock(&TEARDOWN).take() else {
        return;
    };
    if let Some(mut holder) = t.holder.take() {
        drop(holder.stdin.take());
        if wait_timeout(&mut holder, TIMEOUT).is_none() {
            eprintln!("e2e teardown: the namespace holder did not finish within {TIMEOUT:?}");
            let _ = holder.kill();
        }
    } else {
        if let Some(image) = &t.image {
            let _ = docker_command().args(["image", "rm", "-f", image]).output();
        }
        if let Some(dir) = &t.dir {
            let _ = fs::remove_dir_all(dir);
        }
    }
    let mut left = root_docker(&["ps", "-aq", "--filter", &format!("name={}", t.prefix)]).stdout;
    left.extend(
        root_docker(&[
            "volume",
            "ls",
            "-q",
            "--filter",
            &format!("name={}", t.prefix),
        ])
        .stdout,
    );
    if let Some(image) = &t.image {
        left.extend(root_docker(&["image", "ls", "-q", image]).stdout);
    }
    if !left.is_empty() {
        eprintln!(
            "e2e teardown: left behind: {}",
            String::from_utf8_lossy(&left)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ")
        );
    }
}

/// docker as root, on the daemon docker-guard uses (its policy gives docker a fixed
/// environment, so the default socket): no `DOCKER_HOST` or context from the caller.
fn docker_command() -> Command {
    let mut cmd = Command::new("docker");
    cmd.env_remove("DOCKER_HOST").env_remove("DOCKER_CONTEXT");
    cmd
}

/// The real docker, as root, outside the namespace (the admin's view of the daemon).
pub fn root_docker(args: &[&str]) -> Output {
    docker_command()
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

pub fn wait_timeout(child: &mut Child, limit: Duration) -> Option<ExitStatus> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Some(status);
        }
        if start.elapsed() > limit {
            return None;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Runs a command to completion with [`TIMEOUT`], killing it (and failing) after.
pub fn output_within(mut cmd: Command, what: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let out = drain(child.stdout.take().unwrap());
    let err = drain(child.stderr.take().unwrap());
    let Some(status) = wait_timeout(&mut child, TIMEOUT) else {
        let _ = child.kill();
        panic!("{what}: still running after {TIMEOUT:?}");
    };
    Output {
        status,
        stdout: out.join().unwrap(),
        stderr: err.join().unwrap(),
    }
}

fn drain(mut from: impl Read + Send + 'static) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = from.read_to_end(&mut buf);
        buf
    })
}

/// Lines of a child's stdout as they come.
pub fn lines(from: impl Read + Send + 'static) -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(from).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

/// The exit code, or 128 + the signal as a shell reports it.
pub fn code(status: &ExitStatus) -> i32 {
    status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0))
}

/// What a refused command must not have changed: the suite's containers (all made
/// from its image or named with its prefix) with their state, and its volumes.
#[derive(Debug, PartialEq, Eq)]
pub struct DaemonState {
    pub containers: Vec<String>,
    pub volumes: Vec<String>,
}

impl Suite {
    /// `dg-e2e-<pid>-<short>`.
    pub fn name(&self, short: &str) -> String {
        format!("{}{short}", self.prefix)
    }

    pub fn shared(&self) -> RwLockReadGuard<'_, ()> {
        self.lock.read().unwrap_or_else(|e| e.into_inner())
    }

    pub fn exclusive(&self) -> RwLockWriteGuard<'_, ()> {
        self.lock.write().unwrap_or_else(|e| e.into_inner())
    }

    /// `program args…` as the agent, inside the namespace, from `/`, with a plain
    /// login-like environment.
    pub fn agent(&self, program: &str) -> Command {
        let mut cmd = Command::new("nsenter");
        cmd.env_clear()
            .env("PATH", PATH)
            .env("HOME", "/nonexistent")
            .env("USER", AGENT)
            .env("LOGNAME", AGENT)
            .env("LANG", "C")
            .current_dir("/")
            .arg(format!("--target={}", self.holder_pid))
            .args([
                "--mount", "--", "setpriv", "--reuid", AGENT, "--regid", AGENT,
            ])
            .args(["--init-groups", "--", program]);
        cmd
    }

    /// `sudo -n docker-guard ARGS` as the agent (`-n`: sudo never prompts).
    pub fn guard_command(&self, args: &[&str]) -> Command {
        let mut cmd = self.agent("sudo");
        cmd.args(["-n", "docker-guard"]).args(args);
        cmd
    }

    pub fn guard(&self, args: &[&str]) -> Output {
        output_within(
            self.guard_command(args),
            &format!("sudo docker-guard {args:?}"),
        )
    }

    /// A root command in the namespace (sees the installed policy).
    pub fn admin(&self, args: &[&str]) -> Output {
        let mut cmd = Command::new("nsenter");
        cmd.env_clear()
            .env("PATH", PATH)
            .current_dir("/")
            .arg(format!("--target={}", self.holder_pid))
            .args(["--mount", "--"])
            .args(args);
        output_within(cmd, &format!("{args:?}"))
    }

    /// Asks the installed policy, as the admin would, what it does with a plain run.
    fn probe_run_policy(&self) -> (bool, Vec<String>) {
        let name = self.name("probe");
        let out = self.admin(&[
            INSTALLED,
            "policy",
            "check",
            "--format",
            "json",
            "--user",
            AGENT,
            "--",
            "run",
            "--rm",
            "--name",
            &name,
            &self.image,
            "true",
        ]);
        let Ok(json) = serde_json::from_slice::<Value>(&out.stdout) else {
            return (false, Vec::new());
        };
        let allowed = out.status.code() == Some(0) && json["decision"] == "allow";
        let typed = ["--rm".to_string(), format!("--name={name}")];
        let forced = json["argv"]
            .as_array()
            .map(|argv| {
                argv.iter()
                    .filter_map(Value::as_str)
                    .take_while(|a| *a != "--")
                    .filter(|a| a.starts_with("--") && !typed.iter().any(|t| t == a))
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default();
        (allowed, forced)
    }

    pub fn daemon_state(&self) -> DaemonState {
        let format = "{{.ID}} {{.Names}} {{.State}}";
        let mut containers = Vec::new();
        for filter in [
            format!("ancestor={}", self.image),
            format!("name={}", self.prefix),
        ] {
            let out = root_docker(&[
                "ps",
                "-a",
                "--no-trunc",
                "--filter",
                &filter,
                "--format",
                format,
            ]);
            assert!(out.status.success(), "docker ps: {}", stderr(&out));
            containers.extend(stdout(&out).lines().map(str::to_string));
        }
        containers.sort();
        containers.dedup();
        let out = root_docker(&[
            "volume",
            "ls",
            "-q",
            "--filter",
            &format!("name={}", self.prefix),
        ]);
        assert!(out.status.success(), "docker volume ls: {}", stderr(&out));
        let mut volumes: Vec<String> = stdout(&out).lines().map(str::to_string).collect();
        volumes.sort();
        DaemonState {
            containers,
            volumes,
        }
    }

    /// `docker inspect` of a container, as root; None when it does not exist.
    pub fn inspect(&self, name: &str) -> Option<Value> {
        let out = root_docker(&["container", "inspect", name]);
        if !out.status.success() {
            return None;
        }
        let list: Value = serde_json::from_slice(&out.stdout).unwrap();
        list.get(0).cloned()
    }

    /// What the daemon actually created for the agent matches the policy: the caller
    /// label and the other forced flags, nothing privileged, no host namespace, no
    /// device, no extra capability, and only named volumes (the shipped policy allows
    /// no bind mount of a host path).
    pub fn assert_confined(&self, name: &str) {
        let c = self
            .inspect(name)
            .unwrap_or_else(|| panic!("{name}: no such container"));
        let host = &c["HostConfig"];
        let labels = &c["Config"]["Labels"];
        assert_eq!(
            labels[CALLER_LABEL], AGENT,
            "{name}: caller label: {labels}"
        );
        assert_eq!(host["Privileged"], false, "{name}: privileged");
        for mode in [
            "PidMode",
            "IpcMode",
            "UTSMode",
            "UsernsMode",
            "CgroupnsMode",
        ] {
            let value = host[mode].as_str().unwrap_or("");
            if mode == "CgroupnsMode" && value == "host" && self.cgroup_v1 {
                continue; // the daemon's default under cgroup v1; `--cgroupns` is refused
            }
            assert!(
                value != "host" && !value.starts_with("container:"),
                "{name}: {mode}={value}"
            );
        }
        let network = host["NetworkMode"].as_str().unwrap_or("");
        assert!(
            network != "host" && !network.starts_with("container:"),
            "{name}: NetworkMode={network}"
        );
        assert!(empty(&host["CapAdd"]), "{name}: CapAdd {}", host["CapAdd"]);
        assert!(
            empty(&host["Devices"]),
            "{name}: Devices {}",
            host["Devices"]
        );
        for opt in host["SecurityOpt"].as_array().into_iter().flatten() {
            let opt = opt.as_str().unwrap_or("");
            assert!(!opt.contains("unconfined"), "{name}: SecurityOpt {opt}");
        }
        for mount in c["Mounts"].as_array().into_iter().flatten() {
            assert_eq!(
                mount["Type"], "volume",
                "{name}: only named volumes are allowed: {mount}"
            );
        }
        for forced in &self.forced {
            self.assert_forced(name, &c, forced);
        }
    }

    /// One forced flag of the policy, as the daemon recorded it.
    fn assert_forced(&self, name: &str, c: &Value, forced: &str) {
        let (flag, value) = forced
            .trim_start_matches("--")
            .split_once('=')
            .unwrap_or((forced, "true"));
        let host = &c["HostConfig"];
        let shown = |v: &Value| v.as_str().map(str::to_string).unwrap_or(v.to_string());
        match flag {
            "label" => {
                let (k, v) = value.split_once('=').unwrap_or((value, ""));
                assert_eq!(shown(&c["Config"]["Labels"][k]), v, "{name}: {forced}");
            }
            "security-opt" | "cap-drop" => {
                let field = if flag == "cap-drop" {
                    "CapDrop"
                } else {
                    "SecurityOpt"
                };
                let list: Vec<String> = host[field]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(shown)
                    .collect();
                assert!(
                    list.iter().any(|v| v == value),
                    "{name}: {forced}: {list:?}"
                );
            }
            "pids-limit" => assert_eq!(shown(&host["PidsLimit"]), value, "{name}: {forced}"),
            "read-only" => assert_eq!(shown(&host["ReadonlyRootfs"]), value, "{name}: {forced}"),
            "init" => assert_eq!(shown(&host["Init"]), value, "{name}: {forced}"),
            "user" => assert_eq!(shown(&c["Config"]["User"]), value, "{name}: {forced}"),
            "network" | "net" => {
                assert_eq!(shown(&host["NetworkMode"]), value, "{name}: {forced}")
            }
            "memory" | "cpus" | "pids" => {
                let field = if flag == "memory" {
                    "Memory"
                } else {
                    "NanoCpus"
                };
                assert!(host[field].as_i64().unwrap_or(0) > 0, "{name}: {forced}");
            }
            _ => eprintln!("e2e: {name}: forced flag {forced} is not compared with inspect"),
        }
    }

    /// The attributes of the daemon's `create` events for a container (works after
    /// it is gone): one per creation since the suite started.
    pub fn create_events(&self, name: &str) -> Vec<Value> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap();
        let until = format!("{}.{:09}", now.as_secs(), now.subsec_nanos());
        let out = root_docker(&[
            "events",
            "--since",
            &self.since.to_string(),
            "--until",
            &until,
            "--filter",
            "type=container",
            "--filter",
            "event=create",
            "--filter",
            &format!("container={name}"),
            "--format",
            "{{json .Actor.Attributes}}",
        ]);
        assert!(out.status.success(), "docker events: {}", stderr(&out));
        stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect()
    }

    /// The daemon created the (possibly already removed) container once, from the
    /// suite's image, with the caller label.
    pub fn assert_created_for_agent(&self, name: &str) {
        let events = self.create_events(name);
        assert_eq!(events.len(), 1, "{name}: create events {events:?}");
        assert_eq!(events[0][CALLER_LABEL], AGENT, "{name}: {}", events[0]);
        assert_eq!(
            events[0]["image"],
            self.image.as_str(),
            "{name}: {}",
            events[0]
        );
    }
}

fn empty(v: &Value) -> bool {
    v.is_null() || v.as_array().is_some_and(|a| a.is_empty())
}

/// Removes the named containers and volumes when dropped (a test's end, or its
/// panic), as root.
#[derive(Default)]
pub struct Cleanup {
    pub containers: Vec<String>,
    pub volumes: Vec<String>,
}

impl Cleanup {
    pub fn container(mut self, name: &str) -> Self {
        self.containers.push(name.to_string());
        self
    }

    pub fn volume(mut self, name: &str) -> Self {
        self.volumes.push(name.to_string());
        self
    }
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        if !self.containers.is_empty() {
            let mut args = vec!["rm", "-f"];
            args.extend(self.containers.iter().map(String::as_str));
            let _ = root_docker(&args);
        }
        if !self.volumes.is_empty() {
            let mut args = vec!["volume", "rm", "-f"];
            args.extend(self.volumes.iter().map(String::as_str));
            let _ = root_docker(&args);
        }
    }
}

/// A spawned agent command whose stdin stays open until dropped (for `script`,
/// which ends its session at end of input, and for runs held open by `read`).
pub struct Spawned {
    pub child: Child,
    pub stdin: Option<ChildStdin>,
}

impl Spawned {
    pub fn new(mut cmd: Command) -> Spawned {
        let mut child = cmd
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take();
        Spawned { child, stdin }
    }

    pub fn send(&mut self, text: &str) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(text.as_bytes()).unwrap();
        stdin.flush().unwrap();
    }

    /// Waits (bounded) and collects the output; stdin is closed first only when
    /// `close_stdin`.
    pub fn finish(mut self, close_stdin: bool, what: &str) -> Output {
        if close_stdin {
            drop(self.stdin.take());
        }
        let out = drain(self.child.stdout.take().unwrap());
        let err = drain(self.child.stderr.take().unwrap());
        let Some(status) = wait_timeout(&mut self.child, TIMEOUT) else {
            let _ = self.child.kill();
            panic!("{what}: still running after {TIMEOUT:?}");
        };
        Output {
            status,
            stdout: out.join().unwrap(),
            stderr: err.join().unwrap(),
        }
    }
}

impl Drop for Spawned {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
