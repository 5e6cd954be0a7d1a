//! What docker-guard costs per docker call: `cargo bench --bench guard` (as root for
//! sections 2 and 3; without root they are skipped and the output says why).
//!
//! 1. Decision in process: `shim::judge` + `shim::docker_args` (parse, decide,
//!    canonical argv) over a corpus of realistic argv, every call timed alone.
//! 2. Whole process: the release binary on its real enforcing path, run as
//!    `tests/integration/harness.rs` runs it (a private mount namespace whose `/etc` is
//!    an overlay holding the policy at the fixed path), its `docker` a trivial static
//!    program, against the same namespace setup exec'ing the trivial program directly.
//!    Interleaved runs; the median of the per-round differences is docker-guard's own
//!    cost. Cross-checked with the namespace set up once by this process (children
//!    `setns` into it before exec), and put beside the cost of exec'ing `/bin/true`
//!    (the floor for any dynamically linked program) and `docker --version`.
//! 3. Peak resident memory: each program image of a guarded call is stopped by ptrace
//!    at its `execve`/`exit` and its VmHWM read from `/proc`, so docker-guard's own
//!    peak is told apart from `unshare`'s, `sh`'s and docker's (getrusage's ru_maxrss,
//!    also shown, is the maximum over all images of the process).
//! 4. Policy load: TOML parse + validation, for the shipped policy and generated
//!    policies of 100, 1,000 and 10,000 rules, with allocations per rule as a measure
//!    of work that cache effects do not blur.
//!
//! Every figure is printed with its target and `ok`/`MISSED`; nothing here fails. About
//! 40 s on two cores. Arguments after `--` choose sections and rows, for profiling:
//! `cargo bench --bench guard -- decision "long run"`, `... -- load 10000`.

use docker_guard::caller::Caller;
use docker_guard::docker::parse;
use docker_guard::policy::load;
use docker_guard::shim;
use nix::libc;
use std::ffi::OsString;
use std::fmt::Write as _;
use std::fs;
use std::hint::black_box;
use std::io;
use std::os::fd::AsRawFd;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

/// The release (bench-profile) binary, built by `cargo bench` with this target.
const BIN: &str = env!("CARGO_BIN_EXE_docker-guard");
const SHIPPED_POLICY: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/policy.toml");
const REAL_DOCKER: &str = "/usr/local/bin/docker";
/// Who the whole-process runs are for (name, uid), as sudo reports it.
const CALLER: (&str, &str) = ("nobody", "65534");

const DECISION_TARGET: Duration = Duration::from_micros(5);
const OVERHEAD_TARGET_MS: f64 = 1.0;
const LOAD_TARGET: Duration = Duration::from_micros(200);
/// Policy load counts as linear when the work per rule (allocations, a proxy for
/// instructions: this VM has no PMU) stays within 10% from 1,000 to 10,000 rules and
/// time grows at most as rules^1.5. Time alone grows a little faster than linear when
/// the TOML tree outgrows the caches; a quadratic step hidden in the time would need
/// a share of 24% at 1,000 rules to reach k = 1.5, and would show in the instruction
/// count (callgrind: 118.1k instructions per rule at 1,000 rules, 118.6k at 10,000).
const LINEAR_MAX_EXPONENT: f64 = 1.5;
const RSS_TARGET_KIB: u64 = 8 * 1024;

/// A rule appended to the shipped policy so that the corpus's long `run` and compose
/// call can be allowed (the shipped policy allows neither), with the compose project
/// pinned in `compose_dir` (which must hold a root-owned `compose.yaml`).
fn bench_rule(compose_dir: &Path) -> String {
    format!(
        r#"
[compose.bench]
directory = "{dir}"
files = ["{dir}/compose.yaml"]

[[rule]]
id = "bench-runner"
users = ["*"]
projects = ["bench"]

[rule.commands."container run"]
images = ["ghcr.io/ggml-org/llama.cpp:*"]
mounts = {{ volumes = ["bench-*"], binds = ["/srv/models"], binds_read_only = true, tmpfs = true }}

[rule.commands."container run".flags]
rm = true
detach = true
name = ["bench-*"]
hostname = ["bench"]
cpus = ["[0-9]*"]
memory = ["[0-9]*g"]
memory-swap = ["[0-9]*g"]
pids-limit = true
shm-size = true
ulimit = ["nofile=*"]
env = ["MODEL=*", "THREADS=*", "BATCH=*", "CTX=*", "LOG_LEVEL=*"]
volume = true
mount = true
publish = ["127.0.0.1:*"]
network = ["bench"]
label = ["owner=*", "purpose=*"]
restart = ["no"]
security-opt = ["no-new-privileges"]
cap-drop = ["ALL"]
read-only = ["true"]
workdir = ["/app"]
user = ["1000:1000"]
log-driver = ["json-file"]
log-opt = ["max-size=*"]

[rule.commands."compose up".flags]
detach = true
build = true
wait = true
remove-orphans = true
"#,
        dir = compose_dir.display()
    )
}

/// A directory holding a root-owned compose file for the pinned project.
fn compose_project_dir() -> io::Result<tempfile::TempDir> {
    let dir = tempfile::Builder::new()
        .prefix("docker-guard-bench-compose.")
        .tempdir()?;
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755))?;
    let file = dir.path().join("compose.yaml");
    fs::write(
        &file,
        "services:\n  web:\n    image: nginx\n  worker:\n    image: busybox\n",
    )?;
    fs::set_permissions(&file, fs::Permissions::from_mode(0o644))?;
    Ok(dir)
}

