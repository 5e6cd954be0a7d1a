//! Policy text → `parse_policy`: any bytes must load or be refused with located
//! errors, never panic; a policy that loads must judge a few argvs without panicking
//! (checks of `tests/integration/properties/oracle.rs`).

#![no_main]

#[allow(dead_code)]
#[path = "../../tests/integration/properties/oracle.rs"]
mod oracle;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    oracle::fuzz_policy_load(data);
});
