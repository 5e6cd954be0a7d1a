//! The NixOS deployment (`flake.nix`, `nixos/`), as far as it can be checked without
//! nixpkgs: every `.nix` file parses; the module's decisions, which live in the pure
//! `nixos/logic.nix`, give the sudo rule, assertions and warnings intended; the
//! README shows the example configuration that the VM test uses; and that example's
//! policy passes `docker-guard policy validate --strict`.
//!
//! Needs `nix-instantiate` (Debian package `nix-bin`). It runs with `--store dummy://`
//! and private config, cache and state directories, so it reads and writes no Nix
//! store, daemon, channel or user configuration. The VM test itself (nixos/test.nix)
//! needs nixpkgs and KVM and runs with `nix flake check`, not here.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const BIN: &str = env!("CARGO_BIN_EXE_docker-guard");

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn repo_str() -> &'static str {
    repo().to_str().expect("the repository path is UTF-8")
}

/// Runs `nix-instantiate` in isolation: no store (`dummy://` evaluates without one),
/// no daemon, no NIX_PATH, no user or system configuration.
fn nix_instantiate<S: AsRef<OsStr>>(args: &[S]) -> Output {
    let home = tempfile::tempdir().unwrap();
    let sub = |name: &str| {
        let dir = home.path().join(name);
        fs::create_dir(&dir).unwrap();
        dir
    };
    let result = Command::new("nix-instantiate")
        .args(["--store", "dummy://"])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home.path())
        .env("XDG_CONFIG_HOME", sub("config"))
        .env("XDG_CACHE_HOME", sub("cache"))
        .env("NIX_CONF_DIR", sub("conf"))
        .env("NIX_STATE_DIR", sub("state"))
        .env("NIX_LOG_DIR", sub("log"))
        .current_dir(repo())
        .output();
    match result {
        Ok(output) => output,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => panic!(
            "nix-instantiate is not installed. These tests parse and evaluate the NixOS \
             files with it: install Debian's `nix-bin` package (apt-get install -y nix-bin)."
        ),
        Err(e) => panic!("cannot run nix-instantiate: {e}"),
    }
}

/// Evaluates `body` strictly and returns it as JSON. In `body`, `logic` is
/// nixos/logic.nix and `failed checks` lists the messages of failed assertions.
fn eval(body: &str) -> String {
    let expr = format!(
        "{{ repo }}:\nlet\n  logic = import (repo + \"/nixos/logic.nix\");\n  \
         failed = checks: map (a: a.message) (builtins.filter (a: !a.assertion) checks.assertions);\n\
         in\n{body}"
    );
    let out = nix_instantiate(&[
        "--eval",
        "--strict",
        "--json",
        "--argstr",
        "repo",
        repo_str(),
        "-E",
        &expr,
    ]);
    assert!(
        out.status.success(),
        "nix-instantiate failed on:\n{expr}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

/// The value of a JSON string as `builtins.toJSON` writes it.
fn json_string(json: &str) -> String {
    let inner = json
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or_else(|| panic!("not a JSON string: {json}"));
    let mut out = String::new();
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => {
                let hex: String = chars.by_ref().take(4).collect();
                let code = u32::from_str_radix(&hex, 16).unwrap();
                out.push(char::from_u32(code).unwrap());
            }
            Some(other) => out.push(other), // \" \\ \/
            None => panic!("dangling escape in {json}"),
        }
    }
    out
}

fn read(rel: &str) -> String {
    fs::read_to_string(repo().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn nix_files(dir: &Path, found: &mut Vec<PathBuf>) {
    for entry in fs::read_dir(dir).unwrap() {
        let entry = entry.unwrap();
        let path = entry.path();
        let kind = entry.file_type().unwrap(); // symlinks (`result`) are not followed
        if kind.is_dir() {
            if !matches!(entry.file_name().to_str(), Some("target" | ".git")) {
                nix_files(&path, found);
            }
        } else if kind.is_file() && path.extension().is_some_and(|e| e == "nix") {
            found.push(path);
        }
    }
}

#[test]
fn every_nix_file_parses() {
    let mut files = Vec::new();
    nix_files(repo(), &mut files);
    files.sort();
    let names: Vec<String> = files
        .iter()
        .map(|f| f.strip_prefix(repo()).unwrap().display().to_string())
        .collect();
    for expected in [
        "flake.nix",
        "nixos/example.nix",
        "nixos/logic.nix",
        "nixos/module.nix",
        "nixos/package.nix",
        "nixos/test.nix",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} not found; found {names:?}"
        );
    }
    let mut errors = Vec::new();
    for (file, name) in files.iter().zip(&names) {
        let out = nix_instantiate(&[OsStr::new("--parse"), file.as_os_str()]);
        if !out.status.success() {
            errors.push(format!("{name}:\n{}", String::from_utf8_lossy(&out.stderr)));
        }
    }
    assert!(
        errors.is_empty(),
        "Nix syntax errors:\n{}",
        errors.join("\n")
    );
}

