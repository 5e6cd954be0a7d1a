//! The argv docker-guard hands to docker, rebuilt from the parsed invocation.
//!
//! Nothing the caller typed is forwarded as it was typed. Every flag becomes one
//! `--long=value` token (no shorthand, no cluster, no value in the next argument),
//! the command is spelled by its canonical path, and the positionals follow a `--`.
//! However docker's own parser reads this argv, it cannot find a flag the guard did
//! not see and check: that closes parser-differential tricks by construction.

use super::parse::{FlagUse, Invocation};

/// The argument tokens after the program name.
///
/// `group_tokens` replace the flags of one group level (compose's pinned project).
pub fn argv(
    invocation: &Invocation,
    forced: &[ForcedFlag],
    group_tokens: Option<&(&str, Vec<String>)>,
) -> Vec<String> {
    let mut out = Vec::new();
    let command = invocation.command();
    out.extend(invocation.global_flags().iter().map(flag_token));
    // The command by its canonical path; a group level that carries flags (compose's
    // `--file`) is a prefix of that path, and its flags follow its own words.
    let mut printed = String::new();
    for word in command.path.split_whitespace() {
        out.push(word.to_string());
        if !printed.is_empty() {
            printed.push(' ');
        }
        printed.push_str(word);
        if let Some((group, tokens)) = group_tokens
            && *group == printed
        {
            out.extend(tokens.iter().cloned());
            continue;
        }
        for level in invocation.levels[1..]
            .iter()
            .filter(|l| l.command.path == printed)
        {
            out.extend(level.flags.iter().map(flag_token));
        }
    }
    out.extend(forced.iter().map(|f| format!("--{}={}", f.long, f.value)));
    if !invocation.positionals.is_empty() {
        out.push("--".to_string());
        out.extend(invocation.positionals.iter().cloned());
    }
    out
}

/// The argv of a request for help: the command path and `--help` alone (`help` and
/// its arguments for `docker help X`). Nothing else the caller typed matters to
/// docker's help output, so nothing else is passed.
pub fn help_argv(invocation: &Invocation) -> Vec<String> {
    let command = invocation.command();
    let mut out: Vec<String> = command
        .path
        .split_whitespace()
        .map(str::to_string)
        .collect();
    if command.path == "help" {
        if !invocation.positionals.is_empty() {
            out.push("--".to_string());
            out.extend(invocation.positionals.iter().cloned());
        }
    } else {
        out.push("--help".to_string());
    }
    out
}

/// A flag the policy adds to every matching invocation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ForcedFlag {
    pub long: &'static str,
    pub value: String,
}

/// One flag as one token: `--long=value`, or `--long` alone for a boolean that is
/// true (pflag gives a boolean named alone the value true and never takes the next
/// argument for it, so the two spellings mean the same to docker).
pub fn flag_token(flag: &FlagUse) -> String {
    if flag.spec.is_bool() && flag.value == "true" {
        format!("--{}", flag.spec.long)
    } else {
        format!("--{}={}", flag.spec.long, flag.value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::docker::parse::parse;

    fn canon(args: &[&str]) -> Vec<String> {
        let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        argv(&parse(&args).unwrap(), &[], None)
    }

    #[test]
    fn aliases_are_spelled_canonically() {
        assert_eq!(canon(&["ps", "-a"]), ["container", "ls", "--all"]);
        assert_eq!(canon(&["container", "list"]), ["container", "ls"]);
    }

    #[test]
    fn values_are_attached_and_positionals_follow_a_terminator() {
        assert_eq!(
            canon(&["-D", "run", "-itv/x:/y", "--name", "-n", "img", "sh"]),
            [
                "--debug",
                "container",
                "run",
                "--interactive",
                "--tty",
                "--volume=/x:/y",
                "--name=-n",
                "--",
                "img",
                "sh"
            ]
        );
    }

    #[test]
    fn canonical_argv_reparses_to_the_same_invocation() {
        for args in [
            &["run", "--rm", "-e", "A=b=c", "img", "--privileged"][..],
            &["logs", "--tail", "5", "-f", "web", "--", "-weird"],
            &["container", "restart", "-t", "3", "a", "b"],
            &["ps", "--filter", "--x"],
        ] {
            let args: Vec<String> = args.iter().map(|s| s.to_string()).collect();
            let first = parse(&args).unwrap();
            let again = parse(&argv(&first, &[], None)).unwrap();
            assert_eq!(first.positionals, again.positionals);
            assert_eq!(first.command(), again.command());
            assert_eq!(first.command_flags(), again.command_flags());
        }
    }
}