/// The system allocator, counting allocations while `COUNTING` is set: the number of
/// allocations a policy load makes is a measure of its work that cache misses do not
/// blur, so it shows whether the work grows linearly.
struct CountingAlloc;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static ALLOCATED_BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call is forwarded to the system allocator unchanged.
unsafe impl std::alloc::GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: std::alloc::Layout) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            ALLOCATED_BYTES.fetch_add(layout.size() as u64, Relaxed);
        }
        // SAFETY: forwarded as is.
        unsafe { std::alloc::System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: std::alloc::Layout) {
        // SAFETY: forwarded as is.
        unsafe { std::alloc::System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: std::alloc::Layout, new_size: usize) -> *mut u8 {
        if COUNTING.load(Relaxed) {
            ALLOCATIONS.fetch_add(1, Relaxed);
            ALLOCATED_BYTES.fetch_add(new_size as u64, Relaxed);
        }
        // SAFETY: forwarded as is.
        unsafe { std::alloc::System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAlloc = CountingAlloc;

/// Allocations and bytes requested while running `f`.
fn count_allocations(f: impl FnOnce()) -> (u64, u64) {
    ALLOCATIONS.store(0, Relaxed);
    ALLOCATED_BYTES.store(0, Relaxed);
    COUNTING.store(true, Relaxed);
    f();
    COUNTING.store(false, Relaxed);
    (ALLOCATIONS.load(Relaxed), ALLOCATED_BYTES.load(Relaxed))
}

#[derive(Clone, Copy, PartialEq)]
enum Which {
    Shipped,
    Bench,
}

struct Case {
    label: &'static str,
    policy: Which,
    argv: &'static [&'static str],
}

const LONG_RUN: &[&str] = &[
    "run",
    "--rm",
    "-d",
    "--name",
    "bench-llama-7b-q4",
    "--hostname",
    "bench",
    "--cpus",
    "2",
    "--memory",
    "8g",
    "--memory-swap",
    "8g",
    "--pids-limit",
    "512",
    "--shm-size",
    "1g",
    "--ulimit",
    "nofile=65536:65536",
    "-e",
    "MODEL=llama-7b-q4",
    "-e",
    "THREADS=2",
    "-e",
    "BATCH=512",
    "-e",
    "CTX=4096",
    "--env=LOG_LEVEL=info",
    "-v",
    "/srv/models:/models:ro",
    "-v",
    "bench-cache:/cache",
    "--mount",
    "type=tmpfs,destination=/tmp,tmpfs-size=268435456",
    "-p",
    "127.0.0.1:8080:8080",
    "--network",
    "bench",
    "--label",
    "owner=agent",
    "--label",
    "purpose=benchmark",
    "--restart",
    "no",
    "--security-opt",
    "no-new-privileges",
    "--cap-drop",
    "ALL",
    "--read-only",
    "--workdir",
    "/app",
    "--user",
    "1000:1000",
    "--log-driver",
    "json-file",
    "--log-opt",
    "max-size=10m",
    "ghcr.io/ggml-org/llama.cpp:server",
    "--model",
    "/models/llama-7b-q4.gguf",
    "--ctx-size",
    "4096",
    "--threads",
    "2",
    "--port",
    "8080",
    "--host",
    "0.0.0.0",
];

const COMPOSE_UP: &[&str] = &[
    "compose",
    "-p",
    "bench",
    "up",
    "-d",
    "--build",
    "--wait",
    "--remove-orphans",
    "web",
    "worker",
];

const CORPUS: &[Case] = &[
    Case {
        label: "ps",
        policy: Which::Shipped,
        argv: &["ps"],
    },
    Case {
        label: "ps -a --filter --format",
        policy: Which::Shipped,
        argv: &[
            "ps",
            "-a",
            "--filter",
            "status=running",
            "--format",
            "{{.ID}}\t{{.Names}}\t{{.Status}}",
        ],
    },
    Case {
        label: "logs --tail -f",
        policy: Which::Shipped,
        argv: &["logs", "--tail", "100", "-f", "--timestamps", "web-1"],
    },
    Case {
        label: "run --privileged -v /:/host",
        policy: Which::Shipped,
        argv: &["run", "--privileged", "-itv", "/:/host", "alpine", "sh"],
    },
    Case {
        label: "long run (shipped policy)",
        policy: Which::Shipped,
        argv: LONG_RUN,
    },
    Case {
        label: "long run (+bench rule)",
        policy: Which::Bench,
        argv: LONG_RUN,
    },
    Case {
        label: "compose -p up (+bench rule)",
        policy: Which::Bench,
        argv: COMPOSE_UP,
    },
];

/// One figure checked against its target.
struct Check {
    what: String,
    value: String,
    target: String,
    ok: bool,
}

fn main() {
    // `cargo bench --bench guard -- [decision|process|load]... [ROW]...`: only those
    // sections, and only the corpus rows whose label contains one of the ROW words
    // (for profiling); `cargo bench` itself passes `--bench`, which is ignored.
    const SECTIONS: &[&str] = &["decision", "process", "load"];
    let words: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with("--"))
        .collect();
    let (sections, rows): (Vec<String>, Vec<String>) = words
        .into_iter()
        .partition(|w| SECTIONS.contains(&w.as_str()));
    let run = |section: &str| sections.is_empty() || sections.iter().any(|c| c == section);
    let started = Instant::now();
    println!("docker-guard benchmarks (cargo bench --bench guard)");
    println!("binary: {BIN}");
    println!("machine: {}", machine_line());
    let mut checks = Vec::new();

    // Process figures before the policy-load section: its 10,000-rule policies grow
    // this process's heap, and every child is forked from it.
    if run("decision") {
        decision_section(&mut checks, &rows);
    }
    if run("process") {
        match process_prerequisites().map_or_else(Sandbox::new, Err) {
            Ok(sandbox) => {
                overhead_section(&sandbox, &mut checks);
                memory_section(&sandbox, &mut checks);
            }
            Err(why) => {
                println!("\n2./3. Whole-process overhead and peak memory: SKIPPED: {why}")
            }
        }
    }
    if run("load") {
        load_section(&mut checks, &rows);
    }
    print_checks(&checks, started);
}

fn print_checks(checks: &[Check], started: Instant) {
    println!("\nTargets");
    for c in checks {
        println!(
            "  {:<52} {:>12}   target {:<10} {}",
            c.what,
            c.value,
            c.target,
            if c.ok { "ok" } else { "MISSED" }
        );
    }
    let missed = checks.iter().filter(|c| !c.ok).count();
    println!(
        "{} of {} targets met; load average now {}; took {:.0} s",
        checks.len() - missed,
        checks.len(),
        load_average(),
        started.elapsed().as_secs_f64()
    );
}

// ---------------------------------------------------------------------------------
// 1. Decision latency

fn bench_caller() -> Caller {
    Caller {
        user: "agent".into(),
        uid: 1000,
        groups: vec!["agent".into()],
    }
}

fn read_shipped() -> String {
    fs::read_to_string(SHIPPED_POLICY).unwrap_or_else(|e| panic!("{SHIPPED_POLICY}: {e}"))
}

fn decision_section(checks: &mut Vec<Check>, rows: &[String]) {
    println!(
        "\n1. Decision in process: shim::judge + shim::docker_args (parse + decide + canonical argv)"
    );
    let shipped_text = read_shipped();
    let shipped = match load::parse_policy(&shipped_text, "policy.toml") {
        Ok(p) => p,
        Err(e) => {
            println!(
                "   SKIPPED: the shipped policy does not load against this docker model:\n{e}"
            );
            checks.push(Check {
                what: "decision median (worst argv)".into(),
                value: "n/a".into(),
                target: "≤ 5 µs".into(),
                ok: false,
            });
            return;
        }
    };
    let compose_dir = match compose_project_dir() {
        Ok(dir) => dir,
        Err(e) => {
            println!("   SKIPPED: temp dir for the compose project: {e}");
            return;
        }
    };
    let bench_text = format!("{shipped_text}\n{}", bench_rule(compose_dir.path()));
    let bench = match load::parse_policy(&bench_text, "policy.toml+bench") {
        Ok(p) => Some(p),
        Err(e) => {
            println!(
                "   note: the bench rule does not load ({e}); its rows use the shipped policy"
            );
            None
        }
    };
    let caller = bench_caller();
    let timer = timer_overhead();
    println!(
        "   caller \"agent\" (uid 1000); every call timed alone ({} ns timer overhead included);",
        timer.as_nanos()
    );
    println!(
        "   \"+bench rule\": the shipped policy plus a rule allowing the long run and compose up"
    );
    println!(
        "   {:<32} {:>6}  {:<28} {:>9} {:>9} {:>12}  ≤ 5 µs",
        "argv", "tokens", "decision", "median", "p99", "parse alone"
    );
    let mut worst = Duration::ZERO;
    let mut worst_label = "";
    let mut footnotes = Vec::new();
    let chosen = CORPUS
        .iter()
        .filter(|c| rows.is_empty() || rows.iter().any(|r| c.label.contains(r.as_str())));
    for case in chosen {
        let policy = match (case.policy, &bench) {
            (Which::Bench, Some(b)) => b,
            _ => &shipped,
        };
        let args: Vec<OsString> = case.argv.iter().map(OsString::from).collect();
        let judgement = shim::judge(policy, &caller, &args);
        let decision = if judgement.decision.allowed {
            format!(
                "allow ({})",
                judgement.decision.rule.as_deref().unwrap_or("?")
            )
        } else {
            let first = judgement
                .decision
                .reasons
                .first()
                .map(String::as_str)
                .unwrap_or("");
            footnotes.push(format!(
                "{}: {}",
                case.label,
                judgement.decision.reasons.join("; ")
            ));
            format!("deny [{}]: {}", footnotes.len(), shorten(first, 16))
        };
        let samples = time_each(30_000, || {
            let j = shim::judge(policy, &caller, &args);
            let a = shim::docker_args(&j);
            black_box((j, a));
        });
        let (median, p99) = (percentile(&samples, 50.0), percentile(&samples, 99.0));
        let parse_only = time_each(30_000, || {
            let parsed = parse::to_strings(&args).and_then(|strings| parse::parse(&strings));
            black_box(parsed.is_ok());
        });
        if median > worst {
            worst = median;
            worst_label = case.label;
        }
        println!(
            "   {:<32} {:>6}  {:<28} {:>9} {:>9} {:>12}  {}",
            case.label,
            case.argv.len(),
            decision,
            fmt_dur(median),
            fmt_dur(p99),
            fmt_dur(percentile(&parse_only, 50.0)),
            if median <= DECISION_TARGET {
                "ok"
            } else {
                "MISSED"
            }
        );
    }
    for (i, note) in footnotes.iter().enumerate() {
        println!("   [{}] {}", i + 1, shorten(note, 160));
    }
    checks.push(Check {
        what: format!("decision median, worst argv ({worst_label})"),
        value: fmt_dur(worst),
        target: "≤ 5 µs".into(),
        ok: worst <= DECISION_TARGET,
    });
}

fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let cut: String = text.chars().take(max - 1).collect();
        format!("{cut}…")
    }
}

