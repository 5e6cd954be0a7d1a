//! argv bytes → `to_strings` → `parse` → `decide` (shipped and permissive policies) →
//! canonical argv, with the checks of `tests/integration/properties/oracle.rs`: no
//! panic, the canonical argv re-parses to the same invocation, an allowed exec argv
//! carries only what the allowing rule lists or forces and is a fixed point.
//!
//! Input: the first byte picks the separator (even: newline, odd: NUL), the rest is
//! split on it into arguments of any bytes.

#![no_main]

#[allow(dead_code)]
#[path = "../../tests/integration/properties/oracle.rs"]
mod oracle;

use docker_guard::policy::Policy;
use libfuzzer_sys::fuzz_target;
use std::sync::LazyLock;

static POLICIES: LazyLock<[Policy; 2]> =
    LazyLock::new(|| [oracle::shipped_policy(), oracle::permissive_policy()]);

fuzz_target!(|data: &[u8]| {
    let [shipped, permissive] = &*POLICIES;
    oracle::fuzz_guard(&[shipped, permissive], data);
});
