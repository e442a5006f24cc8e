//! `eevdf-lab`: the scenario lab's command line. See `docs/lab.md`.
//!
//! ```text
//! cargo run --release -p eevdf-lab -- SCENARIO... [--variant NAME] [--json] [--svg DIR] [--seed N] [--secs S] [--features W1,W2]
//! cargo run --release -p eevdf-lab -- --list | --help
//! ```

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::process::exit(eevdf_lab::cli::main(&args));
}
