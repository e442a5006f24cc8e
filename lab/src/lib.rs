//! The scenario lab: a deterministic scheduler simulator built on the `eevdf`
//! crate, run by the `eevdf-lab` binary. See `docs/lab.md` at the repository's
//! root.
//!
//! The library holds everything; `src/main.rs` only hands the command line to
//! [`cli::main`]. The tests (`tests/lab.rs`) call the modules directly.

pub mod aio;
pub mod args;
pub mod balance;
pub mod builtin;
pub mod cgroup;
pub mod cli;
pub mod engine;
pub mod extract;
pub mod files;
pub mod hlt;
pub mod report;
pub mod rng;
pub mod rtapp;
pub mod runfile;
pub mod scenario;
pub mod sim;
pub mod svg;
pub mod trace;
pub mod vcpu;
pub mod vhost;
pub mod workload;