/// Times each call of `f` alone, after a warm-up.
fn time_each(n: usize, mut f: impl FnMut()) -> Vec<Duration> {
    for _ in 0..n / 10 {
        f();
    }
    let mut samples = Vec::with_capacity(n);
    for _ in 0..n {
        let t = Instant::now();
        f();
        samples.push(t.elapsed());
    }
    samples.sort_unstable();
    samples
}

fn timer_overhead() -> Duration {
    let samples = time_each(10_000, || {});
    percentile(&samples, 50.0)
}

/// `samples` sorted.
fn percentile(samples: &[Duration], p: f64) -> Duration {
    let i = ((samples.len() as f64 * p / 100.0) as usize).min(samples.len() - 1);
    samples[i]
}

fn fmt_dur(d: Duration) -> String {
    let ns = d.as_nanos() as f64;
    if ns < 1_000.0 {
        format!("{ns:.0} ns")
    } else if ns < 1_000_000.0 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{:.2} ms", ns / 1e6)
    }
}

// ---------------------------------------------------------------------------------
// 2. Policy load

/// A policy of `rules` rules shaped like real ones: one user, a team group, three
/// commands with value patterns and positionals.
fn generated_policy(rules: usize) -> String {
    let mut text = String::from(
        "docker = \"/usr/local/bin/docker\"\n\n[environment]\nPATH = \"/usr/bin:/bin\"\n\
         HOME = \"/root\"\nDOCKER_CONFIG = \"/etc/docker-guard/docker-config\"\n",
    );
    for i in 0..rules {
        write!(
            text,
            r#"
[[rule]]
id = "gen-{i}"
users = ["user{i}"]
groups = ["team{team}"]
help = true

[rule.commands."container ls"]
flags = {{ all = true, filter = ["status=*", "name=app-{i}-*"], format = true, quiet = true }}

[rule.commands."container logs"]
flags = {{ follow = true, tail = ["[0-9]*"], timestamps = true }}
positionals = ["app-{i}-*"]

[rule.commands."container restart"]
flags = {{ timeout = ["[0-9]*"] }}
positionals = ["app-{i}-*"]
"#,
            team = i % 50
        )
        .unwrap();
    }
    text
}

/// Median time of `f`, run about `budget` long in total (3 to 2,000 runs).
fn median_time(budget: Duration, mut f: impl FnMut()) -> (Duration, usize) {
    let t = Instant::now();
    f();
    let once = t.elapsed().max(Duration::from_nanos(1));
    let n = (budget.as_nanos() / once.as_nanos()).clamp(3, 2_000) as usize;
    let mut samples: Vec<Duration> = (0..n)
        .map(|_| {
            let t = Instant::now();
            f();
            t.elapsed()
        })
        .collect();
    samples.sort_unstable();
    (percentile(&samples, 50.0), n)
}

