//! One error type for the whole program; each kind maps to one exit code.
//!
//! Exit codes follow sysexits: 77 (EX_NOPERM) for a refusal by policy, 78 (EX_CONFIG)
//! for a policy or installation problem, 64 (EX_USAGE) for a bad admin command line.
//! Anything else is docker's own exit code, since docker replaces this process.

use std::fmt;

pub const EXIT_USAGE: i32 = 64;
pub const EXIT_DENIED: i32 = 77;
pub const EXIT_CONFIG: i32 = 78;

/// A problem found in a file: `file:line:col: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located {
    pub file: String,
    /// 1-based line and column, when the problem has a place in the file.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl fmt::Display for Located {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some((line, col)) => write!(f, "{}:{}:{}: {}", self.file, line, col, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The policy refuses the request. The text says what and why.
    #[error("denied: {0}")]
    Denied(String),
    /// The policy file is missing, malformed or invalid (possibly several problems).
    #[error("{}", join_lines(.0))]
    Policy(Vec<Located>),
    /// The installation is unsafe or broken: insecure ownership or modes, a docker
    /// binary that cannot be executed, an unreadable file.
    #[error("{0}")]
    Config(String),
    /// The admin command line is wrong.
    #[error("{0}")]
    Usage(String),
}

fn join_lines(items: &[Located]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n")
}

impl Error {
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::Denied(_) => EXIT_DENIED,
            Error::Policy(_) | Error::Config(_) => EXIT_CONFIG,
            Error::Usage(_) => EXIT_USAGE,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
