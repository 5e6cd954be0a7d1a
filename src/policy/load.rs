//! Reading and validating a policy file into a [`Policy`].
//!
//! Every problem is reported as `file:line:col: message`, all of them at once, so an
//! admin fixes a file in one pass. Nothing partial is ever returned: a policy with one
//! error is no policy at all (fail closed).

use super::build::{self, BuildRule};
use super::container::{self, ContainerRule, MountRules};
use super::glob::Glob;
use super::paths;
use super::schema::{
    BuildFile, CommandRuleFile, ComposeProjectFile, FlagAllowFile, ForceFile, MountsFile,
    PolicyFile, RuleFile,
};
use super::{
    AuditSettings, CommandRule, ComposeProject, DEFAULT_ENVIRONMENT, FlagRules, Policy, Rule,
    ValueRule,
};
use crate::docker::model::{CommandSpec, FlagSpec};
use crate::docker::parse::{ROOT, lookup};
use crate::error::{Error, Located};
use std::collections::BTreeMap;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};
use toml::Spanned;

/// Reads the policy the enforcing path uses, after checking that only root can have
/// written it (file and every parent directory).
pub fn load_installed() -> Result<Policy, Error> {
    let path = Path::new(super::POLICY_PATH);
    let mut file = crate::trust::open_trusted_file(path)?;
    let mut text = String::new();
    file.read_to_string(&mut text)
        .map_err(|e| Error::Config(format!("{}: cannot read: {e}", path.display())))?;
    parse_policy(&text, &path.display().to_string())
}

/// Reads a policy from any path, without ownership checks: for admins and CI
/// validating a file before it is installed. Never used to enforce.
pub fn load_unchecked(path: &Path) -> Result<Policy, Error> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Policy(vec![Located {
            file: path.display().to_string(),
            position: None,
            message: format!("cannot read: {e}"),
        }])
    })?;
    parse_policy(&text, &path.display().to_string())
}

pub fn parse_policy(text: &str, source: &str) -> Result<Policy, Error> {
    let mut v = Validator {
        text,
        source,
        errors: Vec::new(),
    };
    let file: PolicyFile = match toml::from_str(text) {
        Ok(file) => file,
        Err(e) => {
            let message = e.message().to_string();
            v.error(e.span(), message);
            return Err(Error::Policy(v.errors));
        }
    };
    let policy = v.policy(file);
    // Report in file order, whatever order the checks ran in.
    v.errors.sort_by_key(|e| e.position);
    if v.errors.is_empty() {
        Ok(policy)
    } else {
        Err(Error::Policy(v.errors))
    }
}

struct Validator<'a> {
    text: &'a str,
    source: &'a str,
    errors: Vec<Located>,
}