fn load_section(checks: &mut Vec<Check>, rows: &[String]) {
    println!(
        "\n4. Policy load in process: load::parse_policy (TOML parse + validation against the docker \
         model)"
    );
    // Numbers among the row words choose the generated sizes and skip the shipped
    // policy (for profiling one size).
    let mut sizes: Vec<usize> = rows.iter().filter_map(|r| r.parse().ok()).collect();
    let shipped = read_shipped();
    match load::parse_policy(&shipped, "policy.toml") {
        _ if !sizes.is_empty() => {}
        Ok(policy) => {
            let commands: usize = policy.rules.iter().map(|r| r.commands.len()).sum();
            let (median, n) = median_time(Duration::from_millis(500), || {
                black_box(load::parse_policy(black_box(&shipped), "policy.toml").is_ok());
            });
            println!(
                "   shipped policy.toml: {} bytes, {} rule(s), {} command entries: median {} ({n} \
                 runs)",
                shipped.len(),
                policy.rules.len(),
                commands,
                fmt_dur(median)
            );
            let (toml_only, _) = median_time(Duration::from_millis(300), || {
                black_box(toml::from_str::<toml::Table>(black_box(&shipped)).is_ok());
            });
            println!(
                "     for comparison, TOML syntax alone into an untyped table (toml::Table, no \
                 spans): {}",
                fmt_dur(toml_only)
            );
            checks.push(Check {
                what: "shipped policy load, median".into(),
                value: fmt_dur(median),
                target: "≤ 200 µs".into(),
                ok: median <= LOAD_TARGET,
            });
        }
        Err(e) => {
            println!("   shipped policy.toml does not load against this docker model:\n{e}");
            checks.push(Check {
                what: "shipped policy load, median".into(),
                value: "n/a".into(),
                target: "≤ 200 µs".into(),
                ok: false,
            });
        }
    }
    if sizes.is_empty() {
        sizes = vec![100, 1_000, 10_000];
    }
    println!("   generated policies (each rule: 1 user, 1 group, 3 commands with value patterns):");
    println!(
        "   {:>7} {:>10} {:>11} {:>10} {:>6} {:>13} {:>13}",
        "rules", "bytes", "median", "per rule", "runs", "allocs/rule", "alloc B/rule"
    );
    let mut measured = Vec::new();
    for rules in sizes {
        let text = generated_policy(rules);
        if let Err(e) = load::parse_policy(&text, "generated.toml") {
            println!("   generated policy does not load: {e}");
            return;
        }
        let (allocs, bytes) = count_allocations(|| {
            black_box(load::parse_policy(black_box(&text), "generated.toml").is_ok());
        });
        let (median, n) = median_time(Duration::from_millis(1_500), || {
            black_box(load::parse_policy(black_box(&text), "generated.toml").is_ok());
        });
        let per_rule = |x: u64| x as f64 / rules as f64;
        println!(
            "   {:>7} {:>10} {:>11} {:>10} {:>6} {:>13.1} {:>13.0}",
            rules,
            text.len(),
            fmt_dur(median),
            fmt_dur(median / rules as u32),
            n,
            per_rule(allocs),
            per_rule(bytes)
        );
        measured.push((rules, median, per_rule(allocs)));
    }
    let [.., a, b] = measured[..] else {
        return;
    };
    let k = (b.1.as_secs_f64() / a.1.as_secs_f64()).log10() / (b.0 as f64 / a.0 as f64).log10();
    let work_ratio = b.2 / a.2;
    let linear = k <= LINEAR_MAX_EXPONENT && (0.9..=1.1).contains(&work_ratio);
    println!(
        "   growth {}→{} rules: time ∝ rules^k with k = {k:.2} (1 is linear, 2 quadratic); \
         allocations per rule ×{work_ratio:.3}",
        a.0, b.0
    );
    println!(
        "   {}",
        if linear {
            "linear: the work per rule is constant; k above 1 is the cost of a working set that \
             outgrows the caches (a 4 MB policy's TOML tree), not a quadratic step (see the \
             profile in the README)"
        } else {
            "NOT linear"
        }
    );
    checks.push(Check {
        what: format!(
            "load growth k, {}→{} rules (work/rule ×{work_ratio:.2})",
            a.0, b.0
        ),
        value: format!("{k:.2}"),
        target: format!("k ≤ {LINEAR_MAX_EXPONENT}"),
        ok: linear,
    });
}

// ---------------------------------------------------------------------------------
// 3. Whole-process overhead

fn process_prerequisites() -> Option<String> {
    if !nix::unistd::geteuid().is_root() {
        return Some(
            "not root: the enforcing path reads its policy only at the fixed path \
             /etc/docker-guard/policy.toml, which the bench provides in a private mount \
             namespace (unshare + overlay mount), and that needs root: run the bench as \
             root, as CI does."
                .into(),
        );
    }
    if !Path::new("/usr/bin/unshare").exists() {
        return Some("/usr/bin/unshare (util-linux) is missing".into());
    }
    None
}

struct Sandbox {
    /// The bench's own private mount namespace with the /etc overlay, for the
    /// cross-check (declared first: dropped, and so unmounted, before `dir` goes).
    namespace: Option<fs::File>,
    dir: tempfile::TempDir,
    /// The trivial program the policy names as docker.
    trivial: PathBuf,
    trivial_what: &'static str,
}

