//! `include/eevdf.h` is what cbindgen generates from `src/ffi/` with
//! `cbindgen.toml`. Fails with a diff when the checked-in header is stale;
//! `EEVDF_BLESS=1 cargo test --test header` rewrites it.

use std::path::Path;

fn generate() -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let config = cbindgen::Config::from_file(root.join("cbindgen.toml")).expect("cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_config(config)
        .with_src(root.join("src/ffi/mod.rs"))
        .generate()
        .expect("cbindgen failed to parse src/ffi/");
    let mut out = Vec::new();
    bindings.write(&mut out);
    String::from_utf8(out).expect("header is UTF-8")
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
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("include/eevdf.h");
    let want = generate();
    if std::env::var_os("EEVDF_BLESS").is_some() {
        std::fs::write(&path, &want).expect("write include/eevdf.h");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "include/eevdf.h is stale; regenerate it with\n\n    EEVDF_BLESS=1 cargo test --test header\n\n\
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
    // c-abi-contract.md: names, parameter order and types, status and profile values.
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
