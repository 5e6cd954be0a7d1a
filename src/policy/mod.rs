//! The policy: its TOML schema, loading and validation, and the pure decision.
//!
//! `schema` is the file as written; `load` checks it and builds the types below, in
//! which every command and flag is already resolved against the docker model, so the
//! decision never meets a name it does not know.

pub mod build;
pub mod cases;
pub mod compose;
pub mod compose_lint;
pub mod container;
pub mod decide;
pub mod glob;
pub mod host;
pub mod lint;
pub mod load;
pub mod paths;
pub mod schema;
pub mod show;

use crate::docker::model::{CommandSpec, FlagSpec};
use glob::Glob;
use std::path::PathBuf;

/// The policy path used by the enforcing path. Fixed when the binary is built
/// (`DOCKER_GUARD_POLICY_PATH` at compile time); never taken from argv or the
/// environment at run time.
pub const POLICY_PATH: &str = match option_env!("DOCKER_GUARD_POLICY_PATH") {
    Some(path) => path,
    None => "/etc/docker-guard/policy.toml",
};

/// The environment docker gets when the policy does not say.
pub const DEFAULT_ENVIRONMENT: &[(&str, &str)] = &[
    (
        "PATH",
        "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
    ),
    ("HOME", "/root"),
    ("DOCKER_CONFIG", "/etc/docker-guard/docker-config"),
];

#[derive(Debug, Clone)]
pub struct Policy {
    /// Where the policy was read from, for messages.
    pub source: String,
    pub docker: PathBuf,
    pub environment: Vec<(String, String)>,
    pub audit: AuditSettings,
    pub rules: Vec<Rule>,
}

#[derive(Debug, Clone, Default)]
pub struct AuditSettings {
    pub json_log: Option<PathBuf>,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct Rule {
    pub id: String,
    /// User names; `*` is any caller.
    pub users: Vec<String>,
    pub groups: Vec<String>,
    pub help: bool,
    pub global_flags: FlagRules,
    pub commands: Vec<CommandRule>,
    /// The pinned compose projects this rule allows.
    pub projects: Vec<ComposeProject>,
}

/// A compose project the admin pinned: `docker compose -p NAME` reads these files
/// from this directory, and nothing the caller names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ComposeProject {
    pub name: String,
    pub directory: PathBuf,
    pub files: Vec<PathBuf>,
}

#[derive(Debug, Clone)]
pub struct CommandRule {
    pub command: &'static CommandSpec,
    pub flags: FlagRules,
    /// `None`: any positional; `Some(patterns)`: each positional matches one.
    pub positionals: Option<Vec<Glob>>,
    /// Images and mounts, for the commands that create containers.
    pub container: Option<container::ContainerRule>,
    /// Contexts and tags, for `image build`.
    pub build: Option<build::BuildRule>,
    /// Flags added to every allowed invocation, values with `{user}`/`{uid}` unexpanded.
    pub forced: Vec<(&'static FlagSpec, String)>,
}

/// Allowed flags by long name. A flag that is not listed is not allowed.
pub type FlagRules = Vec<(&'static str, ValueRule)>;

#[derive(Debug, Clone)]
pub enum ValueRule {
    Any,
    OneOf(Vec<Glob>),
}

impl Rule {
    pub fn command(&self, command: &CommandSpec) -> Option<&CommandRule> {
        self.commands
            .iter()
            .find(|c| c.command.path == command.path)
    }
}

pub fn flag_rule<'a>(rules: &'a FlagRules, long: &str) -> Option<&'a ValueRule> {
    rules.iter().find(|(name, _)| *name == long).map(|(_, r)| r)
}