impl Sandbox {
    fn new() -> Result<Sandbox, String> {
        let dir = tempfile::Builder::new()
            .prefix("docker-guard-bench.")
            .tempdir()
            .map_err(|e| format!("temp dir: {e}"))?;
        let root = dir.path().to_path_buf();
        for sub in [
            "upper/docker-guard",
            "work",
            "upper2/docker-guard",
            "work2",
            "bin",
            "docker-config",
            "compose",
        ] {
            fs::create_dir_all(root.join(sub)).map_err(|e| format!("{sub}: {e}"))?;
        }
        for sub in [
            "",
            "upper",
            "upper/docker-guard",
            "upper2",
            "upper2/docker-guard",
            "bin",
            "docker-config",
            "compose",
        ] {
            set_mode(&root.join(sub), 0o755)?;
        }
        let compose = root.join("compose/compose.yaml");
        fs::write(&compose, "services:\n  web:\n    image: nginx\n")
            .map_err(|e| format!("{}: {e}", compose.display()))?;
        set_mode(&compose, 0o644)?;
        let (trivial, trivial_what) = match tiny_elf() {
            Some(bytes) => {
                let path = root.join("bin/docker");
                fs::write(&path, bytes).map_err(|e| format!("{}: {e}", path.display()))?;
                set_mode(&path, 0o755)?;
                (path, "a 129-byte static ELF that only calls exit(0)")
            }
            None => (PathBuf::from("/bin/true"), "/bin/true"),
        };
        let mut sandbox = Sandbox {
            dir,
            trivial,
            trivial_what,
            namespace: None,
        };
        sandbox.write_policy(&read_shipped())?;
        // The enforcing path must really run: docker-guard allows `ps -a` and execs the
        // trivial program, which exits 0.
        let out = sandbox
            .in_namespace(Path::new(BIN), &["ps", "-a"])
            .stderr(Stdio::piped())
            .output()
            .map_err(|e| format!("unshare: {e}"))?;
        if !out.status.success() {
            return Err(format!(
                "docker-guard did not run its enforcing path to the end ({}): {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
        let stderr = String::from_utf8_lossy(&out.stderr);
        if !stderr.trim().is_empty() {
            println!(
                "\n   note: docker-guard said: {} (as it does on every call here)",
                stderr.trim()
            );
        }
        sandbox.namespace =
            match private_etc_namespace(&sandbox.path("upper2"), &sandbox.path("work2")) {
                Ok(ns) => Some(ns),
                Err(e) => {
                    println!("   note: cross-check namespace not available: {e}");
                    None
                }
            };
        Ok(sandbox)
    }

    fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    /// Installs `policy` (shipped-policy text) with docker pointed at the trivial
    /// program and DOCKER_CONFIG at the sandbox's, in both overlays' upper layers.
    fn write_policy(&self, policy: &str) -> Result<(), String> {
        let mut text = String::with_capacity(policy.len());
        for line in policy.lines() {
            if line.starts_with("docker = ") {
                writeln!(text, "docker = \"{}\"", self.trivial.display()).unwrap();
            } else if line.starts_with("DOCKER_CONFIG = ") {
                writeln!(
                    text,
                    "DOCKER_CONFIG = \"{}\"",
                    self.path("docker-config").display()
                )
                .unwrap();
            } else {
                text.push_str(line);
                text.push('\n');
            }
        }
        match load::parse_policy(&text, "sandbox policy") {
            Ok(p) if p.docker == self.trivial => {}
            Ok(p) => {
                return Err(format!(
                    "the sandbox policy names docker {} instead of the trivial program",
                    p.docker.display()
                ));
            }
            Err(e) => return Err(format!("the policy does not load: {e}")),
        }
        for upper in ["upper", "upper2"] {
            let file = self.path(upper).join("docker-guard/policy.toml");
            fs::write(&file, &text).map_err(|e| format!("{}: {e}", file.display()))?;
            set_mode(&file, 0o644)?;
        }
        Ok(())
    }

    /// `program args` in a fresh private mount namespace whose /etc is the overlay, as
    /// the integration harness runs docker-guard: unshare and sh exec in turn, so the
    /// program keeps the child's pid.
    fn in_namespace(&self, program: &Path, args: &[&str]) -> Command {
        let argv = self.in_namespace_argv(program, args);
        let mut cmd = Command::new(&argv[0]);
        cmd.args(&argv[1..]);
        self.clean(&mut cmd);
        cmd
    }

    fn in_namespace_argv(&self, program: &Path, args: &[&str]) -> Vec<OsString> {
        let mut argv: Vec<OsString> = [
            "/usr/bin/unshare",
            "--mount",
            "--propagation",
            "private",
            "/bin/sh",
            "-c",
            "mount -t overlay overlay -o \"lowerdir=/etc,upperdir=$1,workdir=$2\" /etc \
             && shift 2 && exec \"$@\"",
            "sh",
        ]
        .into_iter()
        .map(OsString::from)
        .collect();
        argv.push(self.path("upper").into());
        argv.push(self.path("work").into());
        argv.push(program.into());
        argv.extend(args.iter().map(OsString::from));
        argv
    }

    /// ru_maxrss of `program args` run in the namespace, as GNU time reports it (its
    /// own small process is the one that forks, so the figure is the call's).
    fn time_maxrss_kib(&self, program: &Path, args: &[&str]) -> Option<u64> {
        let out = self.path("time.out");
        let mut cmd = Command::new("/usr/bin/time");
        cmd.arg("-f")
            .arg("%M")
            .arg("-o")
            .arg(&out)
            .args(self.in_namespace_argv(program, args));
        self.clean(&mut cmd);
        cmd.status().ok()?;
        fs::read_to_string(&out).ok()?.trim().parse().ok()
    }

    /// `program args` entering the bench's own namespace (set up once) just before
    /// exec: one exec, no unshare or sh.
    fn in_bench_namespace(&self, program: &Path, args: &[&str]) -> Option<Command> {
        let fd = self.namespace.as_ref()?.as_raw_fd();
        let mut cmd = Command::new(program);
        cmd.args(args);
        self.clean(&mut cmd);
        // SAFETY: only setns(2), which is async-signal-safe, runs between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::setns(fd, libc::CLONE_NEWNS) != 0 {
                    return Err(io::Error::last_os_error());
                }
                Ok(())
            });
        }
        Some(cmd)
    }

    fn direct(&self, program: &Path, args: &[&str]) -> Command {
        let mut cmd = Command::new(program);
        cmd.args(args);
        self.clean(&mut cmd);
        cmd
    }

    /// The same environment for every variant: what sudo leaves when the
    /// unprivileged account `nobody` runs `sudo docker-guard ...`.
    fn clean(&self, cmd: &mut Command) {
        cmd.env_clear()
            .env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin")
            .env("HOME", "/root")
            .env("DOCKER_CONFIG", self.path("docker-config"))
            .env("SUDO_USER", CALLER.0)
            .env("SUDO_UID", CALLER.1)
            .current_dir(self.dir.path())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
    }
}

fn set_mode(path: &Path, mode: u32) -> Result<(), String> {
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
        .map_err(|e| format!("chmod {}: {e}", path.display()))
}

