//! Policy test cases, for `docker-guard policy test [--policy FILE] CASES.toml...`.
//!
//! ```toml
//! [[case]]
//! id = "prune-volumes"                     # optional; default "case N" (N-th in the file)
//! argv = ["system", "prune", "--volumes"]  # docker's arguments, without "docker"
//! expect = "deny"                          # "allow" or "deny"
//! user = "agent"                           # optional; default "test-user"
//! groups = ["ops"]                         # optional; default: no groups
//! reason = "--volumes"                     # optional, denials only: a substring of a reason
//! ```
//!
//! The subject of a case comes from the case alone: its user name and exactly the
//! groups it lists (none by default), never the system's user database, so a result
//! does not depend on the machine or on who runs CI. The decision itself is made by
//! the caller of [`evaluate`] with `shim::judge`, the function the enforcing path uses.
//!
//! Unknown keys are errors, like in the policy: a misspelt `reasn` must not turn a
//! test into one that always passes.

use super::load::line_col;
use crate::caller::Caller;
use crate::error::{Error, Located};
use serde::Deserialize;
use std::path::Path;
use toml::Spanned;

/// The user a case without `user` is decided for: a name no real account is expected
/// to have, with no groups, so only rules for every user (`"*"`) apply to it.
pub const DEFAULT_USER: &str = "test-user";
/// The uid of every case's subject (decisions do not depend on it).
pub const TEST_UID: u32 = 65534;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Expect {
    Allow,
    Deny,
}

