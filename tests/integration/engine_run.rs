//! The real docker CLI, given the canonical argv docker-guard builds, against a fake
//! Docker Engine API: what would docker have asked the daemon?
//!
//! The decision and the canonical argv come from the library (`shim::judge`,
//! `shim::docker_args`) with the shipped policy. docker (`/usr/local/bin/docker`,
//! 28.x, which CI installs) then runs with `DOCKER_HOST` on the fake engine's socket,
//! an empty config dir and every network proxy pointed at a closed port, so nothing
//! leaves the machine. `docker run` pings, (pulls only for `--pull=always`), then
//! posts `/containers/create`; the fake records that body and fails the request, so
//! nothing is started. The test then reads the body as the daemon would: the host
//! is reached only as the policy allows (binds, namespaces, privileges, devices,
//! capabilities, security options), and the forced flags are in it.
//!
//! The second part checks that the real CLI parses the canonical argv of every
//! modelled command (compose aside: its plugin is not installed): each flag spelled
//! `--long=value` with a value of the right type, and no flag-parse error.

use crate::fake_engine::{CREATE_REFUSAL, FakeEngine, Request};
use docker_guard::caller::Caller;
use docker_guard::docker::canonical;
use docker_guard::docker::model::{CommandSpec, FlagSpec};
use docker_guard::docker::parse::{self, Invocation};
use docker_guard::docker::spec::COMMANDS;
use docker_guard::policy::cases::{self, Expect};
use docker_guard::policy::decide::decide;
use docker_guard::policy::host::RealHost;
use docker_guard::policy::paths::is_within;
use docker_guard::policy::{CommandRule, Policy, ValueRule, flag_rule, load};
use docker_guard::shim::{self, Judgement};
use serde_json::Value;
use std::ffi::OsString;
use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

const DOCKER: &str = "/usr/local/bin/docker";
/// util-linux `script`: a pty for `-t`, without which docker refuses before any API
/// call ("the input device is not a TTY").
const SCRIPT: &str = "/usr/bin/script";
/// The policy-case files of the shipped policy (`run.toml` among them).
const CASES_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/policy");
const SHIPPED_POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/policy.toml");
/// docker processes at once: they mostly wait on sockets, and CI has two cores.
const PARALLEL: usize = 4;
const RUN_TIMEOUT: Duration = Duration::from_secs(30);

/// Everyday `run`s an agent would type, all allowed by the shipped policy, one per
/// line (words split on spaces). The policy-case files add their cases to these.
const EVERYDAY_RUNS: &[&str] = &[
    "run --rm alpine echo test",
    "run alpine",
    "run -d --name bench --gpus all ollama/ollama",
    "run --rm -it -v agent-vol:/data alpine sh",
    "run --rm -i alpine cat",
    "run --rm -t alpine top -b -n1",
    "run --rm -e X=1 -p 127.0.0.1:8080:80 nginx",
    "run -d -p 8080:80 -p 8443:443 --name web nginx:1.27",
    "run --rm --tmpfs /run --tmpfs /tmp:rw,size=64m alpine df",
    "run --rm --mount type=volume,source=agent-cache,target=/cache alpine",
    "run --rm --mount type=volume,target=/anon alpine",
    "run --rm --mount type=tmpfs,target=/scratch,tmpfs-size=1m alpine",
    "run --rm -v /data alpine ls /data",
    "run --rm -v agent-models:/models:ro alpine ls",
    "run --rm --memory 512m --memory-swap 1g alpine",
    "run --rm --memory-reservation 256m --shm-size 64m alpine",
    "run --rm --cpus 1.5 --cpuset-cpus 0 --cpu-shares 512 alpine",
    "run --rm --user 1000:1000 alpine id",
    "run --rm -u nobody -w /tmp alpine pwd",
    "run --rm --workdir /srv alpine pwd",
    "run -d --restart unless-stopped --name db postgres:16",
    "run -d --restart=on-failure:3 redis",
    "run --rm --label team=ml -l purpose=bench alpine",
    "run --rm --network none alpine true",
    "run --rm --network=bridge alpine",
    "run --rm --hostname box --add-host db.local:10.0.0.5 alpine",
    "run --rm --dns 1.1.1.1 alpine",
    "run --rm --entrypoint /bin/sh alpine -c true",
    "run --rm --read-only --tmpfs /tmp alpine",
    "run --rm --init --pids-limit 100 alpine",
    "run --rm --ulimit nofile=1024:2048 alpine",
    "run --rm --cap-drop ALL alpine",
    "run --rm --expose 9000 alpine",
    "run --rm --stop-signal SIGINT --stop-timeout 5 alpine",
    "run -d --health-cmd true --health-interval 5s --health-retries 3 --health-timeout 2s \
     --health-start-period 1s --health-start-interval 1s nginx",
    "run --rm --no-healthcheck nginx",
    "run --rm --platform linux/amd64 alpine uname -m",
    "run --rm --pull always alpine",
    "run --rm --pull=never alpine",
    "run --rm -q alpine",
    "run -d --sig-proxy=false --detach-keys ctrl-x,x alpine",
    "run --rm -a stdout -a stderr alpine echo",
    "container run --rm ghcr.io/org/tool:v1 --version",
    "run --rm alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000",
    "run --rm -itd --name=shell -e TERM=xterm ubuntu bash",
    // Words after the image are the container's, never docker's flags.
    "run --rm alpine --privileged -v /:/host",
];