/// The smallest program that can stand for docker: an ELF header, one program header
/// and `exit(0)`. Static, so no dynamic loader runs; its resident set is one page.
fn tiny_elf() -> Option<Vec<u8>> {
    let (machine, code): (u16, &[u8]) = if cfg!(target_arch = "x86_64") {
        // mov eax, 60 (exit); xor edi, edi; syscall
        (62, &[0xb8, 0x3c, 0, 0, 0, 0x31, 0xff, 0x0f, 0x05])
    } else if cfg!(target_arch = "aarch64") {
        // mov x0, #0; mov x8, #93 (exit); svc #0
        (
            183,
            &[0, 0, 0x80, 0xd2, 0xa8, 0x0b, 0x80, 0xd2, 1, 0, 0, 0xd4],
        )
    } else {
        return None;
    };
    let base: u64 = 0x40_0000;
    let headers: u64 = 64 + 56;
    let size = headers + code.len() as u64;
    let mut e = Vec::with_capacity(size as usize);
    e.extend_from_slice(b"\x7fELF\x02\x01\x01\0\0\0\0\0\0\0\0\0"); // 64-bit, LE, SysV
    e.extend_from_slice(&2u16.to_le_bytes()); // ET_EXEC
    e.extend_from_slice(&machine.to_le_bytes());
    e.extend_from_slice(&1u32.to_le_bytes()); // EV_CURRENT
    e.extend_from_slice(&(base + headers).to_le_bytes()); // entry
    e.extend_from_slice(&64u64.to_le_bytes()); // program headers offset
    e.extend_from_slice(&0u64.to_le_bytes()); // section headers offset
    e.extend_from_slice(&0u32.to_le_bytes()); // flags
    for half in [64u16, 56, 1, 0, 0, 0] {
        // header size, phentsize, phnum, shentsize, shnum, shstrndx
        e.extend_from_slice(&half.to_le_bytes());
    }
    e.extend_from_slice(&1u32.to_le_bytes()); // PT_LOAD
    e.extend_from_slice(&5u32.to_le_bytes()); // R + X
    for word in [0, base, base, size, size, 0x1000u64] {
        // offset, vaddr, paddr, filesz, memsz, align
        e.extend_from_slice(&word.to_le_bytes());
    }
    e.extend_from_slice(code);
    Some(e)
}

/// Creates a private mount namespace with the /etc overlay, returns to the original
/// namespace, and keeps the new one open so children can enter it before exec.
fn private_etc_namespace(upper: &Path, work: &Path) -> Result<fs::File, String> {
    let original = fs::File::open("/proc/self/ns/mnt").map_err(|e| e.to_string())?;
    // SAFETY: plain syscalls on this (single-threaded) process.
    if unsafe { libc::unshare(libc::CLONE_NEWNS) } != 0 {
        return Err(format!("unshare: {}", io::Error::last_os_error()));
    }
    let result = (|| {
        mount(None, "/", None, libc::MS_REC | libc::MS_PRIVATE, None)?;
        let options = format!(
            "lowerdir=/etc,upperdir={},workdir={}",
            upper.display(),
            work.display()
        );
        mount(Some("overlay"), "/etc", Some("overlay"), 0, Some(&options))?;
        fs::File::open("/proc/self/ns/mnt").map_err(|e| e.to_string())
    })();
    // SAFETY: as above.
    if unsafe { libc::setns(original.as_raw_fd(), libc::CLONE_NEWNS) } != 0 {
        panic!(
            "cannot return to the original mount namespace: {}",
            io::Error::last_os_error()
        );
    }
    result
}

fn mount(
    source: Option<&str>,
    target: &str,
    fstype: Option<&str>,
    flags: libc::c_ulong,
    data: Option<&str>,
) -> Result<(), String> {
    use std::ffi::CString;
    let c = |s: Option<&str>| s.map(|s| CString::new(s).unwrap());
    let (source, fstype, data) = (c(source), c(fstype), c(data));
    let target_c = CString::new(target).unwrap();
    let ptr = |s: &Option<CString>| s.as_ref().map_or(std::ptr::null(), |s| s.as_ptr());
    // SAFETY: every pointer is a NUL-terminated string that outlives the call, or null.
    let rc = unsafe {
        libc::mount(
            ptr(&source),
            target_c.as_ptr(),
            ptr(&fstype),
            flags,
            ptr(&data).cast(),
        )
    };
    if rc != 0 {
        return Err(format!("mount {target}: {}", io::Error::last_os_error()));
    }
    Ok(())
}

/// Wall time of one run, or why it failed.
fn time_run(mut cmd: Command) -> Result<Duration, String> {
    let t = Instant::now();
    let status = cmd.status().map_err(|e| e.to_string())?;
    let elapsed = t.elapsed();
    if status.success() {
        Ok(elapsed)
    } else {
        Err(format!("{cmd:?}: {status}"))
    }
}

fn median_of(values: &[f64]) -> f64 {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// One kind of run in the interleaved process benchmark.
struct Variant<'a> {
    key: &'static str,
    what: &'static str,
    make: Box<dyn Fn() -> Option<Command> + 'a>,
    times_ms: Vec<f64>,
}

fn variant<'a>(
    key: &'static str,
    what: &'static str,
    make: Box<dyn Fn() -> Option<Command> + 'a>,
) -> Variant<'a> {
    Variant {
        key,
        what,
        make,
        times_ms: Vec::new(),
    }
}

