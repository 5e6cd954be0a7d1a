//! The decision: a pure function of the policy, the caller and the parsed invocation.
//!
//! Deny by default at three levels: a command no rule names is denied; a flag the
//! rule does not list is denied; a value that matches none of the flag's patterns is
//! denied. Every denial carries all of its reasons (not only the first), and every
//! allowance names the rule that allowed it.

use super::build;
use super::compose;
use super::container::{self, Rewrite};
use super::glob::listing;
use super::host::HostView;
use super::{CommandRule, FlagRules, Policy, Rule, ValueRule, flag_rule};
use crate::caller::Caller;
use crate::docker::canonical::ForcedFlag;
use crate::docker::parse::{FlagUse, Invocation, display_name};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    pub allowed: bool,
    /// The rule that allowed the invocation.
    pub rule: Option<String>,
    /// Why it was denied; empty when allowed.
    pub reasons: Vec<String>,
    /// What the caller may do instead, when denied.
    pub hint: Option<String>,
    /// Flags the policy adds to the canonical argv.
    pub forced: Vec<ForcedFlag>,
    /// The invocation only asks for help: docker is run with the command path and
    /// `--help` alone.
    pub help_only: bool,
    /// Values the canonical argv carries instead of the typed ones (resolved paths).
    pub rewrites: Vec<Rewrite>,
    /// The flags a group level gets instead of the typed ones (compose's pinned
    /// project): the group's path and its tokens.
    pub group_tokens: Option<(&'static str, Vec<String>)>,
}

impl Decision {
    pub fn deny(reasons: Vec<String>, hint: Option<String>) -> Decision {
        Decision {
            allowed: false,
            rule: None,
            reasons,
            hint,
            forced: Vec::new(),
            help_only: false,
            rewrites: Vec::new(),
            group_tokens: None,
        }
    }

    fn allow(rule: &Rule, allowance: Allowance) -> Decision {
        Decision {
            allowed: true,
            rule: Some(rule.id.clone()),
            reasons: Vec::new(),
            hint: None,
            forced: allowance.forced,
            help_only: allowance.help_only,
            rewrites: allowance.rewrites,
            group_tokens: allowance.group_tokens,
        }
    }

    /// One line for people and agents: what, why, and what instead.
    pub fn denial_message(&self, command: &str) -> String {
        let mut line = format!("{command}: {}", self.reasons.join("; "));
        if let Some(hint) = &self.hint {
            line.push_str(" — ");
            line.push_str(hint);
        }
        line
    }
}

pub fn applies_to(rule: &Rule, caller: &Caller) -> bool {
    rule.users.iter().any(|u| u == "*" || *u == caller.user)
        || rule.groups.iter().any(|g| caller.groups.contains(g))
}

pub fn decide(
    policy: &Policy,
    caller: &Caller,
    invocation: &Invocation,
    host: &dyn HostView,
) -> Decision {
    let rules: Vec<&Rule> = policy
        .rules
        .iter()
        .filter(|r| applies_to(r, caller))
        .collect();
    if rules.is_empty() {
        return Decision::deny(
            vec![format!(
                "no rule of the policy applies to user {:?}",
                caller.user
            )],
            None,
        );
    }
    let mut denials = Vec::new();
    for rule in &rules {
        match decide_rule(rule, caller, invocation, host) {
            Ok(allowance) => return Decision::allow(rule, allowance),
            Err(denial) => denials.push((rule, denial)),
        }
    }
    // Report the rules that name the command: their reasons are about flags and
    // values, which is what the caller can act on. Otherwise the first rule's.
    let command = invocation.command();
    let naming: Vec<_> = denials
        .iter()
        .filter(|(rule, _)| rule.command(command).is_some())
        .collect();
    let chosen: Vec<_> = if naming.is_empty() {
        denials.iter().take(1).collect()
    } else {
        naming
    };
    let several = chosen.len() > 1;
    let mut reasons = Vec::new();
    let mut hint = None;
    for (rule, denial) in chosen {
        for reason in &denial.reasons {
            reasons.push(if several {
                format!("rule {:?}: {reason}", rule.id)
            } else {
                reason.clone()
            });
        }
        hint = hint.or_else(|| denial.hint.clone());
    }
    Decision::deny(reasons, hint)
}