const STORE_PATH: &str =
    "/nix/store/00000000000000000000000000000000-docker-guard-0.1.0/bin/docker-guard";

#[test]
fn the_sudo_rule_runs_only_docker_guard_as_root_nopasswd_without_setenv() {
    let rules = eval(&format!(
        r#"logic.sudoRules {{ command = "{STORE_PATH}"; users = [ "agent" ]; groups = [ "agents" ]; }}"#
    ));
    assert_eq!(
        rules,
        format!(
            r#"[{{"commands":[{{"command":"{STORE_PATH}","options":["NOPASSWD"]}}],"groups":["agents"],"host":"ALL","runAs":"root","users":["agent"]}}]"#
        )
    );
    // Spelled out, since these are the points of the rule:
    assert!(
        !rules.contains("SETENV"),
        "the caller must not set docker-guard's environment"
    );
    assert!(rules.contains(r#""options":["NOPASSWD"]"#));
    assert!(
        rules.contains(r#""runAs":"root""#),
        "as root only, not as any user"
    );
    // A bare path allows any arguments; `path ""` would allow none.
    assert!(rules.contains(&format!(r#""command":"{STORE_PATH}""#)));
}

#[test]
fn the_sudoers_lines_name_users_and_percent_groups() {
    let lines = eval(&format!(
        r#"logic.sudoersLines (logic.sudoRules {{ command = "{STORE_PATH}"; users = [ "agent" "bench" ]; groups = [ "agents" ]; }})"#
    ));
    assert_eq!(
        lines,
        format!(
            r#"["agent ALL=(root) NOPASSWD: {STORE_PATH}","bench ALL=(root) NOPASSWD: {STORE_PATH}","%agents ALL=(root) NOPASSWD: {STORE_PATH}"]"#
        )
    );
}

#[test]
fn nobody_listed_means_no_sudo_rule() {
    assert_eq!(
        eval(&format!(
            r#"logic.sudoRules {{ command = "{STORE_PATH}"; }}"#
        )),
        "[]"
    );
}

#[test]
fn a_docker_guard_user_in_the_docker_group_fails_the_build() {
    let message = "user `agent` may run docker-guard but is in the `docker` group";
    for (how, fixture) in [
        (
            "extraGroups",
            r#"users = [ "agent" ]; userDefs.agent.extraGroups = [ "wheel" "docker" ];"#,
        ),
        (
            "users.groups.docker.members",
            r#"users = [ "agent" ]; groupDefs.docker.members = [ "agent" ];"#,
        ),
        (
            "primary group",
            r#"users = [ "agent" ]; userDefs.agent.group = "docker";"#,
        ),
        (
            "member of a listed group",
            r#"groups = [ "agents" ]; userDefs.agent.extraGroups = [ "agents" "docker" ];"#,
        ),
        (
            "listed group's members",
            r#"groups = [ "agents" ]; groupDefs.agents.members = [ "agent" ]; groupDefs.docker.members = [ "agent" ];"#,
        ),
    ] {
        let failed = eval(&format!("failed (logic.checks {{ {fixture} }})"));
        assert!(
            failed.contains(message) && failed.contains("bypasses every policy"),
            "{how}: expected the docker-group assertion to fail, got {failed}"
        );
    }
}

#[test]
fn listing_the_docker_group_fails_the_build() {
    let failed = eval(r#"failed (logic.checks { groups = [ "docker" ]; })"#);
    assert!(
        failed.contains("security.docker-guard.groups contains `docker`"),
        "{failed}"
    );
}

#[test]
fn a_sound_configuration_passes_without_warnings() {
    let checks = r#"logic.checks {
      users = [ "agent" ];
      groups = [ "agents" ];
      userDefs = { agent.extraGroups = [ "users" ]; bob.extraGroups = [ "agents" ]; admin.extraGroups = [ "wheel" "docker" ]; };
      groupDefs = { docker.members = [ "admin" ]; };
      sudo = { enable = true; execWheelOnly = false; };
      sudoRs = { enable = false; execWheelOnly = true; };
    }"#;
    assert_eq!(eval(&format!("failed ({checks})")), "[]");
    assert_eq!(eval(&format!("({checks}).warnings")), "[]");
}

#[test]
fn exec_wheel_only_warns_for_the_users_it_locks_out() {
    for (module, args) in [
        (
            "security.sudo",
            "sudo = { enable = true; execWheelOnly = true; };",
        ),
        (
            "security.sudo-rs",
            "sudoRs = { enable = true; execWheelOnly = true; };",
        ),
    ] {
        let warnings = eval(&format!(
            r#"(logic.checks {{ users = [ "agent" "admin" ]; groups = [ "agents" ]; userDefs.admin.extraGroups = [ "wheel" ]; {args} }}).warnings"#
        ));
        assert!(
            warnings.contains(&format!(
                "{module}.execWheelOnly is set, so only `wheel` may execute sudo: `agent` (not in wheel)"
            )),
            "{warnings}"
        );
        assert!(
            warnings.contains("members of group `agents` who are not in wheel"),
            "{warnings}"
        );
        // admin is in wheel: not locked out (but told that docker-guard cannot restrict them).
        assert!(!warnings.contains("`admin` (not in wheel)"), "{warnings}");
        assert!(warnings.contains("`admin` is in `wheel`"), "{warnings}");
    }
}

#[test]
fn unusable_setups_are_warned_about() {
    let warnings = eval(
        r#"(logic.checks { sudo = { enable = false; }; sudoRs = { enable = false; }; dockerEnabled = false; }).warnings"#,
    );
    for expected in [
        "no users or groups are listed",
        "neither security.sudo nor security.sudo-rs is enabled",
        "virtualisation.docker.enable is false",
    ] {
        assert!(
            warnings.contains(expected),
            "{expected:?} not in {warnings}"
        );
    }
}

#[test]
fn names_that_would_widen_the_sudo_rule_are_rejected() {
    // module.nix types users and groups as `strMatching logic.namePattern`.
    let matches = |name: &str| {
        eval(&format!(
            "builtins.match logic.namePattern {} != null",
            json_quote(name)
        )) == "true"
    };
    for good in ["agent", "bench_1", "svc-x", "a.b", "_x", "machine$"] {
        assert!(matches(good), "{good:?} should be accepted");
    }
    for bad in [
        "ALL", "", "a b", "a,b", "%wheel", "#0", "a:b", "!x", "a\nALL", "Agent",
    ] {
        assert!(!matches(bad), "{bad:?} should be rejected");
    }
}

fn json_quote(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '$' => out.push_str("\\$"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[test]
fn the_module_and_the_vm_test_use_the_tested_files() {
    let module = read("nixos/module.nix");
    for needle in ["import ./logic.nix", "logic.sudoRules", "logic.checks"] {
        assert!(module.contains(needle), "module.nix should use {needle}");
    }
    let test = read("nixos/test.nix");
    assert!(
        test.contains("./example.nix"),
        "the VM test must import the README's example"
    );
}

#[test]
fn the_readme_shows_the_example_the_vm_test_uses() {
    let example = read("nixos/example.nix");
    let readme = fs::read_to_string(repo().join("README.md")).unwrap_or_default();
    assert!(
        readme.contains(&example),
        "README.md must contain nixos/example.nix verbatim (it is the configuration the \
         NixOS VM test runs); paste it into the README's NixOS section:\n{example}"
    );
}

/// The example's policy as module.nix would write it (defaults for `docker` and
/// `environment` added), rendered as TOML with inline tables.
const EXAMPLE_POLICY_TOML: &str = r#"
let
  example = import (repo + "/nixos/example.nix");
  settings = example.security.docker-guard.settings // extra;
  policy = settings // {
    docker = "/usr/bin/docker";
    environment = logic.defaultEnvironment // (settings.environment or { });
  };
  value =
    v:
    if builtins.isAttrs v then
      "{ " + builtins.concatStringsSep ", " (map (k: "${builtins.toJSON k} = ${value v.${k}}") (builtins.attrNames v)) + " }"
    else if builtins.isList v then
      "[ " + builtins.concatStringsSep ", " (map value v) + " ]"
    else
      builtins.toJSON v; # strings, booleans and integers are written alike in JSON and TOML
in
builtins.concatStringsSep "" (map (k: "${builtins.toJSON k} = ${value policy.${k}}\n") (builtins.attrNames policy))
"#;

fn validate_example(extra: &str) -> (Output, String) {
    let toml = json_string(&eval(&format!(
        "let extra = {extra}; in {EXAMPLE_POLICY_TOML}"
    )));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("policy.toml");
    fs::write(&file, &toml).unwrap();
    let out = Command::new(BIN)
        .args([
            OsStr::new("policy"),
            OsStr::new("validate"),
            OsStr::new("--strict"),
        ])
        .arg(&file)
        .env_remove("SUDO_USER")
        .env_remove("SUDO_UID")
        .env_remove("DOAS_USER")
        .output()
        .unwrap();
    (out, toml)
}

#[test]
fn the_example_policy_passes_validate_strict() {
    let (out, toml) = validate_example("{ }");
    assert!(
        out.status.success(),
        "docker-guard policy validate --strict rejects the example policy (exit {:?}):\n{}{}\n{toml}",
        out.status.code(),
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    // The rendering is what was validated: a broken variant fails.
    let (out, toml) = validate_example(
        r#"{ rule = [ { id = "x"; users = [ "agent" ]; commands."container frob" = { }; } ]; }"#,
    );
    assert_eq!(out.status.code(), Some(78), "{toml}");
}
