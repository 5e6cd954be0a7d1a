//! `compose` with pinned projects and `build` with checked contexts, end to end on
//! the enforcing path (fake docker records what it was given).

use crate::harness::{Sandbox, set_mode, stderr};
use std::fs;
use std::os::unix::fs::symlink;

const POLICY: &str = r#"
docker = "{docker}"
[environment]
PATH = "/usr/bin:/bin"
DOCKER_CONFIG = "{config}"

[compose.ollama]
directory = "{root}/compose/ollama"
files = ["{root}/compose/ollama/compose.yaml"]

[compose.other]
directory = "{root}/compose/other"
files = ["{root}/compose/other/compose.yaml"]

[[rule]]
users = ["*"]
projects = ["ollama"]
[rule.commands."compose up"]
flags = { detach = true }
[rule.commands."compose ps"]
[rule.commands."compose ls"]
[rule.commands."compose down"]
[rule.commands."image build"]
flags = { tag = true, file = true }
[rule.commands."image build".build]
contexts = ["{root}/builds"]
tags = ["localhost/agent/*"]
"#;

fn sandbox() -> Sandbox {
    let sandbox = Sandbox::new("docker = \"{docker}\"\n");
    let root = sandbox.path("");
    for project in ["ollama", "other"] {
        let dir = root.join("compose").join(project);
        fs::create_dir_all(&dir).unwrap();
        fs::write(dir.join("compose.yaml"), "services: {}\n").unwrap();
        set_mode(&dir.join("compose.yaml"), 0o644);
    }
    for dir in ["compose", "compose/ollama", "compose/other"] {
        set_mode(&root.join(dir), 0o755);
    }
    fs::create_dir_all(root.join("builds/app/sub")).unwrap();
    fs::create_dir_all(root.join("builds/mine")).unwrap();
    fs::write(root.join("builds/app/Dockerfile"), "FROM scratch\n").unwrap();
    fs::write(root.join("builds/app/sub/Dockerfile"), "FROM scratch\n").unwrap();
    for dir in ["builds", "builds/app", "builds/app/sub", "builds/mine"] {
        set_mode(&root.join(dir), 0o755);
    }
    nix::unistd::chown(
        &root.join("builds/mine"),
        Some(nix::unistd::Uid::from_raw(65534)),
        None,
    )
    .unwrap();
    symlink("/etc", root.join("builds/to-etc")).unwrap();
    // A context the caller cannot read, and one holding a file it cannot read.
    fs::create_dir_all(root.join("builds/private")).unwrap();
    set_mode(&root.join("builds/private"), 0o700);
    fs::create_dir_all(root.join("builds/secretive")).unwrap();
    set_mode(&root.join("builds/secretive"), 0o755);
    fs::write(root.join("builds/secretive/key"), "secret").unwrap();
    set_mode(&root.join("builds/secretive/key"), 0o600);
    sandbox.write_policy(&POLICY.replace("{root}", &root.display().to_string()));
    sandbox
}

fn run(sandbox: &Sandbox, args: &[&str]) -> (Option<i32>, String) {
    sandbox.clear_record();
    let output = sandbox.run_as("nobody", args, &[("COMPOSE_FILE", "/tmp/evil.yml")]);
    (output.status.code(), stderr(&output))
}

