//! The enforcing path end to end: real binary, fixed policy path, fake docker.

use crate::harness::{Sandbox, set_mode, shipped_policy, stderr, stdout};
use std::os::unix::ffi::OsStrExt;

const POLICY: &str = r#"
docker = "{docker}"
[environment]
PATH = "/usr/bin:/bin"
HOME = "/root"
DOCKER_CONFIG = "{config}"

[[rule]]
id = "ops"
users = ["*"]
help = true
global_flags = { version = true }

[rule.commands.ps]
flags = { all = true, filter = ["status=*", "name=*"] }

[rule.commands."container logs"]
flags = { tail = ["[0-9]*", "all"], follow = true }

[rule.commands."container restart"]
positionals = ["ollama", "bench-*"]

[rule.commands."container run"]
flags = { rm = true, volume = ["{dir}/data:*"], interactive = true, tty = true }
images = ["*"]
[rule.commands."container run".mounts]
binds = ["{dir}/data"]
[rule.commands."container run".force]
user = "{uid}:{uid}"
security-opt = "no-new-privileges"
"#;

#[test]
fn allowed_command_execs_docker_in_place_with_canonical_argv_and_clean_env() {
    let sandbox = Sandbox::new(POLICY);
    sandbox.set_docker_exit(3);
    let child = sandbox
        .command(["ps", "-a", "--filter", "status=exited"])
        .env("SUDO_USER", "root")
        .env("SUDO_UID", "0")
        .env("DOCKER_HOST", "tcp://evil:2375")
        .env("DOCKER_CONFIG", "/tmp/evil")
        .env("LD_PRELOAD", "/tmp/evil.so")
        .env("COMPOSE_FILE", "/tmp/evil.yml")
        .env("BUILDX_CONFIG", "/tmp/evil")
        .spawn()
        .unwrap();
    let pid = child.id();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(3),
        "docker's exit code: {}",
        stderr(&output)
    );
    let record = sandbox.record().expect("docker ran");
    assert_eq!(record.pid, pid, "docker replaced docker-guard (same pid)");
    assert_eq!(
        record.args,
        ["container", "ls", "--all", "--filter=status=exited"]
    );
    let config = format!("DOCKER_CONFIG={}", sandbox.path("docker-config").display());
    let mut expected_env = [
        config,
        "HOME=/root".to_string(),
        "PATH=/usr/bin:/bin".to_string(),
    ];
    expected_env.sort();
    // `PWD` and `SHLVL` are set by the fake docker's own shell, not by docker-guard.
    let env: Vec<&String> = record
        .env
        .iter()
        .filter(|e| !e.starts_with("PWD=") && !e.starts_with("SHLVL=") && !e.starts_with("OLDPWD="))
        .collect();
    assert_eq!(env, expected_env.iter().collect::<Vec<_>>());
    assert_eq!(
        record.cwd, "/",
        "docker runs from a fixed working directory"
    );
}

#[test]
fn denied_command_runs_nothing_and_says_why_and_what_instead() {
    let sandbox = Sandbox::new(POLICY);
    let output = sandbox.run_as("nobody", ["exec", "ollama", "sh"], &[]);
    assert_eq!(output.status.code(), Some(77));
    let err = stderr(&output);
    let denial: Vec<&str> = err.lines().filter(|l| l.contains("denied")).collect();
    assert_eq!(denial.len(), 1, "one line: {err}");
    assert!(
        denial[0].contains("container exec")
            && denial[0].contains("does not allow")
            && denial[0].contains("allowed commands: ")
            && denial[0].contains("container ls"),
        "{err}"
    );
    assert!(sandbox.record().is_none(), "docker must not run");
}

