//! `docker-guard policy validate|check|test|show` from the real binary.
//!
//! Files given by path are read outside sudo (as an admin or CI would); the refusals
//! under sudo, and `show` of the installed policy, run in the harness's sandbox.

use crate::harness::{BIN, Sandbox, shipped_policy, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// `docker-guard policy ARGS` outside sudo, with an empty environment.
fn policy(args: &[&str]) -> Output {
    Command::new(BIN)
        .env_clear()
        .env("PATH", "/usr/bin:/bin")
        .current_dir(REPO)
        .arg("policy")
        .args(args)
        .output()
        .unwrap()
}

/// Writes `text` to a file in `dir` and returns its path.
fn file(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

const HEAD: &str = "docker = \"/usr/bin/docker\"\n[[rule]]\nid = \"ops\"\nusers = [\"*\"]\n";

#[test]
fn validate_reports_each_error_class_as_file_line_col_with_the_text() {
    let dir = tempfile::tempdir().unwrap();
    // (class, file text, the exact first line, the offending line as shown)
    let cases: &[(&str, String, &str, &str)] = &[
        (
            "unknown key",
            format!("{HEAD}dockr = 1\n"),
            ":5:1: unknown field `dockr`",
            "5 | dockr = 1",
        ),
        (
            "wrong type",
            "docker = 1\n".to_string(),
            ":1:10: invalid type: integer `1`, expected a string",
            "1 | docker = 1",
        ),
        (
            "unknown command",
            format!("{HEAD}[rule.commands.frob]\n"),
            ":5:16: unknown docker command \"frob\" (docker 28.2.2)",
            "5 | [rule.commands.frob]",
        ),
        (
            "unknown flag",
            format!("{HEAD}[rule.commands.ps]\nflags = {{ al = true }}\n"),
            ":6:11: unknown flag \"al\" for \"container ls\"",
            "6 | flags = { al = true }",
        ),
        (
            "alias named twice",
            format!("{HEAD}[rule.commands.ps]\n[rule.commands.\"container ls\"]\n"),
            // Keys are compiled in sorted order, so the second name is "ps".
            ":5:16: rule \"ops\" names \"container ls\" twice: \"container ls\" and \"ps\" are the same command",
            "5 | [rule.commands.ps]",
        ),
        (
            "bad glob",
            format!("{HEAD}[rule.commands.logs]\nflags = {{ tail = [\"[0-9\"] }}\n"),
            ":6:18: pattern \"[0-9\" has an unclosed '['",
            "6 | flags = { tail = [\"[0-9\"] }",
        ),
        (
            "relative docker path",
            "docker = \"docker\"\n".to_string(),
            ":1:10: docker = \"docker\": the docker binary must be an absolute path",
            "1 | docker = \"docker\"",
        ),
    ];
    for (class, text, first, excerpt) in cases {
        let path = file(dir.path(), "p.toml", text);
        let output = policy(&["validate", &path]);
        let err = stderr(&output);
        assert_eq!(output.status.code(), Some(78), "{class}: {err}");
        let lines: Vec<&str> = err.lines().collect();
        assert!(
            lines[0].starts_with(&format!("{path}{first}")),
            "{class}: want {path}{first}, got: {err}"
        );
        assert_eq!(lines[1], *excerpt, "{class}: the offending text: {err}");
        let caret_col = first.split(':').nth(2).unwrap().parse::<usize>().unwrap();
        assert_eq!(
            lines[2].find('^'),
            Some(excerpt.find('|').unwrap() + 1 + caret_col),
            "{class}: caret under the column: {err}"
        );
        assert_eq!(
            *lines.last().unwrap(),
            format!("{path}: invalid: 1 error"),
            "{class}"
        );
        assert!(stdout(&output).is_empty(), "{class}: nothing on stdout");
    }
}

#[test]
fn validate_warns_about_dangerous_allowances_and_strict_refuses_them() {
    let dir = tempfile::tempdir().unwrap();
    let path = file(
        dir.path(),
        "p.toml",
        &format!(
            "{HEAD}global_flags = {{ host = true, version = true }}\n\
             [rule.commands.exec]\n\
             [rule.commands.\"container rm\"]\nflags = {{ force = true, volumes = true }}\n"
        ),
    );
    let output = policy(&["validate", &path]);
    assert_eq!(output.status.code(), Some(0), "warnings alone: valid");
    let err = stderr(&output);
    let warnings: Vec<&str> = err.lines().filter(|l| l.contains(": warning: ")).collect();
    assert_eq!(
        warnings,
        [
            format!(
                "{path}:5:18: warning: rule \"ops\" allows the global option --host: docker would talk to a daemon the caller names (another host, or a socket the caller serves and answers as it likes)"
            ),
            format!(
                "{path}:6:16: warning: rule \"ops\" allows \"container exec\": runs any program inside a container, as the container's root and with all it may reach"
            ),
            format!(
                "{path}:8:25: warning: rule \"ops\" allows --volumes for \"container rm\": removes the container's anonymous volumes with it: data loss"
            ),
        ]
    );
    assert_eq!(
        stdout(&output),
        format!("{path}: valid (1 rule, 2 commands, 3 warnings)\n")
    );

    let output = policy(&["validate", "--strict", &path]);
    assert_eq!(
        output.status.code(),
        Some(78),
        "--strict: warnings are errors"
    );
    assert!(
        stderr(&output).ends_with(&format!("{path}: invalid under --strict: 3 warnings\n")),
        "{}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty());
}

#[test]
fn validate_accepts_the_shipped_policy() {
    let output = policy(&["validate", "policy.toml"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    assert!(
        out.starts_with("policy.toml: valid (1 rule, ") && out.ends_with(")\n"),
        "{out}"
    );
}

#[test]
fn the_documented_example_policy_is_valid() {
    let doc = std::fs::read_to_string(Path::new(REPO).join("docs/policy.md")).unwrap();
    let start = doc.find("```toml\n# Absolute path").expect("the example") + "```toml\n".len();
    let end = start + doc[start..].find("```").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = file(dir.path(), "example.toml", &doc[start..end]);
    let output = policy(&["validate", &path]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        stdout(&output),
        format!("{path}: valid (1 rule, 7 commands, 2 warnings)\n")
    );
    // The example pins a compose file that does not exist on this machine.
    assert!(
        stderr(&output).contains(
            "pins compose project \"ollama\", whose file /srv/compose/ollama/compose.yaml cannot be read"
        ),
        "{}",
        stderr(&output)
    );
    assert!(
        stderr(&output).contains(
            "allows images matching \"localhost/agent/*\" for \"container run\": not pinned"
        ),
        "{}",
        stderr(&output)
    );
}

#[test]
fn check_prints_the_decision_as_json() {
    let output = policy(&[
        "check",
        "--policy",
        "policy.toml",
        "--format",
        "json",
        "--",
        "ps",
        "-a",
    ]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["decision"], "allow");
    assert_eq!(json["command"], "container ls");
    assert_eq!(json["rule"], "container-operator");
    assert_eq!(json["reasons"], serde_json::json!([]));
    assert_eq!(
        json["argv"],
        serde_json::json!(["/usr/local/bin/docker", "container", "ls", "--all"]),
        "the docker binary first, then the canonical argv"
    );

    let output = policy(&[
        "check",
        "--policy",
        "policy.toml",
        "--format",
        "json",
        "--",
        "rm",
        "-v",
        "old",
    ]);
    assert_eq!(output.status.code(), Some(77));
    let json: serde_json::Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(json["decision"], "deny");
    assert_eq!(json["command"], "container rm");
    assert_eq!(
        json["reasons"],
        serde_json::json!(["flag --volumes is not allowed for \"container rm\""])
    );
    assert!(json.get("argv").is_none(), "no argv on a denial: {json}");
    assert!(json["hint"].as_str().unwrap().contains("--force"), "{json}");
}

#[test]
fn test_passes_a_good_case_file_silently() {
    let dir = tempfile::tempdir().unwrap();
    let cases = file(
        dir.path(),
        "cases.toml",
        "[[case]]\nargv = [\"ps\", \"-a\"]\nexpect = \"allow\"\n\n\
         [[case]]\nid = \"no-volumes\"\nargv = [\"rm\", \"-v\", \"x\"]\nexpect = \"deny\"\nreason = \"--volumes\"\n",
    );
    let output = policy(&["test", "--policy", "policy.toml", &cases]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(stdout(&output), "2 passed, 0 failed\n");
}

#[test]
fn test_shows_each_failure_and_exits_1() {
    let dir = tempfile::tempdir().unwrap();
    let cases = file(
        dir.path(),
        "cases.toml",
        "[[case]]\nid = \"ps-denied\"\nargv = [\"ps\", \"-a\"]\nexpect = \"deny\"\n\n\
         [[case]]\nargv = [\"rm\", \"-v\", \"x\"]\nexpect = \"deny\"\nreason = \"--all\"\n\n\
         [[case]]\nid = \"exec\"\nuser = \"agent\"\ngroups = [\"ops\"]\nargv = [\"exec\", \"web\", \"sh\"]\nexpect = \"allow\"\n\n\
         [[case]]\nargv = [\"ps\"]\nexpect = \"allow\"\n",
    );
    let output = policy(&["test", "--policy", "policy.toml", &cases]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let expected = format!(
        "FAIL ps-denied ({cases}:1:1)
  argv:     docker ps -a
  user:     test-user (groups: none)
  expected: deny
  actual:   allow (rule \"container-operator\")
  reasons:  none
FAIL case 2 ({cases}:6:1)
  argv:     docker rm -v x
  user:     test-user (groups: none)
  expected: deny, with a reason containing \"--all\"
  actual:   deny
  reason:   flag --volumes is not allowed for \"container rm\"
FAIL exec ({cases}:11:1)
  argv:     docker exec web sh
  user:     agent (groups: ops)
  expected: allow
  actual:   deny
  reason:   the policy does not allow \"container exec\"
1 passed, 3 failed
"
    );
    assert_eq!(stdout(&output), expected);
}

#[test]
fn test_refuses_a_malformed_case_file_before_running_anything() {
    let dir = tempfile::tempdir().unwrap();
    let good = file(
        dir.path(),
        "good.toml",
        "[[case]]\nargv = [\"ps\"]\nexpect = \"allow\"\n",
    );
    let bad = file(
        dir.path(),
        "bad.toml",
        "[[case]]\nargv = [\"ps\"]\nexpect = \"alow\"\n",
    );
    let typo = file(
        dir.path(),
        "typo.toml",
        "[[case]]\nargv = [\"ps\"]\nexpect = \"deny\"\nreasn = \"x\"\n",
    );
    let output = policy(&["test", "--policy", "policy.toml", &good, &bad, &typo]);
    assert_eq!(output.status.code(), Some(78));
    let err = stderr(&output);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 2, "{err}");
    assert_eq!(
        lines[0],
        format!("{bad}:3:10: unknown variant `alow`, expected `allow` or `deny`")
    );
    assert!(
        lines[1].starts_with(&format!("{typo}:4:1: unknown field `reasn`")),
        "{err}"
    );
    assert!(
        stdout(&output).is_empty(),
        "no case ran: {}",
        stdout(&output)
    );

    let empty = file(dir.path(), "empty.toml", "# nothing yet\n");
    let output = policy(&["test", "--policy", "policy.toml", &empty]);
    assert_eq!(output.status.code(), Some(78));
    assert_eq!(
        stderr(&output),
        format!("{empty}: no [[case]] entries: a case file must test something\n")
    );
    let output = policy(&["test", "--policy", "policy.toml"]);
    assert_eq!(output.status.code(), Some(64), "a case file is required");
}

#[test]
fn the_repos_policy_cases_pass_against_the_shipped_policy() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(Path::new(REPO).join("tests/policy"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let mut args = vec!["test".to_string(), "--policy".into(), "policy.toml".into()];
    args.extend(files.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let output = policy(&args);
    let out = stdout(&output);
    assert_eq!(output.status.code(), Some(0), "{out}{}", stderr(&output));
    let last = out.lines().last().unwrap();
    let passed: usize = last.split(' ').next().unwrap().parse().unwrap();
    assert!(passed >= 40, "{last}");
    assert_eq!(last, format!("{passed} passed, 0 failed"));
}

#[test]
fn under_sudo_no_user_given_file_is_opened() {
    let sandbox = Sandbox::new(&shipped_policy());
    let cases = sandbox.path("cases.toml");
    std::fs::write(&cases, "[[case]]\nargv = [\"ps\"]\nexpect = \"allow\"\n").unwrap();
    let cases = cases.display().to_string();
    for (args, reason) in [
        (
            vec!["policy", "test", &cases],
            "under sudo, case files are not read: docker-guard would open them as root",
        ),
        (
            vec!["policy", "validate", "/etc/shadow"],
            "under sudo only the installed policy is read",
        ),
        (
            vec!["policy", "check", "--policy", "/etc/shadow", "--", "ps"],
            "under sudo only the installed policy is read",
        ),
        (
            vec!["policy", "show", "--user", "root"],
            "under sudo you can only check your own permissions",
        ),
    ] {
        let output = sandbox.run_as("nobody", &args, &[]);
        assert_eq!(output.status.code(), Some(64), "{args:?}");
        assert!(
            stderr(&output).contains(reason),
            "{args:?}: {}",
            stderr(&output)
        );
        assert!(sandbox.record().is_none(), "docker never runs");
    }
    // The installed policy is fine.
    let output = sandbox.run_as("nobody", ["policy", "validate"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(
        stdout(&output).starts_with("/etc/docker-guard/policy.toml: valid ("),
        "{}",
        stdout(&output)
    );
}

#[test]
fn show_tells_the_caller_what_it_may_run() {
    let sandbox = Sandbox::new(
        r#"
docker = "{docker}"
[[rule]]
id = "looking"
users = ["*"]
help = true
[rule.commands.ps]
flags = { all = true, filter = ["status=*", "name=*"] }
[rule.commands."container restart"]
positionals = ["ollama", "bench-*"]

[[rule]]
id = "admins"
groups = ["root"]
global_flags = { version = true }
[rule.commands."volume rm"]
"#,
    );
    let output = sandbox.run_as("nobody", ["policy", "show"], &[]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    let out = stdout(&output);
    let expected_rule = "Rule \"looking\" (for every user):
  help: allowed (--help or -h on any command, docker help, bare docker or a command group)
  global options (before the command): none
  commands:
    docker container ls  (also: docker container list, docker container ps, docker ps)
      -a, --all
      -f, --filter VALUE  (one of: status=*, name=*)
      arguments: any
    docker container restart  (also: docker restart)
      flags: none
      arguments: each one of: ollama, bench-*
";
    assert!(
        out.starts_with("What user \"nobody\" (groups: nogroup) may run with docker-guard, by the policy /etc/docker-guard/policy.toml.\n")
            || out.starts_with("What user \"nobody\" (groups: nobody) may run"),
        "{out}"
    );
    assert!(out.contains(expected_rule), "{out}");
    assert!(!out.contains("admins"), "only the rules that apply: {out}");
    assert!(!out.contains("volume rm"), "{out}");

    // Root is in group root: both rules.
    let output = sandbox.run(["policy", "show"]);
    let out = stdout(&output);
    assert!(
        out.contains("Rule \"admins\" (for groups root):\n  help: not allowed\n  global options (before the command):\n    -v, --version\n  commands:\n    docker volume rm  (also: docker volume remove)\n"),
        "{out}"
    );
    // Stable: the same text every time.
    assert_eq!(stdout(&sandbox.run(["policy", "show"])), out);
}
