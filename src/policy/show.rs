//! `docker-guard policy show`: what one caller may run, in plain words.
//!
//! Meant to be read by the caller itself (an agent runs `sudo docker-guard policy
//! show` to learn its limits), so it lists only the rules that apply to it, and
//! says what is allowed rather than how the policy is written. The output is sorted
//! (commands by path, flags by name) so that it is stable from run to run.

use super::decide::applies_to;
use super::{CommandRule, FlagRules, Policy, Rule, ValueRule};
use crate::caller::Caller;
use crate::docker::model::CommandSpec;
use crate::docker::parse::ROOT;
use std::fmt::Write;

pub fn describe(policy: &Policy, caller: &Caller) -> String {
    let mut out = String::new();
    let groups = if caller.groups.is_empty() {
        "none".to_string()
    } else {
        caller.groups.join(", ")
    };
    let _ = writeln!(
        out,
        "What user {:?} (groups: {groups}) may run with docker-guard, by the policy {}.",
        caller.user, policy.source
    );
    let rules: Vec<&Rule> = policy
        .rules
        .iter()
        .filter(|r| applies_to(r, caller))
        .collect();
    if rules.is_empty() {
        let _ = writeln!(
            out,
            "No rule applies to {:?}: every docker command is denied.",
            caller.user
        );
        return out;
    }
    let _ = writeln!(
        out,
        "A command line is allowed when one rule below allows all of it: the command, \
         every flag and value, every argument. Anything not listed is denied."
    );
    for rule in rules {
        out.push('\n');
        describe_rule(&mut out, rule);
    }
    out.push('\n');
    out.push_str(
        "Patterns: * matches any text (including /, : and ,), ? one character, [a-z] one \
         character of a set; a value must match a whole pattern.\n",
    );
    out
}

fn describe_rule(out: &mut String, rule: &Rule) {
    let _ = writeln!(out, "Rule {:?} ({}):", rule.id, who(rule));
    let _ = writeln!(
        out,
        "  help: {}",
        if rule.help {
            "allowed (--help or -h on any command, docker help, bare docker or a command group)"
        } else {
            "not allowed"
        }
    );
    let globals = flag_lines(&rule.global_flags, &ROOT);
    if globals.is_empty() {
        let _ = writeln!(out, "  global options (before the command): none");
    } else {
        let _ = writeln!(out, "  global options (before the command):");
        for line in globals {
            let _ = writeln!(out, "    {line}");
        }
    }
    if rule.commands.is_empty() {
        let _ = writeln!(out, "  commands: none");
        return;
    }
    let _ = writeln!(out, "  commands:");
    let mut commands: Vec<&CommandRule> = rule.commands.iter().collect();
    commands.sort_by_key(|c| c.command.path);
    for command in &commands {
        describe_command(out, command);
    }
    if commands
        .iter()
        .any(|c| c.command.path.starts_with("compose "))
    {
        let projects: Vec<String> = rule
            .projects
            .iter()
            .map(|p| format!("{} ({})", p.name, p.directory.display()))
            .collect();
        let _ = writeln!(
            out,
            "  compose projects (name one with docker compose -p NAME): {}",
            if projects.is_empty() {
                "none, so only compose ls and compose version run".to_string()
            } else {
                projects.join(", ")
            }
        );
    }
}

fn who(rule: &Rule) -> String {
    if rule.users.iter().any(|u| u == "*") {
        return "for every user".to_string();
    }
    let mut parts = Vec::new();
    if !rule.users.is_empty() {
        parts.push(format!("users {}", rule.users.join(", ")));
    }
    if !rule.groups.is_empty() {
        parts.push(format!("groups {}", rule.groups.join(", ")));
    }
    format!("for {}", parts.join("; "))
}