#[test]
fn a_pinned_project_runs_with_the_policys_files_only() {
    let sandbox = sandbox();
    let root = sandbox.dir.path().display().to_string();
    let (code, err) = run(&sandbox, &["compose", "-p", "ollama", "up", "-d"]);
    assert_eq!(code, Some(0), "{err}");
    let record = sandbox.record().unwrap();
    assert_eq!(
        record.args,
        [
            "compose".to_string(),
            format!("--project-directory={root}/compose/ollama"),
            format!("--file={root}/compose/ollama/compose.yaml"),
            "--project-name=ollama".to_string(),
            "up".to_string(),
            "--detach".to_string(),
        ]
    );
    assert!(
        !record.env.iter().any(|e| e.starts_with("COMPOSE_")),
        "{:?}",
        record.env
    );
    // compose ls reads no compose file: no project needed.
    let (code, err) = run(&sandbox, &["compose", "ls"]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(sandbox.record().unwrap().args, ["compose", "ls"]);
}

#[test]
fn the_caller_cannot_choose_compose_files_or_unpinned_projects() {
    let sandbox = sandbox();
    let cases: &[(&[&str], &str)] = &[
        (
            &["compose", "up", "-d"],
            "reads a compose file: name a pinned project with -p (pinned projects: ollama)",
        ),
        (
            &["compose", "-f", "/tmp/evil.yml", "up"],
            "compose --file is chosen by the policy",
        ),
        (
            &["compose", "-p", "ollama", "-f", "/tmp/evil.yml", "up"],
            "compose --file is chosen by the policy",
        ),
        (
            &[
                "compose",
                "--project-directory",
                "/tmp",
                "-p",
                "ollama",
                "ps",
            ],
            "compose --project-directory is chosen by the policy",
        ),
        (
            &["compose", "--env-file=/etc/shadow", "-p", "ollama", "ps"],
            "compose --env-file is chosen by the policy",
        ),
        (
            &["compose", "-p", "other", "up"],
            "compose project \"other\" is not pinned for you",
        ),
        (
            &["compose", "-p", "ollama", "down", "--volumes"],
            "flag --volumes is not allowed",
        ),
        (
            &["compose", "-p", "ollama", "exec", "web", "sh"],
            "does not allow \"compose exec\"",
        ),
    ];
    for (args, reason) in cases {
        let (code, err) = run(&sandbox, args);
        assert_eq!(code, Some(77), "{args:?}: {err}");
        assert!(
            err.contains(reason),
            "{args:?}: expected {reason:?} in {err}"
        );
        assert!(sandbox.record().is_none());
    }
}

#[test]
fn a_compose_file_the_caller_could_write_is_refused() {
    let sandbox = sandbox();
    let file = sandbox.path("compose/ollama/compose.yaml");
    nix::unistd::chown(&file, Some(nix::unistd::Uid::from_raw(65534)), None).unwrap();
    let (code, err) = run(&sandbox, &["compose", "-p", "ollama", "ps"]);
    assert_eq!(code, Some(77), "{err}");
    assert!(
        err.contains("compose project \"ollama\" is refused")
            && err.contains("owned by uid 65534, not root"),
        "{err}"
    );
    nix::unistd::chown(&file, Some(nix::unistd::Uid::from_raw(0)), None).unwrap();
    set_mode(&sandbox.path("compose/ollama"), 0o777);
    let (code, err) = run(&sandbox, &["compose", "-p", "ollama", "ps"]);
    assert_eq!(code, Some(77), "{err}");
    assert!(err.contains("writable by group or others"), "{err}");
}

#[test]
fn a_build_context_inside_the_allowed_directory_reaches_docker_resolved() {
    let sandbox = sandbox();
    let root = sandbox.dir.path().display().to_string();
    let output = sandbox
        .command([
            "build",
            "-t",
            "localhost/agent/app",
            "-f",
            "sub/Dockerfile",
            ".",
        ])
        .current_dir(sandbox.path("builds/app"))
        .env("SUDO_USER", "nobody")
        .env("SUDO_UID", "65534")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert_eq!(
        sandbox.record().unwrap().args,
        [
            "image".to_string(),
            "build".to_string(),
            "--tag=localhost/agent/app".to_string(),
            format!("--file={root}/builds/app/sub/Dockerfile"),
            "--".to_string(),
            format!("{root}/builds/app"),
        ]
    );
}

#[test]
fn build_contexts_dockerfiles_and_tags_outside_the_policy_are_refused() {
    let sandbox = sandbox();
    let root = sandbox.dir.path().display().to_string();
    let app = format!("{root}/builds/app");
    let cases: Vec<(Vec<String>, String)> = vec![
        (vec!["build".into(), "/etc".into()], "/etc".into()),
        (
            vec!["build".into(), format!("{root}/builds/to-etc")],
            "/etc".into(),
        ),
        (
            vec!["build".into(), format!("{app}/../..")],
            "is outside the allowed directories".into(),
        ),
        (
            vec!["build".into(), format!("{root}/builds/mine")],
            "is writable by you".into(),
        ),
        (
            vec![
                "build".into(),
                "-f".into(),
                "/etc/shadow".into(),
                app.clone(),
            ],
            "/etc".into(),
        ),
        (
            vec![
                "build".into(),
                "-f".into(),
                format!("{root}/compose/ollama/compose.yaml"),
                app.clone(),
            ],
            "is outside the build context".into(),
        ),
        (
            vec!["build".into(), "-t".into(), "alpine".into(), app.clone()],
            "tag docker.io/library/alpine:latest is not allowed".into(),
        ),
        (
            vec!["build".into(), "-".into()],
            "a build context on stdin (-) is not allowed".into(),
        ),
        (
            vec!["build".into(), "https://example.invalid/x.git".into()],
            "remote build context".into(),
        ),
        (
            vec![
                "build".into(),
                "--iidfile".into(),
                "/etc/x".into(),
                app.clone(),
            ],
            "flag --iidfile is not allowed".into(),
        ),
        (
            vec!["build".into(), "--network=host".into(), app.clone()],
            "gives the build the host's network".into(),
        ),
        (
            vec!["build".into(), format!("{root}/builds/private")],
            "you cannot read the build context".into(),
        ),
        (
            vec!["build".into(), format!("{root}/builds/secretive")],
            "in the build context (docker would send it as root)".into(),
        ),
    ];
    for (args, reason) in &cases {
        let (code, err) = run(
            &sandbox,
            &args.iter().map(String::as_str).collect::<Vec<_>>(),
        );
        assert_eq!(code, Some(77), "{args:?}: {err}");
        assert!(
            err.contains(reason.as_str()),
            "{args:?}: expected {reason:?} in {err}"
        );
        assert!(sandbox.record().is_none());
    }
}

#[test]
fn validate_warns_about_what_a_pinned_compose_file_asks_for() {
    let sandbox = sandbox();
    let root = sandbox.dir.path().display().to_string();
    fs::write(
        sandbox.path("compose/ollama/compose.yaml"),
        "services:\n  web:\n    image: nginx\n    privileged: true\n    volumes: [\"/:/host\"]\n",
    )
    .unwrap();
    let policy = POLICY
        .replace("{root}", &root)
        .replace("{docker}", "/usr/local/bin/docker")
        .replace("{config}", "/nonexistent");
    let file = sandbox.path("candidate.toml");
    fs::write(&file, policy).unwrap();
    let validate = |strict: bool| {
        let mut cmd = std::process::Command::new(crate::harness::BIN);
        cmd.args(["policy", "validate"]);
        if strict {
            cmd.arg("--strict");
        }
        cmd.arg(&file).output().unwrap()
    };
    let output = validate(false);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        stderr(&output)
    );
    assert_eq!(output.status.code(), Some(0), "{text}");
    let file_name = format!("{root}/compose/ollama/compose.yaml");
    assert!(
        text.contains(&format!("pins compose project \"ollama\", whose file {file_name} asks for service web: privileged: true")),
        "{text}"
    );
    assert!(
        text.contains("service web: bind of host path / (outside the directories run may bind)"),
        "{text}"
    );
    assert_eq!(validate(true).status.code(), Some(78));
}
