//! The model of the docker CLI: what commands and flags exist (spec), how docker's
//! argv is read (parse), and the argv docker-guard hands to docker (canonical).

pub mod canonical;
pub mod model;
pub mod mounts;
pub mod parse;
pub mod reference;
pub mod spec;