fn describe_command(out: &mut String, rule: &CommandRule) {
    let spec = rule.command;
    let mut title = format!("    docker {}", spec.path);
    if !spec.aliases.is_empty() {
        let aliases: Vec<String> = spec.aliases.iter().map(|a| format!("docker {a}")).collect();
        let _ = write!(title, "  (also: {})", aliases.join(", "));
    }
    let _ = writeln!(out, "{title}");
    let flags = flag_lines(&rule.flags, spec);
    if flags.is_empty() {
        let _ = writeln!(out, "      flags: none");
    }
    for line in flags {
        let _ = writeln!(out, "      {line}");
    }
    let _ = writeln!(
        out,
        "      arguments: {}",
        match &rule.positionals {
            None => "any".to_string(),
            Some(patterns) if patterns.is_empty() => "none".to_string(),
            Some(patterns) => format!("each one of: {}", join_patterns(patterns)),
        }
    );
    // Issue 3: images, mounts and forced flags of the rule.
    if let Some(container) = &rule.container {
        let _ = writeln!(
            out,
            "      images: {}",
            if container.images.is_empty() {
                "none".to_string()
            } else {
                format!(
                    "one of: {} (as full references: docker.io/library/alpine:latest)",
                    join_patterns(&container.images)
                )
            }
        );
        let mounts = &container.mounts;
        let mut lines = Vec::new();
        if !mounts.volumes.is_empty() {
            lines.push(format!(
                "named volumes: one of: {} (and anonymous volumes)",
                join_patterns(&mounts.volumes)
            ));
        }
        if !mounts.binds.is_empty() {
            let dirs: Vec<String> = mounts
                .binds
                .iter()
                .map(|p| p.display().to_string())
                .collect();
            lines.push(format!(
                "bind mounts: below {}{}",
                dirs.join(", "),
                if mounts.binds_read_only {
                    ", read-only"
                } else {
                    ""
                }
            ));
        }
        if mounts.tmpfs {
            lines.push("tmpfs mounts".to_string());
        }
        if mounts.volume_options {
            lines.push("volume drivers and driver options".to_string());
        }
        if lines.is_empty() {
            lines.push("none".to_string());
        }
        let _ = writeln!(out, "      mounts: {}", lines.join("; "));
    }
    if let Some(build) = &rule.build {
        let dirs: Vec<String> = build
            .contexts
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        let mut contexts = if dirs.is_empty() {
            "no host directory".to_string()
        } else {
            format!(
                "directories below {} (the Dockerfile inside the context)",
                dirs.join(", ")
            )
        };
        if build.stdin {
            contexts.push_str("; - (stdin)");
        }
        if build.remote {
            contexts.push_str("; URLs (git or tarball)");
        }
        let _ = writeln!(out, "      build contexts: {contexts}");
        let _ = writeln!(
            out,
            "      tags: {}",
            if build.tags.is_empty() {
                "none".to_string()
            } else {
                format!(
                    "one of: {} (as full references)",
                    join_patterns(&build.tags)
                )
            }
        );
    }
    if !rule.forced.is_empty() {
        let forced: Vec<String> = rule
            .forced
            .iter()
            .map(|(flag, value)| format!("--{}={value}", flag.long))
            .collect();
        let _ = writeln!(
            out,
            "      always added: {} ({{user}} and {{uid}} are your user name and uid)",
            forced.join(" ")
        );
    }
}

/// One line per allowed flag, sorted by name; flags listed with no allowed value
/// (`[]`) are left out, since they cannot be used.
fn flag_lines(rules: &FlagRules, command: &CommandSpec) -> Vec<String> {
    let mut sorted: Vec<_> = rules.iter().collect();
    sorted.sort_by_key(|(name, _)| *name);
    sorted
        .into_iter()
        .filter_map(|(name, allowed)| {
            let spec = command.flag_by_long(name)?;
            let mut line = match spec.short {
                Some(short) => format!("-{short}, --{name}"),
                None => format!("--{name}"),
            };
            match allowed {
                ValueRule::OneOf(patterns) if patterns.is_empty() => return None,
                ValueRule::Any if !spec.is_bool() => line.push_str(" VALUE  (any value)"),
                ValueRule::Any => {}
                ValueRule::OneOf(patterns) if spec.is_bool() => {
                    let yes = patterns.iter().any(|p| p.matches("true"));
                    let no = patterns.iter().any(|p| p.matches("false"));
                    match (yes, no) {
                        (true, _) => {}
                        (false, true) => line.push_str("=false only"),
                        (false, false) => return None,
                    }
                }
                ValueRule::OneOf(patterns) => {
                    let each = if spec.is_csv_list() {
                        "each comma-separated item "
                    } else {
                        ""
                    };
                    let _ = write!(line, " VALUE  ({each}one of: {})", join_patterns(patterns));
                }
            }
            Some(line)
        })
        .collect()
}

fn join_patterns(patterns: &[super::glob::Glob]) -> String {
    patterns
        .iter()
        .map(|p| p.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::load::parse_policy;

    fn caller(user: &str, groups: &[&str]) -> Caller {
        Caller {
            user: user.into(),
            uid: 1000,
            groups: groups.iter().map(|g| g.to_string()).collect(),
        }
    }

    const POLICY: &str = r#"docker = "/usr/bin/docker"
[[rule]]
id = "ops"
groups = ["ops"]
help = true
global_flags = { version = true }
[rule.commands."container restart"]
positionals = ["web-*"]
[rule.commands.ps]
flags = { all = true, filter = ["status=*"], quiet = ["false"], size = [] }
[[rule]]
id = "root-only"
users = ["root"]
[rule.commands.info]
"#;

    #[test]
    fn shows_the_rules_that_apply_sorted_in_plain_words() {
        let policy = parse_policy(POLICY, "p.toml").unwrap();
        let text = describe(&policy, &caller("agent", &["ops"]));
        let expected = "\
What user \"agent\" (groups: ops) may run with docker-guard, by the policy p.toml.
A command line is allowed when one rule below allows all of it: the command, every flag and value, every argument. Anything not listed is denied.

Rule \"ops\" (for groups ops):
  help: allowed (--help or -h on any command, docker help, bare docker or a command group)
  global options (before the command):
    -v, --version
  commands:
    docker container ls  (also: docker container list, docker container ps, docker ps)
      -a, --all
      -f, --filter VALUE  (one of: status=*)
      -q, --quiet=false only
      arguments: any
    docker container restart  (also: docker restart)
      flags: none
      arguments: each one of: web-*

Patterns: * matches any text (including /, : and ,), ? one character, [a-z] one character of a set; a value must match a whole pattern.
";
        assert_eq!(text, expected);
    }

    #[test]
    fn a_caller_no_rule_covers_is_told_so() {
        let policy = parse_policy(POLICY, "p.toml").unwrap();
        let text = describe(&policy, &caller("guest", &[]));
        assert!(
            text.contains("No rule applies to \"guest\": every docker command is denied."),
            "{text}"
        );
    }
}
