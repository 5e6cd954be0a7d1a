//! Reads a docker argv the way the docker CLI (cobra + spf13/pflag) reads it.
//!
//! The grammar, per pflag: `--name=value`, `--name value` (the next argument is the
//! value whatever it looks like), `--bool` and `--bool=false`, `-n value`, `-nvalue`,
//! `-n=value`, clusters of shorthands where every flag but the last must be boolean
//! (`-itv/x:/y`), `--` ends the flags, and a lone `-` is a positional. Flags may follow
//! positionals unless the command is not "interspersed" (`run`, `exec`, ...), where the
//! first positional ends the flags and everything after it belongs to the container.
//! Global options come before the command name only, as with docker's
//! `TraverseChildren`.
//!
//! Where docker would be lenient in a way we cannot model exactly, this parser refuses:
//! a refusal only costs the caller a retry in another spelling, while an argument read
//! differently from docker would be a bypass.

use super::model::{CommandSpec, FlagSpec};
use super::spec::{COMMANDS, GLOBAL_FLAGS};
use std::ffi::OsString;

/// The docker root command, holding the global options.
pub static ROOT: CommandSpec = CommandSpec {
    path: "",
    aliases: &[],
    flags: GLOBAL_FLAGS,
    interspersed: false,
    group: true,
    hidden: false,
};

/// One flag as given, with its value normalised (`true`/`false` for booleans).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FlagUse {
    pub spec: &'static FlagSpec,
    pub value: String,
}

/// One command word level: the command reached and the flags given at that level.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub command: &'static CommandSpec,
    pub flags: Vec<FlagUse>,
}

/// A parsed docker command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    /// `levels[0]` is the root (global options); the last level is the command that
    /// runs. A group in between (e.g. `compose`) may carry flags of its own.
    pub levels: Vec<Level>,
    pub positionals: Vec<String>,
}

impl Invocation {
    pub fn command(&self) -> &'static CommandSpec {
        self.levels.last().map(|l| l.command).unwrap_or(&ROOT)
    }

    pub fn global_flags(&self) -> &[FlagUse] {
        &self.levels[0].flags
    }

    /// The command's own flags (the last level), or the global options for bare `docker`.
    pub fn command_flags(&self) -> &[FlagUse] {
        &self.levels[self.levels.len() - 1].flags
    }

    /// Name shown to people: the canonical path, or `docker` for the root.
    pub fn command_name(&self) -> &'static str {
        display_name(self.command())
    }
}

pub fn display_name(command: &CommandSpec) -> &'static str {
    if command.path.is_empty() {
        "docker"
    } else {
        command.path
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("argument {index} is not valid UTF-8")]
    NotUtf8 { index: usize },
    #[error("argument {index} contains a NUL byte")]
    Nul { index: usize },
    #[error("unknown command \"{0}\" (not a docker {version} command)", version = super::spec::DOCKER_VERSION)]
    UnknownCommand(String),
    #[error("unknown flag {flag} for \"{command}\"")]
    UnknownFlag { command: &'static str, flag: String },
    #[error("flag {flag} of \"{command}\" needs a value")]
    MissingValue { command: &'static str, flag: String },
    #[error("flag {flag} of \"{command}\" takes true or false, not {value:?}")]
    BadBool {
        command: &'static str,
        flag: String,
        value: String,
    },
    #[error("bad flag syntax {0:?}")]
    BadSyntax(String),
    #[error(
        "flags after \"{group}\" are not accepted when it names \"{command}\"; give them after the command"
    )]
    FlagOffPath {
        group: &'static str,
        command: &'static str,
    },
    #[error("\"--\" before the command name is not accepted")]
    TerminatorBeforeCommand,
}

/// Checks what the kernel hands us before anything reads it: docker would treat
/// non-UTF-8 bytes in ways we cannot model, so they are refused.
pub fn to_strings(args: &[OsString]) -> Result<Vec<String>, ParseError> {
    args.iter()
        .enumerate()
        .map(|(i, a)| {
            let index = i + 1;
            let s = a.to_str().ok_or(ParseError::NotUtf8 { index })?;
            if s.contains('\0') {
                return Err(ParseError::Nul { index });
            }
            Ok(s.to_string())
        })
        .collect()
}