fn overhead_section(sandbox: &Sandbox, checks: &mut Vec<Check>) {
    println!(
        "\n2. Whole process: the release binary on its enforcing path, `docker-guard ps -a` with the \
         shipped policy, for caller {} (SUDO_USER/SUDO_UID as sudo sets them)",
        CALLER.0
    );
    println!(
        "   docker = {} ({})",
        sandbox.trivial.display(),
        sandbox.trivial_what
    );
    let bin = Path::new(BIN);
    let trivial = sandbox.trivial.as_path();
    let true_bin = Path::new("/bin/true");
    let real_docker = Path::new(REAL_DOCKER);
    let have_docker = real_docker.exists()
        && sandbox
            .direct(real_docker, &["--version"])
            .status()
            .is_ok_and(|s| s.success());
    let ps = &["ps", "-a"];
    let mut variants = vec![
        variant(
            "ns",
            "unshare+sh+mount → trivial (baseline)",
            Box::new(|| Some(sandbox.in_namespace(trivial, ps))),
        ),
        variant(
            "ns-guard",
            "unshare+sh+mount → docker-guard → trivial",
            Box::new(|| Some(sandbox.in_namespace(bin, ps))),
        ),
        variant(
            "ns-true",
            "unshare+sh+mount → /bin/true",
            Box::new(|| Some(sandbox.in_namespace(true_bin, ps))),
        ),
        variant(
            "alone",
            "trivial alone",
            Box::new(|| Some(sandbox.direct(trivial, ps))),
        ),
    ];
    if sandbox.namespace.is_some() {
        variants.push(variant(
            "setns",
            "setns → trivial (baseline)",
            Box::new(|| sandbox.in_bench_namespace(trivial, ps)),
        ));
        variants.push(variant(
            "setns-guard",
            "setns → docker-guard → trivial",
            Box::new(|| sandbox.in_bench_namespace(bin, ps)),
        ));
        variants.push(variant(
            "setns-true",
            "setns → /bin/true",
            Box::new(|| sandbox.in_bench_namespace(true_bin, ps)),
        ));
    }
    if have_docker {
        variants.push(variant(
            "docker",
            "docker --version (the real docker CLI)",
            Box::new(|| Some(sandbox.direct(real_docker, &["--version"]))),
        ));
    }
    // Warm-up: page cache, dentries, the persistent overlay.
    for v in &variants {
        for _ in 0..3 {
            if let Some(cmd) = (v.make)() {
                let _ = time_run(cmd);
            }
        }
    }
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut rounds = 0;
    while rounds < 300 && Instant::now() < deadline {
        // Rotate the order so that no variant always follows the same one.
        for k in 0..variants.len() {
            let count = variants.len();
            let v = &mut variants[(k + rounds) % count];
            let Some(cmd) = (v.make)() else { continue };
            match time_run(cmd) {
                Ok(d) => v.times_ms.push(d.as_secs_f64() * 1e3),
                Err(e) => {
                    println!("   a run failed, figures skipped: {}: {e}", v.what);
                    return;
                }
            }
        }
        rounds += 1;
    }
    println!("   {rounds} interleaved rounds; wall time from spawn to exit of each run:");
    for v in &variants {
        let mut sorted = v.times_ms.clone();
        sorted.sort_by(f64::total_cmp);
        println!(
            "   {:<44} median {:>7.3} ms   p90 {:>7.3} ms",
            v.what,
            median_of(&v.times_ms),
            sorted[sorted.len() * 9 / 10]
        );
    }
    let times = |key: &str| {
        variants
            .iter()
            .find(|v| v.key == key)
            .map(|v| v.times_ms.as_slice())
    };
    // Median of the per-round differences (runs of one round are close in time).
    let paired = |base: &str, with: &str| -> Option<f64> {
        let (base, with) = (times(base)?, times(with)?);
        let diffs: Vec<f64> = with.iter().zip(base).map(|(w, b)| w - b).collect();
        Some(median_of(&diffs))
    };
    let added = paired("ns", "ns-guard").unwrap_or(f64::NAN);
    println!(
        "   added by docker-guard, as the harness runs it: median of paired differences \
         (→ docker-guard → trivial) − (→ trivial): {added:.3} ms"
    );
    if let (Some(warm), Some(floor), Some(own)) = (
        paired("setns", "setns-guard"),
        paired("setns", "setns-true"),
        paired("setns-true", "setns-guard"),
    ) {
        println!(
            "   the same with the namespace set up once (overlay already mounted, its /etc lookups \
             warm as on a host; one exec, no unshare/sh): {warm:.3} ms"
        );
        println!(
            "     of which the floor, one exec of a minimal dynamically linked program (/bin/true): \
             {floor:.3} ms; docker-guard's own work beyond it: {own:.3} ms"
        );
    }
    if let Some(cold) = paired("ns", "ns-true") {
        println!(
            "   /bin/true in the harness's fresh namespace costs {cold:.3} ms over the trivial \
             program: the first lookups in a just-mounted overlay /etc are slower"
        );
    }
    let mut value = format!("{added:.3} ms");
    match times("docker") {
        Some(docker) => {
            let docker_ms = median_of(docker);
            let ratio = added / docker_ms;
            println!(
                "   relative to `docker --version` ({docker_ms:.2} ms, the cheapest real docker \
                 call): +{:.1}%",
                ratio * 100.0
            );
            value = format!("{added:.3} ms (+{:.0}%)", ratio * 100.0);
        }
        None => println!("   {REAL_DOCKER} not found: no ratio to `docker --version`"),
    }
    checks.push(Check {
        what: "added process overhead, median (% of docker --version)".into(),
        value,
        target: "≤ 1 ms".into(),
        ok: added <= OVERHEAD_TARGET_MS,
    });
}

// ---------------------------------------------------------------------------------
// 4. Peak memory

/// One program image of a traced process, seen when it called execve or exit.
struct Image {
    exe: String,
    event: &'static str,
    hwm_kib: u64,
}

struct Trace {
    images: Vec<Image>,
    /// getrusage-style maximum over every image of the process (from wait4).
    maxrss_kib: u64,
    status: i32,
}

/// Runs `cmd` under ptrace, stopping at every syscall entry, and reads VmHWM (the
/// image's own peak resident set) whenever the process is about to replace its image
/// (execve) or end (exit, exit_group). Linux carries only the maximum across execs
/// into getrusage, so this is how each image's own peak is told apart.
fn trace_peaks(mut cmd: Command) -> Result<Trace, String> {
    // SAFETY: only ptrace(2) runs between fork and exec.
    unsafe {
        cmd.pre_exec(|| {
            let none = std::ptr::null_mut::<libc::c_void>();
            if libc::ptrace(libc::PTRACE_TRACEME, 0, none, none) == -1 {
                return Err(io::Error::last_os_error());
            }
            Ok(())
        });
    }
    let child = cmd.spawn().map_err(|e| format!("spawn: {e}"))?;
    let pid = child.id() as libc::pid_t;
    let none = std::ptr::null_mut::<libc::c_void>();
    let mut status = 0;
    // SAFETY: rusage is plain old data; all zeroes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waiting for and controlling our own traced child with plain syscalls.
    unsafe {
        if libc::waitpid(pid, &mut status, 0) != pid || !libc::WIFSTOPPED(status) {
            return Err("the traced child did not stop after exec".into());
        }
        let options = libc::PTRACE_O_TRACESYSGOOD | libc::PTRACE_O_EXITKILL;
        libc::ptrace(
            libc::PTRACE_SETOPTIONS,
            pid,
            none,
            options as usize as *mut libc::c_void,
        );
    }
    let mut images = Vec::new();
    let mut in_syscall = false;
    let mut signal = 0;
    loop {
        // SAFETY: as above.
        unsafe {
            libc::ptrace(
                libc::PTRACE_SYSCALL,
                pid,
                none,
                signal as usize as *mut libc::c_void,
            );
            if libc::wait4(pid, &mut status, 0, &mut usage) != pid {
                return Err(format!("wait4: {}", io::Error::last_os_error()));
            }
        }
        signal = 0;
        if libc::WIFEXITED(status) || libc::WIFSIGNALED(status) {
            break;
        }
        if !libc::WIFSTOPPED(status) {
            continue;
        }
        let stop = libc::WSTOPSIG(status);
        if stop == libc::SIGTRAP | 0x80 {
            in_syscall = !in_syscall;
            if !in_syscall {
                continue;
            }
            let nr = current_syscall(pid);
            let event = match nr {
                Some(n) if n == libc::SYS_execve || n == libc::SYS_execveat => "execve",
                Some(n) if n == libc::SYS_exit || n == libc::SYS_exit_group => "exit",
                _ => continue,
            };
            let exe = fs::read_link(format!("/proc/{pid}/exe"))
                .map(|p| p.display().to_string())
                .unwrap_or_else(|_| "?".into());
            let hwm_kib = vm_hwm_kib(pid).unwrap_or(0);
            images.push(Image {
                exe,
                event,
                hwm_kib,
            });
        } else if stop != libc::SIGTRAP {
            signal = stop; // a real signal (SIGCHLD from sh's mount): deliver it
        }
    }
    Ok(Trace {
        images,
        maxrss_kib: usage.ru_maxrss as u64,
        status,
    })
}

