//! The scenario lab: a deterministic scheduler simulator built on the `eevdf`
//! crate. See `docs/lab.md`.
//!
//! ```text
//! cargo run --release --example lab -- <scenario|all> [--json] [--svg DIR] [--seed N] [--secs S]
//! ```

mod aio;
mod balance;
mod cgroup;
mod cli;
mod hlt;
mod report;
mod rng;
mod sim;
mod svg;
mod vcpu;
mod vhost;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(cli::main(&args));
}