fn require_docker() {
    assert!(
        Path::new(DOCKER).is_file(),
        "{DOCKER} is missing: these tests run the real docker CLI (28.x) against a fake \
         engine; install it (.ci/run requires it)"
    );
    let version = Command::new(DOCKER).arg("--version").output().unwrap();
    let version = String::from_utf8_lossy(&version.stdout).into_owned();
    assert!(
        version.contains("version 28."),
        "{DOCKER} is not docker 28.x, the version docker-guard models: {version}"
    );
}

/// What one docker run left behind.
struct DockerRun {
    /// stdout and stderr (merged under a pty).
    output: String,
    code: Option<i32>,
    timed_out: bool,
    /// What docker asked the engine, in order.
    requests: Vec<Request>,
}

/// Runs the real docker with `args` against `engine`, from an empty temp dir, with an
/// environment built from nothing. `tty`: under a pty (for `-t`).
fn run_docker(engine: &FakeEngine, args: &[String], tty: bool) -> DockerRun {
    let temp = tempfile::tempdir().unwrap();
    let config = temp.path().join("docker-config");
    fs::create_dir(&config).unwrap();
    let mut command = if tty {
        assert!(
            Path::new(SCRIPT).is_file(),
            "{SCRIPT} (util-linux) is needed to give docker a pty for -t"
        );
        let line: Vec<String> = std::iter::once(DOCKER.to_string())
            .chain(args.iter().cloned())
            .map(|a| shell_quote(&a))
            .collect();
        let mut command = Command::new(SCRIPT);
        command.args(["-qec", &line.join(" "), "/dev/null"]);
        command
    } else {
        let mut command = Command::new(DOCKER);
        command.args(args);
        command
    };
    let out_path = temp.path().join("output");
    let out = File::create(&out_path).unwrap();
    command
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("SHELL", "/bin/sh")
        .env("HOME", temp.path())
        .env("DOCKER_CONFIG", &config)
        .env("DOCKER_HOST", engine.docker_host())
        .current_dir(temp.path())
        .stdin(Stdio::null())
        .stdout(out.try_clone().unwrap())
        .stderr(out);
    // Registries, notary, anything over the network: refused at once.
    for proxy in ["HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"] {
        command.env(proxy, "http://127.0.0.1:9");
    }
    let mut child = command.spawn().unwrap();
    let deadline = Instant::now() + RUN_TIMEOUT;
    let (code, timed_out) = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break (status.code(), false);
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            break (None, true);
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let output = String::from_utf8_lossy(&fs::read(&out_path).unwrap()).into_owned();
    DockerRun {
        output,
        code,
        timed_out,
        requests: engine.requests(),
    }
}

fn shell_quote(word: &str) -> String {
    format!("'{}'", word.replace('\'', r"'\''"))
}

