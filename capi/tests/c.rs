//! The C ABI from C: builds `libeevdf.a`/`libeevdf.so` once (a nested
//! `cargo build --release -p eevdf-capi` into `<target>/ctest`), then compiles
//! and runs the C programs of `examples/c/` and `docs/c-api.md` with `cc`:
//!
//! * `test_abi.c` statically linked, plain and under ASan + UBSan, and
//!   dynamically linked against the installed `libeevdf.so` (with `-pthread`:
//!   its load-side test runs threads), recording the SONAME;
//! * `scheduler.c`, whose CPU shares must match the weights within 1%;
//! * `freestanding.c`, with no C library at all (x86_64 Linux);
//! * the examples of `docs/c-api.md` (hello.c, load.c, and runqueue.c linked
//!   with `--gc-sections`), hello.c also through a copy installed the
//!   distribution way (`scripts/install-c.sh` with DESTDIR, PREFIX and
//!   LIBDIR) and found with pkg-config;
//!
//! and inspects the libraries: every function the header declares is defined
//! in both, the static library needs nothing from outside but `mem*`, the
//! shared one has its SONAME, records libc and exports only `eevdf_*`.
//!
//! Without a C compiler (`$CC` or `cc`) the tests print a note and pass.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The C ABI crate (`capi/`): the header, the install script.
fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The repository: the C programs (`examples/c/`) and the docs.
fn repo() -> &'static Path {
    root().parent().expect("capi/ is in the repository")
}

/// `<target>/ctest`: the nested build's own target directory (a separate one,
/// so that the outer cargo's lock on `<target>` is no obstacle).
fn ctest_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("CARGO_TARGET_TMPDIR has a parent")
        .join("ctest")
}

struct Libs {
    dir: PathBuf,
    static_lib: PathBuf,
    shared_lib: PathBuf,
}

/// Builds the C libraries once per test process.
fn libs() -> &'static Libs {
    static LIBS: OnceLock<Libs> = OnceLock::new();
    LIBS.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let target = ctest_dir();
        let out = Command::new(cargo)
            .args(["build", "--release", "-p", "eevdf-capi"])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(root())
            .output()
            .expect("run cargo");
        assert!(
            out.status.success(),
            "nested cargo build failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let dir = target.join("release");
        let libs = Libs {
            static_lib: dir.join("libeevdf.a"),
            shared_lib: dir.join(format!(
                "{}eevdf{}",
                std::env::consts::DLL_PREFIX,
                std::env::consts::DLL_SUFFIX
            )),
            dir,
        };
        assert!(libs.static_lib.exists(), "no {}", libs.static_lib.display());
        assert!(libs.shared_lib.exists(), "no {}", libs.shared_lib.display());
        libs
    })
}

/// The libraries as `scripts/install-c.sh` installs them for a distribution
/// package: `DESTDIR=<ctest>/stage PREFIX=/usr LIBDIR=/usr/lib64`, once per
/// test process. Returns the staging root.
fn installed() -> &'static Path {
    static STAGE: OnceLock<PathBuf> = OnceLock::new();
    STAGE.get_or_init(|| {
        let libs = libs();
        let stage = ctest_dir().join("stage");
        let _ = std::fs::remove_dir_all(&stage);
        let o = Command::new("sh")
            .arg(root().join("scripts/install-c.sh"))
            .env("DESTDIR", &stage)
            .env("PREFIX", "/usr")
            .env("LIBDIR", "/usr/lib64")
            .env("EEVDF_BUILD_DIR", &libs.dir)
            .output()
            .expect("run sh");
        assert!(o.status.success(), "install-c.sh failed:\n{}", show(&o));
        stage
    })
}

/// `major.minor` before 1.0 (a minor release may break the ABI), else `major`:
/// the version in the shared library's SONAME.
fn soversion() -> String {
    let (major, minor) = (
        env!("CARGO_PKG_VERSION_MAJOR"),
        env!("CARGO_PKG_VERSION_MINOR"),
    );
    if major == "0" {
        format!("0.{minor}")
    } else {
        major.to_owned()
    }
}

