//! Hand-written SVG line plots (no plotting dependency): axes, ticks, one
//! polyline per series, a legend, optional reference lines.

use std::fmt::Write;

use crate::report::Series;

const W: f64 = 760.0;
const H: f64 = 400.0;
const L: f64 = 70.0;
const R: f64 = 200.0;
const T: f64 = 40.0;
const B: f64 = 55.0;
const COLORS: [&str; 5] = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd", "#ff7f0e"];

pub struct Plot<'a> {
    pub title: &'a str,
    pub xlabel: &'a str,
    pub ylabel: &'a str,
    pub series: &'a [Series],
    pub xlog: bool,
    /// Fixed x range, else from the data.
    pub x: Option<(f64, f64)>,
    /// The least y range: widened to round values when a point lies outside
    /// it, so that no point is drawn at a value it does not have.
    pub y: (f64, f64),
    /// The y tick step while the range is `y`, else a round one.
    pub ystep: Option<f64>,
    /// Draw as steps (value holds until the next point).
    pub steps: bool,
    /// Horizontal reference lines (y, label).
    pub hlines: &'a [(f64, &'a str)],
    /// Vertical reference lines (x, label).
    pub vlines: &'a [(f64, &'a str)],
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Round tick steps: 1, 2 or 5 × 10^k, about `n` ticks over `span`.
fn nice_step(span: f64, n: f64) -> f64 {
    let raw = (span / n).max(1e-12);
    let p = 10f64.powf(raw.log10().floor());
    let m = raw / p;
    let f = if m < 1.5 {
        1.0
    } else if m < 3.5 {
        2.0
    } else if m < 7.5 {
        5.0
    } else {
        10.0
    };
    f * p
}

fn fmt_tick(v: f64) -> String {
    let s = format!("{v:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    if s == "-0" {
        "0".into()
    } else {
        s.into()
    }
}

/// The drawn y range: `p.y`, widened to a multiple of a round step where a
/// (finite) point lies outside it.
pub fn y_range(p: &Plot) -> (f64, f64) {
    let (mut lo, mut hi) = p.y;
    let ys = p.series.iter().flat_map(|s| s.points.iter().map(|q| q.1));
    for y in ys.filter(|y| y.is_finite()) {
        lo = lo.min(y);
        hi = hi.max(y);
    }
    if (lo, hi) == p.y {
        return p.y;
    }
    let step = nice_step(hi - lo, 5.0);
    let lo = if lo < p.y.0 {
        (lo / step).floor() * step
    } else {
        lo
    };
    let hi = if hi > p.y.1 {
        (hi / step).ceil() * step
    } else {
        hi
    };
    (lo, hi)
}