/// Finds the command a full path names (canonical path or alias).
pub fn lookup(path: &str) -> Option<&'static CommandSpec> {
    COMMANDS
        .iter()
        .find(|c| c.path == path || c.aliases.contains(&path))
}

/// Parses docker's arguments (without the program name).
pub fn parse(args: &[String]) -> Result<Invocation, ParseError> {
    let mut rest: &[String] = args;
    let mut levels = Vec::new();
    let mut command: &'static CommandSpec = &ROOT;
    // The words typed so far, joined: aliases are full paths ("container list").
    let mut typed_path = String::new();
    loop {
        let mut flags = Vec::new();
        let (next, remaining) = if command.group {
            parse_group_flags(command, rest, &mut flags)?
        } else {
            let positionals = parse_leaf(command, rest, &mut flags)?;
            levels.push(Level { command, flags });
            return finish(levels, positionals);
        };
        levels.push(Level { command, flags });
        let Some(word) = next else {
            // A group (or bare `docker`) with no sub-command: docker shows help.
            return finish(levels, Vec::new());
        };
        if !typed_path.is_empty() {
            typed_path.push(' ');
        }
        typed_path.push_str(word);
        command =
            lookup(&typed_path).ok_or_else(|| ParseError::UnknownCommand(typed_path.clone()))?;
        rest = remaining;
    }
}

/// The canonical argv prints each group's flags after the group's words of the final
/// command's path; a group reached only through an alias of another path (`builder
/// build` is `image build`) has no such place, so flags there are refused.
fn finish(levels: Vec<Level>, positionals: Vec<String>) -> Result<Invocation, ParseError> {
    let last = levels[levels.len() - 1].command;
    for level in &levels[1..] {
        let on_path = last.path == level.command.path
            || last.path.starts_with(&format!("{} ", level.command.path));
        if !level.flags.is_empty() && !on_path {
            return Err(ParseError::FlagOffPath {
                group: level.command.path,
                command: last.path,
            });
        }
    }
    Ok(Invocation {
        levels,
        positionals,
    })
}

/// Parses the flags of a group level until the first word, which names a sub-command.
fn parse_group_flags<'a>(
    command: &'static CommandSpec,
    mut rest: &'a [String],
    flags: &mut Vec<FlagUse>,
) -> Result<(Option<&'a str>, &'a [String]), ParseError> {
    while let Some((arg, after)) = rest.split_first() {
        if arg == "--" {
            // cobra's traversal would take the word after `--` as a flag value here.
            return Err(ParseError::TerminatorBeforeCommand);
        }
        if is_flag(arg) {
            rest = parse_flag(command, arg, after, flags)?;
        } else {
            return Ok((Some(arg.as_str()), after));
        }
    }
    Ok((None, rest))
}

/// Parses a leaf command's flags and positionals.
fn parse_leaf(
    command: &'static CommandSpec,
    mut rest: &[String],
    flags: &mut Vec<FlagUse>,
) -> Result<Vec<String>, ParseError> {
    let mut positionals = Vec::new();
    while let Some((arg, after)) = rest.split_first() {
        if arg == "--" {
            positionals.extend(after.iter().cloned());
            break;
        }
        if is_flag(arg) {
            rest = parse_flag(command, arg, after, flags)?;
            continue;
        }
        if !command.interspersed {
            positionals.extend(rest.iter().cloned());
            break;
        }
        positionals.push(arg.clone());
        rest = after;
    }
    Ok(positionals)
}

/// pflag: an argument is a flag when it starts with `-` and is not `-` alone.
fn is_flag(arg: &str) -> bool {
    arg.len() > 1 && arg.starts_with('-')
}

