//! Link arguments of `libeevdf.so` (only the cdylib: `libeevdf.a` is an archive):
//!
//! * its SONAME, `libeevdf.so.<compatibility version>`, so that a program
//!   records that name (not the path it was linked with) and finds an
//!   installed, versioned copy: the major version, or `0.<minor>` before 1.0
//!   (where a minor release may break the ABI), as cargo-c names it;
//! * `-lc`: the library calls `memcpy`, `memmove`, `memset` and `bcmp` (code
//!   that rustc and LLVM emit), so it records `NEEDED libc` instead of relying
//!   on the program having loaded a C library first.
//!
//! The exports need no version script of ours: rustc already gives the linker
//! one that exports the `#[no_mangle]` functions only, and GNU ld refuses a
//! second anonymous one. The `eevdf_*` functions are all there is (see
//! `rust_eh_personality` in `src/lib.rs`); `tests/c.rs` checks it.
//!
//! These are for ELF targets with a C library (Linux and the BSDs, glibc or
//! musl). Elsewhere (macOS, Windows, bare-metal targets, which only use
//! `libeevdf.a`) the cdylib is linked as rustc links it.
//!
//! The crate declares `links = "eevdf"`; dependents' build scripts get the
//! header's directory as `DEP_EEVDF_INCLUDE`.

use std::env;
use std::path::PathBuf;

fn main() {
    let dir = PathBuf::from(env::var_os("CARGO_MANIFEST_DIR").expect("CARGO_MANIFEST_DIR"));
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:include={}", dir.join("include").display());

    let os = env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let target_env = env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let elf_with_libc = matches!(
        os.as_str(),
        "linux" | "android" | "freebsd" | "netbsd" | "openbsd" | "dragonfly"
    ) && !matches!(target_env.as_str(), "relibc" | "uclibc");
    if !elf_with_libc {
        return;
    }
    let major = env::var("CARGO_PKG_VERSION_MAJOR").expect("version");
    let minor = env::var("CARGO_PKG_VERSION_MINOR").expect("version");
    let soversion = if major == "0" {
        format!("0.{minor}")
    } else {
        major
    };
    println!("cargo:rustc-cdylib-link-arg=-Wl,-soname,libeevdf.so.{soversion}");
    println!("cargo:rustc-cdylib-link-arg=-lc");
}