impl Validator<'_> {
    fn error(&mut self, span: Option<Range<usize>>, message: impl Into<String>) {
        let position = span.map(|s| line_col(self.text, s.start));
        self.errors.push(Located {
            file: self.source.to_string(),
            position,
            message: message.into(),
        });
    }

    fn policy(&mut self, file: PolicyFile) -> Policy {
        let docker = PathBuf::from(file.docker.get_ref());
        if !docker.is_absolute() {
            self.error(
                Some(file.docker.span()),
                format!(
                    "docker = {:?}: the docker binary must be an absolute path",
                    file.docker.get_ref()
                ),
            );
        }
        let environment = match file.environment {
            None => DEFAULT_ENVIRONMENT
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            Some(env) => self.environment(env),
        };
        let json_log = file.audit.json_log.map(|p| {
            if !Path::new(p.get_ref()).is_absolute() {
                self.error(Some(p.span()), "audit.json_log must be an absolute path");
            }
            PathBuf::from(p.into_inner())
        });
        let projects = self.compose_projects(file.compose);
        let rules: Vec<Rule> = file
            .rules
            .into_iter()
            .enumerate()
            .map(|(i, rule)| self.rule(i, rule, &projects))
            .collect();
        // Audit records name the rule that allowed a command: one name, one rule.
        for (i, rule) in rules.iter().enumerate() {
            if rules[..i].iter().any(|earlier| earlier.id == rule.id) {
                self.error(
                    None,
                    format!(
                        "two rules have the id {:?}; give each rule its own",
                        rule.id
                    ),
                );
            }
        }
        Policy {
            source: self.source.to_string(),
            docker,
            environment,
            audit: AuditSettings {
                json_log,
                required: file.audit.required,
            },
            rules,
        }
    }

    fn environment(&mut self, env: Spanned<BTreeMap<String, String>>) -> Vec<(String, String)> {
        let span = env.span();
        let mut out = Vec::new();
        for (name, value) in env.into_inner() {
            let valid_name = !name.is_empty()
                && !name.starts_with(|c: char| c.is_ascii_digit())
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !valid_name {
                self.error(
                    Some(span.clone()),
                    format!("environment: {name:?} is not a valid variable name"),
                );
            }
            if value.contains('\0') {
                self.error(
                    Some(span.clone()),
                    format!("environment: the value of {name} contains a NUL byte"),
                );
            }
            out.push((name, value));
        }
        out
    }

    fn compose_projects(
        &mut self,
        projects: BTreeMap<Spanned<String>, Spanned<ComposeProjectFile>>,
    ) -> Vec<ComposeProject> {
        let mut out = Vec::new();
        for (name, project) in projects {
            let span = project.span();
            let project = project.into_inner();
            let valid_name = !name.get_ref().is_empty()
                && name
                    .get_ref()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_');
            if !valid_name {
                self.error(
                    Some(name.span()),
                    format!(
                        "compose project name {:?}: use lowercase letters, digits, '-' and '_' (compose's own rule)",
                        name.get_ref()
                    ),
                );
            }
            if project.files.is_empty() {
                self.error(
                    Some(span),
                    format!("compose project {:?} names no files", name.get_ref()),
                );
            }
            let mut absolute = |path: &Spanned<String>, what: &str| {
                if !Path::new(path.get_ref()).is_absolute() {
                    self.error(
                        Some(path.span()),
                        format!(
                            "compose project {:?}: the {what} must be an absolute path",
                            name.get_ref()
                        ),
                    );
                }
                PathBuf::from(paths::clean(path.get_ref()))
            };
            let directory = absolute(&project.directory, "directory");
            let files = project.files.iter().map(|f| absolute(f, "file")).collect();
            out.push(ComposeProject {
                name: name.into_inner(),
                directory,
                files,
            });
        }
        out
    }

    fn rule(&mut self, index: usize, rule: Spanned<RuleFile>, projects: &[ComposeProject]) -> Rule {
        let span = rule.span();
        let rule = rule.into_inner();
        let id = rule.id.unwrap_or_else(|| format!("rule {}", index + 1));
        if rule.users.is_empty() && rule.groups.is_empty() {
            self.error(
                Some(span),
                format!("rule {id:?} names no users or groups, so it can never apply"),
            );
        }
        for name in rule.users.iter().chain(&rule.groups) {
            if name.get_ref().is_empty() || name.get_ref().contains(char::is_whitespace) {
                self.error(
                    Some(name.span()),
                    format!("{:?} is not a user or group name", name.get_ref()),
                );
            }
        }
        let global_flags = self.flag_rules(&ROOT, rule.global_flags);
        let mut commands: Vec<(String, CommandRule)> = Vec::new();
        for (name, command_rule) in rule.commands {
            let Some(spec) = lookup(name.get_ref()) else {
                self.error(
                    Some(name.span()),
                    format!(
                        "unknown docker command {:?} (docker {})",
                        name.get_ref(),
                        crate::docker::spec::DOCKER_VERSION
                    ),
                );
                continue;
            };
            if spec.group {
                self.error(
                    Some(name.span()),
                    format!(
                        "{:?} is a command group; name its sub-commands instead",
                        name.get_ref()
                    ),
                );
                continue;
            }
            if let Some((earlier, _)) = commands.iter().find(|(_, c)| c.command.path == spec.path) {
                self.error(
                    Some(name.span()),
                    format!(
                        "rule {id:?} names {:?} twice: {earlier:?} and {:?} are the same command",
                        spec.path,
                        name.get_ref()
                    ),
                );
                continue;
            }
            let span = command_rule.span();
            let compiled = self.command_rule(spec, command_rule.into_inner(), span);
            commands.push((name.into_inner(), compiled));
        }
        let mut allowed_projects = Vec::new();
        for name in &rule.projects {
            match projects.iter().find(|p| p.name == *name.get_ref()) {
                Some(project) => allowed_projects.push(project.clone()),
                None => self.error(
                    Some(name.span()),
                    format!("rule {id:?} names compose project {:?}, which no [compose.NAME] table pins", name.get_ref()),
                ),
            }
        }
        Rule {
            projects: allowed_projects,
            id,
            users: rule.users.into_iter().map(Spanned::into_inner).collect(),
            groups: rule.groups.into_iter().map(Spanned::into_inner).collect(),
            help: rule.help,
            global_flags,
            commands: commands.into_iter().map(|(_, c)| c).collect(),
        }
    }

    fn command_rule(
        &mut self,
        spec: &'static CommandSpec,
        rule: CommandRuleFile,
        span: Range<usize>,
    ) -> CommandRule {
        let flags = self.flag_rules(spec, rule.flags);
        let creates = container::creates_container(spec.path);
        if creates && rule.positionals.is_some() {
            self.error(
                Some(span.clone()),
                format!(
                    "\"{}\": use images = [...] to limit what runs, not positionals",
                    spec.path
                ),
            );
        }
        let positionals = rule.positionals.map(|patterns| {
            patterns
                .iter()
                .filter_map(|p| self.glob(p.get_ref(), &p.span()))
                .collect()
        });
        let build_rule = if spec.path == build::BUILD_COMMAND {
            Some(self.build_rule(rule.build))
        } else {
            if rule.build.is_some() {
                self.error(
                    Some(span.clone()),
                    format!("build applies only to image build, not \"{}\"", spec.path),
                );
            }
            None
        };
        let container = if creates {
            Some(self.container_rule(spec, rule.images, rule.mounts, &span))
        } else {
            for (key, present) in [
                ("images", rule.images.is_some()),
                ("mounts", rule.mounts.is_some()),
            ] {
                if present {
                    self.error(
                        Some(span.clone()),
                        format!(
                            "{key} applies only to container run and container create, not \"{}\"",
                            spec.path
                        ),
                    );
                }
            }
            None
        };
        let forced = self.forced(spec, rule.force);
        CommandRule {
            command: spec,
            flags,
            positionals,
            container,
            build: build_rule,
            forced,
        }
    }

    fn build_rule(&mut self, file: Option<Spanned<BuildFile>>) -> BuildRule {
        let Some(file) = file else {
            return BuildRule::default();
        };
        let span = file.span();
        let file = file.into_inner();
        let contexts = self.host_directories(&file.contexts, "build context directory");
        let tags = file
            .tags
            .iter()
            .filter_map(|p| self.glob(p, &span))
            .collect();
        BuildRule {
            contexts,
            tags,
            stdin: file.stdin,
            remote: file.remote,
        }
    }

    /// Absolute host directories a policy opens to callers; never a sensitive one.
    fn host_directories(&mut self, dirs: &[Spanned<String>], what: &str) -> Vec<PathBuf> {
        let mut out = Vec::new();
        for dir in dirs {
            if !Path::new(dir.get_ref()).is_absolute() {
                self.error(
                    Some(dir.span()),
                    format!("{what} {:?} must be an absolute path", dir.get_ref()),
                );
                continue;
            }
            let normal = paths::absolutize(Path::new("/"), dir.get_ref());
            if let Some(why) = paths::sensitive_reason(&normal) {
                self.error(
                    Some(dir.span()),
                    format!("{what} {:?} can never be allowed: {why}", dir.get_ref()),
                );
                continue;
            }
            out.push(normal);
        }
        out
    }

    fn container_rule(
        &mut self,
        spec: &'static CommandSpec,
        images: Option<Vec<Spanned<String>>>,
        mounts: Option<Spanned<MountsFile>>,
        span: &Range<usize>,
    ) -> ContainerRule {
        let images = match images {
            Some(patterns) => patterns
                .iter()
                .filter_map(|p| self.glob(p.get_ref(), &p.span()))
                .collect(),
            None => {
                self.error(
                    Some(span.clone()),
                    format!(
                        "\"{}\" needs images = [...]: the images that may run (\"*\" for any)",
                        spec.path
                    ),
                );
                Vec::new()
            }
        };
        let mut rules = MountRules::default();
        if let Some(mounts) = mounts {
            let mounts_span = mounts.span();
            let mounts = mounts.into_inner();
            rules.volumes = mounts
                .volumes
                .iter()
                .filter_map(|p| self.glob(p, &mounts_span))
                .collect();
            rules.binds = self.host_directories(&mounts.binds, "bind directory");
            rules.binds_read_only = mounts.binds_read_only;
            rules.tmpfs = mounts.tmpfs;
            rules.volume_options = mounts.volume_options;
        }
        ContainerRule {
            images,
            mounts: rules,
        }
    }

    fn forced(
        &mut self,
        command: &'static CommandSpec,
        force: BTreeMap<Spanned<String>, Spanned<ForceFile>>,
    ) -> Vec<(&'static FlagSpec, String)> {
        let mut out = Vec::new();
        for (name, values) in force {
            let Some(spec) = command.flag_by_long(name.get_ref()) else {
                self.error(
                    Some(name.span()),
                    format!(
                        "force: unknown flag {:?} for {:?}",
                        name.get_ref(),
                        command.path
                    ),
                );
                continue;
            };
            let span = values.span();
            let values = match values.into_inner() {
                ForceFile::One(v) => vec![v],
                ForceFile::Many(list) => list,
            };
            if values.len() > 1 && !spec.is_repeatable() {
                self.error(
                    Some(span.clone()),
                    format!(
                        "force: --{} takes one value; it cannot be forced to several",
                        spec.long
                    ),
                );
            }
            for value in values {
                self.check_bool_pattern(spec, &value, &span);
                if value.contains('\0') {
                    self.error(Some(span.clone()), "force: a value contains a NUL byte");
                }
                out.push((spec, value));
            }
        }
        out
    }

    fn flag_rules(
        &mut self,
        command: &'static CommandSpec,
        flags: BTreeMap<Spanned<String>, Spanned<FlagAllowFile>>,
    ) -> FlagRules {
        let mut out = FlagRules::new();
        for (name, allow) in flags {
            let Some(spec) = command.flag_by_long(name.get_ref()) else {
                let hint = if name.get_ref().starts_with('-') {
                    " (write the long name without dashes)"
                } else {
                    ""
                };
                self.error(
                    Some(name.span()),
                    format!(
                        "unknown flag {:?} for {:?}{hint}",
                        name.get_ref(),
                        crate::docker::parse::display_name(command)
                    ),
                );
                continue;
            };
            let allow_span = allow.span();
            match allow.into_inner() {
                FlagAllowFile::Any(false) => {}
                FlagAllowFile::Any(true) => out.push((spec.long, ValueRule::Any)),
                FlagAllowFile::Values(patterns) => {
                    let globs = patterns
                        .iter()
                        .filter_map(|p| {
                            self.check_bool_pattern(spec, p, &allow_span);
                            self.glob(p, &allow_span)
                        })
                        .collect();
                    out.push((spec.long, ValueRule::OneOf(globs)));
                }
            }
        }
        out
    }

    fn check_bool_pattern(&mut self, spec: &FlagSpec, pattern: &str, span: &Range<usize>) {
        if spec.is_bool() && !matches!(pattern, "true" | "false") {
            self.error(
                Some(span.clone()),
                format!(
                    "--{} is a boolean flag: its values are \"true\" and \"false\", not {pattern:?}",
                    spec.long,
                ),
            );
        }
    }

    fn glob(&mut self, pattern: &str, span: &Range<usize>) -> Option<Glob> {
        match Glob::new(pattern) {
            Ok(glob) => Some(glob),
            Err(message) => {
                self.error(Some(span.clone()), message);
                None
            }
        }
    }
}

