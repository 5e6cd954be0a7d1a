//! Warnings about allowances that amount to host access or data loss.
//!
//! A valid policy can still hand out root: `container exec`, `--privileged`, the
//! global `--host`, a file flag docker opens as root. An admin may mean them, so they
//! are not errors; `policy validate` names each with its place in the file, and
//! `--strict` (for CI) refuses them.
//!
//! Each kind of risk is one function in [`CHECKS`], most of them driven by the tables
//! below; a new risk is one more table row or function. What the enforcing path
//! refuses whatever the policy says (`container::never_allowed`), or checks by
//! structure rather than by flag patterns (`mounts`, `build`, pinned compose
//! projects), is not warned about: allowing it hands out nothing.
//!
//! Places: the compiled [`Policy`] keeps no source positions, so they are read again
//! from the same text by a span-only view of the file ([`Places`]), which ignores
//! every key it does not need and so follows the schema as it grows.

use super::container::{self, ContainerRule};
use super::glob::Glob;
use super::load::line_col;
use super::{FlagRules, Policy, Rule, ValueRule};
use crate::docker::model::CommandSpec;
use crate::docker::parse::{FlagUse, ROOT, lookup};
use crate::error::Located;
use serde::Deserialize;
use serde::de::IgnoredAny;
use std::collections::BTreeMap;
use toml::Spanned;

/// The checks, each run on every rule.
const CHECKS: &[fn(&Rule, &mut Lints)] = &[
    global_options,
    dangerous_commands,
    dangerous_flags,
    mount_options,
    unpinned_images,
    pinned_compose_files,
];

/// Every warning for `policy`, whose file text is `text`, in file order.
pub fn warnings(policy: &Policy, text: &str) -> Vec<Located> {
    let places = Places::read(text);
    let mut all = Vec::new();
    for (index, rule) in policy.rules.iter().enumerate() {
        let mut lints = Lints {
            rule,
            places: places.rules.get(index),
            source: &policy.source,
            found: Vec::new(),
        };
        for check in CHECKS {
            check(rule, &mut lints);
        }
        all.extend(lints.found);
    }
    all.sort_by_key(|w| w.position);
    all
}

/// Where the warnings of one rule go, with what is needed to place them.
pub struct Lints<'a> {
    rule: &'a Rule,
    places: Option<&'a RulePlaces>,
    source: &'a str,
    found: Vec<Located>,
}

/// What a warning is about: the place in the file it points at.
enum About<'a> {
    Rule,
    GlobalFlag(&'a str),
    Command(&'a CommandSpec),
    Flag(&'a CommandSpec, &'a str),
}

impl Lints<'_> {
    fn warn(&mut self, about: About, message: String) {
        let places = self.places;
        let position = places.and_then(|p| match about {
            About::Rule => p.at,
            About::GlobalFlag(flag) => p.global_flags.get(flag).copied().or(p.at),
            About::Command(command) => p.commands.get(command.path).map(|c| c.at),
            About::Flag(command, flag) => p
                .commands
                .get(command.path)
                .map(|c| c.flags.get(flag).copied().unwrap_or(c.at)),
        });
        self.found.push(Located {
            file: self.source.to_string(),
            position,
            message: format!("warning: rule {:?} {message}", self.rule.id),
        });
    }
}

// ---------------------------------------------------------------------------------
// Pinned compose files: what they hand the caller, in the terms run is judged by.

