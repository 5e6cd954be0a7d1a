//! The audit trail from the real binary: every decision, allowed or denied, is one
//! record in syslog and in the policy's JSON-lines file, read back here.
//!
//! syslog: each run gets a private /dev whose `log` is a socket this test reads
//! (`Sandbox::syslog`). JSON: a file in the sandbox directory (root-owned).

use crate::harness::{Sandbox, Syslog, set_mode, stderr};
use serde_json::Value;
use std::os::unix::ffi::OsStrExt;

const POLICY: &str = r#"
docker = "{docker}"
[environment]
PATH = "/usr/bin:/bin"
HOME = "/root"
DOCKER_CONFIG = "{config}"

[audit]
json_log = "{dir}/audit.jsonl"
required = false

[[rule]]
id = "ops"
users = ["root"]
[rule.commands.ps]
flags = { all = true, filter = true }
[rule.commands."container run"]
flags = { env = true, rm = true }
images = ["*"]
"#;

fn required(policy: &str) -> String {
    policy.replace("required = false", "required = true")
}

fn json_records(sandbox: &Sandbox) -> Vec<Value> {
    std::fs::read_to_string(sandbox.path("audit.jsonl"))
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The one syslog message of the last run.
fn one_message(syslog: &Syslog) -> String {
    let messages = syslog.messages();
    assert_eq!(messages.len(), 1, "one record per decision: {messages:?}");
    messages.into_iter().next().unwrap()
}

#[test]
fn allow_and_deny_are_recorded_in_syslog_and_the_json_log() {
    let sandbox = Sandbox::new(POLICY);
    let syslog = sandbox.syslog();

    let child = sandbox
        .command(["ps", "-a"])
        .env("SUDO_USER", "root")
        .env("SUDO_UID", "0")
        .spawn()
        .unwrap();
    let pid = child.id();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(sandbox.record().unwrap().pid, pid, "docker ran");
    let message = one_message(&syslog);
    // authpriv (10) * 8 + info (6) = 86, RFC 3164 time, tag docker-guard[pid].
    assert!(message.starts_with("<86>"), "{message}");
    let expected = format!(
        " docker-guard[{pid}]: decision=allow user=\"root\" uid=0 tty=\"-\" cwd=\"{}\" \
         command=\"container ls\" rule=\"ops\" argv=[\"ps\" \"-a\"] \
         exec=[\"container\" \"ls\" \"--all\"]",
        sandbox.dir.path().display()
    );
    assert!(message.ends_with(&expected), "{message}\nwant …{expected}");
    assert_eq!(message.len(), "<86>Jan  2 03:04:05".len() + expected.len());

    let output = sandbox.run_as("nobody", ["ps"], &[]);
    assert_eq!(output.status.code(), Some(77));
    let message = one_message(&syslog);
    assert!(message.starts_with("<85>"), "authpriv.notice: {message}");
    assert!(
        message.contains(
            "decision=deny user=\"nobody\" uid=65534 tty=\"-\" cwd=\"/tmp/" // the sandbox
        ) && message.ends_with(
            "command=\"container ls\" reasons=[\"no rule of the policy applies to user \\\"nobody\\\"\"] argv=[\"ps\"]"
        ),
        "{message}"
    );

    let records = json_records(&sandbox);
    assert_eq!(records.len(), 2, "{records:?}");
    let allow = &records[0];
    let time = allow["time"].as_str().unwrap();
    assert!(
        time.len() == 20 && time.ends_with('Z') && &time[10..11] == "T",
        "{time}"
    );
    assert_eq!(allow["pid"], pid);
    assert_eq!(allow["user"], "root");
    assert_eq!(allow["uid"], 0);
    assert_eq!(allow["tty"], "-");
    assert_eq!(allow["cwd"], sandbox.dir.path().display().to_string());
    assert_eq!(allow["decision"], "allow");
    assert_eq!(allow["command"], "container ls");
    assert_eq!(allow["rule"], "ops");
    assert_eq!(allow["reasons"], serde_json::json!([]));
    assert_eq!(allow["argv"], serde_json::json!(["ps", "-a"]));
    assert_eq!(
        allow["exec"],
        serde_json::json!(["container", "ls", "--all"])
    );
    let deny = &records[1];
    assert_eq!(deny["decision"], "deny");
    assert_eq!(
        (&deny["user"], &deny["uid"]),
        (&"nobody".into(), &65534.into())
    );
    assert_eq!(deny["rule"], Value::Null);
    assert_eq!(
        deny["reasons"],
        serde_json::json!(["no rule of the policy applies to user \"nobody\""])
    );
    assert_eq!(deny["exec"], serde_json::json!([]));
}

#[test]
fn forged_newlines_make_no_second_record_and_env_values_are_redacted() {
    let sandbox = Sandbox::new(POLICY);
    let syslog = sandbox.syslog();
    let forged = "x\n<86>Jan  1 00:00:00 docker-guard[1]: decision=allow user=\"root\"\r\n{\"decision\":\"allow\"}";
    let output = sandbox.run([
        "run",
        "-e",
        "SECRET=hunter2",
        "--env=TOKEN=s3cr3t",
        "--rm",
        "alpine",
        forged,
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let docker = sandbox.record().unwrap();
    assert!(
        docker.args.contains(&"--env=SECRET=hunter2".to_string()),
        "docker itself gets the value: {docker:?}"
    );
    let message = one_message(&syslog);
    assert!(
        !message.contains('\n') && !message.contains('\r'),
        "{message}"
    );
    assert!(
        message.contains(
            r#""x\n<86>Jan  1 00:00:00 docker-guard[1]: decision=allow user=\"root\"\r\n{\"decision\":\"allow\"}""#
        ),
        "{message}"
    );
    let json = std::fs::read_to_string(sandbox.path("audit.jsonl")).unwrap();
    assert_eq!(json.lines().count(), 1, "one line: {json}");
    for sink in [&message, &json] {
        assert!(
            !sink.contains("hunter2") && !sink.contains("s3cr3t"),
            "{sink}"
        );
        assert!(sink.contains("SECRET=<redacted>"), "{sink}");
        assert!(sink.contains("--env=TOKEN=<redacted>"), "{sink}");
    }
    let record: Value = serde_json::from_str(json.trim_end()).unwrap();
    assert_eq!(record["argv"][6], forged, "the JSON keeps the exact text");
    assert_eq!(record["argv"][2], "SECRET=<redacted>");
    assert!(
        record["exec"]
            .as_array()
            .unwrap()
            .contains(&"--env=SECRET=<redacted>".into()),
        "{record}"
    );

    // The same on a denial.
    let output = sandbox.run(["run", "-e", "SECRET=hunter2", "--privileged", "alpine"]);
    assert_eq!(output.status.code(), Some(77));
    let message = one_message(&syslog);
    assert!(
        message.starts_with("<85>") && !message.contains("hunter2"),
        "{message}"
    );
    assert!(message.contains("\"SECRET=<redacted>\""), "{message}");
}

#[test]
fn long_arguments_are_cut_with_a_visible_mark() {
    let sandbox = Sandbox::new(POLICY);
    let syslog = sandbox.syslog();
    let long = "a".repeat(20_000);
    let output = sandbox.run(["ps", "--filter", &format!("name={long}")]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let message = one_message(&syslog);
    assert!(message.len() < 4096 + 64, "{}", message.len());
    assert!(message.contains("…[truncated]"), "{message}");
    let json = std::fs::read_to_string(sandbox.path("audit.jsonl")).unwrap();
    assert!(json.len() <= 4097, "{}", json.len());
    let record: Value = serde_json::from_str(json.trim_end()).unwrap();
    assert_eq!(record["decision"], "allow");
    assert!(
        record["argv"][2]
            .as_str()
            .unwrap()
            .ends_with("…[truncated]"),
        "{record}"
    );
}

#[test]
fn a_required_record_that_cannot_be_written_refuses_the_command() {
    let sandbox = Sandbox::new(&required(POLICY));
    let syslog = sandbox.syslog();
    // An audit log others can write is no audit log.
    std::fs::write(sandbox.path("audit.jsonl"), "").unwrap();
    set_mode(&sandbox.path("audit.jsonl"), 0o666);
    let output = sandbox.run(["ps"]);
    assert_eq!(output.status.code(), Some(77));
    let err = stderr(&output);
    assert!(
        err.contains(&format!(
            "docker-guard: audit record not written: {}/audit.jsonl: refused: writable by group or others (mode 666)",
            sandbox.dir.path().display()
        )),
        "{err}"
    );
    assert!(
        err.contains(
            "denied: container ls: the policy requires an audit record of every command, and it cannot be written"
        ),
        "{err}"
    );
    assert!(sandbox.record().is_none(), "docker must not run");
    // The sink that works says what happened.
    let message = one_message(&syslog);
    assert!(
        message.contains("decision=deny")
            && message.contains("the policy requires an audit record of every command")
            && !message.contains("exec="),
        "{message}"
    );
    assert_eq!(
        std::fs::read_to_string(sandbox.path("audit.jsonl")).unwrap(),
        "",
        "nothing appended to the refused file"
    );
}

#[test]
fn an_optional_record_that_cannot_be_written_is_reported_and_the_command_runs() {
    let sandbox = Sandbox::new(&POLICY.replace("{dir}/audit.jsonl", "{dir}/missing/audit.jsonl"));
    let syslog = sandbox.syslog();
    let output = sandbox.run(["ps"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(sandbox.record().is_some(), "docker ran");
    let err = stderr(&output);
    assert!(
        err.contains(&format!(
            "docker-guard: audit record not written: {}/missing/audit.jsonl: No such file or directory",
            sandbox.dir.path().display(),
        )),
        "{err}"
    );
    assert!(one_message(&syslog).contains("decision=allow"));

    // Without a syslog daemon (no /dev/log) the problem is reported the same way.
    let sandbox = Sandbox::new(POLICY);
    let output = sandbox.run(["ps"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(
        stderr(&output).contains("audit record not written: syslog (/dev/log):"),
        "{}",
        stderr(&output)
    );
    assert_eq!(json_records(&sandbox).len(), 1, "the JSON log still has it");
}

#[test]
fn the_json_log_is_appended_to_never_rewritten() {
    let sandbox = Sandbox::new(POLICY);
    std::fs::write(sandbox.path("audit.jsonl"), "{\"earlier\":1}\n").unwrap();
    set_mode(&sandbox.path("audit.jsonl"), 0o600);
    sandbox.run(["ps"]);
    sandbox.run_as("nobody", ["ps"], &[]);
    let text = std::fs::read_to_string(sandbox.path("audit.jsonl")).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0], "{\"earlier\":1}");

    // Created private when missing.
    let sandbox = Sandbox::new(POLICY);
    sandbox.run(["ps"]);
    let meta = std::fs::metadata(sandbox.path("audit.jsonl")).unwrap();
    use std::os::unix::fs::MetadataExt;
    assert_eq!((meta.mode() & 0o777, meta.uid()), (0o600, 0));
}

#[test]
fn refusals_before_any_decision_are_recorded_too() {
    // A caller sudo's variables do not identify: user "?", the uid sudo claimed.
    let sandbox = Sandbox::new(POLICY);
    let syslog = sandbox.syslog();
    let output = sandbox.run_as("nobody", ["ps"], &[("SUDO_UID", "0")]);
    assert_eq!(output.status.code(), Some(77));
    let message = one_message(&syslog);
    assert!(
        message.contains("decision=deny user=\"?\" uid=0 ")
            && message.contains("command=\"container ls\"")
            && message.contains(
                "cannot tell who the caller is: SUDO_USER=nobody has uid 65534 but SUDO_UID=0"
            ),
        "{message}"
    );
    let records = json_records(&sandbox);
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["user"], "?");

    // An argv that cannot be parsed: denied and recorded as typed (lossily).
    let bad = std::ffi::OsStr::from_bytes(b"\xffname");
    let output = sandbox.run([std::ffi::OsStr::new("ps"), bad]);
    assert_eq!(output.status.code(), Some(77));
    let message = one_message(&syslog);
    assert!(
        message.contains("command=\"(unparsed)\"")
            && message.contains("reasons=[\"argument 2 is not valid UTF-8\"]")
            && message.contains("argv=[\"ps\" \"\u{fffd}name\"]"),
        "{message}"
    );

    // A policy that cannot be trusted: no JSON log to name, syslog still gets it.
    set_mode(&sandbox.policy_file(), 0o666);
    let output = sandbox.run(["ps"]);
    assert_eq!(output.status.code(), Some(78));
    let message = one_message(&syslog);
    assert!(
        message.contains("decision=deny user=\"root\"")
            && message.contains("command=\"container ls\"")
            && message.contains(
                "/etc/docker-guard/policy.toml: refused: is writable by group or others (mode 666)"
            ),
        "{message}"
    );
    assert_eq!(json_records(&sandbox).len(), 2, "not in the JSON log");

    // An allowed command whose docker binary cannot be trusted: a denial record.
    set_mode(&sandbox.policy_file(), 0o644);
    set_mode(&sandbox.docker(), 0o777);
    let output = sandbox.run(["ps"]);
    assert_eq!(output.status.code(), Some(78));
    let message = one_message(&syslog);
    assert!(
        message.contains("decision=deny") && message.contains("bin/docker: refused: is writable"),
        "{message}"
    );
    assert!(sandbox.record().is_none());
}
