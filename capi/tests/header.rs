//! `include/eevdf.h` is what cbindgen generates from `src/ffi/` with
//! `cbindgen.toml`, rearranged for readers by [`organise`]: a contents
//! comment, the version macros, then the declarations in sections of a
//! reader's order, each section's constants, types and functions together.
//! Fails with a diff when the checked-in header is stale;
//! `EEVDF_BLESS=1 cargo test -p eevdf-capi --test header` rewrites it.

use std::collections::BTreeMap;
use std::path::Path;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn generate() -> String {
    let config = cbindgen::Config::from_file(root().join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root().join("src/ffi/mod.rs"))
        .generate()
        .expect("cbindgen failed to parse src/ffi/");
    let mut out = Vec::new();
    bindings.write(&mut out);
    organise(&String::from_utf8(out).expect("header is UTF-8"))
}

/// The header's sections, in a reader's order: a title and a line for the
/// contents. Which section a declaration goes to is [`section_of`].
const SECTIONS: [(&str, &str); 9] = [
    (
        "Status codes, profiles, features and tunables",
        "what every call returns and takes",
    ),
    (
        "The ten contract functions and load weights",
        "nice -> weight, calc_delta_fair, V, eligibility, lag, placement, shares, PELT sums",
    ),
    (
        "The V accumulator",
        "EevdfAvgVruntime: S, W and v0 kept across updates",
    ),
    (
        "Entities and the pick rule",
        "EevdfSchedEntity: deadline, lag, placement, reweight, protection, pick",
    ),
    (
        "The run queue",
        "EevdfRq in a caller's buffer: enqueue, tick, wakeup, pick, need_resched",
    ),
    (
        "PELT load tracking",
        "EevdfSchedAvg: load, runnable and util averages, util_est",
    ),
    (
        "Group shares",
        "calc_group_shares, cpu.weight/cpu.shares, tg->load_avg (also atomic)",
    ),
    (
        "Wake-up decisions",
        "wake_wide, wake_affine, idle CPUs, h_load, run-queue snapshots",
    ),
    (
        "Overflow domains",
        "the inputs each formula takes without overflow, headroom",
    ),
];

/// The ten functions of the fixed C contract (section 2, whatever module
/// defines them), and the constant their examples start from.
const CONTRACT: [&str; 11] = [
    "eevdf_load_weight_from_nice",
    "eevdf_scale_load_down",
    "eevdf_calc_delta_fair",
    "eevdf_avg_vruntime",
    "eevdf_vruntime_eligible",
    "eevdf_entity_lag",
    "eevdf_place_lag",
    "eevdf_calc_group_shares",
    "eevdf_pelt_decay_load",
    "eevdf_pelt_accumulate_segments",
    "EEVDF_VRUNTIME_INIT",
];

/// The section (index into [`SECTIONS`]) of a declared name: the contract
/// first, then by the `src/ffi/` module that defines it.
fn section_of(name: &str, module: &str) -> usize {
    if CONTRACT.contains(&name) {
        return 1;
    }
    match module {
        "mod" | "profile" => 0,
        "weight" => 1,
        "avg" => 2,
        "entity" => 3,
        "runqueue" => 4,
        "pelt" => 5,
        "group" => 6,
        "sync"
            if name.contains("snapshot")
                || name.contains("Snapshot")
                || name.contains("Summary") =>
        {
            7
        }
        "sync" => 6,
        "wake" => 7,
        "bounds" => 8,
        other => panic!("src/ffi/{other}.rs: no header section for `{name}`"),
    }
}

/// Which `src/ffi/` module defines each exported name.
fn modules() -> BTreeMap<String, String> {
    let mut map = BTreeMap::new();
    for entry in std::fs::read_dir(root().join("src/ffi")).expect("src/ffi") {
        let path = entry.expect("dir entry").path();
        let module = path.file_stem().unwrap().to_str().unwrap().to_owned();
        let text = std::fs::read_to_string(&path).expect("read src/ffi");
        for line in text.lines() {
            let words: Vec<&str> = line
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .collect();
            let name = if line.starts_with("pub const ") || line.starts_with("pub struct ") {
                words.get(2)
            } else if line.starts_with("pub ") && line.contains(" fn eevdf_") {
                words.iter().skip_while(|w| **w != "fn").nth(1)
            } else {
                None
            };
            if let Some(name) = name.filter(|n| {
                n.starts_with("eevdf_") || n.starts_with("EEVDF_") || n.starts_with("Eevdf")
            }) {
                map.insert((*name).to_owned(), module.clone());
            }
        }
    }
    map
}