/// The C compiler, or `None` (with a note) when there is none.
fn cc() -> Option<String> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    match Command::new(&cc).arg("--version").output() {
        Ok(o) if o.status.success() => Some(cc),
        _ => {
            eprintln!("note: no C compiler ({cc}); C ABI test skipped");
            None
        }
    }
}

/// Whether `tool` runs at all.
fn have(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn show(o: &Output) -> String {
    format!(
        "status: {}\n--- stdout ---\n{}\n--- stderr ---\n{}",
        o.status,
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const WARNINGS: [&str; 4] = ["-std=c11", "-Wall", "-Wextra", "-Werror"];

/// Compiles `args` (sources, libraries, flags) into `<ctest>/bin/<name>`.
fn compile(cc: &str, name: &str, args: &[&str]) -> Result<PathBuf, String> {
    let bin_dir = ctest_dir().join("bin");
    std::fs::create_dir_all(&bin_dir).expect("create bin dir");
    let exe = bin_dir.join(name);
    let include = root().join("include");
    let o = Command::new(cc)
        .args(WARNINGS)
        .arg("-I")
        .arg(&include)
        .args(args)
        .arg("-o")
        .arg(&exe)
        .current_dir(root())
        .output()
        .expect("run the C compiler");
    if o.status.success() {
        Ok(exe)
    } else {
        Err(show(&o))
    }
}

/// Runs a C program. cargo puts its own `target/debug` on the loader path of
/// tests; a dynamically linked program must find the library through its
/// rpath instead.
fn run(exe: &Path) -> Output {
    Command::new(exe)
        .env_remove("LD_LIBRARY_PATH")
        .env_remove("DYLD_LIBRARY_PATH")
        .output()
        .expect("run the C program")
}

fn path(p: &Path) -> &str {
    p.to_str().expect("UTF-8 path")
}

fn example(name: &str) -> String {
    repo()
        .join("examples/c")
        .join(name)
        .to_str()
        .expect("UTF-8 path")
        .to_owned()
}

#[test]
fn c_test_program_passes_statically_linked() {
    let Some(cc) = cc() else { return };
    let exe = compile(
        &cc,
        "test_abi",
        &[
            "-O2",
            &example("test_abi.c"),
            path(&libs().static_lib),
            "-pthread",
        ],
    )
    .unwrap_or_else(|e| panic!("test_abi.c does not compile:\n{e}"));
    let o = run(&exe);
    assert!(o.status.success(), "test_abi failed:\n{}", show(&o));
    assert!(String::from_utf8_lossy(&o.stdout).contains("checks passed"));
}

#[test]
fn c_test_program_passes_under_address_and_undefined_sanitizers() {
    let Some(cc) = cc() else { return };
    let san = [
        "-g",
        "-O1",
        "-fsanitize=address,undefined",
        "-fno-sanitize-recover=all",
        "-fno-omit-frame-pointer",
    ];
    // Can this compiler build a sanitized program at all?
    let probe = ctest_dir().join("san_probe.c");
    std::fs::create_dir_all(ctest_dir()).unwrap();
    std::fs::write(&probe, "int main(void) { return 0; }\n").unwrap();
    let mut args: Vec<&str> = san.to_vec();
    args.push(path(&probe));
    if compile(&cc, "san_probe", &args).is_err() {
        eprintln!("note: {cc} cannot build with -fsanitize=address,undefined; skipped");
        return;
    }
    let mut args: Vec<&str> = san.to_vec();
    let src = example("test_abi.c");
    args.extend([src.as_str(), path(&libs().static_lib), "-pthread"]);
    let exe = compile(&cc, "test_abi_san", &args)
        .unwrap_or_else(|e| panic!("test_abi.c does not compile with sanitizers:\n{e}"));
    let o = run(&exe);
    assert!(
        o.status.success(),
        "test_abi under ASan/UBSan failed:\n{}",
        show(&o)
    );
}

#[test]
fn c_test_program_passes_dynamically_linked() {
    let Some(cc) = cc() else { return };
    let lib = installed().join("usr/lib64");
    let rpath = format!("-Wl,-rpath,{}", path(&lib));
    let libdir = format!("-L{}", path(&lib));
    let exe = compile(
        &cc,
        "test_abi_dyn",
        &[
            "-O2",
            &example("test_abi.c"),
            &libdir,
            "-leevdf",
            &rpath,
            "-pthread",
        ],
    )
    .unwrap_or_else(|e| panic!("test_abi.c does not link against the shared library:\n{e}"));
    if have("readelf") {
        let o = Command::new("readelf")
            .arg("-d")
            .arg(&exe)
            .output()
            .unwrap();
        let dynamic = String::from_utf8_lossy(&o.stdout);
        // The SONAME, not the path or the unversioned name it was linked with.
        let needed = format!("Shared library: [libeevdf.so.{}]", soversion());
        assert!(
            dynamic.contains(&needed),
            "the program does not record {needed}:\n{dynamic}"
        );
    }
    let o = run(&exe);
    assert!(
        o.status.success(),
        "test_abi (dynamic) failed:\n{}",
        show(&o)
    );
}

#[test]
fn shared_library_has_a_soname_records_libc_and_exports_only_eevdf_functions() {
    if !have("readelf") {
        eprintln!("note: no readelf; skipped");
        return;
    }
    let so = &libs().shared_lib;
    let o = Command::new("readelf").arg("-d").arg(so).output().unwrap();
    let dynamic = String::from_utf8_lossy(&o.stdout);
    let soname = format!("Library soname: [libeevdf.so.{}]", soversion());
    assert!(dynamic.contains(&soname), "no {soname}:\n{dynamic}");
    // It calls memcpy/memset/bcmp: it must say where they come from.
    assert!(
        dynamic.contains("Shared library: [libc.so"),
        "no NEEDED libc:\n{dynamic}"
    );
    let (defined, _) = symbols(so, true).expect("readelf");
    let others: Vec<&String> = defined
        .iter()
        .filter(|s| !s.starts_with("eevdf_"))
        .collect();
    assert!(
        others.is_empty(),
        "libeevdf.so exports more than eevdf_*: {others:?}"
    );
}

#[test]
fn scheduler_shares_match_the_weights_within_one_percent() {
    let Some(cc) = cc() else { return };
    let exe = compile(
        &cc,
        "scheduler",
        &["-O2", &example("scheduler.c"), path(&libs().static_lib)],
    )
    .unwrap_or_else(|e| panic!("scheduler.c does not compile:\n{e}"));
    let o = run(&exe);
    assert!(o.status.success(), "scheduler failed:\n{}", show(&o));
    let stdout = String::from_utf8_lossy(&o.stdout);
    let (mut hogs, mut interactive) = (0, 0);
    for line in stdout.lines().filter(|l| l.starts_with("share ")) {
        let field = |k: &str| {
            line.split_whitespace()
                .find_map(|kv| kv.strip_prefix(k).and_then(|v| v.strip_prefix('=')))
                .unwrap_or_else(|| panic!("no {k}= in `{line}`"))
        };
        let share: f64 = field("share").parse().unwrap();
        match field("expected") {
            "-" => {
                // The interactive task asks for at most 40% of the CPU.
                assert!(share > 0.05 && share <= 0.40, "{line}");
                interactive += 1;
            }
            e => {
                let expected: f64 = e.parse().unwrap();
                let err = (share - expected).abs() / expected;
                assert!(err < 0.01, "share off by {:.2}%: {line}", 100.0 * err);
                hogs += 1;
            }
        }
    }
    assert_eq!(
        (hogs, interactive),
        (20, 5),
        "5 profiles x 5 tasks:\n{stdout}"
    );
}

#[test]
fn freestanding_program_runs_without_a_c_library() {
    if !(cfg!(target_arch = "x86_64") && cfg!(target_os = "linux")) {
        eprintln!("note: the freestanding program is x86_64 Linux only; skipped");
        return;
    }
    let Some(cc) = cc() else { return };
    let exe = compile(
        &cc,
        "freestanding",
        &[
            "-O2",
            "-nostdlib",
            "-ffreestanding",
            "-static",
            "-fno-stack-protector",
            &example("freestanding.c"),
            path(&libs().static_lib),
            "-lgcc",
            "-Wl,--gc-sections",
        ],
    )
    .unwrap_or_else(|e| panic!("freestanding.c does not build:\n{e}"));
    let o = run(&exe);
    assert_eq!(
        o.status.code(),
        Some(42),
        "freestanding program: 42 is success, another code is the first failed check:\n{}",
        show(&o)
    );
}

/// Global symbols of an archive or shared object: (defined, undefined).
/// `readelf` reads every member; binutils' `nm` can skip members that carry
/// LLVM bitcode when its LTO plugin is older than rustc's LLVM.
fn symbols(lib: &Path, dynamic: bool) -> Option<(BTreeSet<String>, BTreeSet<String>)> {
    let (mut defined, mut undefined) = (BTreeSet::new(), BTreeSet::new());
    if have("readelf") {
        let flag = if dynamic { "--dyn-syms" } else { "-s" };
        let o = Command::new("readelf")
            .args([flag, "-W"])
            .arg(lib)
            .output()
            .ok()?;
        for line in String::from_utf8_lossy(&o.stdout).lines() {
            // Num: Value Size Type Bind Vis Ndx Name
            let f: Vec<&str> = line.split_whitespace().collect();
            if f.len() < 8 || !f[0].ends_with(':') || !matches!(f[4], "GLOBAL" | "WEAK") {
                continue;
            }
            let name = f[7].split('@').next().unwrap().to_owned();
            if f[6] == "UND" {
                undefined.insert(name);
            } else {
                defined.insert(name);
            }
        }
    } else if have("nm") {
        let mut cmd = Command::new("nm");
        if dynamic {
            cmd.arg("-D");
        }
        let o = cmd.arg(lib).output().ok()?;
        for line in String::from_utf8_lossy(&o.stdout).lines() {
            let f: Vec<&str> = line.split_whitespace().collect();
            match f.as_slice() {
                ["U" | "w", name] => {
                    undefined.insert((*name).to_owned());
                }
                [_, t, name] if t.chars().all(|c| c.is_ascii_uppercase()) => {
                    defined.insert((*name).to_owned());
                }
                _ => {}
            }
        }
    } else {
        return None;
    }
    Some((defined, undefined))
}

#[test]
fn static_library_needs_nothing_but_memory_functions() {
    let Some((defined, undefined)) = symbols(&libs().static_lib, false) else {
        eprintln!("note: neither readelf nor nm; skipped");
        return;
    };
    let external: BTreeSet<&str> = undefined
        .iter()
        .filter(|s| !defined.contains(*s))
        .map(String::as_str)
        .collect();
    // What every C compiler requires of a freestanding environment, plus bcmp,
    // which LLVM calls for equality-only comparisons.
    let allowed = ["bcmp", "memcmp", "memcpy", "memmove", "memset"];
    let extra: Vec<&&str> = external.iter().filter(|s| !allowed.contains(s)).collect();
    assert!(
        extra.is_empty(),
        "libeevdf.a needs symbols a freestanding program does not have: {extra:?}"
    );
    assert!(
        !defined
            .iter()
            .any(|s| s.contains("3std") || s.starts_with("_ZN3std")),
        "libstd is linked into libeevdf.a"
    );
}

#[test]
fn every_function_of_the_header_is_in_both_libraries() {
    let header = std::fs::read_to_string(root().join("include/eevdf.h")).unwrap();
    // Declarations look like `int32_t eevdf_name(...);` at the start of a line.
    let declared: BTreeSet<String> = header
        .lines()
        .filter(|l| !l.starts_with(' ') && !l.starts_with('#') && !l.starts_with('/'))
        .filter_map(|l| {
            let start = l.find("eevdf_")?;
            let end = start + l[start..].find('(')?;
            Some(l[start..end].to_owned())
        })
        .collect();
    assert!(
        declared.len() > 60,
        "only {} functions found",
        declared.len()
    );
    for (lib, dynamic) in [(&libs().static_lib, false), (&libs().shared_lib, true)] {
        let Some((defined, _)) = symbols(lib, dynamic) else {
            eprintln!("note: neither readelf nor nm; skipped");
            return;
        };
        let missing: Vec<&String> = declared.iter().filter(|f| !defined.contains(*f)).collect();
        assert!(missing.is_empty(), "{} lacks {missing:?}", lib.display());
    }
}

#[test]
fn the_examples_in_docs_c_api_md_and_the_readme_compile_and_run() {
    let Some(cc) = cc() else { return };
    for (doc, name) in [
        ("docs/c-api.md", "hello.c"),
        ("README.md", "hello_readme.c"),
    ] {
        let src = doc_example(doc, name);
        let exe = compile(
            &cc,
            name.trim_end_matches(".c"),
            &[path(&src), path(&libs().static_lib)],
        )
        .unwrap_or_else(|e| panic!("the {doc} example does not compile:\n{e}"));
        let o = run(&exe);
        assert!(
            o.status.success(),
            "the {doc} example failed:\n{}",
            show(&o)
        );
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(
            out.contains("EEVDF_OK: 3056716 virtual ns") && out.contains("V = v0 + 3260"),
            "unexpected output of the {doc} example:\n{out}"
        );
    }
}

/// The `/* hello.c … */` example of docs/c-api.md, written to `<ctest>/hello.c`.
fn docs_example() -> PathBuf {
    doc_example("docs/c-api.md", "hello.c")
}

/// The ```c block of `doc` that starts with `/* hello.c`, written to `<ctest>/<name>`.
fn doc_example(doc: &str, name: &str) -> PathBuf {
    doc_block(doc, "/* hello.c", name)
}

/// The ```c block of `doc` that starts with `marker`, written to `<ctest>/<name>`.
fn doc_block(doc: &str, marker: &str, name: &str) -> PathBuf {
    let text = std::fs::read_to_string(repo().join(doc)).unwrap();
    let code = text
        .split("```c\n")
        .skip(1)
        .filter_map(|b| b.split("```").next())
        .find(|b| b.starts_with(marker))
        .unwrap_or_else(|| panic!("{doc} has a ```c block starting with {marker}"));
    let src = ctest_dir().join(name);
    std::fs::create_dir_all(ctest_dir()).unwrap();
    std::fs::write(&src, code).unwrap();
    src
}

#[test]
fn the_load_side_example_in_docs_c_api_md_compiles_and_runs() {
    let Some(cc) = cc() else { return };
    let src = doc_block("docs/c-api.md", "/* load.c", "load.c");
    let exe = compile(&cc, "load", &[path(&src), path(&libs().static_lib)])
        .unwrap_or_else(|e| panic!("the load.c example does not compile:\n{e}"));
    let o = run(&exe);
    assert!(
        o.status.success(),
        "the load.c example failed:\n{}",
        show(&o)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        out.contains("task util_avg 894, queue load_avg 894") && out.contains("EEVDF_OK: this_cpu"),
        "unexpected output of the load.c example:\n{out}"
    );
}

#[test]
fn install_script_makes_the_distribution_layout_and_pkg_config_finds_it() {
    let stage = installed();
    let lib = stage.join("usr/lib64");
    let (version, so) = (env!("CARGO_PKG_VERSION"), soversion());
    for f in [
        "usr/include/eevdf.h",
        "usr/lib64/libeevdf.a",
        "usr/lib64/pkgconfig/eevdf.pc",
    ] {
        assert!(stage.join(f).is_file(), "{f} not installed");
    }
    let real = lib.join(format!("libeevdf.so.{version}"));
    assert!(
        real.is_file() && !real.is_symlink(),
        "libeevdf.so.{version} is not a file"
    );
    for (link, to) in [
        (
            format!("libeevdf.so.{so}"),
            format!("libeevdf.so.{version}"),
        ),
        ("libeevdf.so".to_owned(), format!("libeevdf.so.{so}")),
    ] {
        if link == to {
            continue;
        }
        let target = std::fs::read_link(lib.join(&link))
            .unwrap_or_else(|e| panic!("{link} is not a symlink: {e}"));
        assert_eq!(target, Path::new(&to), "{link}");
    }
    // The .pc file names the final paths, not the staging root.
    let pc = std::fs::read_to_string(lib.join("pkgconfig/eevdf.pc")).unwrap();
    assert!(!pc.contains('@'), "unsubstituted template variable:\n{pc}");
    assert!(
        !pc.contains(path(stage)),
        "the staging root leaked into eevdf.pc:\n{pc}"
    );
    for line in [
        "prefix=/usr".to_owned(),
        "libdir=/usr/lib64".to_owned(),
        "includedir=/usr/include".to_owned(),
        format!("Version: {version}"),
    ] {
        assert!(
            pc.lines().any(|l| l == line),
            "eevdf.pc lacks `{line}`:\n{pc}"
        );
    }
    let Some(cc) = cc() else { return };
    if !have("pkg-config") {
        eprintln!("note: no pkg-config; compile through eevdf.pc skipped");
        return;
    }
    let o = Command::new("pkg-config")
        .args(["--cflags", "--libs", "eevdf"])
        .env("PKG_CONFIG_PATH", lib.join("pkgconfig"))
        .env("PKG_CONFIG_SYSROOT_DIR", stage)
        .output()
        .unwrap();
    assert!(o.status.success(), "pkg-config failed:\n{}", show(&o));
    let flags = String::from_utf8(o.stdout).unwrap();
    let src = docs_example();
    let rpath = format!("-Wl,-rpath,{}", path(&lib));
    let mut args: Vec<&str> = vec![path(&src)];
    args.extend(flags.split_whitespace());
    args.push(&rpath);
    let exe = compile(&cc, "hello_pc", &args)
        .unwrap_or_else(|e| panic!("hello.c does not build with `{flags}`:\n{e}"));
    let o = run(&exe);
    assert!(
        o.status.success(),
        "hello (pkg-config) failed:\n{}",
        show(&o)
    );
}

#[test]
fn the_run_queue_loop_in_docs_c_api_md_links_statically_with_gc_sections_and_runs() {
    let Some(cc) = cc() else { return };
    let src = doc_block("docs/c-api.md", "/* runqueue.c", "runqueue.c");
    let exe = compile(
        &cc,
        "runqueue",
        &[
            "-O2",
            path(&src),
            path(&libs().static_lib),
            "-Wl,--gc-sections",
        ],
    )
    .unwrap_or_else(|e| panic!("the runqueue.c example does not compile:\n{e}"));
    let o = run(&exe);
    assert!(
        o.status.success(),
        "the runqueue.c example failed:\n{}",
        show(&o)
    );
    let out = String::from_utf8_lossy(&o.stdout);
    let doc = std::fs::read_to_string(repo().join("docs/c-api.md")).unwrap();
    // The output the docs print, line by line.
    for line in out.lines() {
        assert!(
            doc.contains(line),
            "docs/c-api.md does not show `{line}`:\n{out}"
        );
    }
}