/// 1-based line and column (in characters) of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let col = before[line_start..].chars().count() + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match parse_policy(text, "p.toml") {
            Ok(_) => Vec::new(),
            Err(Error::Policy(list)) => list.iter().map(ToString::to_string).collect(),
            Err(other) => panic!("unexpected error kind: {other}"),
        }
    }

    const HEAD: &str = "docker = \"/usr/bin/docker\"\n";

    #[test]
    fn a_minimal_policy_loads() {
        let text = format!(
            "{HEAD}[[rule]]\nusers = [\"*\"]\n[rule.commands.ps]\nflags = {{ all = true, filter = [\"status=*\"] }}\n"
        );
        let policy = parse_policy(&text, "p.toml").unwrap();
        assert_eq!(policy.rules[0].commands[0].command.path, "container ls");
        assert_eq!(policy.environment.len(), DEFAULT_ENVIRONMENT.len());
    }

    #[test]
    fn syntax_errors_have_line_and_column() {
        let e = errors("docker = \"/usr/bin/docker\"\n[[rule]\n");
        assert!(e[0].starts_with("p.toml:2:"), "{e:?}");
    }

    #[test]
    fn unknown_keys_commands_and_flags_are_errors_with_positions() {
        let e = errors(&format!("{HEAD}dockr = 1\n"));
        assert!(
            e[0].starts_with("p.toml:2:1: unknown field `dockr`"),
            "{e:?}"
        );
        let e = errors(&format!(
            "{HEAD}[[rule]]\nusers = [\"a\"]\n[rule.commands.frob]\n"
        ));
        assert_eq!(
            e,
            ["p.toml:4:16: unknown docker command \"frob\" (docker 28.2.2)"]
        );
        let e = errors(&format!(
            "{HEAD}[[rule]]\nusers = [\"a\"]\n[rule.commands.ps]\nflags = {{ privileged = true }}\n"
        ));
        assert_eq!(
            e,
            ["p.toml:5:11: unknown flag \"privileged\" for \"container ls\""]
        );
    }

    #[test]
    fn an_alias_named_twice_is_an_error() {
        let e = errors(&format!(
            "{HEAD}[[rule]]\nusers = [\"a\"]\n[rule.commands.ps]\n[rule.commands.\"container ls\"]\n"
        ));
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(e[0].contains("names \"container ls\" twice"), "{e:?}");
    }

    #[test]
    fn bad_values_are_errors() {
        let e = errors("docker = \"docker\"\n");
        assert!(e[0].contains("absolute path"), "{e:?}");
        let e = errors(&format!(
            "{HEAD}[[rule]]\nusers = [\"a\"]\n[rule.commands.logs]\nflags = {{ tail = [\"[0-9\"] }}\n"
        ));
        assert!(
            e[0].starts_with("p.toml:5:18:") && e[0].contains("unclosed"),
            "{e:?}"
        );
        let e = errors(&format!(
            "{HEAD}[[rule]]\nusers = [\"a\"]\n[rule.commands.ps]\nflags = {{ all = [\"yes\"] }}\n"
        ));
        assert!(e[0].contains("boolean flag"), "{e:?}");
        let e = errors(&format!("{HEAD}[[rule]]\n[rule.commands.ps]\n"));
        assert!(e[0].contains("names no users or groups"), "{e:?}");
        let e = errors(&format!(
            "{HEAD}[[rule]]\nusers = [\"a\"]\n[rule.commands.container]\n"
        ));
        assert!(e[0].contains("command group"), "{e:?}");
    }

    #[test]
    fn rule_ids_are_unique() {
        let e = errors(&format!(
            "{HEAD}[[rule]]\nid = \"a\"\nusers = [\"x\"]\n[[rule]]\nid = \"a\"\nusers = [\"y\"]\n"
        ));
        assert_eq!(
            e,
            ["p.toml: two rules have the id \"a\"; give each rule its own"]
        );
    }

    #[test]
    fn line_col_counts_characters() {
        assert_eq!(line_col("ab\ncé d", 7), (2, 4));
        assert_eq!(line_col("x", 0), (1, 1));
    }
}
