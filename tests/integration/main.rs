//! docker-guard's integration tests: one binary, one harness.

mod admin;
mod audit;
mod binds;
mod compose_build;
mod docs;
mod e2e;
mod e2e_setup;
mod engine_run;
mod fake_engine;
mod harness;
mod nix;
mod properties;
mod shim;
mod spec_vs_help;