/// One top-level declaration of cbindgen's output with its doc comment.
struct Item {
    name: String,
    /// 0: a constant, 1: a type, 2: a function (the order inside a section).
    kind: u8,
    text: String,
}

/// Splits the declarations between `start` and `end` (exclusive line
/// indices) into items.
fn items(lines: &[&str], kind_of: impl Fn(&str) -> u8) -> Vec<Item> {
    let (mut out, mut cur, mut depth) = (Vec::new(), Vec::<&str>::new(), 0i32);
    for &line in lines {
        if cur.is_empty() && line.trim().is_empty() {
            continue;
        }
        cur.push(line);
        let code = !(line.starts_with("/**")
            || line.starts_with(" *")
            || line.trim_start().starts_with("/*")
            || line.trim_start().starts_with("*"));
        if code {
            depth += line.matches('{').count() as i32 - line.matches('}').count() as i32;
        }
        let done = code
            && depth == 0
            && ((line.starts_with("#define") && !line.ends_with('\\'))
                || line.trim_end().ends_with(';'));
        if done {
            let decl: String = cur
                .iter()
                .filter(|l| !(l.starts_with("/**") || l.starts_with(" *")))
                .copied()
                .collect::<Vec<_>>()
                .join(" ");
            let name = if let Some(rest) = decl.strip_prefix("#define ") {
                rest.split(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap()
                    .to_owned()
            } else if decl.starts_with("typedef") {
                decl.trim_end_matches(';')
                    .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .find(|w| !w.is_empty())
                    .unwrap()
                    .to_owned()
            } else {
                let open = decl.find('(').expect("a function declaration");
                decl[..open]
                    .rsplit(|c: char| !(c.is_alphanumeric() || c == '_'))
                    .next()
                    .unwrap()
                    .to_owned()
            };
            out.push(Item {
                kind: kind_of(&decl),
                name,
                text: cur.join("\n"),
            });
            cur.clear();
        }
    }
    assert!(
        cur.iter().all(|l| l.trim().is_empty()),
        "unterminated declaration: {cur:?}"
    );
    out
}

/// cbindgen's header (constants, then types, then functions, in module order)
/// rearranged: the preamble up to the includes, the contents, the version
/// macros, then [`SECTIONS`] in order inside one `extern "C"` block.
fn organise(raw: &str) -> String {
    let lines: Vec<&str> = raw.lines().collect();
    let find = |pat: &str, from: usize| {
        from + lines[from..]
            .iter()
            .position(|l| *l == pat)
            .unwrap_or_else(|| panic!("no `{pat}` in cbindgen's output"))
    };
    let includes_end = find("#include <stdint.h>", 0) + 1;
    let cpp_open = find("#ifdef __cplusplus", includes_end);
    let fns_start = cpp_open + 3;
    let cpp_close = find("#ifdef __cplusplus", fns_start);
    // after_includes (the EEVDF_RQ_BUFFER_SIZE macro) is the first item: keep it in the preamble.
    let mut decls = items(&lines[includes_end..cpp_open], |d| {
        if d.starts_with("#define") {
            0
        } else {
            1
        }
    });
    let after_includes = decls.remove(0);
    decls.extend(items(&lines[fns_start..cpp_close], |_| 2));

    let modules = modules();
    let mut sections: Vec<Vec<Item>> = SECTIONS.iter().map(|_| Vec::new()).collect();
    for item in decls {
        let module = modules
            .get(&item.name)
            .unwrap_or_else(|| panic!("`{}` is not defined in src/ffi/", item.name));
        sections[section_of(&item.name, module)].push(item);
    }

    let mut out: Vec<String> = lines[..includes_end]
        .iter()
        .map(|l| (*l).to_owned())
        .collect();
    out.push(String::new());
    out.push("/*".into());
    out.push(" * Contents (section, functions, line)".into());
    out.push(" *".into());
    let contents_at = out.len();
    for (i, ((title, what), items)) in SECTIONS.iter().zip(&sections).enumerate() {
        assert!(!items.is_empty(), "section {title} is empty");
        let fns = items.iter().filter(|it| it.kind == 2).count();
        // The line is filled in below, once the sections are laid out.
        out.push(format!(" *  {}. {title:<48} {fns:>3}  line @", i + 1));
        out.push(format!(" *       {what}"));
    }
    out.push(" */".into());
    out.push(String::new());
    out.push(
        "/* The version of the library this header belongs to (eevdf_version() gives the".into(),
    );
    out.push(
        " * library's own at run time). Before 1.0 a minor release may change the ABI. */".into(),
    );
    for (macro_name, value) in [
        ("EEVDF_VERSION_MAJOR", env!("CARGO_PKG_VERSION_MAJOR")),
        ("EEVDF_VERSION_MINOR", env!("CARGO_PKG_VERSION_MINOR")),
        ("EEVDF_VERSION_PATCH", env!("CARGO_PKG_VERSION_PATCH")),
    ] {
        out.push(format!("#define {macro_name} {value}"));
    }
    out.push(format!(
        "#define EEVDF_VERSION_STRING \"{}\"",
        env!("CARGO_PKG_VERSION")
    ));
    out.push(String::new());
    out.push(after_includes.text);
    out.push(String::new());
    out.extend(lines[cpp_open..fns_start].iter().map(|l| (*l).to_owned()));
    for (i, ((title, _), mut items)) in SECTIONS.iter().zip(sections).enumerate() {
        items.sort_by_key(|it| it.kind); // stable: cbindgen's order inside each kind
        out.push(String::new());
        out.push(format!("/* {} */", "=".repeat(96)));
        out.push(format!("/* {}. {title}", i + 1));
        out.push(format!(" * {} */", "=".repeat(96)));
        for item in items {
            out.push(String::new());
            out.push(item.text);
        }
    }
    out.push(String::new());
    out.extend(lines[cpp_close..].iter().map(|l| (*l).to_owned()));
    let text = out.join("\n") + "\n";
    let mut lines: Vec<String> = text.lines().map(str::to_owned).collect();
    for (i, (title, _)) in SECTIONS.iter().enumerate() {
        let banner = format!("/* {}. {title}", i + 1);
        let at = lines.iter().position(|l| *l == banner).expect("a banner") + 1;
        let entry = &mut lines[contents_at + 2 * i];
        *entry = entry.replace("line @", &format!("line {at}"));
    }
    lines.join("\n") + "\n"
}

/// A unified-style diff of two texts, line by line (enough to read a stale header).
fn diff(old: &str, new: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    // Longest common subsequence table, from the end.
    let mut lcs = vec![vec![0u32; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out += &format!("{:>5} + {}\n", j + 1, b[j]);
            j += 1;
        } else {
            out += &format!("{:>5} - {}\n", i + 1, a[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn checked_in_header_is_what_cbindgen_generates() {
    let path = root().join("include/eevdf.h");
    let want = generate();
    if std::env::var_os("EEVDF_BLESS").is_some() {
        std::fs::write(&path, &want).expect("write include/eevdf.h");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "include/eevdf.h is stale; regenerate it with\n\n    EEVDF_BLESS=1 cargo test -p eevdf-capi --test header\n\n\
         diff (- checked in, + generated):\n{}",
        diff(&have, &want)
    );
}

/// The text without `/* … */` comments.
fn strip_comments(s: &str) -> String {
    let mut out = String::new();
    let mut rest = s;
    while let Some(start) = rest.find("/*") {
        out += &rest[..start];
        rest = match rest[start..].find("*/") {
            Some(end) => &rest[start + end + 2..],
            None => "",
        };
    }
    out + rest
}

/// Whitespace runs collapsed to one space.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn header_declares_the_contract_exactly() {
    // The fixed core of the C ABI: names, parameter order and types, status and profile values.
    // cbindgen's "both" style (the one that emits the contract's tagged typedef)
    // spells parameters `struct EevdfLoadWeight *`: the same C type.
    let h = squash(&strip_comments(&generate()))
        .replace("struct EevdfLoadWeight *", "EevdfLoadWeight *");
    for decl in [
        "typedef struct EevdfLoadWeight { uint64_t weight; uint32_t inv_weight; } EevdfLoadWeight;",
        "int32_t eevdf_load_weight_from_nice(int32_t nice, EevdfLoadWeight *out);",
        "uint64_t eevdf_scale_load_down(uint64_t weight);",
        "int32_t eevdf_calc_delta_fair(uint32_t profile, uint64_t delta_exec, const EevdfLoadWeight *lw, uint64_t *out);",
        "int32_t eevdf_avg_vruntime(uint32_t profile, uint64_t v0, const uint64_t *vruntime, const uint64_t *weight, size_t n, uint64_t *out);",
        "int32_t eevdf_vruntime_eligible(uint32_t profile, uint64_t v0, const uint64_t *vruntime, const uint64_t *weight, size_t n, uint64_t v, bool *out);",
        "int32_t eevdf_entity_lag(uint32_t profile, uint64_t avg_vruntime, uint64_t vruntime, const EevdfLoadWeight *lw, uint64_t slice, uint64_t max_slice, uint64_t tick_nsec, int64_t *out);",
        "int32_t eevdf_place_lag(uint32_t profile, int64_t vlag, const uint64_t *queue_weight, size_t n, uint64_t weight, int64_t *out);",
        "int32_t eevdf_calc_group_shares(uint32_t profile, uint64_t tg_shares, uint64_t tg_load_avg, uint64_t tg_load_avg_contrib, uint64_t grq_load_weight, uint64_t grq_load_avg, uint64_t *out);",
        "uint64_t eevdf_pelt_decay_load(uint64_t val, uint64_t n);",
        "uint32_t eevdf_pelt_accumulate_segments(uint64_t periods, uint32_t d1, uint32_t d3);",
        "#define EEVDF_OK 0",
        "#define EEVDF_WRAPPED 1",
        "#define EEVDF_EINVAL -22",
        "#define EEVDF_EDOM -33",
        "#define EEVDF_EOVERFLOW -75",
        "#define EEVDF_PROFILE_LINUX_6_6 0",
        "#define EEVDF_PROFILE_LINUX_6_18 1",
        "#define EEVDF_PROFILE_LINUX_7_0 2",
        "#define EEVDF_PROFILE_LINUX_7_1 3",
        "#define EEVDF_PROFILE_EXACT 4",
        "#include <stdbool.h>",
        "#include <stddef.h>",
        "#include <stdint.h>",
        "#ifndef EEVDF_H",
        "#ifdef __cplusplus extern \"C\" {",
    ] {
        assert!(h.contains(&squash(decl)), "header lacks `{decl}`");
    }
    assert!(!h.contains("__int128"), "no 128-bit types in the header");
    assert!(!h.contains("stdlib.h"), "the header must stay freestanding");
}

#[test]
fn header_version_macros_are_the_crate_version_in_cargo_toml() {
    let toml = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    let version = toml
        .lines()
        .find_map(|l| l.strip_prefix("version = \""))
        .and_then(|v| v.strip_suffix('"'))
        .expect("capi/Cargo.toml has a version");
    let parts: Vec<&str> = version.split('.').collect();
    let header = std::fs::read_to_string(root().join("include/eevdf.h")).unwrap();
    for (name, value) in [
        ("MAJOR", parts[0]),
        ("MINOR", parts[1]),
        ("PATCH", parts[2]),
    ] {
        let line = format!("#define EEVDF_VERSION_{name} {value}");
        assert!(
            header.lines().any(|l| l == line),
            "include/eevdf.h lacks `{line}`"
        );
    }
    let line = format!("#define EEVDF_VERSION_STRING \"{version}\"");
    assert!(
        header.lines().any(|l| l == line),
        "include/eevdf.h lacks `{line}`"
    );
}

#[test]
fn header_sections_come_in_the_readers_order_with_a_contents_comment() {
    let header = std::fs::read_to_string(root().join("include/eevdf.h")).unwrap();
    let contents = header.find(" * Contents").expect("a contents comment");
    let mut at = contents;
    for (i, (title, _)) in SECTIONS.iter().enumerate() {
        let entry = format!(" *  {}. {title} ", i + 1);
        assert!(header.contains(&entry), "the contents lack `{entry}`");
        let banner = format!("/* {}. {title}\n", i + 1);
        let pos = header
            .find(&banner)
            .unwrap_or_else(|| panic!("no section banner `{banner}`"));
        assert!(pos > at, "section {} is out of order", i + 1);
        at = pos;
    }
    // The contract's first function comes right after its section banner's
    // constants and types, long before the run queue.
    let contract = header.find("int32_t eevdf_calc_delta_fair(").unwrap();
    let rq = header.find("/* 5. The run queue").unwrap();
    assert!(contract < rq, "eevdf_calc_delta_fair is not in section 2");
}
