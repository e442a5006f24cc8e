//! The Rust crate exports no C symbol: the C ABI is the `eevdf-capi` crate's.
//!
//! Builds (a nested `cargo build --offline` into `<target>/linkcheck`) a small
//! package that depends on this crate twice, at its own version and as a copy
//! at version 0.0.1 (the same sources), the way a program ends up with two
//! versions of `eevdf` (two dependencies asking for semver-incompatible
//! versions), and has
//!
//! * a `cdylib` (a Python extension, say) that calls both: it must link, and
//!   export no `eevdf_` symbol and no `rust_eh_personality`;
//! * a binary that calls both: it must link (no `duplicate symbol:
//!   eevdf_rq_add`) and run.

use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The nested build's own directory, beside `CARGO_TARGET_TMPDIR`.
fn work_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR has a parent")
        .join("linkcheck")
}

/// This crate's `[dependencies]` table, verbatim.
fn dependencies() -> String {
    let manifest = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let start = manifest
        .find("\n[dependencies]\n")
        .expect("Cargo.toml has [dependencies]");
    let rest = &manifest[start + 1..];
    let end = rest[1..].find("\n[").map_or(rest.len(), |e| e + 2);
    rest[..end].to_owned()
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

/// Builds the two-version package; returns its target directory.
fn build() -> PathBuf {
    let dir = work_dir();
    let src = root().join("src/lib.rs");
    let src = src.to_str().expect("UTF-8 path");
    // The second version: this crate's sources under version 0.0.1.
    write(
        &dir.join("eevdf-0.0.1/Cargo.toml"),
        &format!(
            "[package]\nname = \"eevdf\"\nversion = \"0.0.1\"\nedition = \"2021\"\n\n\
             [lib]\npath = {src:?}\ndoctest = false\n\n{deps}\n\
             [lints.rust]\nunexpected_cfgs = {{ level = \"allow\" }}\n",
            deps = dependencies()
        ),
    );
    let here = root().to_str().expect("UTF-8 path");
    write(
        &dir.join("user/Cargo.toml"),
        &format!(
            "[package]\nname = \"two-versions\"\nversion = \"0.0.0\"\nedition = \"2021\"\n\n\
             [lib]\npath = \"lib.rs\"\ncrate-type = [\"cdylib\"]\n\n\
             [[bin]]\nname = \"two-versions\"\npath = \"main.rs\"\n\n\
             [dependencies]\neevdf = {{ path = {here:?} }}\n\
             eevdf_old = {{ package = \"eevdf\", path = \"../eevdf-0.0.1\" }}\n\n\
             [workspace]\n"
        ),
    );
    // Functions big enough not to be inlined into the caller: each version's
    // object code (and, before the C ABI had a crate of its own, the
    // `eevdf_*` entry points beside it) is linked in.
    let calls = "fn new(w: u64) -> bool {\n    let mut sa = eevdf::SchedAvg::ZERO;\n    \
                 let lw = eevdf::LoadWeight::from_nice(0).unwrap();\n    \
                 eevdf::pelt::update_load_avg_blocked_se(w, &mut sa, &lw)\n}\n";
    let calls = format!(
        "{calls}{}",
        calls
            .replace("new", "old")
            .replace("eevdf::", "eevdf_old::")
    );
    write(
        &dir.join("user/lib.rs"),
        &format!("{calls}\n#[no_mangle]\npub extern \"C\" fn two_versions(w: u64) -> bool {{\n    new(w) & old(w)\n}}\n"),
    );
    write(
        &dir.join("user/main.rs"),
        &format!(
            "{calls}\nfn main() {{\n    let w = std::hint::black_box(1u64 << 20);\n    \
             println!(\"{{}} {{}}\", new(w), old(w));\n}}\n"
        ),
    );
    // The same dependency versions as this build (and no network).
    std::fs::copy(root().join("Cargo.lock"), dir.join("user/Cargo.lock")).unwrap();
    let target = dir.join("target");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let o = Command::new(cargo)
        .args(["build", "--offline", "--quiet"])
        .env("CARGO_TARGET_DIR", &target)
        .env_remove("RUSTFLAGS")
        .current_dir(dir.join("user"))
        .output()
        .expect("run cargo");
    assert!(
        o.status.success(),
        "a package with two versions of eevdf does not build:\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    target.join("debug")
}

#[test]
fn two_versions_link_and_a_rust_cdylib_exports_no_c_symbol_of_eevdf() {
    let out = build();
    // The binary links and runs: both versions decay a new sched_avg alike.
    let o = Command::new(out.join("two-versions")).output().unwrap();
    assert!(o.status.success());
    let printed = String::from_utf8_lossy(&o.stdout);
    let answers: Vec<&str> = printed.split_whitespace().collect();
    assert!(answers.len() == 2 && answers[0] == answers[1], "{printed}");

    if !cfg!(target_os = "linux") {
        eprintln!("note: the cdylib's exports are read with readelf (Linux only); skipped");
        return;
    }
    let so = out.join("libtwo_versions.so");
    let o = match Command::new("readelf")
        .args(["--dyn-syms", "-W"])
        .arg(&so)
        .output()
    {
        Ok(o) if o.status.success() => o,
        _ => {
            eprintln!("note: no readelf; the cdylib's exports are not checked");
            return;
        }
    };
    // Num: Value Size Type Bind Vis Ndx Name: the defined global symbols.
    let exported: Vec<String> = String::from_utf8_lossy(&o.stdout)
        .lines()
        .map(|l| l.split_whitespace().collect::<Vec<_>>())
        .filter(|f| f.len() >= 8 && f[0].ends_with(':') && f[6] != "UND")
        .filter(|f| matches!(f[4], "GLOBAL" | "WEAK"))
        .map(|f| f[7].split('@').next().unwrap().to_owned())
        .collect();
    assert!(
        exported.iter().any(|s| s == "two_versions"),
        "readelf shows no export of the cdylib's own function: {exported:?}"
    );
    let leaked: Vec<&String> = exported
        .iter()
        .filter(|s| s.starts_with("eevdf_") || *s == "rust_eh_personality")
        .collect();
    assert!(
        leaked.is_empty(),
        "a Rust cdylib using eevdf exports C symbols of eevdf: {leaked:?}"
    );
}