fn current_syscall(pid: libc::pid_t) -> Option<libc::c_long> {
    let text = fs::read_to_string(format!("/proc/{pid}/syscall")).ok()?;
    text.split_whitespace().next()?.parse().ok()
}

fn vm_hwm_kib(pid: libc::pid_t) -> Option<u64> {
    let status = fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn mib(kib: u64) -> String {
    format!("{:.2} MiB", kib as f64 / 1024.0)
}

/// The peak of each distinct image, in order of appearance (an image may call execve
/// more than once, e.g. while searching PATH).
fn peaks_by_image(trace: &Trace) -> Vec<(String, &'static str, u64)> {
    let mut out: Vec<(String, &'static str, u64)> = Vec::new();
    for image in &trace.images {
        match out.last_mut() {
            Some(last) if last.0 == image.exe => last.2 = last.2.max(image.hwm_kib),
            _ => out.push((image.exe.clone(), image.event, image.hwm_kib)),
        }
    }
    out
}

fn memory_section(sandbox: &Sandbox, checks: &mut Vec<Check>) {
    println!(
        "\n3. Peak resident memory of a guarded call (`docker-guard ps -a`, shipped policy, docker = \
         the trivial program)"
    );
    println!(
        "   Each image of the process (unshare → sh → docker-guard → docker) is stopped by ptrace at \
         its execve/exit and its VmHWM read from /proc/<pid>/status: that is the image's own peak. \
         getrusage(RUSAGE_CHILDREN).ru_maxrss after wait4 cannot separate them: Linux keeps only the \
         maximum across execs."
    );
    let bin = Path::new(BIN);
    let guard = match trace_peaks(sandbox.in_namespace(bin, &["ps", "-a"])) {
        Ok(trace) => trace,
        Err(e) => {
            println!("   SKIPPED: cannot trace: {e}");
            return;
        }
    };
    let bin_real = fs::canonicalize(bin)
        .map(|p| p.display().to_string())
        .unwrap_or_else(|_| BIN.to_string());
    let mut own = None;
    for (exe, event, kib) in peaks_by_image(&guard) {
        let role = if exe == bin_real {
            own = Some(kib);
            "← docker-guard's own peak, up to its exec of docker"
        } else if Path::new(&exe) == sandbox.trivial {
            "(the trivial docker)"
        } else {
            "(namespace setup, not docker-guard)"
        };
        println!(
            "   {:<48} at {:<6} VmHWM {:>10}  {role}",
            exe,
            event,
            mib(kib)
        );
    }
    match (
        sandbox.time_maxrss_kib(bin, &["ps", "-a"]),
        sandbox.time_maxrss_kib(&sandbox.trivial, &["ps", "-a"]),
    ) {
        (Some(call), Some(chain)) => println!(
            "   getrusage ru_maxrss of the whole guarded call (/usr/bin/time -f %M, another run): {}, \
             the largest of the images above and of mount(8), which sh runs and waits for; the \
             same chain without docker-guard: {} (that is mount's)",
            mib(call),
            mib(chain)
        ),
        _ => println!(
            "   (/usr/bin/time not usable: no ru_maxrss figure; this bench's own wait4 figure, {}, \
             is no use: a forked child starts from its parent's peak)",
            mib(guard.maxrss_kib)
        ),
    }
    if !libc::WIFEXITED(guard.status) || libc::WEXITSTATUS(guard.status) != 0 {
        println!(
            "   note: the traced call ended with status {:#x}",
            guard.status
        );
    }
    let (value, ok) = match own {
        Some(kib) => (mib(kib), kib <= RSS_TARGET_KIB),
        None => ("n/a".to_string(), false),
    };
    checks.push(Check {
        what: "peak RSS of docker-guard (up to exec)".into(),
        value,
        target: "≤ 8 MiB".into(),
        ok,
    });

    // For information: a long `run` under the bench rule, and a 10,000-rule policy.
    let extra: Vec<(String, String, Vec<&str>)> = vec![
        (
            "long run, shipped policy + bench rule".into(),
            format!(
                "{}\n{}",
                read_shipped(),
                bench_rule(&sandbox.path("compose"))
            ),
            LONG_RUN.to_vec(),
        ),
        (
            "ps -a, generated 10,000-rule policy (4 MB)".into(),
            generated_policy(10_000).replace("users = [\"user0\"]", "users = [\"nobody\"]"),
            vec!["ps", "-a"],
        ),
    ];
    for (what, policy, args) in extra {
        if let Err(e) = sandbox.write_policy(&policy) {
            println!("   {what}: skipped: {e}");
            continue;
        }
        match trace_peaks(sandbox.in_namespace(bin, &args)) {
            Ok(trace) => {
                let kib = peaks_by_image(&trace)
                    .iter()
                    .filter(|(exe, _, _)| *exe == bin_real)
                    .map(|(_, _, k)| *k)
                    .max();
                println!(
                    "   for information — {what}: docker-guard's own peak {}",
                    kib.map(mib).unwrap_or_else(|| "n/a".into())
                );
            }
            Err(e) => println!("   {what}: {e}"),
        }
    }
    if let Err(e) = sandbox.write_policy(&read_shipped()) {
        println!("   note: could not restore the shipped policy: {e}");
    }
}

// ---------------------------------------------------------------------------------

fn machine_line() -> String {
    let cpus = std::thread::available_parallelism().map_or(0, |n| n.get());
    let kernel = fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let model = fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|m| m.trim().to_string())
        })
        .unwrap_or_default();
    format!(
        "{cpus} CPUs ({model}), Linux {}, load average {} (other work on the machine shows up as noise)",
        kernel.trim(),
        load_average()
    )
}

fn load_average() -> String {
    fs::read_to_string("/proc/loadavg")
        .map(|t| t.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_default()
}
