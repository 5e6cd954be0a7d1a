//! docker-guard's integration tests: one binary, one harness.

mod binds;
mod harness;
mod nix;
mod shim;
mod spec_vs_help;
