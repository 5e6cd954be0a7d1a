//! docker-guard: the one command an untrusted account may run as root to use docker.
//!
//! `docker-guard <docker args>` (the shim) reads the argv as the docker CLI would,
//! decides by the root-owned policy, logs the decision, and replaces itself with the
//! real docker, given a canonical argv and an environment built from nothing.
//! `docker-guard policy ...` (the admin surface) explains, validates and tests
//! policies; it never runs docker.

pub mod admin;
pub mod audit;
pub mod caller;
pub mod docker;
pub mod error;
pub mod exec;
pub mod policy;
pub mod shim;
pub mod trust;

use std::ffi::OsString;

/// docker-guard's own command word. Docker has no `policy` command, so it shadows
/// nothing (a test checks this against `docker --help`).
pub const ADMIN_WORD: &str = "policy";

/// Runs docker-guard with the process arguments (program name first) and returns the
/// exit code, unless docker replaced this process.
pub fn run(args: Vec<OsString>) -> i32 {
    let rest = args.get(1..).unwrap_or(&[]);
    if rest.first().is_some_and(|a| a == ADMIN_WORD) {
        admin::run(&rest[1..])
    } else {
        shim::run(rest)
    }
}