pub fn render(p: &Plot) -> String {
    let (x0, x1) = p.x.unwrap_or_else(|| {
        let xs = p.series.iter().flat_map(|s| s.points.iter().map(|q| q.0));
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for x in xs.filter(|x| x.is_finite()) {
            lo = lo.min(x);
            hi = hi.max(x);
        }
        if !lo.is_finite() {
            (0.0, 1.0)
        } else if hi <= lo {
            (lo, lo + 1.0)
        } else {
            (lo, hi)
        }
    });
    let (y0, y1) = y_range(p);
    let fx = |x: f64| -> f64 {
        let t = if p.xlog {
            (x.max(x0).log10() - x0.log10()) / (x1.log10() - x0.log10())
        } else {
            (x - x0) / (x1 - x0)
        };
        L + t.clamp(0.0, 1.0) * (W - L - R)
    };
    let fy = |y: f64| -> f64 { T + (1.0 - ((y - y0) / (y1 - y0)).clamp(0.0, 1.0)) * (H - T - B) };
    let mut s = String::new();
    let _ = writeln!(
        s,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{W}\" height=\"{H}\" viewBox=\"0 0 {W} {H}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(s, "<rect width=\"{W}\" height=\"{H}\" fill=\"white\"/>");
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"22\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        L,
        esc(p.title)
    );
    // Axes.
    let _ = writeln!(
        s,
        "<path d=\"M{L} {T} V{:.1} H{:.1}\" fill=\"none\" stroke=\"black\"/>",
        H - B,
        W - R
    );
    // Y ticks.
    let ys = match p.ystep {
        Some(step) if (y0, y1) == p.y => step,
        _ => nice_step(y1 - y0, 5.0),
    };
    let mut y = (y0 / ys).ceil() * ys;
    while y <= y1 + ys * 1e-9 {
        let py = fy(y);
        let _ = writeln!(
            s,
            "<line x1=\"{:.1}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\" stroke=\"#ddd\"/><text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            L,
            W - R,
            L - 6.0,
            py + 4.0,
            fmt_tick(y)
        );
        y += ys;
    }
    // X ticks.
    if p.xlog {
        let mut d = 10f64.powf(x0.log10().ceil());
        while d <= x1 * (1.0 + 1e-9) {
            let px = fx(d);
            let _ = writeln!(
                s,
                "<line x1=\"{px:.1}\" y1=\"{T}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/><text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                H - B,
                H - B + 16.0,
                fmt_tick(d)
            );
            d *= 10.0;
        }
    } else {
        let xs = nice_step(x1 - x0, 6.0);
        let mut x = (x0 / xs).ceil() * xs;
        while x <= x1 + xs * 1e-9 {
            let px = fx(x);
            let _ = writeln!(
                s,
                "<line x1=\"{px:.1}\" y1=\"{T}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"#ddd\"/><text x=\"{px:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
                H - B,
                H - B + 16.0,
                fmt_tick(x)
            );
            x += xs;
        }
    }
    let _ = writeln!(
        s,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        (L + W - R) / 2.0,
        H - 12.0,
        esc(p.xlabel)
    );
    let _ = writeln!(
        s,
        "<text transform=\"translate(16 {:.1}) rotate(-90)\" text-anchor=\"middle\">{}</text>",
        (T + H - B) / 2.0,
        esc(p.ylabel)
    );
    for &(y, label) in p.hlines {
        let py = fy(y);
        let _ = writeln!(
            s,
            "<line x1=\"{L}\" y1=\"{py:.1}\" x2=\"{:.1}\" y2=\"{py:.1}\" stroke=\"#555\" stroke-dasharray=\"4 3\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#555\" text-anchor=\"end\">{}</text>",
            W - R,
            W - R - 4.0,
            py - 4.0,
            esc(label)
        );
    }
    for &(x, label) in p.vlines {
        let px = fx(x);
        let _ = writeln!(
            s,
            "<line x1=\"{px:.1}\" y1=\"{T}\" x2=\"{px:.1}\" y2=\"{:.1}\" stroke=\"#555\" stroke-dasharray=\"4 3\"/><text x=\"{:.1}\" y=\"{:.1}\" fill=\"#555\">{}</text>",
            H - B,
            px + 4.0,
            T + 12.0,
            esc(label)
        );
    }
    for (i, ser) in p.series.iter().enumerate() {
        let color = COLORS[i % COLORS.len()];
        let mut d = String::new();
        let mut first = true;
        for &(x, y) in &ser.points {
            // A point that is not a number is a gap in the line.
            if !(x.is_finite() && y.is_finite()) {
                first = true;
                continue;
            }
            let (px, py) = (fx(x), fy(y));
            if first {
                first = false;
                let _ = write!(d, "M{px:.1} {py:.1}");
            } else if p.steps {
                let _ = write!(d, " H{px:.1} V{py:.1}");
            } else {
                let _ = write!(d, " L{px:.1} {py:.1}");
            }
        }
        let dash = if i % 2 == 1 {
            " stroke-dasharray=\"6 2\""
        } else {
            ""
        };
        let _ = writeln!(
            s,
            "<path d=\"{d}\" fill=\"none\" stroke=\"{color}\" stroke-width=\"1.8\"{dash}/>"
        );
        let ly = T + 10.0 + 20.0 * i as f64;
        let lx = W - R + 12.0;
        let _ = writeln!(
            s,
            "<line x1=\"{lx:.1}\" y1=\"{ly:.1}\" x2=\"{:.1}\" y2=\"{ly:.1}\" stroke=\"{color}\" stroke-width=\"2.5\"{dash}/><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            lx + 22.0,
            lx + 28.0,
            ly + 4.0,
            esc(&ser.label)
        );
    }
    s.push_str("</svg>\n");
    s
}
