//! The option values every `eevdf-lab` subcommand shares (`--seed`,
//! `--secs`, `--variant`, `--features`), checked one way with one wording.

/// `--seed`: a non-negative integer.
pub fn seed(v: &str) -> Result<u64, String> {
    v.parse()
        .map_err(|_| format!("--seed needs a non-negative integer, not '{v}'"))
}

/// `--secs`: simulated seconds with 0 < S <= `max`.
pub fn secs(v: &str, max: f64) -> Result<f64, String> {
    v.parse()
        .ok()
        .filter(|s: &f64| *s > 0.0 && *s <= max)
        .ok_or_else(|| format!("--secs needs seconds with 0 < S <= {max}, not '{v}'"))
}

/// `--variant`: a comma list of names, added to `out` (at least one).
pub fn variants(list: &str, out: &mut Vec<String>) -> Result<(), String> {
    let before = out.len();
    out.extend(
        list.split(',')
            .filter(|w| !w.is_empty())
            .map(str::to_string),
    );
    if out.len() == before {
        return Err(format!("--variant needs a variant name, not '{list}'"));
    }
    Ok(())
}

/// `--features`: a comma list of debugfs `sched_features` words, added to
/// `out`.
pub fn features(list: &str, out: &mut Vec<String>) -> Result<(), String> {
    for w in list.split(',').filter(|w| !w.is_empty()) {
        if !eevdf::Features::empty().apply_debugfs(w) {
            return Err(format!(
                "unknown feature '{w}' (a debugfs sched_features word such as NO_PLACE_LAG)"
            ));
        }
        out.push(w.to_string());
    }
    Ok(())
}
