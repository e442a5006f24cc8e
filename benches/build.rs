//! Compiles the C baseline (`c/inputs.c`, `c/loops.c`) with `$CC -O2` (the
//! kernel's `-fno-strict-overflow`/`-fno-strict-aliasing` as `-fwrapv
//! -fno-strict-aliasing`) into a static library that the harness links, so
//! that Rust and C run the same inputs in one process. With them the C side
//! of the run-queue replay (`c/replay.c`), which calls the C ABI
//! (`include/eevdf.h`): its `eevdf_rq_*` symbols resolve to the C entry
//! points of `eevdf-capi` (through `capi/rlib`), the code `libeevdf.a` is made of.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR"));
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let mut objects = Vec::new();
    for src in ["c/inputs.c", "c/loops.c", "c/replay.c"] {
        println!("cargo:rerun-if-changed={src}");
        let obj = out.join(PathBuf::from(src).with_extension("o").file_name().unwrap());
        let status = Command::new(&cc)
            .args([
                "-O2",
                "-fwrapv",
                "-fno-strict-aliasing",
                "-fPIC",
                "-std=gnu11",
            ])
            .args([
                "-I../include",
                "-Wall",
                "-Wextra",
                "-Werror",
                "-c",
                src,
                "-o",
            ])
            .arg(&obj)
            .status()
            .expect("run the C compiler ($CC or cc)");
        assert!(status.success(), "{cc} failed on {src}");
        objects.push(obj);
    }
    for h in [
        "c/baseline.h",
        "c/inputs.h",
        "c/loops.h",
        "c/replay.h",
        "../include/eevdf.h",
    ] {
        println!("cargo:rerun-if-changed={h}");
    }
    println!("cargo:rerun-if-env-changed=CC");
    let lib = out.join("libeevdf_bench_c.a");
    let _ = std::fs::remove_file(&lib);
    let status = Command::new(std::env::var("AR").unwrap_or_else(|_| "ar".into()))
        .arg("crs")
        .arg(&lib)
        .args(&objects)
        .status()
        .expect("run ar");
    assert!(status.success(), "ar failed");
    println!("cargo:rustc-link-search=native={}", out.display());
    println!("cargo:rustc-link-lib=static=eevdf_bench_c");
}