struct RuleDenial {
    reasons: Vec<String>,
    hint: Option<String>,
}

/// What an allowing rule adds to the invocation.
#[derive(Default)]
struct Allowance {
    help_only: bool,
    forced: Vec<ForcedFlag>,
    rewrites: Vec<Rewrite>,
    group_tokens: Option<(&'static str, Vec<String>)>,
}

fn decide_rule(
    rule: &Rule,
    caller: &Caller,
    invocation: &Invocation,
    host: &dyn HostView,
) -> Result<Allowance, RuleDenial> {
    let command = invocation.command();
    let name = display_name(command);
    if is_help_request(invocation) {
        return if rule.help {
            Ok(Allowance {
                help_only: true,
                ..Allowance::default()
            })
        } else {
            Err(RuleDenial {
                reasons: vec!["help is not allowed by the policy".into()],
                hint: None,
            })
        };
    }
    let mut reasons = Vec::new();
    check_flags(
        &rule.global_flags,
        invocation.global_flags(),
        "docker",
        &caller.user,
        &mut reasons,
    );
    if command.path.is_empty() {
        // Bare `docker` with global options only (`--version`): nothing else to check.
        return finish(
            reasons,
            Some(allowed_flags_hint(&rule.global_flags)),
            Allowance::default(),
        );
    }
    let Some(command_rule) = rule.command(command) else {
        reasons.push(format!("the policy does not allow \"{name}\""));
        return Err(RuleDenial {
            reasons,
            hint: Some(allowed_commands_hint(rule)),
        });
    };
    let mut allowance = Allowance::default();
    if compose::is_compose(command.path) {
        let (more, tokens) = compose::check(rule, invocation, host);
        reasons.extend(more);
        allowance.group_tokens = Some(("compose", tokens));
    }
    for level in &invocation.levels[1..] {
        if level.command.path == command.path {
            check_flags(
                &command_rule.flags,
                &level.flags,
                name,
                &caller.user,
                &mut reasons,
            );
        } else if level.command.path == "compose" {
            // Checked by compose::check: the project flags are the policy's.
        } else if !level.flags.is_empty() {
            // A group's own flags (compose's `--file`) are allowed by a rule for the group.
            let group_rule = rule.command(level.command).map(|c| &c.flags);
            let empty = FlagRules::new();
            check_flags(
                group_rule.unwrap_or(&empty),
                &level.flags,
                display_name(level.command),
                &caller.user,
                &mut reasons,
            );
        }
    }
    check_positionals(
        command_rule,
        &invocation.positionals,
        name,
        &caller.user,
        &mut reasons,
    );

    if command.path == build::BUILD_COMMAND {
        reasons.extend(build::never_allowed(invocation));
        let default = build::BuildRule::default();
        let build_rule = command_rule.build.as_ref().unwrap_or(&default);
        let (more, rewrites) = build::check(build_rule, invocation, host, &caller.user);
        reasons.extend(more);
        allowance.rewrites = rewrites;
    }
    allowance.forced = forced_flags(command_rule, caller, invocation, &mut reasons);
    if container::creates_container(command.path) {
        reasons.extend(container::never_allowed(invocation.command_flags()));
        if let Some(container_rule) = &command_rule.container {
            let (more, rewrites) =
                container::check(container_rule, invocation, host, caller, &allowance.forced);
            reasons.extend(more);
            allowance.rewrites = rewrites;
        }
    }
    // Name the allowed flags only when a flag itself was refused; a refused value
    // already says what is allowed.
    let flag_refused = reasons.iter().any(|r| r.starts_with("flag --"));
    let hint = flag_refused.then(|| allowed_flags_hint(&command_rule.flags));
    finish(reasons, hint, allowance)
}

/// The rule's forced flags for this caller. A forced flag that takes one value may
/// not be given by the caller at all: docker would take one of the two values.
fn forced_flags(
    rule: &CommandRule,
    caller: &Caller,
    invocation: &Invocation,
    reasons: &mut Vec<String>,
) -> Vec<ForcedFlag> {
    let mut forced = Vec::new();
    for (spec, template) in &rule.forced {
        let value = template
            .replace("{user}", &caller.user)
            .replace("{uid}", &caller.uid.to_string());
        let given = invocation
            .command_flags()
            .iter()
            .any(|f| f.spec.long == spec.long);
        if given && !spec.is_repeatable() {
            let reason = format!(
                "--{} is set by the policy (--{}={value}); leave it out",
                spec.long, spec.long
            );
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
        forced.push(ForcedFlag {
            long: spec.long,
            value,
        });
    }
    forced
}

fn finish(
    reasons: Vec<String>,
    hint: Option<String>,
    allowance: Allowance,
) -> Result<Allowance, RuleDenial> {
    if reasons.is_empty() {
        Ok(allowance)
    } else {
        Err(RuleDenial { reasons, hint })
    }
}

/// `--help`/`-h` anywhere, `docker help ...`, or bare `docker`/group: docker prints
/// help and does nothing else.
fn is_help_request(invocation: &Invocation) -> bool {
    let command = invocation.command();
    let help_flag = invocation
        .levels
        .iter()
        .flat_map(|l| &l.flags)
        .any(|f| f.spec.long == "help" && f.value == "true");
    let bare = command.group && invocation.levels.iter().all(|l| l.flags.is_empty());
    help_flag || bare || command.path == "help"
}

/// `user` stands for `{user}` in value patterns.
fn check_flags(
    rules: &FlagRules,
    flags: &[FlagUse],
    command: &str,
    user: &str,
    reasons: &mut Vec<String>,
) {
    for flag in flags {
        let long = flag.spec.long;
        if long == "help" && flag.value == "false" {
            continue; // `--help=false` asks for nothing.
        }
        match flag_rule(rules, long) {
            None => reasons.push(format!("flag --{long} is not allowed for \"{command}\"")),
            Some(ValueRule::Any) => {}
            Some(ValueRule::OneOf(patterns)) => {
                for value in flag_values(flag) {
                    if !patterns.iter().any(|p| p.matches_for(&value, user)) {
                        reasons.push(format!(
                            "--{long}={value} is not allowed for \"{command}\" (allowed: {})",
                            listing(patterns, "no value")
                        ));
                    }
                }
            }
        }
    }
}

/// The values one flag use carries. pflag's `strings` type splits a token on commas
/// (as CSV); a value with a quote is kept whole so that it matches no pattern meant
/// for a single element unless the pattern allows quotes.
fn flag_values(flag: &FlagUse) -> Vec<String> {
    if flag.spec.is_csv_list() && !flag.value.contains('"') {
        flag.value.split(',').map(str::to_string).collect()
    } else {
        vec![flag.value.clone()]
    }
}

fn check_positionals(
    rule: &CommandRule,
    positionals: &[String],
    command: &str,
    user: &str,
    reasons: &mut Vec<String>,
) {
    let Some(patterns) = &rule.positionals else {
        return;
    };
    for value in positionals {
        if !patterns.iter().any(|p| p.matches_for(value, user)) {
            reasons.push(format!(
                "argument {value:?} is not allowed for \"{command}\" (allowed: {})",
                listing(patterns, "no arguments")
            ));
        }
    }
}

fn allowed_commands_hint(rule: &Rule) -> String {
    if rule.commands.is_empty() {
        return "the policy allows no commands".into();
    }
    let mut names: Vec<String> = rule
        .commands
        .iter()
        .map(|c| c.command.path.to_string())
        .collect();
    names.sort_unstable();
    shorten("allowed commands", names)
}

fn allowed_flags_hint(rules: &FlagRules) -> String {
    if rules.is_empty() {
        return "no flags are allowed here".into();
    }
    let mut names: Vec<String> = rules.iter().map(|(n, _)| format!("--{n}")).collect();
    names.sort_unstable();
    shorten("allowed flags", names)
}

/// A list in a one-line message: long lists are cut, with where to see all of it.
fn shorten(title: &str, names: Vec<String>) -> String {
    const SHOWN: usize = 12;
    if names.len() <= SHOWN {
        return format!("{title}: {}", names.join(", "));
    }
    format!(
        "{title}: {}, and {} more (`docker-guard policy show` lists them)",
        names[..SHOWN].join(", "),
        names.len() - SHOWN
    )
}
