//! The policy file as written: TOML structures with source spans, before validation.
//!
//! Unknown keys are errors (`deny_unknown_fields`): a misspelt key must not be
//! ignored, since the author meant it to restrict something.

use serde::Deserialize;
use std::collections::BTreeMap;
use toml::Spanned;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyFile {
    /// Absolute path of the real docker binary.
    pub docker: Spanned<String>,
    /// The whole environment docker runs with; nothing comes from the caller.
    pub environment: Option<Spanned<BTreeMap<String, String>>>,
    #[serde(default)]
    pub audit: AuditFile,
    #[serde(default, rename = "rule")]
    pub rules: Vec<Spanned<RuleFile>>,
    /// Pinned compose projects by name: the only compose files docker compose reads.
    #[serde(default)]
    pub compose: BTreeMap<Spanned<String>, Spanned<ComposeProjectFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComposeProjectFile {
    /// The project directory (compose resolves relative paths and `.env` there).
    pub directory: Spanned<String>,
    /// The compose files, in order.
    pub files: Vec<Spanned<String>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuditFile {
    /// A JSON-lines file that gets one record per decision, in addition to syslog.
    pub json_log: Option<Spanned<String>>,
    /// Whether a record that cannot be written refuses the command.
    #[serde(default)]
    pub required: bool,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleFile {
    pub id: Option<String>,
    #[serde(default)]
    pub users: Vec<Spanned<String>>,
    #[serde(default)]
    pub groups: Vec<Spanned<String>>,
    /// `--help`/`-h` on any command, `docker help`, bare `docker` and bare groups.
    #[serde(default)]
    pub help: bool,
    #[serde(default)]
    pub global_flags: BTreeMap<Spanned<String>, Spanned<FlagAllowFile>>,
    #[serde(default)]
    pub commands: BTreeMap<Spanned<String>, Spanned<CommandRuleFile>>,
    /// Pinned compose projects (names of `[compose.NAME]`) this rule's callers may use.
    #[serde(default)]
    pub projects: Vec<Spanned<String>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CommandRuleFile {
    #[serde(default)]
    pub flags: BTreeMap<Spanned<String>, Spanned<FlagAllowFile>>,
    /// Patterns every positional must match; absent means any positional.
    pub positionals: Option<Vec<Spanned<String>>>,
    /// `container run`/`create`: the images that may run, as patterns on the
    /// normalised reference (`docker.io/library/alpine:latest`). Required there.
    pub images: Option<Vec<Spanned<String>>>,
    /// `container run`/`create`: what may be mounted.
    pub mounts: Option<Spanned<MountsFile>>,
    /// `image build`: where contexts may be and which tags may be written.
    pub build: Option<Spanned<BuildFile>>,
    /// Flags added to every allowed invocation: `flag = "value"` or a list of values.
    /// `{user}` and `{uid}` in a value stand for the caller's name and uid.
    #[serde(default)]
    pub force: BTreeMap<Spanned<String>, Spanned<ForceFile>>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MountsFile {
    /// Named volumes by name pattern; anonymous volumes are allowed when not empty.
    #[serde(default)]
    pub volumes: Vec<String>,
    /// Host directories below which bind sources may be (never `/`, `/etc`, ...).
    #[serde(default)]
    pub binds: Vec<Spanned<String>>,
    #[serde(default)]
    pub binds_read_only: bool,
    #[serde(default)]
    pub tmpfs: bool,
    /// Volume drivers and driver options (`volume-opt`): a bind under another name.
    #[serde(default)]
    pub volume_options: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BuildFile {
    /// Directories below which a build context may be.
    #[serde(default)]
    pub contexts: Vec<Spanned<String>>,
    /// Patterns on the normalised reference of each `-t` tag.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Allow a context on stdin (`-`).
    #[serde(default)]
    pub stdin: bool,
    /// Allow URL contexts (git, tarballs), fetched by the daemon.
    #[serde(default)]
    pub remote: bool,
}

#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "a value or a list of values")]
pub enum ForceFile {
    One(String),
    Many(Vec<String>),
}

/// `flag = true` (any value), `flag = false` (not allowed, as if absent), or
/// `flag = ["pattern", ...]` (each value must match one pattern; `[]` allows none).
///
/// (Plain strings inside: serde's untagged enums cannot carry spans, so errors about
/// a pattern point at the start of its list.)
#[derive(Debug, Deserialize)]
#[serde(untagged, expecting = "true, false, or a list of value patterns")]
pub enum FlagAllowFile {
    Any(bool),
    Values(Vec<String>),
}