/// Parses one flag argument (long or a shorthand cluster) and returns what is left.
fn parse_flag<'a>(
    command: &'static CommandSpec,
    arg: &str,
    mut rest: &'a [String],
    flags: &mut Vec<FlagUse>,
) -> Result<&'a [String], ParseError> {
    let name = display_name(command);
    if let Some(long) = arg.strip_prefix("--") {
        if long.is_empty() || long.starts_with('-') || long.starts_with('=') {
            return Err(ParseError::BadSyntax(arg.to_string()));
        }
        let (flag_name, attached) = match long.split_once('=') {
            Some((n, v)) => (n, Some(v)),
            None => (long, None),
        };
        let spec = command
            .flag_by_long(flag_name)
            .ok_or_else(|| ParseError::UnknownFlag {
                command: name,
                flag: format!("--{flag_name}"),
            })?;
        let value = match (attached, spec.no_opt_default) {
            (Some(v), _) => v.to_string(),
            (None, Some(default)) => default.to_string(),
            (None, None) => {
                let (v, after) = rest.split_first().ok_or_else(|| ParseError::MissingValue {
                    command: name,
                    flag: format!("--{flag_name}"),
                })?;
                rest = after;
                v.clone()
            }
        };
        flags.push(flag_use(name, spec, &format!("--{flag_name}"), value)?);
        return Ok(rest);
    }

    // A cluster of shorthands: `-abc`, `-fvalue`, `-f=value`, `-f value`.
    let mut shorthands = &arg[1..];
    while let Some(c) = shorthands.chars().next() {
        let after_c = &shorthands[c.len_utf8()..];
        let spec = command
            .flag_by_short(c)
            .ok_or_else(|| ParseError::UnknownFlag {
                command: name,
                flag: format!("-{c}"),
            })?;
        let value = if let Some(v) = after_c
            .strip_prefix('=')
            .filter(|_| !after_c[1..].is_empty())
        {
            // pflag reads `-f=value` only when something follows the `=`.
            shorthands = "";
            v.to_string()
        } else if let Some(default) = spec.no_opt_default {
            shorthands = after_c;
            default.to_string()
        } else if !after_c.is_empty() {
            shorthands = "";
            after_c.to_string()
        } else {
            let (v, after) = rest.split_first().ok_or_else(|| ParseError::MissingValue {
                command: name,
                flag: format!("-{c}"),
            })?;
            rest = after;
            shorthands = "";
            v.clone()
        };
        flags.push(flag_use(name, spec, &format!("-{c}"), value)?);
    }
    Ok(rest)
}

fn flag_use(
    command: &'static str,
    spec: &'static FlagSpec,
    spelling: &str,
    value: String,
) -> Result<FlagUse, ParseError> {
    let value = if spec.is_bool() {
        parse_go_bool(&value)
            .ok_or_else(|| ParseError::BadBool {
                command,
                flag: spelling.to_string(),
                value: value.clone(),
            })?
            .to_string()
    } else {
        value
    };
    Ok(FlagUse { spec, value })
}

