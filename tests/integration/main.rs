//! docker-guard's integration tests: one binary, one harness.

mod harness;
mod nix;
mod shim;
mod spec_vs_help;