#[test]
fn every_spelling_of_a_flag_gets_one_decision() {
    let sandbox = Sandbox::new(POLICY);
    let data = sandbox.path("data");
    std::fs::create_dir(&data).unwrap();
    set_mode(&data, 0o755);
    let data = data.display().to_string();
    let spellings: &[&[&str]] = &[
        &["run", "-v", "/etc:/h", "img"],
        &["run", "-v/etc:/h", "img"],
        &["run", "-v=/etc:/h", "img"],
        &["run", "--volume", "/etc:/h", "img"],
        &["run", "--volume=/etc:/h", "img"],
        &["run", "-itv/etc:/h", "img"],
        &["run", "-itv", "/etc:/h", "img"],
        &["container", "run", "--rm", "-v", "/etc:/h", "img"],
    ];
    for args in spellings {
        let output = sandbox.run(*args);
        assert_eq!(
            output.status.code(),
            Some(77),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(
            stderr(&output).contains("--volume=/etc:/h is not allowed"),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(sandbox.record().is_none());
    }
    for args in spellings {
        let allowed: Vec<String> = args.iter().map(|a| a.replace("/etc", &data)).collect();
        let output = sandbox.run(&allowed);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{allowed:?}: {}",
            stderr(&output)
        );
        let record = sandbox.record().unwrap();
        assert!(
            record.args.contains(&format!("--volume={data}:/h")),
            "{record:?}"
        );
        assert_eq!(record.args[record.args.len() - 2..], ["--", "img"]);
        sandbox.clear_record();
    }
}

#[test]
fn every_positional_is_checked() {
    let sandbox = Sandbox::new(POLICY);
    let output = sandbox.run(["restart", "ollama", "bench-1"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        sandbox.record().unwrap().args,
        ["container", "restart", "--", "ollama", "bench-1"]
    );
    sandbox.clear_record();
    let output = sandbox.run(["restart", "ollama", "postgres"]);
    assert_eq!(output.status.code(), Some(77));
    assert!(
        stderr(&output).contains("argument \"postgres\" is not allowed"),
        "{}",
        stderr(&output)
    );
    assert!(sandbox.record().is_none());
}

#[test]
fn values_are_checked_against_patterns() {
    let sandbox = Sandbox::new(POLICY);
    let output = sandbox.run(["logs", "-n", "50", "web"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let output = sandbox.run(["logs", "--tail=lots", "web"]);
    assert_eq!(output.status.code(), Some(77));
    assert!(
        stderr(&output)
            .contains("--tail=lots is not allowed for \"container logs\" (allowed: [0-9]*, all)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn unknown_commands_flags_and_bad_bytes_are_denied_with_the_reason() {
    let sandbox = Sandbox::new(POLICY);
    let cases: &[(&[&str], &str)] = &[
        (&["frobnicate"], "unknown command \"frobnicate\""),
        (
            &["ps", "--frob"],
            "unknown flag --frob for \"container ls\"",
        ),
        (
            &["logs", "--tail"],
            "flag --tail of \"container logs\" needs a value",
        ),
        (
            &["-H", "tcp://x:2375", "ps"],
            "flag --host is not allowed for \"docker\"",
        ),
        (&["--context=evil", "ps"], "flag --context is not allowed"),
        (&["ps", "-H", "x"], "unknown flag -H for \"container ls\""),
    ];
    for (args, reason) in cases {
        let output = sandbox.run(*args);
        assert_eq!(output.status.code(), Some(77), "{args:?}");
        assert!(
            stderr(&output).contains(reason),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let bad = std::ffi::OsStr::from_bytes(b"\xffname");
    let output = sandbox.run([std::ffi::OsStr::new("ps"), bad]);
    assert_eq!(output.status.code(), Some(77));
    assert!(
        stderr(&output).contains("argument 2 is not valid UTF-8"),
        "{}",
        stderr(&output)
    );
    assert!(sandbox.record().is_none());
}

#[test]
fn help_and_version_reach_docker_without_anything_else() {
    let sandbox = Sandbox::new(POLICY);
    let output = sandbox.run(["exec", "--help", "--privileged-nonsense-ignored"]);
    // Unknown flags are refused even next to --help: the parser knows no such flag.
    assert_eq!(output.status.code(), Some(77));
    let output = sandbox.run(["run", "--help", "-v", "/:/h", "img"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        sandbox.record().unwrap().args,
        ["container", "run", "--help"]
    );
    let output = sandbox.run(["--version"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(sandbox.record().unwrap().args, ["--version"]);
}

#[test]
fn a_caller_no_rule_covers_is_denied() {
    let sandbox = Sandbox::new(&POLICY.replace("users = [\"*\"]", "users = [\"root\"]"));
    let output = sandbox.run_as("nobody", ["ps"], &[]);
    assert_eq!(output.status.code(), Some(77));
    assert!(
        stderr(&output).contains("no rule of the policy applies to user \"nobody\""),
        "{}",
        stderr(&output)
    );
}

#[test]
fn forged_sudo_identity_is_refused() {
    let sandbox = Sandbox::new(POLICY);
    let output = sandbox.run_as("nobody", ["ps"], &[("SUDO_UID", "0")]);
    assert_eq!(output.status.code(), Some(77));
    assert!(
        stderr(&output).contains("cannot tell who the caller is"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn insecure_or_broken_policy_is_a_config_error() {
    let sandbox = Sandbox::new(POLICY);
    set_mode(&sandbox.policy_file(), 0o666);
    let output = sandbox.run(["ps"]);
    assert_eq!(output.status.code(), Some(78));
    assert!(
        stderr(&output).contains(
            "/etc/docker-guard/policy.toml: refused: is writable by group or others (mode 666)"
        ),
        "{}",
        stderr(&output)
    );
    set_mode(&sandbox.policy_file(), 0o644);
    nix::unistd::chown(
        &sandbox.policy_file(),
        Some(nix::unistd::Uid::from_raw(65534)),
        None,
    )
    .unwrap();
    let output = sandbox.run(["ps"]);
    assert_eq!(output.status.code(), Some(78));
    assert!(
        stderr(&output).contains("owned by uid 65534, not root"),
        "{}",
        stderr(&output)
    );
    nix::unistd::chown(
        &sandbox.policy_file(),
        Some(nix::unistd::Uid::from_raw(0)),
        None,
    )
    .unwrap();
    set_mode(&sandbox.path("upper/docker-guard"), 0o777);
    let output = sandbox.run(["ps"]);
    assert_eq!(output.status.code(), Some(78));
    assert!(
        stderr(&output).contains("(at /etc/docker-guard)"),
        "{}",
        stderr(&output)
    );
    set_mode(&sandbox.path("upper/docker-guard"), 0o755);

    sandbox.write_policy("docker = \"{docker}\"\n[[rule]]\nusers = [\"*\"]\n[rule.commands.ps]\nflags = { al = true }\n");
    let output = sandbox.run(["ps"]);
    assert_eq!(output.status.code(), Some(78));
    assert!(
        stderr(&output).contains(
            "/etc/docker-guard/policy.toml:5:11: unknown flag \"al\" for \"container ls\""
        ),
        "{}",
        stderr(&output)
    );
    std::fs::remove_file(sandbox.policy_file()).unwrap();
    let output = sandbox.run(["ps"]);
    assert_eq!(output.status.code(), Some(78));
    assert!(
        stderr(&output).contains("/etc/docker-guard/policy.toml: refused: cannot be resolved"),
        "{}",
        stderr(&output)
    );
    assert!(sandbox.record().is_none());
}

#[test]
fn insecure_docker_binary_or_config_dir_is_refused() {
    let sandbox = Sandbox::new(POLICY);
    set_mode(&sandbox.docker(), 0o777);
    let output = sandbox.run(["ps"]);
    assert_eq!(output.status.code(), Some(78));
    assert!(
        stderr(&output).contains("bin/docker: refused: is writable by group or others"),
        "{}",
        stderr(&output)
    );
    set_mode(&sandbox.docker(), 0o755);
    set_mode(&sandbox.path("docker-config"), 0o777);
    let output = sandbox.run(["ps"]);
    assert_eq!(output.status.code(), Some(78));
    assert!(
        stderr(&output).contains("docker-config: refused"),
        "{}",
        stderr(&output)
    );
    assert!(sandbox.record().is_none());
}

#[test]
fn shipped_policy_allows_the_everyday_commands_and_refuses_the_rest() {
    let sandbox = Sandbox::new(&shipped_policy());
    for args in [
        &["ps"][..],
        &["logs", "--tail", "50", "ollama"],
        &["restart", "ollama"],
        &["images"],
        &["rmi", "old"],
        &["system", "df"],
        &["system", "prune", "-f"],
        &["network", "ls"],
        &["volume", "ls"],
        &["info"],
        &["version"],
        &["--help"],
        &["help", "run"],
        &["--version"],
        &["pull", "alpine"],
        &["rm", "-f", "old"],
    ] {
        let output = sandbox.run(args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    for (args, reason) in [
        (
            &["exec", "ollama", "sh"][..],
            "does not allow \"container exec\"",
        ),
        (&["rm", "-v", "x"], "flag --volumes is not allowed"),
        (
            &["system", "prune", "--volumes"],
            "flag --volumes is not allowed",
        ),
        (
            &["cp", "x:/etc/shadow", "."],
            "does not allow \"container cp\"",
        ),
        (
            &["--config", "/tmp/x", "ps"],
            "flag --config is not allowed",
        ),
        (&["-D", "ps"], "flag --debug is not allowed"),
    ] {
        let output = sandbox.run(args);
        assert_eq!(output.status.code(), Some(77), "{args:?}");
        assert!(
            stderr(&output).contains(reason),
            "{args:?}: {}",
            stderr(&output)
        );
    }
    let _ = stdout;
}

#[test]
fn the_admin_word_shadows_no_docker_command() {
    use docker_guard::ADMIN_WORD;
    let output = std::process::Command::new("/usr/local/bin/docker")
        .arg("--help")
        .env_clear()
        .env("HOME", "/nonexistent")
        .output()
        .expect("the docker CLI 28.x at /usr/local/bin/docker");
    let help = String::from_utf8_lossy(&output.stdout);
    let commands: Vec<&str> = help
        .lines()
        .filter(|l| l.starts_with("  ") && !l.trim_start().starts_with('-'))
        .filter_map(|l| l.split_whitespace().next())
        .collect();
    assert!(
        commands.contains(&"run") && commands.contains(&"container"),
        "{help}"
    );
    assert!(
        !commands.contains(&ADMIN_WORD),
        "docker has a {ADMIN_WORD} command"
    );
    assert!(docker_guard::docker::parse::lookup(ADMIN_WORD).is_none());
    // And `docker-guard policy` is docker-guard's, never passed to docker.
    let sandbox = Sandbox::new(POLICY);
    let output = sandbox.run([ADMIN_WORD, "--help"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stdout(&output).contains("never runs docker"),
        "{}",
        stdout(&output)
    );
    assert!(sandbox.record().is_none());
}