impl Expect {
    pub fn word(self) -> &'static str {
        match self {
            Expect::Allow => "allow",
            Expect::Deny => "deny",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Case {
    pub id: String,
    /// `file:line:col` of the case, for messages.
    pub place: String,
    pub argv: Vec<String>,
    pub expect: Expect,
    pub user: String,
    pub groups: Vec<String>,
    pub reason: Option<String>,
}

impl Case {
    /// Whom the case is decided for.
    pub fn subject(&self) -> Caller {
        Caller {
            user: self.user.clone(),
            uid: TEST_UID,
            groups: self.groups.clone(),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    #[serde(default, rename = "case")]
    cases: Vec<Spanned<CaseEntry>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseEntry {
    id: Option<Spanned<String>>,
    argv: Vec<String>,
    expect: Expect,
    user: Option<Spanned<String>>,
    #[serde(default)]
    groups: Vec<Spanned<String>>,
    reason: Option<Spanned<String>>,
}

/// Reads a case file; every problem is reported as `file:line:col: message`.
pub fn load_cases(path: &Path) -> Result<Vec<Case>, Error> {
    let source = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|e| {
        Error::Policy(vec![Located {
            file: source.clone(),
            position: None,
            message: format!("cannot read: {e}"),
        }])
    })?;
    parse_cases(&text, &source).map_err(Error::Policy)
}

pub fn parse_cases(text: &str, source: &str) -> Result<Vec<Case>, Vec<Located>> {
    let located = |span: Option<std::ops::Range<usize>>, message: String| Located {
        file: source.to_string(),
        position: span.map(|s| line_col(text, s.start)),
        message,
    };
    let file: CaseFile =
        toml::from_str(text).map_err(|e| vec![located(e.span(), e.message().to_string())])?;
    let mut errors = Vec::new();
    if file.cases.is_empty() {
        // An empty file would pass, and CI would believe it tested something.
        errors.push(located(
            None,
            "no [[case]] entries: a case file must test something".into(),
        ));
    }
    let mut cases: Vec<Case> = Vec::new();
    for (index, entry) in file.cases.into_iter().enumerate() {
        let (line, col) = line_col(text, entry.span().start);
        let entry = entry.into_inner();
        let id = match &entry.id {
            Some(id) => {
                if id.get_ref().trim().is_empty() {
                    errors.push(located(Some(id.span()), "id is empty".into()));
                } else if let Some(first) = cases.iter().find(|c| c.id == *id.get_ref()) {
                    errors.push(located(
                        Some(id.span()),
                        format!(
                            "id {:?} is used twice (first at {})",
                            id.get_ref(),
                            first.place
                        ),
                    ));
                }
                id.get_ref().clone()
            }
            None => format!("case {}", index + 1),
        };
        if let Some(reason) = &entry.reason {
            if entry.expect == Expect::Allow {
                errors.push(located(
                    Some(reason.span()),
                    "reason is checked against denials only; this case expects \"allow\"".into(),
                ));
            } else if reason.get_ref().is_empty() {
                errors.push(located(
                    Some(reason.span()),
                    "reason is empty: it would match any denial".into(),
                ));
            }
        }
        for name in entry.user.iter().chain(&entry.groups) {
            let text = name.get_ref();
            if text.is_empty() || text.contains(char::is_whitespace) {
                errors.push(located(
                    Some(name.span()),
                    format!("{text:?} is not a user or group name"),
                ));
            }
        }
        cases.push(Case {
            id,
            place: format!("{source}:{line}:{col}"),
            argv: entry.argv,
            expect: entry.expect,
            user: entry
                .user
                .map(Spanned::into_inner)
                .unwrap_or_else(|| DEFAULT_USER.to_string()),
            groups: entry.groups.into_iter().map(Spanned::into_inner).collect(),
            reason: entry.reason.map(Spanned::into_inner),
        });
    }
    if errors.is_empty() {
        Ok(cases)
    } else {
        Err(errors)
    }
}

/// Compares a decision with the case. `Err` says what was expected.
pub fn evaluate(case: &Case, allowed: bool, reasons: &[String]) -> Result<(), String> {
    match (case.expect, allowed, &case.reason) {
        (Expect::Allow, true, _) => Ok(()),
        (Expect::Deny, false, None) => Ok(()),
        (Expect::Deny, false, Some(wanted)) if reasons.iter().any(|r| r.contains(wanted)) => Ok(()),
        (Expect::Deny, _, Some(wanted)) => {
            Err(format!("deny, with a reason containing {wanted:?}"))
        }
        (expect, _, _) => Err(expect.word().to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn errors(text: &str) -> Vec<String> {
        match parse_cases(text, "c.toml") {
            Ok(_) => Vec::new(),
            Err(list) => list.iter().map(ToString::to_string).collect(),
        }
    }

    #[test]
    fn a_case_file_reads_with_defaults() {
        let cases = parse_cases(
            "[[case]]\nargv = [\"ps\"]\nexpect = \"allow\"\n\n[[case]]\nid = \"x\"\nargv = []\nexpect = \"deny\"\nuser = \"agent\"\ngroups = [\"ops\"]\nreason = \"no\"\n",
            "c.toml",
        )
        .unwrap();
        assert_eq!(cases[0].id, "case 1");
        assert_eq!(cases[0].user, DEFAULT_USER);
        assert!(cases[0].groups.is_empty());
        assert!(cases[0].place.starts_with("c.toml:"), "{}", cases[0].place);
        assert_eq!(cases[1].subject().groups, ["ops"]);
        assert_eq!(cases[1].reason.as_deref(), Some("no"));
    }

    #[test]
    fn bad_case_files_are_errors_with_positions() {
        assert_eq!(
            errors("[[case]]\nargv = [\"ps\"]\nexpect = \"allow\"\nreasn = \"x\"\n")[0]
                .split(", expected")
                .next()
                .unwrap(),
            "c.toml:4:1: unknown field `reasn`"
        );
        let e = errors("[[case]]\nargv = [\"ps\"]\nexpect = \"alow\"\n");
        assert!(
            e[0].starts_with("c.toml:3:10: unknown variant `alow`"),
            "{e:?}"
        );
        let e = errors("[[case]]\nargv = \"ps\"\nexpect = \"allow\"\n");
        assert!(e[0].starts_with("c.toml:2:8: invalid type"), "{e:?}");
        let e = errors("[[case]]\nargv = [\"ps\"]\nexpect = \"allow\"\nreason = \"x\"\n");
        assert_eq!(
            e,
            ["c.toml:4:10: reason is checked against denials only; this case expects \"allow\""]
        );
        let e = errors(
            "[[case]]\nid = \"a\"\nargv = []\nexpect = \"deny\"\n[[case]]\nid = \"a\"\nargv = []\nexpect = \"deny\"\n",
        );
        assert_eq!(e.len(), 1, "{e:?}");
        assert!(
            e[0].starts_with("c.toml:6:6: id \"a\" is used twice (first at c.toml:"),
            "{e:?}"
        );
        assert_eq!(
            errors("# nothing\n"),
            ["c.toml: no [[case]] entries: a case file must test something"]
        );
    }

    #[test]
    fn evaluation_compares_decision_and_reason() {
        let mut case =
            parse_cases("[[case]]\nargv = []\nexpect = \"deny\"\n", "c").unwrap()[0].clone();
        let reasons = vec!["flag --volumes is not allowed".to_string()];
        assert_eq!(evaluate(&case, false, &reasons), Ok(()));
        assert_eq!(evaluate(&case, true, &[]), Err("deny".into()));
        case.reason = Some("--volumes".into());
        assert_eq!(evaluate(&case, false, &reasons), Ok(()));
        case.reason = Some("--all".into());
        assert_eq!(
            evaluate(&case, false, &reasons),
            Err("deny, with a reason containing \"--all\"".into())
        );
        case.expect = Expect::Allow;
        case.reason = None;
        assert_eq!(evaluate(&case, false, &reasons), Err("allow".into()));
    }
}