/// Go's `strconv.ParseBool`, which pflag uses for boolean flags.
pub fn parse_go_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Some(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(args: &[&str]) -> Result<Invocation, ParseError> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        parse(&args)
    }

    fn flags(inv: &Invocation) -> Vec<(String, String)> {
        inv.command_flags()
            .iter()
            .map(|f| (f.spec.long.to_string(), f.value.clone()))
            .collect()
    }

    #[test]
    fn aliases_reach_one_command() {
        for spelling in [
            &["ps"][..],
            &["container", "ls"],
            &["container", "list"],
            &["container", "ps"],
        ] {
            assert_eq!(p(spelling).unwrap().command_name(), "container ls");
        }
    }

    #[test]
    fn every_value_spelling_is_one_flag() {
        let expected = vec![("volume".to_string(), "/:/h".to_string())];
        for spelling in [
            &["run", "-v", "/:/h", "img"][..],
            &["run", "-v/:/h", "img"],
            &["run", "-v=/:/h", "img"],
            &["run", "--volume", "/:/h", "img"],
            &["run", "--volume=/:/h", "img"],
        ] {
            let inv = p(spelling).unwrap();
            assert_eq!(flags(&inv), expected, "{spelling:?}");
            assert_eq!(inv.positionals, ["img"]);
        }
    }

    #[test]
    fn bool_cluster_ends_in_value_flag() {
        let inv = p(&["run", "-itv/x:/y", "img"]).unwrap();
        assert_eq!(
            flags(&inv),
            [
                ("interactive".into(), "true".into()),
                ("tty".into(), "true".into()),
                ("volume".into(), "/x:/y".into())
            ]
        );
    }

    #[test]
    fn bool_values_follow_go() {
        let inv = p(&["run", "--privileged=1", "--rm=False", "img"]).unwrap();
        assert_eq!(
            flags(&inv),
            [
                ("privileged".into(), "true".into()),
                ("rm".into(), "false".into())
            ]
        );
        assert!(matches!(
            p(&["run", "--privileged=yes", "img"]),
            Err(ParseError::BadBool { .. })
        ));
        // A boolean never takes the next argument as its value.
        let inv = p(&["run", "--privileged", "false"]).unwrap();
        assert_eq!(inv.positionals, ["false"]);
    }

    #[test]
    fn value_flag_takes_next_argument_even_if_it_looks_like_a_flag() {
        let inv = p(&["run", "--name", "--privileged", "img"]).unwrap();
        assert_eq!(flags(&inv), [("name".into(), "--privileged".into())]);
    }

    #[test]
    fn run_stops_at_the_image() {
        let inv = p(&["run", "img", "--privileged", "-v", "/:/h"]).unwrap();
        assert!(flags(&inv).is_empty());
        assert_eq!(inv.positionals, ["img", "--privileged", "-v", "/:/h"]);
    }

    #[test]
    fn interspersed_commands_take_flags_after_positionals() {
        let inv = p(&["logs", "web", "--tail", "5", "--", "-x"]).unwrap();
        assert_eq!(flags(&inv), [("tail".into(), "5".into())]);
        assert_eq!(inv.positionals, ["web", "-x"]);
    }

    #[test]
    fn global_options_only_before_the_command() {
        let inv = p(&["-H", "tcp://x", "ps"]).unwrap();
        assert_eq!(inv.global_flags()[0].spec.long, "host");
        assert!(matches!(
            p(&["ps", "-H", "x"]),
            Err(ParseError::UnknownFlag { .. })
        ));
    }

    #[test]
    fn unknowns_and_missing_values_are_errors() {
        assert!(matches!(
            p(&["frobnicate"]),
            Err(ParseError::UnknownCommand(_))
        ));
        assert!(matches!(
            p(&["container", "frob"]),
            Err(ParseError::UnknownCommand(c)) if c == "container frob"
        ));
        assert!(matches!(
            p(&["ps", "--nope"]),
            Err(ParseError::UnknownFlag { .. })
        ));
        assert!(matches!(
            p(&["ps", "-z"]),
            Err(ParseError::UnknownFlag { .. })
        ));
        assert!(matches!(
            p(&["logs", "--tail"]),
            Err(ParseError::MissingValue { .. })
        ));
        assert!(matches!(
            p(&["ps", "---all"]),
            Err(ParseError::BadSyntax(_))
        ));
        assert!(matches!(p(&["ps", "--=x"]), Err(ParseError::BadSyntax(_))));
        assert!(matches!(
            p(&["--", "ps"]),
            Err(ParseError::TerminatorBeforeCommand)
        ));
    }

    #[test]
    fn shorthand_equals_rules_match_pflag() {
        // `-n=5`: value 5. `-n=`: pflag reads the value "=".
        let inv = p(&["logs", "-n=5", "c"]).unwrap();
        assert_eq!(flags(&inv), [("tail".into(), "5".into())]);
        let inv = p(&["logs", "-n=", "c"]).unwrap();
        assert_eq!(flags(&inv), [("tail".into(), "=".into())]);
        // A boolean shorthand followed by `=`: pflag takes `=` as the next shorthand.
        assert!(matches!(
            p(&["logs", "-f=", "c"]),
            Err(ParseError::UnknownFlag { .. })
        ));
        let inv = p(&["logs", "-f=false", "c"]).unwrap();
        assert_eq!(flags(&inv), [("follow".into(), "false".into())]);
    }

    #[test]
    fn lone_dash_is_a_positional() {
        let inv = p(&["logs", "-"]).unwrap();
        assert_eq!(inv.positionals, ["-"]);
    }

    #[test]
    fn bare_docker_and_groups_parse_as_help() {
        let inv = p(&[]).unwrap();
        assert_eq!(inv.command_name(), "docker");
        let inv = p(&["--version"]).unwrap();
        assert_eq!(inv.global_flags()[0].spec.long, "version");
        let inv = p(&["container", "--help"]).unwrap();
        assert_eq!(inv.command_name(), "container");
    }

    #[test]
    fn non_utf8_and_nul_are_refused() {
        use std::os::unix::ffi::OsStringExt;
        let bad = vec![OsString::from("ps"), OsString::from_vec(vec![0xff])];
        assert_eq!(to_strings(&bad), Err(ParseError::NotUtf8 { index: 2 }));
        let nul = vec![OsString::from("a\0b")];
        assert_eq!(to_strings(&nul), Err(ParseError::Nul { index: 1 }));
    }
}