fn pinned_compose_files(rule: &Rule, lints: &mut Lints) {
    let binds: Vec<std::path::PathBuf> = rule
        .commands
        .iter()
        .filter_map(|c| c.container.as_ref())
        .flat_map(|c| c.mounts.binds.iter().cloned())
        .collect();
    for project in &rule.projects {
        for file in &project.files {
            let found = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot be read: {e}"))
                .and_then(|text| super::compose_lint::findings(&text, &project.directory, &binds));
            let messages = match found {
                Ok(findings) => findings
                    .into_iter()
                    .map(|f| format!("asks for {f}"))
                    .collect(),
                Err(why) => vec![why],
            };
            for message in messages {
                lints.warn(
                    About::Rule,
                    format!(
                        "pins compose project {:?}, whose file {} {message}",
                        project.name,
                        file.display()
                    ),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Global options.

/// Global options that change which daemon docker talks to, or what it loads.
const GLOBAL_OPTIONS: &[(&str, Risk, &str)] = &[
    (
        "host",
        Risk::AnyValue,
        "docker would talk to a daemon the caller names (another host, or a socket the caller serves and answers as it likes)",
    ),
    (
        "context",
        Risk::AnyValue,
        "docker would use a context the caller names: another daemon",
    ),
    (
        "config",
        Risk::AnyValue,
        "docker would load CLI plugins, hooks and credential helpers from the directory named: code run as root",
    ),
    (
        "tls",
        Risk::Values(&["true"]),
        "changes how docker connects to the daemon",
    ),
    (
        "tlsverify",
        Risk::Values(&["true"]),
        "changes how docker connects to the daemon",
    ),
    (
        "tlscacert",
        Risk::HostPath,
        "docker reads this file as root: a host-file read the caller chooses",
    ),
    (
        "tlscert",
        Risk::HostPath,
        "docker reads this file as root: a host-file read the caller chooses",
    ),
    (
        "tlskey",
        Risk::HostPath,
        "docker reads this file as root: a host-file read the caller chooses",
    ),
];

fn global_options(rule: &Rule, lints: &mut Lints) {
    for (flag, risk, why) in GLOBAL_OPTIONS {
        if let Some(how) = risk.allowed_by(&rule.global_flags, &ROOT, flag) {
            lints.warn(
                About::GlobalFlag(flag),
                format!("allows the global option --{flag}{how}: {why}"),
            );
        }
    }
}

// ---------------------------------------------------------------------------------
// Commands.

const EXEC: &str =
    "runs any program inside a container, as the container's root and with all it may reach";
const PLUGINS: &str = "plugins run with the privileges they ask for (host mounts, devices, capabilities): root on the host";
const SWARM: &str = "changes the swarm this host belongs to (membership, keys, certificates)";
const NODES: &str = "changes the swarm's nodes";
const SERVICES: &str = "services run containers with any mounts, capabilities and devices, and no run-time check of docker-guard applies to them";
const CONTEXTS: &str = "changes docker's contexts (which daemon later commands reach, for every caller) or reads and writes context files at host paths";
const HOST_FILE_READ: &str = "reads a host file the caller names, as root";
const TRUST_KEYS: &str = "reads or writes key files at host paths, as root";
const CREDENTIALS: &str = "stores or removes registry credentials in docker-guard's config directory, shared by every caller";
const VOLUME_LOSS: &str = "destroys the data of volumes";

/// Commands whose allowance alone amounts to host access or data loss. A path
/// ending in ` *` stands for every command below that group, except those in
/// [`HARMLESS`].
const DANGEROUS_COMMANDS: &[(&str, &str)] = &[
    ("container exec", EXEC),
    ("compose exec", EXEC),
    (
        "compose run",
        "runs any command in a new container of a pinned service, with all the mounts and privileges the service has",
    ),
    (
        "container attach",
        "connects the caller to a container's main process: whatever runs there takes the caller's input",
    ),
    (
        "container cp",
        "copies between containers and host paths as root: a host-file read or write",
    ),
    (
        "compose cp",
        "copies between containers and host paths as root: a host-file read or write",
    ),
    (
        "container export",
        "hands out a container's whole filesystem, its secrets included",
    ),
    (
        "bake",
        "reads build files and contexts from host paths as root",
    ),
    (
        "image import",
        "reads a host file (or a URL) the caller names, as root",
    ),
    (
        "image load",
        "loads images that replace existing tags (an image others run can be swapped), and reads --input files as root",
    ),
    ("plugin install", PLUGINS),
    ("plugin enable", PLUGINS),
    ("plugin create", PLUGINS),
    ("plugin upgrade", PLUGINS),
    ("plugin set", PLUGINS),
    ("swarm *", SWARM),
    ("node update", NODES),
    ("node promote", NODES),
    ("node demote", NODES),
    ("node rm", NODES),
    ("service create", SERVICES),
    ("service update", SERVICES),
    ("service rollback", SERVICES),
    (
        "stack deploy",
        "deploys services from compose files at host paths: any mounts and privileges",
    ),
    ("secret create", HOST_FILE_READ),
    ("config create", HOST_FILE_READ),
    ("context *", CONTEXTS),
    ("login", CREDENTIALS),
    ("logout", CREDENTIALS),
    ("volume rm", VOLUME_LOSS),
    ("volume prune", VOLUME_LOSS),
    (
        "system dial-stdio",
        "connects the caller to the docker API itself: anything, as root",
    ),
    ("trust key *", TRUST_KEYS),
    ("trust signer *", TRUST_KEYS),
];

/// Commands below a dangerous group that only read.
const HARMLESS: &[&str] = &["context inspect", "context ls", "context show"];

fn command_danger(path: &str) -> Option<&'static str> {
    if HARMLESS.contains(&path) {
        return None;
    }
    DANGEROUS_COMMANDS
        .iter()
        .find(|(pattern, _)| match pattern.strip_suffix(" *") {
            Some(group) => path
                .strip_prefix(group)
                .is_some_and(|rest| rest.starts_with(' ')),
            None => *pattern == path,
        })
        .map(|(_, why)| *why)
}

fn dangerous_commands(rule: &Rule, lints: &mut Lints) {
    for command in &rule.commands {
        if let Some(why) = command_danger(command.command.path) {
            lints.warn(
                About::Command(command.command),
                format!("allows {:?}: {why}", command.command.path),
            );
        }
    }
}

// ---------------------------------------------------------------------------------
// Flags of commands.

/// Flags whose allowance amounts to host access or data loss.
struct FlagDanger {
    /// The commands it is about; empty: every command that has the flag.
    commands: &'static [&'static str],
    flag: &'static str,
    risk: Risk,
    why: &'static str,
}

const FILE_READ: &str = "docker reads this file as root: a host-file read the caller chooses";
const FILE_WRITE: &str = "docker writes this file as root: a host-file write the caller chooses";
const RUN: &[&str] = container::CONTAINER_COMMANDS;

const DANGEROUS_FLAGS: &[FlagDanger] = &[
    FlagDanger {
        commands: RUN,
        flag: "privileged",
        risk: Risk::Values(&["true"]),
        why: "gives the container every capability and every host device: root on the host",
    },
    FlagDanger {
        commands: RUN,
        flag: "cap-add",
        risk: Risk::Values(&[
            "ALL",
            "SYS_ADMIN",
            "CAP_SYS_ADMIN",
            "SYS_MODULE",
            "SYS_PTRACE",
        ]),
        why: "gives the container capabilities that reach the host's kernel",
    },
    FlagDanger {
        commands: RUN,
        flag: "device",
        risk: Risk::Values(&["/dev/sda", "/dev/mem"]),
        why: "gives the container host devices (a disk is every host file)",
    },
    FlagDanger {
        commands: RUN,
        flag: "device-cgroup-rule",
        risk: Risk::Values(&["a *:* rwm", "b *:* rwm"]),
        why: "lets the container create and use host devices",
    },
    FlagDanger {
        commands: RUN,
        flag: "security-opt",
        risk: Risk::Values(&[
            "seccomp=unconfined",
            "apparmor=unconfined",
            "label=disable",
            "systempaths=unconfined",
        ]),
        why: "turns off the container's confinement",
    },
    FlagDanger {
        commands: RUN,
        flag: "pid",
        risk: Risk::Values(&["host", "container:x"]),
        why: "joins the host's (or another container's) processes: see and signal them",
    },
    FlagDanger {
        commands: RUN,
        flag: "ipc",
        risk: Risk::Values(&["host", "container:x"]),
        why: "joins the host's (or another container's) shared memory",
    },
    FlagDanger {
        commands: RUN,
        flag: "network",
        risk: Risk::Values(&["host", "container:x"]),
        why: "joins the host's (or another container's) network: services bound to localhost",
    },
    FlagDanger {
        commands: RUN,
        flag: "uts",
        risk: Risk::Values(&["host"]),
        why: "joins the host's UTS namespace (it can set the host name)",
    },
    FlagDanger {
        commands: RUN,
        flag: "userns",
        risk: Risk::Values(&["host"]),
        why: "turns off user-namespace remapping: the container's root is the host's root",
    },
    FlagDanger {
        commands: RUN,
        flag: "cgroupns",
        risk: Risk::Values(&["host"]),
        why: "joins the host's cgroup namespace",
    },
    FlagDanger {
        commands: RUN,
        flag: "volumes-from",
        risk: Risk::AnyValue,
        why: "mounts every volume of another container, whatever they hold",
    },
    // Binds checked only by flag patterns (a rule without `mounts`): a bind of `/`
    // or of the docker socket is root.
    FlagDanger {
        commands: RUN,
        flag: "volume",
        risk: Risk::Values(&["/:/host", "/var/run/docker.sock:/s", "/etc:/e"]),
        why: "binds host paths into the container (`/`, the docker socket: root)",
    },
    FlagDanger {
        commands: RUN,
        flag: "mount",
        risk: Risk::Values(&[
            "type=bind,source=/,target=/host",
            "type=bind,src=/var/run/docker.sock,dst=/s",
        ]),
        why: "binds host paths into the container (`/`, the docker socket: root)",
    },
    FlagDanger {
        commands: &[],
        flag: "env-file",
        risk: Risk::HostPath,
        why: FILE_READ,
    },
    FlagDanger {
        commands: &[],
        flag: "label-file",
        risk: Risk::HostPath,
        why: FILE_READ,
    },
    FlagDanger {
        commands: &[],
        flag: "input",
        risk: Risk::HostPath,
        why: FILE_READ,
    },
    FlagDanger {
        commands: &[],
        flag: "cidfile",
        risk: Risk::HostPath,
        why: FILE_WRITE,
    },
    FlagDanger {
        commands: &[],
        flag: "iidfile",
        risk: Risk::HostPath,
        why: FILE_WRITE,
    },
    FlagDanger {
        commands: &[],
        flag: "output",
        risk: Risk::HostPath,
        why: FILE_WRITE,
    },
    FlagDanger {
        commands: &[],
        flag: "checkpoint-dir",
        risk: Risk::HostPath,
        why: FILE_WRITE,
    },
    FlagDanger {
        commands: &["container rm"],
        flag: "volumes",
        risk: Risk::Values(&["true"]),
        why: "removes the container's anonymous volumes with it: data loss",
    },
    FlagDanger {
        commands: &["compose down", "compose rm"],
        flag: "volumes",
        risk: Risk::Values(&["true"]),
        why: "removes the project's volumes: data loss",
    },
    FlagDanger {
        commands: &["system prune"],
        flag: "volumes",
        risk: Risk::Values(&["true"]),
        why: "removes every unused volume: data loss",
    },
];

fn dangerous_flags(rule: &Rule, lints: &mut Lints) {
    for command in &rule.commands {
        let spec = command.command;
        for danger in DANGEROUS_FLAGS {
            if !danger.commands.is_empty() && !danger.commands.contains(&spec.path) {
                continue;
            }
            if danger.flag == "volume" || danger.flag == "mount" {
                // With `mounts`, binds are checked against its directories, not by
                // the flag's patterns.
                if command.container.is_some() {
                    continue;
                }
            }
            if let Some(how) = danger.risk.allowed_by(&command.flags, spec, danger.flag) {
                lints.warn(
                    About::Flag(spec, danger.flag),
                    format!(
                        "allows --{}{how} for {:?}: {}",
                        danger.flag, spec.path, danger.why
                    ),
                );
            }
        }
    }
}

// ---------------------------------------------------------------------------------
// Structured container rules (issue 3).

fn mount_options(rule: &Rule, lints: &mut Lints) {
    for command in &rule.commands {
        let Some(ContainerRule { mounts, .. }) = &command.container else {
            continue;
        };
        if mounts.volume_options {
            lints.warn(
                About::Command(command.command),
                format!(
                    "allows volume drivers and driver options for {:?}: the local driver's \
                     `o=bind,device=/` is a bind of any host path under another name",
                    command.command.path
                ),
            );
        }
    }
}

/// Image patterns that do not pin one reference: with a wildcard, the caller chooses
/// what runs among the images it can get under matching names (pulled from any
/// registry or repository the pattern admits, built or loaded where other rules let
/// it). A literal reference (a tag or a digest) is the admin's choice.
fn unpinned_images(rule: &Rule, lints: &mut Lints) {
    for command in &rule.commands {
        let Some(ContainerRule { images, .. }) = &command.container else {
            continue;
        };
        for image in images.iter().filter(|image| !is_literal(image)) {
            let what = if image.matches_everything() {
                "any image".to_string()
            } else {
                format!("images matching {:?}", image.as_str())
            };
            lints.warn(
                About::Command(command.command),
                format!(
                    "allows {what} for {:?}: not pinned to one reference, so the caller \
                     chooses what runs (any image it can pull, build or load under such a name)",
                    command.command.path
                ),
            );
        }
    }
}

// ---------------------------------------------------------------------------------
// Whether a flag rule allows a risky value.

#[derive(Clone, Copy)]
enum Risk {
    /// Any value at all.
    AnyValue,
    /// One of these values (probes: a pattern that admits one admits the risk).
    Values(&'static [&'static str]),
    /// A file path docker opens as root: risky unless every allowed value is one
    /// absolute path written out in full (no wildcard, no `..`), chosen by the admin.
    HostPath,
}

impl Risk {
    /// How the rule allows the risky use (`""` for any value, `=VALUE` or
    /// ` matching "PATTERN"` for a pattern), or None.
    fn allowed_by(self, rules: &FlagRules, command: &CommandSpec, flag: &str) -> Option<String> {
        let (_, allowed) = rules.iter().find(|(name, _)| *name == flag)?;
        let patterns = match allowed {
            ValueRule::Any => return Some(String::new()),
            ValueRule::OneOf(patterns) => patterns,
        };
        match self {
            Risk::AnyValue => (!patterns.is_empty()).then(String::new),
            Risk::Values(probes) => probes
                .iter()
                .filter(|probe| !refused_anyway(command, flag, probe))
                .find(|probe| patterns.iter().any(|p| p.matches(probe)))
                .map(|probe| {
                    if *probe == "true" {
                        String::new()
                    } else {
                        format!("={probe}")
                    }
                }),
            Risk::HostPath => patterns
                .iter()
                .find(|p| !is_fixed_absolute_path(p))
                .map(|p| format!(" matching {:?}", p.as_str())),
        }
    }
}

/// Whether the enforcing path refuses this value whatever the policy says (issue 3's
/// `never_allowed` for run/create): then allowing it is harmless.
fn refused_anyway(command: &CommandSpec, flag: &str, value: &str) -> bool {
    if !container::creates_container(command.path) {
        return false;
    }
    let Some(spec) = command.flag_by_long(flag) else {
        return false;
    };
    let use_ = FlagUse {
        spec,
        value: value.to_string(),
    };
    !container::never_allowed(std::slice::from_ref(&use_)).is_empty()
}

/// A pattern without wildcards or escapes: it matches its own text only.
fn is_literal(pattern: &Glob) -> bool {
    !pattern.as_str().contains(['*', '?', '[', '\\'])
}

fn is_fixed_absolute_path(pattern: &Glob) -> bool {
    let text = pattern.as_str();
    is_literal(pattern) && text.starts_with('/') && !text.split('/').any(|c| c == "..")
}

// ---------------------------------------------------------------------------------
// Places in the file.

type Position = (usize, usize);

/// Where each rule, command and flag is written, by rule index (as compiled: one
/// compiled rule per `[[rule]]`, in order), command path and flag name.
#[derive(Default)]
struct Places {
    rules: Vec<RulePlaces>,
}

#[derive(Default)]
struct RulePlaces {
    at: Option<Position>,
    global_flags: BTreeMap<String, Position>,
    commands: BTreeMap<&'static str, CommandPlaces>,
}

struct CommandPlaces {
    at: Position,
    flags: BTreeMap<String, Position>,
}

/// The keys the places need; everything else in the file is skipped.
#[derive(Deserialize)]
struct SpanFile {
    #[serde(default, rename = "rule")]
    rules: Vec<Spanned<SpanRule>>,
}

#[derive(Deserialize)]
struct SpanRule {
    #[serde(default)]
    global_flags: BTreeMap<Spanned<String>, IgnoredAny>,
    #[serde(default)]
    commands: BTreeMap<Spanned<String>, SpanCommand>,
}

#[derive(Deserialize)]
struct SpanCommand {
    #[serde(default)]
    flags: BTreeMap<Spanned<String>, IgnoredAny>,
}

impl Places {
    /// Places in `text`; none when it cannot be read (then warnings name the file only).
    fn read(text: &str) -> Places {
        let Ok(file) = toml::from_str::<SpanFile>(text) else {
            return Places::default();
        };
        let at = |span: std::ops::Range<usize>| line_col(text, span.start);
        let keys = |map: BTreeMap<Spanned<String>, IgnoredAny>| {
            map.into_keys()
                .map(|k| (k.get_ref().clone(), at(k.span())))
                .collect()
        };
        let rules = file
            .rules
            .into_iter()
            .map(|rule| {
                let rule_at = at(rule.span());
                let rule = rule.into_inner();
                let commands = rule
                    .commands
                    .into_iter()
                    .filter_map(|(name, command)| {
                        let spec = lookup(name.get_ref())?;
                        let places = CommandPlaces {
                            at: at(name.span()),
                            flags: keys(command.flags),
                        };
                        Some((spec.path, places))
                    })
                    .collect();
                RulePlaces {
                    at: Some(rule_at),
                    global_flags: keys(rule.global_flags),
                    commands,
                }
            })
            .collect();
        Places { rules }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::load::parse_policy;

    fn lint(body: &str) -> Vec<String> {
        let text =
            format!("docker = \"/usr/bin/docker\"\n[[rule]]\nid = \"r\"\nusers = [\"*\"]\n{body}");
        let policy = parse_policy(&text, "p.toml").unwrap_or_else(|e| panic!("{e}"));
        warnings(&policy, &text)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_read_only_policy_has_no_warnings() {
        let w = lint(
            "global_flags = { version = true }\n[rule.commands.ps]\nflags = { all = true }\n\
             [rule.commands.\"container rm\"]\nflags = { force = true, volumes = [\"false\"] }\n",
        );
        assert_eq!(w, Vec::<String>::new());
    }

    #[test]
    fn global_options_that_change_the_daemon_are_warned_with_their_place() {
        let w = lint(
            "global_flags = { host = true, version = true, tlscert = [\"/etc/docker/cert.pem\"] }\n",
        );
        assert_eq!(
            w,
            [
                "p.toml:5:18: warning: rule \"r\" allows the global option --host: docker would \
              talk to a daemon the caller names (another host, or a socket the caller serves \
              and answers as it likes)"
            ]
        );
    }

    #[test]
    fn dangerous_commands_are_warned_by_path_and_group() {
        let w = lint(
            "[rule.commands.exec]\n[rule.commands.\"context use\"]\n[rule.commands.\"context ls\"]\n\
             [rule.commands.\"compose exec\"]\n[rule.commands.\"compose ls\"]\n[rule.commands.\"volume prune\"]\n",
        );
        assert_eq!(w.len(), 4, "{w:?}");
        assert!(
            w[0].starts_with(
                "p.toml:5:16: warning: rule \"r\" allows \"container exec\": runs any program"
            ),
            "{w:?}"
        );
        assert!(w[1].contains("allows \"context use\""), "{w:?}");
        assert!(
            w[2].contains("allows \"compose exec\": runs any program"),
            "{w:?}"
        );
        assert!(w[3].contains("allows \"volume prune\": destroys"), "{w:?}");
    }

    #[test]
    fn dangerous_flags_are_warned_unless_patterns_exclude_the_risk() {
        let w = lint(
            "[rule.commands.\"container rm\"]\nflags = { volumes = true }\n\
             [rule.commands.\"system prune\"]\nflags = { volumes = [\"false\"] }\n\
             [rule.commands.\"image save\"]\nflags = { output = [\"/srv/images/*.tar\"] }\n",
        );
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with(
                "p.toml:6:11: warning: rule \"r\" allows --volumes for \"container rm\": removes"
            ),
            "{w:?}"
        );
        assert!(
            w[1].starts_with(
                "p.toml:10:11: warning: rule \"r\" allows --output matching \"/srv/images/*.tar\" for \"image save\": docker writes"
            ),
            "{w:?}"
        );
        // A fixed absolute path is the admin's choice, not the caller's.
        let w = lint(
            "[rule.commands.\"image save\"]\nflags = { output = [\"/srv/images/app.tar\"] }\n",
        );
        assert_eq!(w, Vec::<String>::new());
        let w = lint("[rule.commands.\"image save\"]\nflags = { output = [\"/srv/../etc/x\"] }\n");
        assert_eq!(w.len(), 1, "{w:?}");
    }

    #[test]
    fn run_flags_name_the_risky_value_the_patterns_admit() {
        let w = lint(
            "[rule.commands.run]\nimages = [\"docker.io/library/alpine@sha256:0000000000000000000000000000000000000000000000000000000000000000\"]\n\
             flags = { privileged = true, cap-add = [\"NET_*\", \"SYS_*\"], device = [], env-file = true }\n",
        );
        let joined = w.join("\n");
        assert_eq!(w.len(), 3, "{joined}");
        assert!(
            joined.contains("allows --privileged for \"container run\""),
            "{joined}"
        );
        assert!(
            joined.contains("allows --cap-add=SYS_ADMIN for \"container run\""),
            "{joined}"
        );
        assert!(
            joined.contains("allows --env-file for \"container run\": docker reads"),
            "{joined}"
        );
    }

    #[test]
    fn unpinned_images_are_warned() {
        let w = lint(
            "[rule.commands.run]\nimages = [\"*\", \"docker.io/library/alpine:3.20\", \"localhost/agent/*\"]\n",
        );
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(
            w[0].starts_with("p.toml:5:16: warning: rule \"r\" allows any image for \"container run\": not pinned"),
            "{w:?}"
        );
        assert!(
            w[1].contains("allows images matching \"localhost/agent/*\" for \"container run\""),
            "{w:?}"
        );
    }
}