/// Runs `work` on every item, `PARALLEL` at a time; results in item order.
fn parallel_map<T: Sync, R: Send>(items: &[T], work: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..PARALLEL {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    let Some(item) = items.get(i) else { break };
                    let result = work(item);
                    results.lock().unwrap()[i] = Some(result);
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap()
        .into_iter()
        .map(|r| r.expect("every item was worked on"))
        .collect()
}

// ---------------------------------------------------------------------------------
// The corpus of run invocations.

/// One invocation to try: the inline everyday runs, and the policy cases.
struct Case {
    id: String,
    argv: Vec<String>,
    caller: Caller,
    /// What the case says the shipped policy decides.
    expect: Expect,
}

/// The everyday runs, then every case of the shipped policy's case files
/// (`tests/policy/*.toml`, among them `run.toml`), read as `policy test` reads them.
/// Cases that do not create a container are left out later, by their command.
fn corpus() -> Vec<Case> {
    let mut cases: Vec<Case> = EVERYDAY_RUNS
        .iter()
        .enumerate()
        .map(|(i, argv)| Case {
            id: format!("everyday-{}", i + 1),
            argv: argv.split_whitespace().map(str::to_string).collect(),
            caller: caller("agent"),
            expect: Expect::Allow,
        })
        .collect();
    let mut files: Vec<PathBuf> = fs::read_dir(CASES_DIR)
        .map(|dir| dir.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    files.retain(|p| p.extension().is_some_and(|e| e == "toml"));
    files.sort();
    for file in files {
        let loaded = cases::load_cases(&file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = file.file_name().unwrap().to_string_lossy().into_owned();
        cases.extend(loaded.into_iter().map(|c| Case {
            id: format!("{name}:{}", c.id),
            caller: c.subject(),
            argv: c.argv,
            expect: c.expect,
        }));
    }
    cases
}

fn caller(user: &str) -> Caller {
    Caller {
        user: user.into(),
        uid: 1000,
        groups: vec![],
    }
}

fn shipped_policy() -> Policy {
    load::load_unchecked(Path::new(SHIPPED_POLICY)).expect("the shipped policy loads")
}

fn os_args(args: &[String]) -> Vec<OsString> {
    args.iter().map(OsString::from).collect()
}

// ---------------------------------------------------------------------------------
// What the create body may hold.

/// What the allowing rule lets a container have, to read the create body against.
struct Allowance<'a> {
    user: &'a str,
    rule: &'a CommandRule,
    forced: Vec<(&'static str, String)>,
}

impl Allowance<'_> {
    fn flag(&self, long: &str) -> Option<&ValueRule> {
        flag_rule(&self.rule.flags, long)
    }

    /// Whether the rule lets `--long` carry `value`.
    fn allows_value(&self, long: &str, value: &str) -> bool {
        match self.flag(long) {
            None => false,
            Some(ValueRule::Any) => true,
            Some(ValueRule::OneOf(patterns)) => {
                patterns.iter().any(|p| p.matches_for(value, self.user))
            }
        }
    }

    fn bind_allowed(&self, source: &str) -> bool {
        let binds = self.rule.container.as_ref().map(|c| &c.mounts.binds);
        binds.is_some_and(|roots| roots.iter().any(|r| is_within(Path::new(source), r)))
    }

    fn volume_allowed(&self, name: &str) -> bool {
        let volumes = self.rule.container.as_ref().map(|c| &c.mounts.volumes);
        volumes.is_some_and(|v| {
            !v.is_empty() && (name.is_empty() || v.iter().any(|p| p.matches_for(name, self.user)))
        })
    }

    fn mounts(&self) -> docker_guard::policy::container::MountRules {
        self.rule
            .container
            .as_ref()
            .map(|c| c.mounts.clone())
            .unwrap_or_default()
    }
}

/// Settings of the create body that reach the host through a flag the policy must
/// have allowed: (JSON pointer, flag). Without that flag they must be empty.
const NEEDS_FLAG: &[(&str, &str)] = &[
    ("/HostConfig/LogConfig/Type", "log-driver"),
    ("/HostConfig/CgroupParent", "cgroup-parent"),
    ("/HostConfig/Runtime", "runtime"),
    ("/HostConfig/Sysctls", "sysctl"),
    ("/HostConfig/ContainerIDFile", "cidfile"),
    ("/HostConfig/Links", "link"),
    ("/HostConfig/GroupAdd", "group-add"),
    ("/HostConfig/OomKillDisable", "oom-kill-disable"),
    ("/HostConfig/StorageOpt", "storage-opt"),
    ("/HostConfig/VolumesFrom", "volumes-from"),
    ("/HostConfig/DeviceRequests", "gpus"),
    // `--security-opt systempaths=unconfined` sends empty lists here.
    ("/HostConfig/MaskedPaths", "security-opt"),
    ("/HostConfig/ReadonlyPaths", "security-opt"),
];

fn is_empty(value: &Value) -> bool {
    match value {
        Value::Null => true,
        Value::Bool(b) => !b,
        Value::String(s) => s.is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Object(o) => o.is_empty(),
        Value::Number(_) => false,
    }
}

fn strings(value: &Value) -> Vec<String> {
    value
        .as_array()
        .map(|a| {
            a.iter()
                .map(|v| v.as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// Every way the create body gives the container more of the host than `allowance`,
/// or misses what the policy forces. Empty when the body is as it must be.
fn body_problems(body: &Value, invocation: &Invocation, allowance: &Allowance) -> Vec<String> {
    let mut problems = mount_problems(body, allowance);
    problems.extend(privilege_problems(&body["HostConfig"], allowance));
    problems.extend(security_opt_problems(&body["HostConfig"], allowance));
    problems.extend(forced_problems(body, allowance));
    problems.extend(typed_problems(body, invocation));
    problems
}

/// Binds, mounts, tmpfs and volume drivers: host paths only below the policy's bind
/// directories, volumes only as named, no driver options.
fn mount_problems(body: &Value, allowance: &Allowance) -> Vec<String> {
    let mut problems = Vec::new();
    let host = &body["HostConfig"];
    let mounts = allowance.mounts();
    // Binds: `SRC:DST[:OPTS]`; an absolute SRC is a host path, else a volume name.
    for bind in strings(&host["Binds"]) {
        let source = bind.split(':').next().unwrap_or("");
        if source.starts_with('/') {
            if !allowance.bind_allowed(source) {
                problems.push(format!(
                    "Binds has {bind:?}: a host path outside the policy's bind directories"
                ));
            }
        } else if !allowance.volume_allowed(source) {
            problems.push(format!(
                "Binds has {bind:?}: a volume the policy does not allow"
            ));
        }
    }
    for mount in host["Mounts"].as_array().into_iter().flatten() {
        let source = mount["Source"].as_str().unwrap_or("");
        match mount["Type"].as_str().unwrap_or("") {
            "bind" => {
                if !allowance.bind_allowed(source) {
                    problems.push(format!(
                        "Mounts has a bind of {source:?}, outside the policy's bind directories"
                    ));
                }
                let propagation = mount["BindOptions"]["Propagation"].as_str().unwrap_or("");
                if propagation.contains("shared") {
                    problems.push(format!("Mounts has a bind with {propagation} propagation"));
                }
            }
            "volume" => {
                if !allowance.volume_allowed(source) {
                    problems.push(format!(
                        "Mounts has volume {source:?}, which the policy does not allow"
                    ));
                }
                let driver = &mount["VolumeOptions"]["DriverConfig"];
                let has_driver = !is_empty(&driver["Name"]) || !is_empty(&driver["Options"]);
                if has_driver && !mounts.volume_options {
                    problems.push(format!(
                        "Mounts has a volume with driver {driver} (o=bind,device= binds any host path)"
                    ));
                }
            }
            "tmpfs" if mounts.tmpfs => {}
            other => problems.push(format!("Mounts has a {other:?} mount: {mount}")),
        }
    }
    if writable_bind(host) {
        problems.extend(writable_bind_problem(body));
    }
    if !mounts.tmpfs && !is_empty(&host["Tmpfs"]) {
        problems.push(format!(
            "Tmpfs is {} but the policy allows no tmpfs",
            host["Tmpfs"]
        ));
    }
    if !mounts.volume_options && !is_empty(&host["VolumeDriver"]) {
        problems.push(format!("VolumeDriver is {}", host["VolumeDriver"]));
    }
    problems
}

/// Privileged mode, shared namespaces, networks, capabilities, devices.
fn privilege_problems(host: &Value, allowance: &Allowance) -> Vec<String> {
    let mut problems = Vec::new();
    if host["Privileged"] != Value::Bool(false) {
        problems.push(format!("Privileged is {}", host["Privileged"]));
    }
    // Namespaces shared with the host or another container, whatever the policy.
    for key in [
        "PidMode",
        "IpcMode",
        "UTSMode",
        "UsernsMode",
        "CgroupnsMode",
        "NetworkMode",
    ] {
        let mode = host[key].as_str().unwrap_or("");
        if mode == "host" || mode.starts_with("container:") {
            problems.push(format!(
                "{key} is {mode:?}: a namespace shared with the host or another container"
            ));
        }
    }
    let network = host["NetworkMode"].as_str().unwrap_or("");
    if network != "default" && !allowance.allows_value("network", network) {
        problems.push(format!(
            "NetworkMode is {network:?}, which the policy does not allow"
        ));
    }
    // docker 28 sends capabilities as `CAP_X` whatever was typed (`X`, `cap_x`), the
    // policy names them as typed: either spelling of an allowed one is allowed.
    for cap in strings(&host["CapAdd"]) {
        let bare = cap.strip_prefix("CAP_").unwrap_or(&cap);
        if !allowance.allows_value("cap-add", &cap) && !allowance.allows_value("cap-add", bare) {
            problems.push(format!("CapAdd has {cap}, which the policy does not allow"));
        }
    }
    for (key, flag) in [
        ("Devices", "device"),
        ("DeviceCgroupRules", "device-cgroup-rule"),
    ] {
        if !is_empty(&host[key]) && allowance.flag(flag).is_none() {
            problems.push(format!("{key} is {}: host devices", host[key]));
        }
    }
    problems
}

/// SecurityOpt: only what the policy forces or allows, never a way out, and every
/// forced option present.
fn security_opt_problems(host: &Value, allowance: &Allowance) -> Vec<String> {
    let mut problems = Vec::new();
    let forced_opts: Vec<&str> = allowance
        .forced
        .iter()
        .filter(|(long, _)| *long == "security-opt")
        .map(|(_, v)| v.as_str())
        .collect();
    let opts = strings(&host["SecurityOpt"]);
    for opt in &opts {
        let unconfining =
            opt.contains("unconfined") || opt.starts_with("seccomp") || opt.starts_with("label");
        if unconfining
            || !(forced_opts.contains(&opt.as_str()) || allowance.allows_value("security-opt", opt))
        {
            problems.push(format!(
                "SecurityOpt has {opt:?}, which the policy does not allow"
            ));
        }
    }
    for forced in &forced_opts {
        if !opts.iter().any(|o| o == forced) {
            problems.push(format!("SecurityOpt lacks the forced {forced:?}: {opts:?}"));
        }
    }
    problems
}

/// The forced labels, the caller's name among them, and nothing that needs a flag
/// the policy does not allow.
fn forced_problems(body: &Value, allowance: &Allowance) -> Vec<String> {
    let mut problems = Vec::new();
    for (long, value) in &allowance.forced {
        if *long != "label" {
            continue;
        }
        let (key, val) = value.split_once('=').unwrap_or((value, ""));
        if body["Labels"][key] != Value::String(val.to_string()) {
            problems.push(format!(
                "Labels lacks the forced {value:?}: {}",
                body["Labels"]
            ));
        }
    }
    // Whose container it is: the audit trail and `ps --filter label=` rely on it.
    if body["Labels"]["docker-guard.user"] != Value::String(allowance.user.to_string()) {
        problems.push(format!(
            "Labels lack docker-guard.user={}: {}",
            allowance.user, body["Labels"]
        ));
    }
    for (pointer, flag) in NEEDS_FLAG {
        let value = body.pointer(pointer).unwrap_or(&Value::Null);
        if !is_empty(value) && allowance.flag(flag).is_none() {
            problems.push(format!(
                "{pointer} is {value}, set without --{flag} being allowed"
            ));
        }
    }
    problems
}

/// The image and the command are what was typed: the `--` in the canonical argv kept
/// every word after the image out of docker's flags.
fn typed_problems(body: &Value, invocation: &Invocation) -> Vec<String> {
    let mut problems = Vec::new();
    let image = invocation
        .positionals
        .first()
        .map(String::as_str)
        .unwrap_or("");
    if body["Image"] != Value::String(image.into()) {
        problems.push(format!(
            "Image is {} but {image:?} was checked",
            body["Image"]
        ));
    }
    let command = invocation.positionals.get(1..).unwrap_or_default();
    if !command.is_empty() && strings(&body["Cmd"]) != command {
        problems.push(format!("Cmd is {} but {command:?} was typed", body["Cmd"]));
    }
    problems
}

/// Whether the body binds a host path writable (`SRC:DST` or `SRC:DST:rw,...`, or a
/// bind mount without `ReadOnly`).
fn writable_bind(host: &Value) -> bool {
    let in_binds = strings(&host["Binds"]).iter().any(|bind| {
        let mut parts = bind.split(':');
        let source = parts.next().unwrap_or("");
        let options = parts.nth(1).unwrap_or("");
        source.starts_with('/') && !options.split(',').any(|o| o == "ro")
    });
    let in_mounts = host["Mounts"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|m| m["Type"] == "bind" && m["ReadOnly"] != Value::Bool(true));
    in_binds || in_mounts
}

/// A writable bind is only safe for a container user that cannot be root: root
/// could leave a setuid program there for the caller to run on the host.
fn writable_bind_problem(body: &Value) -> Option<String> {
    let user = body["User"].as_str().unwrap_or("");
    let (uid, gid) = user.split_once(':').unwrap_or((user, ""));
    let non_root = |id: &str| id.parse::<u32>().is_ok_and(|n| n != 0);
    let no_new_privileges = strings(&body["HostConfig"]["SecurityOpt"])
        .iter()
        .any(|o| o == "no-new-privileges");
    let safe = non_root(uid)
        && non_root(gid)
        && is_empty(&body["HostConfig"]["GroupAdd"])
        && no_new_privileges;
    (!safe).then(|| {
        format!(
            "a writable bind for User {user:?}, GroupAdd {}, SecurityOpt {}: root in the \
             container could leave a setuid program on the host",
            body["HostConfig"]["GroupAdd"], body["HostConfig"]["SecurityOpt"]
        )
    })
}

/// The flags' value on the command level, by long name (last one wins, as in docker).
fn flag_value<'a>(invocation: &'a Invocation, long: &str) -> Option<&'a str> {
    invocation
        .command_flags()
        .iter()
        .rev()
        .find(|f| f.spec.long == long)
        .map(|f| f.value.as_str())
}

/// What the rule that allowed `judgement` lets the container have.
fn allowance<'a>(policy: &'a Policy, user: &'a str, judgement: &Judgement) -> Allowance<'a> {
    let invocation = judgement.invocation.as_ref().expect("allowed means parsed");
    let rule = policy
        .rules
        .iter()
        .find(|r| Some(&r.id) == judgement.decision.rule.as_ref())
        .and_then(|r| r.command(invocation.command()))
        .expect("the allowing rule names the command");
    Allowance {
        user,
        rule,
        forced: judgement
            .decision
            .forced
            .iter()
            .map(|f| (f.long, f.value.clone()))
            .collect(),
    }
}

/// Runs docker with `args` against a fresh fake engine and returns the one create
/// request it made, its body, and what docker printed.
fn ask_docker(args: &[String], tty: bool) -> Result<(Request, Value, DockerRun), String> {
    let engine = FakeEngine::start();
    let run = run_docker(&engine, args, tty);
    let mut creates = engine.creates();
    if creates.len() != 1 {
        return Err(format!(
            "docker asked {} creates (exit {:?}{}); argv {args:?}; requests {:?}; output: {}",
            creates.len(),
            run.code,
            if run.timed_out { ", timed out" } else { "" },
            engine
                .requests()
                .iter()
                .map(|r| format!("{} {}", r.method, r.path))
                .collect::<Vec<_>>(),
            run.output.trim()
        ));
    }
    let (request, body) = creates.remove(0);
    Ok((request, body, run))
}

/// Runs one allowed judgement's canonical argv through docker and returns the create
/// body, or what is wrong with what docker asked (or why it could not be checked).
fn check_through_docker(
    policy: &Policy,
    user: &str,
    judgement: &Judgement,
) -> Result<Value, Vec<String>> {
    let invocation = judgement.invocation.as_ref().expect("allowed means parsed");
    let args = shim::docker_args(judgement).expect("allowed");
    let allowance = allowance(policy, user, judgement);
    let tty = flag_value(invocation, "tty") == Some("true");
    let (request, body, run) = ask_docker(&args, tty).map_err(|e| vec![e])?;
    let mut problems = body_problems(&body, invocation, &allowance);
    // Nothing else reached the daemon: a ping, a pull when asked for, the create.
    let pulls = flag_value(invocation, "pull") == Some("always");
    for other in &run.requests {
        let expected = match other.endpoint() {
            "/_ping" | "/containers/create" => true,
            "/images/create" => pulls,
            _ => false,
        };
        if !expected {
            problems.push(format!("docker also asked {} {}", other.method, other.path));
        }
    }
    if !run.output.contains(CREATE_REFUSAL) {
        problems.push(format!(
            "docker did not report the engine's refusal: {}",
            run.output.trim()
        ));
    }
    // The create query carries the name and platform: the ones that were checked.
    for (query, flag) in [("name", "name"), ("platform", "platform")] {
        let sent = request.query_param(query).filter(|v| !v.is_empty());
        if sent.as_deref() != flag_value(invocation, flag) {
            problems.push(format!(
                "create query {query}={sent:?}, but --{flag} was {:?}",
                flag_value(invocation, flag)
            ));
        }
    }
    if problems.is_empty() {
        Ok(body)
    } else {
        Err(problems
            .into_iter()
            .map(|p| format!("{p} (argv {args:?})"))
            .collect())
    }
}

/// The body check can fail: given docker's create body for what the guard exists to
/// refuse (typed straight to docker), it names every way out.
#[test]
fn the_body_check_names_what_a_refused_run_would_have_asked() {
    require_docker();
    let policy = shipped_policy();
    let benign = shim::judge(
        &policy,
        &caller("agent"),
        &os_args(&["run".into(), "alpine".into()]),
    );
    let allowance = allowance(&policy, "agent", &benign);
    let args: Vec<String> = "container run --privileged=true --volume=/:/host \
        --mount=type=bind,source=/etc,target=/e --pid=host --network=host --cap-add=SYS_ADMIN \
        --device=/dev/null --security-opt=seccomp=unconfined -- alpine"
        .split_whitespace()
        .map(str::to_string)
        .collect();
    let invocation = parse::parse(&args).unwrap();
    let (_, body, _) = ask_docker(&args, false).unwrap();
    let problems = body_problems(&body, &invocation, &allowance).join("\n");
    for expected in [
        "Privileged is true",
        "Binds has \"/:/host\"",
        "Mounts has a bind of \"/etc\"",
        "a writable bind",
        "PidMode is \"host\"",
        "NetworkMode is \"host\"",
        "CapAdd has CAP_SYS_ADMIN",
        "Devices is",
        "SecurityOpt has \"seccomp=unconfined\"",
        "SecurityOpt lacks the forced \"no-new-privileges\"",
        "Labels lacks the forced \"docker-guard.user=agent\"",
    ] {
        assert!(
            problems.contains(expected),
            "{expected:?} not found in:\n{problems}"
        );
    }
}

#[test]
fn every_allowed_run_asks_the_daemon_for_nothing_beyond_the_policy() {
    require_docker();
    let policy = shipped_policy();
    let cases = corpus();
    let results = parallel_map(&cases, |case| {
        let judgement = shim::judge(&policy, &case.caller, &os_args(&case.argv));
        let allowed = judgement.decision.allowed;
        let mut note = None;
        if case.expect == Expect::Allow && !allowed {
            note = Some(format!(
                "{}: expected allow but the shipped policy denies {:?}: {}",
                case.id,
                case.argv,
                judgement.decision.reasons.join("; ")
            ));
        }
        let command = judgement.invocation.as_ref().map(|i| i.command().path);
        let creates = command.is_some_and(|p| p == "container run" || p == "container create");
        // A help request never reaches the daemon: docker is given `--help` alone.
        let outcome = (allowed && creates && !judgement.decision.help_only)
            .then(|| check_through_docker(&policy, &case.caller.user, &judgement));
        (note, outcome)
    });
    let mut failures = Vec::new();
    let mut checked = 0;
    for (case, (note, outcome)) in cases.iter().zip(results) {
        if let Some(note) = note {
            // The everyday runs are this test's own claim; the corpus file's
            // expectations are checked by the policy tests.
            if case.id.starts_with("everyday-") {
                failures.push(note);
            } else {
                println!("note: {note}");
            }
        }
        match outcome {
            None => {}
            Some(Ok(_)) => checked += 1,
            Some(Err(problems)) => {
                failures.extend(problems.into_iter().map(|p| format!("{}: {p}", case.id)))
            }
        }
    }
    println!("{checked} allowed runs checked through docker");
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert!(
        checked >= 30,
        "only {checked} allowed runs were checked through docker"
    );
}

/// Judges as the shim does, but from `cwd` (the shim uses the process's working
/// directory, which parallel tests must not change).
fn judge_in(policy: &Policy, caller: &Caller, args: &[&str], cwd: &Path) -> Judgement {
    let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
    let invocation = parse::parse(&args).unwrap();
    let host = RealHost {
        caller,
        cwd: cwd.to_path_buf(),
    };
    let decision = decide(policy, caller, &invocation, &host);
    Judgement {
        command: invocation.command_name().to_string(),
        invocation: Some(invocation),
        decision,
    }
}

#[test]
fn an_allowed_relative_bind_reaches_the_daemon_as_the_absolute_path_that_was_checked() {
    require_docker();
    // A root-owned directory the caller (uid 1000) cannot write: it could not swap a
    // path component for a symlink after the check.
    let temp = tempfile::tempdir().unwrap();
    let allowed = fs::canonicalize(temp.path()).unwrap().join("allowed");
    fs::create_dir_all(allowed.join("x")).unwrap();
    std::os::unix::fs::symlink("/", allowed.join("escape")).unwrap();
    let policy = load::parse_policy(
        &format!(
            r#"
docker = "{DOCKER}"
[[rule]]
id = "binds"
users = ["*"]
[rule.commands."container run"]
flags = {{ rm = true, volume = true, mount = true, user = true }}
images = ["*"]
[rule.commands."container run".mounts]
binds = ["{}"]
[rule.commands."container run".force]
label = "docker-guard.user={{user}}"
security-opt = "no-new-privileges"
"#,
            allowed.display()
        ),
        "bind-test-policy",
    )
    .unwrap();
    // A bind needs the container to run as the caller (uid and one of its groups):
    // nobody/nogroup exist on every Debian machine.
    let agent = Caller {
        user: "nobody".into(),
        uid: 65534,
        groups: vec!["nogroup".into()],
    };
    let x = allowed.join("x").display().to_string();
    let cases: &[(&[&str], &str, String)] = &[
        (
            &[
                "run",
                "--rm",
                "-u",
                "65534:65534",
                "-v",
                "./x:/d:ro",
                "alpine",
            ],
            "/HostConfig/Binds/0",
            format!("{x}:/d:ro"),
        ),
        (
            &[
                "run",
                "--rm",
                "-u",
                "65534:65534",
                "-v",
                "./x/../x:/d:ro",
                "alpine",
            ],
            "/HostConfig/Binds/0",
            format!("{x}:/d:ro"),
        ),
        (
            &[
                "run",
                "--rm",
                "--user=65534:65534",
                "--mount",
                "type=bind,src=./x,dst=/d,readonly",
                "alpine",
            ],
            "/HostConfig/Mounts/0/Source",
            x.clone(),
        ),
    ];
    for (args, pointer, expected) in cases {
        let judgement = judge_in(&policy, &agent, args, &allowed);
        assert!(
            judgement.decision.allowed,
            "{args:?}: {:?}",
            judgement.decision.reasons
        );
        let body = check_through_docker(&policy, "nobody", &judgement)
            .unwrap_or_else(|problems| panic!("{args:?}:\n{}", problems.join("\n")));
        assert_eq!(
            body.pointer(pointer),
            Some(&Value::String(expected.clone())),
            "{args:?}: docker must be given the resolved absolute source, not the typed relative one: {}",
            body["HostConfig"]
        );
    }
    // The same spellings leading out of the allowed directory never reach docker.
    for args in [
        &["run", "--rm", "-v", "./escape:/d:ro", "alpine"][..],
        &["run", "--rm", "-v", "../..:/d:ro", "alpine"],
        &[
            "run",
            "--rm",
            "--mount",
            "type=bind,source=escape/etc,target=/d,readonly",
            "alpine",
        ],
    ] {
        let judgement = judge_in(&policy, &agent, args, &allowed);
        assert!(
            !judgement.decision.allowed,
            "{args:?} leads outside {}",
            allowed.display()
        );
        assert!(shim::docker_args(&judgement).is_none());
    }
}

// ---------------------------------------------------------------------------------
// Every modelled command: the real CLI parses its canonical argv.

/// What pflag and cobra print when they cannot read the argv.
const PARSE_ERRORS: &[&str] = &[
    "unknown flag",
    "unknown shorthand flag",
    "flag needs an argument",
    "invalid argument",
    "bad flag syntax",
    "is not a docker command",
    "unknown command",
];

/// A value docker's parser accepts for this flag. pflag calls each value's `Set`
/// while parsing, and many check their syntax there: by type first (ports, mounts,
/// ulimits, ...), then by name for the lists and strings docker validates (`--dns`
/// must be an IP address, `--env` and `--label` `key=value`, ...), else `x`.
fn sample_value(flag: &FlagSpec, pem: &Path) -> String {
    let by_type = match flag.ty {
        "" if flag.long == "help" => Some("false"), // `true` prints help, parses no more
        "" => Some("true"),
        "int" | "uint" | "uint16" | "uint32" | "decimal" | "float" => Some("1"),
        "duration" => Some("1s"),
        "bytes" => Some("1m"),
        "map" | "stringToString" => Some("k=v"),
        "filter" => Some("name=x"),
        "mount" => Some("type=volume,target=/x"),
        "network" => Some("bridge"),
        "port" => Some("8080:80"),
        "ulimit" => Some("nofile=1024:2048"),
        "gpu-request" => Some("all"),
        "pref" => Some("spread=node.labels.zone"),
        "credential-spec" => Some("file://spec.json"),
        "external-ca" => Some("protocol=cfssl,url=https://ca.example"),
        "node-addr" => Some("0.0.0.0:2377"),
        "ipNetSlice" => Some("10.10.0.0/16"),
        _ => None,
    };
    if flag.ty == "pem-file" {
        return pem.display().to_string();
    }
    let by_name = || match flag.long {
        "add-host" | "host" | "host-add" => "h:10.0.0.1",
        "attach" => "stdout",
        "blkio-weight-device" | "device-read-iops" | "device-write-iops" => "/dev/sda:10",
        "device-read-bps" | "device-write-bps" => "/dev/sda:1mb",
        "device" => "/dev/null",
        "device-cgroup-rule" => "c 1:3 r",
        "dns" | "dns-add" => "1.1.1.1",
        "env"
        | "env-add"
        | "label"
        | "label-add"
        | "container-label"
        | "container-label-add"
        | "build-arg"
        | "sysctl"
        | "sysctl-add"
        | "opt"
        | "driver-opt"
        | "log-opt"
        | "storage-opt"
        | "annotation" => "k=v",
        "generic-resource" | "generic-resource-add" => "gpu=1",
        "link" => "c:alias",
        "publish" => "8080:80",
        "platform" => "linux/amd64",
        "signal" | "stop-signal" => "SIGTERM",
        "ip" => "10.0.0.2",
        "ip6" => "fd00::2",
        "mac-address" => "02:42:ac:11:00:02",
        "subnet" | "ip-range" => "10.10.0.0/16",
        "gateway" | "aux-address" => "10.10.0.1",
        "advertise-addr" | "data-path-addr" | "listen-addr" => "0.0.0.0:2377",
        _ => "x",
    };
    by_type.unwrap_or_else(by_name).to_string()
}

/// The canonical argv for `command` with every flag set once (global options aside).
fn canonical_with_every_flag(command: &CommandSpec, pem: &Path) -> Vec<String> {
    let mut typed: Vec<String> = command
        .path
        .split_whitespace()
        .map(str::to_string)
        .collect();
    typed.extend(
        command
            .flags
            .iter()
            .map(|f| format!("--{}={}", f.long, sample_value(f, pem))),
    );
    let invocation = parse::parse(&typed)
        .unwrap_or_else(|e| panic!("the model refuses its own flags {typed:?}: {e}"));
    canonical::argv(&invocation, &[], None)
}

#[test]
fn the_real_cli_parses_the_canonical_argv_of_every_modelled_command() {
    require_docker();
    let temp = tempfile::tempdir().unwrap();
    // `pem-file` values are read and PEM-decoded while parsing.
    let pem = temp.path().join("ca.pem");
    fs::write(
        &pem,
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let commands: Vec<&CommandSpec> = COMMANDS
        .iter()
        .filter(|c| {
            // A group only selects a sub-command; compose is a CLI plugin that is not
            // installed (docker would say "unknown command" before reading a flag).
            !c.group && !c.path.starts_with("compose")
        })
        .collect();
    // The check can fail: docker does report a flag it does not know, and a value
    // its parser refuses, in words this test looks for.
    for (args, error) in [
        (&["container", "ls", "--no-such-flag=x"][..], "unknown flag"),
        (&["container", "ls", "--last=x"], "invalid argument"),
    ] {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        let run = run_docker(&FakeEngine::start(), &args, false);
        assert!(run.output.contains(error), "{args:?}: {}", run.output);
    }
    let argvs: Vec<Vec<String>> = commands
        .iter()
        .map(|c| canonical_with_every_flag(c, &pem))
        .collect();
    let results = parallel_map(&argvs, |args| {
        let engine = FakeEngine::start();
        run_docker(&engine, args, false)
    });
    let mut failures = Vec::new();
    let mut timed_out = Vec::new();
    for ((command, args), run) in commands.iter().zip(&argvs).zip(&results) {
        if let Some(error) = PARSE_ERRORS.iter().find(|e| run.output.contains(*e)) {
            failures.push(format!(
                "{}: docker says {error:?} for {args:?}:\n{}",
                command.path,
                run.output.trim()
            ));
        }
        if run.timed_out {
            timed_out.push(command.path);
        }
    }
    if !timed_out.is_empty() {
        println!("note: still running after {RUN_TIMEOUT:?} (flags were parsed): {timed_out:?}");
    }
    println!("{} commands run", commands.len());
    assert!(
        failures.is_empty(),
        "{} commands:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
