//! The weighted average virtual time V and eligibility (`avg_vruntime()`,
//! `vruntime_eligible()` and the `avg_vruntime`/`sum_w_vruntime` sums of
//! `kernel/sched/fair.c`, v6.6–v7.1; derivation in `docs/derivations.md` §3).
//!
//! EEVDF needs the weighted mean of the queued entities' vruntimes,
//!
//! ```text
//! V = Σ v_i·w_i / Σ w_i,
//! ```
//!
//! but v_i are wrapping u64 and the products would overflow, so the kernel keeps
//! the sums relative to a reference point v0 (`min_vruntime` up to v6.18,
//! `zero_vruntime` after), with keys k_i = wsub(v_i, v0):
//!
//! ```text
//! S = Σ k_i ⊗ w_i   (s64, wrapping)          W = Σ w_i   (u64)
//! V = v0 + ⌊(S + k_c·w_c) / (W + w_c)⌋       (c = the running entity, if on_rq)
//! moving v0 → v0 + d:   S ← S − W⊗d
//! eligible(v) ⟺ S + k_c·w_c ≥ wsub(v, v0)·(W + w_c)   (no division)
//! ```
//!
//! The weights w_i are `scale_load_down(load.weight)` up to v7.0 and the full
//! `load.weight` in v7.1 ([`AvgWeight`]). The running entity (`curr`) is kept
//! out of S and W while it runs and added on the fly when it is on the run queue.
//!
//! V is *floored*, not truncated (commit 650cad561cce): with keys −3 and 0 of
//! equal weight V is v0 − 2, so that an entity placed at V is always eligible.
//! The tree before it (af4cf40470c2 … 86bfbb7ce4f6, [`AvgRounding::Truncate`])
//! truncated toward zero: v0 − 1.
//!
//! [`AvgVruntime`] maintains S, W and v0 incrementally; the `*_batch` functions
//! compute the same from a list of (vruntime, weight) pairs.
//!
//! # Wrapping, and how it is detected
//!
//! The accumulator keeps S and W as the *exact* (128-bit) sum of the operations
//! the kernel performs. Because add, subtract and multiply wrap modulo 2⁶⁴ in
//! the kernel, the kernel's s64 S is exactly the low 64 bits of that sum, so the
//! kernel value is reproduced bit for bit.
//!
//! Whether the kernel's arithmetic wrapped is decided *per operation*, in the
//! kernel's own widths, as `overflowing_mul`/`overflowing_add` would: an update
//! wraps when its product key·w (or W·d) does not fit an s64, when S ± that
//! product leaves the s64 range, or when W ± w leaves the range of the `long`
//! the kernel reads W into. A product can overflow while the final sum fits
//! again (two large terms of opposite sign): the sums are then right *by luck*
//! and the operation is still reported. Each update returns its own flag
//! ([`AvgVruntime::overflowing_add`]) and sets a sticky one that
//! [`AvgVruntime::is_wrapped`] reads until [`AvgVruntime::clear_wrapped`].
//!
//! ```
//! use eevdf::{avg::AvgVruntime, Profile, Vtime};
//! // docs/derivations.md §4 (v7.1.5 avg_vruntime()): A and B (nice 0) in the
//! // tree, curr C (nice 5) on the run queue; V = ⌊2,723,700,000 / 2383⌋.
//! let v0 = Vtime::INIT;
//! let mut acc = AvgVruntime::new(Profile::LINUX_7_1);
//! acc.add(v0 + 1_000_000, 1024 << 10).unwrap();
//! acc.add(v0 + 1_300_000, 1024 << 10).unwrap();
//! let curr = Some((v0 + 1_100_000, 335 << 10));
//! let (v, wrapped) = acc.overflowing_avg_vruntime(curr).unwrap();
//! assert_eq!((v.wsub(v0), wrapped), (1_142_971, false));
//! assert!(!acc.overflowing_vruntime_eligible(v0 + 1_300_000, curr).0);
//! ```

use crate::profile::{AvgRounding, AvgWeight, Division, Eligibility, Profile, Reference, Rules};
pub use crate::sums::{KernelSums, SumsRepr, WideSums};
use crate::vtime::Vtime;
use crate::weight::scale_load_down;
use crate::Error;

/// The largest weight (64-bit kernel units) [`Profile::EXACT`] accepts in the
/// averaging functions (V, eligibility, placement lag): 2⁴⁰, far above any
/// kernel weight (≤ 2²⁸). With at most [`MAX_BATCH`](crate::bounds::MAX_BATCH) entities, every
/// intermediate then fits 128 bits.
pub const EXACT_MAX_WEIGHT: u64 = 1 << 40;

/// The largest |S| an [`AvgVruntime`] holds under [`Profile::EXACT`]: 2¹²⁵.
/// With weights ≤ [`EXACT_MAX_WEIGHT`] one entity adds at most 2¹⁰³, so this
/// takes millions of extreme entities; it keeps S + curr's term and every
/// comparison inside 128 bits. Beyond it EXACT reports [`Error::Overflow`].
pub const EXACT_MAX_SUM: i128 = 1 << 125;

/// The largest W an [`AvgVruntime`] holds under [`Profile::EXACT`]: 2¹⁰⁰
/// (2⁶⁰ entities of the largest EXACT weight).
pub const EXACT_MAX_SUM_WEIGHT: i128 = 1 << 100;

/// Bits of headroom of an exact value held in a signed C type of `width`
/// bits: how many times it can double before it no longer fits
/// (`width − 1 −` its significant bits). Negative when it already does not fit.
///
/// ```
/// use eevdf::bounds::headroom; // also eevdf::avg::headroom
/// assert_eq!(headroom(i64::MAX as i128, 64), 0);
/// assert_eq!(headroom(i64::MIN as i128, 64), 0);
/// assert_eq!(headroom(1 << 62, 64), 0);
/// assert_eq!(headroom((1 << 62) - 1, 64), 1);
/// assert_eq!(headroom(1 << 63, 64), -1);
/// assert_eq!(headroom(0, 64), 63);
/// ```
pub const fn headroom(x: i128, width: u32) -> i32 {
    // Significant bits of a two's complement value, sign excluded.
    let m = if x < 0 { !x } else { x };
    let bits = 128 - (m as u128).leading_zeros();
    width as i32 - 1 - bits as i32
}

/// The running entity as the averages see it: its vruntime and its
/// `load.weight` (64-bit kernel units). Pass it only when it is on the run queue.
pub type Curr = Option<(Vtime, u64)>;

/// The weight an entity of `load.weight = weight` contributes to S and W:
/// `scale_load_down(weight)` ([`AvgWeight::ScaledDown`]) or `weight` itself
/// ([`AvgWeight::Full`]).
#[inline]
pub const fn avg_weight(profile: &Profile, weight: u64) -> u64 {
    match profile.avg_weight {
        AvgWeight::ScaledDown => scale_load_down(weight),
        AvgWeight::Full => weight,
    }
}

/// Checks a `load.weight` for the averaging functions and returns its
/// averaging weight ([`avg_weight`]).
///
/// Errors: [`Error::ZeroWeight`] for 0; under [`Profile::EXACT`],
/// [`Error::Overflow`] for a weight above [`EXACT_MAX_WEIGHT`] (outside EXACT's
/// domain). Every function that sums weights applies it to each weight, so a
/// caller can run it first to learn which inputs are bad before computing.
///
/// ```
/// use eevdf::{avg::check_weight, Error, Profile};
/// assert_eq!(check_weight(&Profile::LINUX_6_6, 1 << 20), Ok(1024));
/// assert_eq!(check_weight(&Profile::LINUX_7_1, 0), Err(Error::ZeroWeight));
/// assert_eq!(check_weight(&Profile::EXACT, (1 << 40) + 1), Err(Error::Overflow));
/// ```
#[inline]
pub fn check_weight(profile: &Profile, weight: u64) -> Result<u64, Error> {
    if weight == 0 {
        Err(Error::ZeroWeight)
    } else if profile.is_exact() && weight > EXACT_MAX_WEIGHT {
        Err(Error::Overflow)
    } else {
        Ok(avg_weight(profile, weight))
    }
}

/// Whether (S, W, untracked) is a state of the EXACT accumulator: tracked,
/// 0 ≤ W ≤ [`EXACT_MAX_SUM_WEIGHT`] and |S| ≤ [`EXACT_MAX_SUM`], so that S plus
/// a curr term (< 2¹⁰³) and W plus a curr weight never overflow 128 bits.
#[inline]
const fn exact_sums_ok(s: i128, w: i128, untracked: bool) -> bool {
    !untracked && w >= 0 && w <= EXACT_MAX_SUM_WEIGHT && s.unsigned_abs() <= EXACT_MAX_SUM as u128
}

/// Reads an exact 128-bit quantity the way the kernel's 64-bit variable holds
/// it: the low 64 bits, and whether they differ from the exact value.
#[inline]
const fn low64(x: i128) -> (i64, bool) {
    let k = x as i64;
    (k, k as i128 != x)
}

/// The kernel's signed division for V and the placement lag: truncating, with
/// the divisor converted to s32 first under [`Division::S32Divisor`]
/// (`div_s64`). Returns the quotient and whether the divisor was truncated;
/// division by zero and `i64::MIN / -1` are [`Error::Undefined`].
#[inline]
pub fn kernel_div(profile: &Profile, dividend: i64, divisor: i64) -> Result<(i64, bool), Error> {
    let (d, truncated) = match profile.division {
        Division::S32Divisor => {
            let d = divisor as i32 as i64;
            (d, d != divisor)
        }
        Division::Long => (divisor, false),
    };
    match dividend.checked_div(d) {
        Some(q) => Ok((q, truncated)),
        None => Err(Error::Undefined),
    }
}

/// The incremental V accumulator of one run queue: v0, S and W (`cfs_rq` fields,
/// `avg_vruntime_add/sub` ≤ v6.19, `sum_w_vruntime_add/sub` ≥ v7.0,
/// `update_min_vruntime()` / `update_zero_vruntime()`, `avg_vruntime()`).
///
/// Mirrors `cfs_rq->{min,zero}_vruntime`, `avg_vruntime`/`sum_w_vruntime` and
/// `avg_load`/`sum_weight`. [`add`](Self::add) and [`remove`](Self::remove)
/// are `__enqueue_entity`/`__dequeue_entity`'s sum updates; the running entity
/// is not in the sums and is passed as [`Curr`] to the readers.
///
/// Under a Linux release the state *is* the kernel's: S an `s64` and W a
/// `u64`, updated with the kernel's wrapping operations (held in those widths
/// for a zero-sized release, [`KernelSums`]; extended to 128 bits when the
/// release is a run-time [`Profile`]), and every operation that overflows its
/// C type sets a sticky indicator ([`is_wrapped`](Self::is_wrapped)). Under
/// [`Profile::EXACT`] S and W are exact 128-bit sums and readers never wrap.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AvgVruntime<R: Rules = Profile> {
    /// The release: zero-sized for a fixed one, a [`Profile`] value for a run-time choice.
    rel: R,
    zero_vruntime: Vtime,
    sums: R::Sums,
    /// Sticky: an update of S or W overflowed the kernel's 64-bit arithmetic
    /// (Linux releases only), since creation or `clear_wrapped`.
    overflowed: bool,
}

impl<R: Rules> AvgVruntime<R> {
    /// An empty accumulator with v0 = [`Vtime::INIT`], as `init_cfs_rq` leaves it.
    pub const fn new(rel: R) -> AvgVruntime<R> {
        AvgVruntime::with_zero_vruntime(rel, Vtime::INIT)
    }

    /// An empty accumulator with a chosen reference point.
    pub const fn with_zero_vruntime(rel: R, v0: Vtime) -> AvgVruntime<R> {
        AvgVruntime {
            rel,
            zero_vruntime: v0,
            sums: <R::Sums as SumsRepr>::ZERO,
            overflowed: false,
        }
    }

    /// An accumulator from its raw state, as [`into_raw_parts`](Self::into_raw_parts)
    /// returned it (for C, which stores the state in its own struct). The sticky
    /// overflow indicator is restored with [`with_overflowed`](Self::with_overflowed).
    ///
    /// Under a Linux release the kernel's S and W are the low 64 bits of the
    /// values given. A state the kernel's own variables cannot hold — S outside
    /// the `s64` range, W outside [0, 2⁶³) (the `long` the kernel reads W into),
    /// or `untracked` (an older form of "wrapped") — is accepted as wrapped: the
    /// indicator is set. Under EXACT the state must be one the exact
    /// operations can reach: `untracked` false, 0 ≤ W ≤ [`EXACT_MAX_SUM_WEIGHT`]
    /// and |S| ≤ [`EXACT_MAX_SUM`]; anything else is [`Error::InvalidArgument`].
    pub fn from_raw_parts(
        rel: R,
        v0: Vtime,
        sum_w_vruntime: i128,
        sum_weight: i128,
        untracked: bool,
    ) -> Result<AvgVruntime<R>, Error> {
        let mut acc = AvgVruntime::with_zero_vruntime(rel, v0);
        if rel.profile().is_exact() {
            if !exact_sums_ok(sum_w_vruntime, sum_weight, untracked) {
                return Err(Error::InvalidArgument);
            }
            acc.sums.set_wide(sum_w_vruntime, sum_weight);
        } else {
            let (s, so) = low64(sum_w_vruntime);
            let w = sum_weight as u64;
            acc.sums.set_kernel(s, w);
            acc.overflowed = untracked | so | (w as i128 != sum_weight) | ((w as i64) < 0);
        }
        Ok(acc)
    }

    /// The same accumulator with its sticky overflow indicator
    /// ([`overflowed`](Self::overflowed)) set to `overflowed` (or kept set when
    /// [`from_raw_parts`](Self::from_raw_parts) found the state wrapped): with
    /// it, rebuilds a state that C stored. Under EXACT, which never wraps,
    /// `true` is [`Error::InvalidArgument`].
    pub fn with_overflowed(self, overflowed: bool) -> Result<AvgVruntime<R>, Error> {
        if overflowed && self.profile().is_exact() {
            return Err(Error::InvalidArgument);
        }
        Ok(AvgVruntime {
            overflowed: self.overflowed | overflowed,
            ..self
        })
    }

    /// The raw state: (release, v0, S, W, false). S and W are EXACT's exact
    /// sums, or a Linux release's kernel values (S sign-extended, W
    /// zero-extended). The last element (once "128-bit tracking lost") is
    /// always false now. The sticky overflow indicator is not part of it: read
    /// it with [`overflowed`](Self::overflowed).
    pub fn into_raw_parts(self) -> (R, Vtime, i128, i128, bool) {
        let (s, w) = self.sums.wide();
        (self.rel, self.zero_vruntime, s, w, false)
    }

    /// The knobs this accumulator computes with (a constant for a
    /// zero-sized release).
    #[inline(always)]
    pub fn profile(&self) -> Profile {
        self.rel.profile()
    }

    /// The release (its type carries it; a [`Profile`] value for a run-time
    /// choice).
    #[inline(always)]
    pub fn rules(&self) -> R {
        self.rel
    }

    /// The reference point v0 (`min_vruntime` or `zero_vruntime`).
    pub const fn zero_vruntime(&self) -> Vtime {
        self.zero_vruntime
    }

    /// S as the kernel's s64 holds it (the exact value under EXACT, if it fits).
    #[inline]
    pub fn sum_w_vruntime(&self) -> i64 {
        self.sums.kernel().0
    }

    /// S in 128 bits: the exact sum under EXACT, the kernel's S otherwise.
    #[inline]
    pub fn sum_w_vruntime_wide(&self) -> i128 {
        self.sums.wide().0
    }

    /// W as the kernel's u64 holds it.
    #[inline]
    pub fn sum_weight(&self) -> u64 {
        self.sums.kernel().1
    }

    /// W in 128 bits: the exact sum under EXACT, the kernel's W otherwise.
    #[inline]
    pub fn sum_weight_wide(&self) -> u128 {
        self.sums.wide().1 as u128
    }

    /// True when one of the kernel's 64-bit operations on S or W overflowed
    /// since the accumulator was made or since
    /// [`clear_wrapped`](Self::clear_wrapped) (sticky: it stays set when the
    /// sums come back in range; the same as [`overflowed`](Self::overflowed)).
    /// Always false under EXACT.
    ///
    /// An update overflows when its product (key·w in [`add`](Self::add) and
    /// [`remove`](Self::remove), W·d in [`move_reference`](Self::move_reference))
    /// does not fit an s64, when S ± that product leaves the s64 range, or when
    /// W ± w leaves [0, 2⁶³) (the `long` the kernel reads W into).
    ///
    /// (Before the accumulator kept the kernel's own widths, this also meant
    /// "the sums differ from the exact ones now"; a Linux release's state has
    /// no exact shadow any more, and the per-operation indicator reports every
    /// wrap at the operation that made it.)
    #[inline]
    pub fn is_wrapped(&self) -> bool {
        !self.profile().is_exact() && self.overflowed
    }

    /// The sticky indicator alone: an update of S or W (add, remove, a move of
    /// the reference point, including the one `avg_vruntime()` makes in v7.x)
    /// overflowed the kernel's 64-bit arithmetic since the accumulator was made
    /// or [`clear_wrapped`](Self::clear_wrapped) last ran. Always false under
    /// EXACT.
    pub const fn overflowed(&self) -> bool {
        self.overflowed
    }

    /// Forgets past overflows (the sticky indicator).
    pub fn clear_wrapped(&mut self) {
        self.overflowed = false;
    }

    /// Bits of headroom of the sums as they are held: how many times S and W
    /// can still double before the kernel's s64 S or `long` W overflows,
    /// `min(63 − bits(S), 63 − bits(W))` (see [`bounds::headroom`]). Under a
    /// Linux release these are the kernel's own values, so S never shows a
    /// negative headroom (a wrap shows in [`is_wrapped`](Self::is_wrapped)
    /// instead) and W shows −1 when it is at or above 2⁶³. Under EXACT (which
    /// never wraps) it is the headroom LINUX_7_1 would have on the same sums.
    ///
    /// Reads add curr's term and divide: [`bounds::avg_headroom_bits`] and
    /// [`bounds::eligibility_headroom_bits`] cover those.
    ///
    /// ```
    /// use eevdf::{avg::AvgVruntime, Linux7_1, Vtime};
    /// // Eight nice-0 tasks 2^39 ns (≈ 9 min) right of v0 in 7.1: S = 2^62.
    /// let mut acc = AvgVruntime::with_zero_vruntime(Linux7_1, Vtime(0));
    /// for _ in 0..8 {
    ///     acc.add(Vtime(1 << 39), 1 << 20)?;
    /// }
    /// assert_eq!((acc.headroom_bits(), acc.is_wrapped()), (0, false));
    /// for _ in 0..8 {
    ///     acc.add(Vtime(1 << 39), 1 << 20)?; // S doubles to 2^63 > 2^63 − 1
    /// }
    /// // The kernel's S wrapped to −2^63; the operation that did it said so.
    /// assert_eq!((acc.sum_w_vruntime(), acc.is_wrapped()), (i64::MIN, true));
    /// # Ok::<(), eevdf::Error>(())
    /// ```
    ///
    /// [`bounds::headroom`]: crate::bounds::headroom
    /// [`bounds::avg_headroom_bits`]: crate::bounds::avg_headroom_bits
    /// [`bounds::eligibility_headroom_bits`]: crate::bounds::eligibility_headroom_bits
    pub fn headroom_bits(&self) -> i32 {
        let (s, w) = self.sums.wide();
        let hs = headroom(s, 64);
        let hw = headroom(w, 64);
        if hs < hw {
            hs
        } else {
            hw
        }
    }

    /// `entity_key`: wsub(v, v0).
    #[inline]
    pub const fn key(&self, vruntime: Vtime) -> i64 {
        vruntime.wsub(self.zero_vruntime)
    }

    /// Adds `ds` to S and `dw` to W under EXACT (test helper).
    #[cfg(test)]
    fn apply(&mut self, ds: i128, dw: i128) -> Result<(), Error> {
        if self.profile().is_exact() {
            self.apply_exact(ds, dw)
        } else {
            let (s, w) = self.sums.kernel();
            self.sums
                .set_kernel(s.wrapping_add(ds as i64), w.wrapping_add(dw as u64));
            Ok(())
        }
    }

    /// EXACT: S += ds, W += dw, refused (nothing changes) outside EXACT's domain.
    #[inline]
    fn apply_exact(&mut self, ds: i128, dw: i128) -> Result<(), Error> {
        let (s0, w0) = self.sums.wide();
        let s = s0.checked_add(ds).ok_or(Error::Overflow)?;
        let w = w0.checked_add(dw).ok_or(Error::Overflow)?;
        if w < 0 {
            // More weight removed than was added: not an inverse of `add`.
            return Err(Error::InvalidArgument);
        }
        if !exact_sums_ok(s, w, false) {
            return Err(Error::Overflow);
        }
        self.sums.set_wide(s, w);
        Ok(())
    }

    /// A Linux release's `S ± p`, `W ± w` in the kernel's widths, `p` being the
    /// exact product (key·w or W·d). Returns whether the operation overflowed:
    /// `p` outside s64, the s64 add or subtract, or W leaving [0, 2⁶³) (its u64
    /// add or subtract carries, or the result does not fit the `long` the
    /// kernel reads it into). Sets the sticky indicator with it.
    #[inline]
    fn apply_kernel(&mut self, p: i128, w: u64, sub: bool) -> bool {
        let (p, o1) = low64(p);
        let (s, wk) = self.sums.kernel();
        let ((s, o2), (w_new, o3)) = if sub {
            (s.overflowing_sub(p), wk.overflowing_sub(w))
        } else {
            (s.overflowing_add(p), wk.overflowing_add(w))
        };
        self.sums.set_kernel(s, w_new);
        let o = o1 | o2 | o3 | ((w_new as i64) < 0);
        self.overflowed |= o;
        o
    }

    /// `avg_vruntime_add` / `sum_w_vruntime_add`: S += key(v)⊗w, W += w, with w
    /// the profile's averaging weight of `weight` (`load.weight`, 64-bit units).
    ///
    /// Errors: [`Error::ZeroWeight`]; under EXACT a weight above 2⁴⁰
    /// ([`Error::Overflow`], outside EXACT's domain).
    ///
    /// Domain: the kernel's S stays exact while every |key| ≤ ⌊(2⁶³ − 1)/W⌋
    /// ([`bounds::avg_sum_domain`](crate::bounds::avg_sum_domain)); a live
    /// accumulator's margin is [`headroom_bits`](Self::headroom_bits).
    ///
    /// An overflow sets the sticky indicator read by
    /// [`is_wrapped`](Self::is_wrapped); [`overflowing_add`](Self::overflowing_add)
    /// also returns this operation's own flag.
    #[inline]
    pub fn add(&mut self, vruntime: Vtime, weight: u64) -> Result<(), Error> {
        self.overflowing_add(vruntime, weight).map(|_| ())
    }

    /// [`add`](Self::add), returning whether this addition overflowed the
    /// kernel's arithmetic: key⊗w outside s64, S + key⊗w outside s64, or
    /// W + w outside [0, 2⁶³) (the `long` the kernel reads W into). The sums
    /// may be right again afterwards (a product that wrapped, then a sum that
    /// wrapped back); the flag says the kernel got there by wrapping. Always
    /// false under EXACT. The sticky indicator ([`overflowed`](Self::overflowed))
    /// is set with it.
    ///
    /// ```
    /// use eevdf::{avg::AvgVruntime, Profile, Vtime};
    /// let mut acc = AvgVruntime::with_zero_vruntime(Profile::LINUX_7_0, Vtime(0));
    /// let far = Vtime(1 << 62);
    /// assert_eq!(acc.overflowing_add(far, 2), Ok(true)); // key·w = 2^63 > S64_MAX
    /// assert_eq!(acc.overflowing_add(Vtime(0), 2048), Ok(false));
    /// assert_eq!(acc.overflowing_remove(far, 2), Ok(true));
    /// // The sums are exact again (modular arithmetic), the indicator is sticky.
    /// assert_eq!((acc.sum_w_vruntime(), acc.sum_weight()), (0, 2));
    /// assert!(acc.is_wrapped());
    /// acc.clear_wrapped();
    /// assert!(!acc.is_wrapped());
    /// ```
    #[inline]
    pub fn overflowing_add(&mut self, vruntime: Vtime, weight: u64) -> Result<bool, Error> {
        let w = check_weight(&self.profile(), weight)?;
        let kw = self.key(vruntime) as i128 * w as i128;
        if self.profile().is_exact() {
            self.apply_exact(kw, w as i128)?;
            return Ok(false);
        }
        Ok(self.apply_kernel(kw, w, false))
    }

    /// `avg_vruntime_sub` / `sum_w_vruntime_sub`: the exact inverse of [`add`](Self::add)
    /// for an entity whose vruntime and weight did not change while it was summed.
    ///
    /// Under a kernel profile removing more weight than was added wraps W as
    /// the kernel's u64 would (and is reported by [`is_wrapped`](Self::is_wrapped));
    /// under EXACT it is [`Error::InvalidArgument`] and nothing changes.
    #[inline]
    pub fn remove(&mut self, vruntime: Vtime, weight: u64) -> Result<(), Error> {
        self.overflowing_remove(vruntime, weight).map(|_| ())
    }

    /// [`remove`](Self::remove), returning whether this removal overflowed the
    /// kernel's arithmetic: key⊗w outside s64, S − key⊗w outside s64, or
    /// W − w outside [0, 2⁶³) (more weight removed than the kernel's W holds
    /// included). Always false under EXACT. Sets the sticky indicator with it.
    #[inline]
    pub fn overflowing_remove(&mut self, vruntime: Vtime, weight: u64) -> Result<bool, Error> {
        let w = check_weight(&self.profile(), weight)?;
        let kw = self.key(vruntime) as i128 * w as i128;
        if self.profile().is_exact() {
            self.apply_exact(-kw, -(w as i128))?;
            return Ok(false);
        }
        Ok(self.apply_kernel(kw, w, true))
    }

    /// Moves the reference point by `d`: S ← S − W⊗d, v0 ← v0 + d
    /// (`avg_vruntime_update` + the caller's assignment in ≤ v6.19,
    /// `update_zero_vruntime` in v7.x). V and eligibility do not change.
    ///
    /// Domain: every summed entity's key wsub(v, v0) must stay within ±2⁶³
    /// across the move. A key that crosses changes by 2⁶⁴, which the kernel's
    /// modular S absorbs and an exact S cannot see (the accumulator does not
    /// hold the keys): keep the queued vruntimes within 2⁶³ ns of v0.
    ///
    /// An overflow of W⊗d or of S − W⊗d sets the sticky indicator read by
    /// [`is_wrapped`](Self::is_wrapped).
    #[inline]
    pub fn move_reference(&mut self, d: i64) -> Result<(), Error> {
        self.overflowing_move_reference(d).map(|_| ())
    }

    /// [`move_reference`](Self::move_reference), returning whether the move
    /// overflowed the kernel's arithmetic: the product W⊗d (W as the kernel's
    /// u64) outside s64, or S − W⊗d outside s64. Always false under EXACT.
    /// Sets the sticky indicator with it.
    #[inline]
    pub fn overflowing_move_reference(&mut self, d: i64) -> Result<bool, Error> {
        let o = if self.profile().is_exact() {
            // W ≤ 2¹⁰⁰ under EXACT, but W·d may still exceed 128 bits: then S
            // would leave EXACT's domain.
            let (_, w) = self.sums.wide();
            let wd = w.checked_mul(d as i128).ok_or(Error::Overflow)?;
            self.apply_exact(-wd, 0)?;
            false
        } else {
            // The kernel's product: its u64 W times d, exact in i128.
            let (_, w) = self.sums.kernel();
            self.apply_kernel(w as i128 * d as i128, 0, true)
        };
        self.zero_vruntime = self.zero_vruntime.wrapping_add_signed(d);
        Ok(o)
    }

    /// `update_min_vruntime` (≤ v6.18): moves v0 forward only, to the smaller of
    /// the running entity's vruntime (if it is on the run queue) and the
    /// smallest vruntime in the tree (`tree_min`). Returns the new v0.
    pub fn update_min_vruntime(
        &mut self,
        curr: Option<Vtime>,
        tree_min: Option<Vtime>,
    ) -> Result<Vtime, Error> {
        let mut c = self.zero_vruntime;
        if let Some(v) = curr {
            c = v;
        }
        if let Some(m) = tree_min {
            c = if curr.is_some() { c.min(m) } else { m };
        }
        let d = c.wsub(self.zero_vruntime);
        if d > 0 {
            self.move_reference(d)?;
        }
        Ok(self.zero_vruntime)
    }

    /// The curr term `key(c)⊗w_c` and weight, exact, or zeros.
    #[inline]
    fn curr_term(&self, curr: Curr) -> Result<(i128, i128), Error> {
        match curr {
            None => Ok((0, 0)),
            Some((v, weight)) => {
                let w = check_weight(&self.profile(), weight)?;
                Ok((self.key(v) as i128 * w as i128, w as i128))
            }
        }
    }

    /// `avg_vruntime(cfs_rq)`: V = v0 + ⌊(S + k_c·w_c) / (W + w_c)⌋, as the
    /// profile computes it, with a flag saying that one of the kernel's 64-bit
    /// operations overflowed: curr's key⊗w, S plus it, W plus curr's weight (as
    /// a `long`), the floor adjustment, a divisor `div_s64` truncates, and in
    /// v7.x the move of v0 (W⊗d and S − W⊗d) — or that S/W had wrapped
    /// already ([`is_wrapped`](Self::is_wrapped): out of range now, or an
    /// earlier update overflowed, sticky).
    ///
    /// * ≤ v6.18 ([`Reference::MinVruntime`]): a pure read; with an empty queue and
    ///   no curr it returns v0, and if the total weight is 0 as the kernel sees
    ///   it (wrapped) it returns v0 + S undivided.
    /// * v7.x: if W ≠ 0 the quotient as above; else curr's own vruntime, else
    ///   v0. Then v0 is *moved to the result* (S ← S − W⊗d), as `avg_vruntime()`
    ///   does since v7.0.
    ///
    /// Rounding per [`AvgRounding`]: floor (`S − (W − 1)` before a truncating
    /// division when negative), or toward zero (af4cf40470c2, before
    /// 650cad561cce). Division: `div_s64` (divisor truncated to s32) or
    /// `div64_long` per [`Division`]. Errors: [`Error::Undefined`] when the
    /// kernel would divide by zero or trap on `i64::MIN / −1` (possible only
    /// with wrapped sums); [`Error::ZeroWeight`] for a zero curr weight;
    /// nothing changes on error.
    ///
    /// Domain: S within [`bounds::avg_sum_domain`](crate::bounds::avg_sum_domain),
    /// the load within [`bounds::avg_load_domain`](crate::bounds::avg_load_domain)
    /// (2³¹ − 1 for `div_s64`); for a given state,
    /// [`bounds::avg_headroom_bits`](crate::bounds::avg_headroom_bits) ≥ 1
    /// guarantees no wrap.
    #[inline]
    pub fn overflowing_avg_vruntime(&mut self, curr: Curr) -> Result<(Vtime, bool), Error> {
        let (cs, cw) = self.curr_term(curr)?;
        let lazy = !matches!(self.profile().reference, Reference::MinVruntime);
        if self.profile().is_exact() {
            let (sx, wx) = self.sums.wide();
            let load = wx + cw;
            let d: i128 = if lazy && wx == 0 {
                match curr {
                    Some((v, _)) => self.key(v) as i128,
                    None => 0,
                }
            } else if load != 0 {
                match self.profile().avg_rounding {
                    AvgRounding::Floor => (sx + cs).div_euclid(load),
                    AvgRounding::Truncate => (sx + cs) / load,
                }
            } else {
                0
            };
            let d = i64::try_from(d).map_err(|_| Error::Overflow)?;
            return self.finish_avg(lazy, d, false);
        }

        let (s, wu) = self.sums.kernel();
        let w = wu as i64;
        // S/W wrapped at an earlier update (sticky).
        let mut wrapped = self.overflowed;
        if lazy && w == 0 {
            // v7.x: "when there is but one element, it is the average": no
            // curr term is formed, so nothing of it can wrap.
            let d = match curr {
                Some((v, _)) => self.key(v),
                None => 0,
            };
            return self.finish_avg(lazy, d, wrapped);
        }
        let (ct, o1) = low64(cs);
        let (avg, o2) = s.overflowing_add(ct);
        // `long load += unsigned long weight`: the bits are w + cw mod 2^64; it
        // overflowed if the sum does not fit a long (W or cw may be ≥ 2^63).
        let (load, o3) = low64(wu as i128 + cw);
        wrapped |= o1 | o2 | o3;

        let d = if load != 0 {
            let (lm1, o4) = load.overflowing_sub(1);
            let floor = self.profile().avg_rounding == AvgRounding::Floor;
            let (num, o5) = if avg < 0 && floor {
                avg.overflowing_sub(lm1)
            } else {
                (avg, false)
            };
            let (q, truncated) = kernel_div(&self.profile(), num, load)?;
            wrapped |= o4 | o5 | truncated;
            q
        } else {
            // ≤ v6.19 with a zero total load: no division, v0 + S.
            avg
        };
        self.finish_avg(lazy, d, wrapped)
    }

    /// The reference-point side effect of `avg_vruntime()` in v7.x; its
    /// S − W⊗d is one of the function's operations, so its overflow is reported.
    #[inline]
    fn finish_avg(
        &mut self,
        lazy: bool,
        d: i64,
        mut wrapped: bool,
    ) -> Result<(Vtime, bool), Error> {
        let v = self.zero_vruntime.wrapping_add_signed(d);
        if lazy {
            wrapped |= self.overflowing_move_reference(d)?;
        }
        Ok((v, wrapped))
    }

    /// [`overflowing_avg_vruntime`](Self::overflowing_avg_vruntime) settled by the
    /// profile: the kernel's value (wrapped or not) or, under EXACT, an error.
    #[inline]
    pub fn avg_vruntime(&mut self, curr: Curr) -> Result<Vtime, Error> {
        let p = self.profile();
        p.settle(self.overflowing_avg_vruntime(curr)?)
    }

    /// `vruntime_eligible(cfs_rq, v)`: is `v` at or before the exact weighted
    /// average? Division-free: `S + k_c·w_c ≥ wsub(v, v0)·(W + w_c)`. Returns
    /// (eligible, wrapped).
    ///
    /// * [`Eligibility::Wrapping`] (≤ v7.0): the product is a wrapping s64.
    /// * [`Eligibility::Wide`] (v7.1): the product is compared exactly in 128
    ///   bits, but the left side is still the kernel's wrapping s64 sum.
    /// * EXACT: both sides exact.
    ///
    /// The flag reports an overflow of curr's key⊗w, of S plus it, of W plus
    /// curr's weight (as a `long`), of ≤ v7.0's key⊗load, or that S/W had
    /// wrapped already ([`is_wrapped`](Self::is_wrapped): out of range now, or
    /// an earlier update overflowed, sticky).
    ///
    /// An empty queue with no curr is `0 ≥ key·0`: eligible. A zero curr weight
    /// cannot come from a kernel; it is treated as "not on the run queue".
    ///
    /// Domain: ≤ v7.0's product needs |key| ≤ ⌊(2⁶³ − 1)/load⌋
    /// ([`bounds::eligibility_domain`](crate::bounds::eligibility_domain)); in
    /// every Linux profile S must stay within
    /// [`bounds::avg_sum_domain`](crate::bounds::avg_sum_domain); for a given
    /// state, [`bounds::eligibility_headroom_bits`](crate::bounds::eligibility_headroom_bits)
    /// ≥ 1 guarantees no wrap.
    #[inline]
    pub fn overflowing_vruntime_eligible(&self, vruntime: Vtime, curr: Curr) -> (bool, bool) {
        let (cs, cw) = self.curr_term(curr).unwrap_or_default();
        let key = self.key(vruntime);
        if self.profile().is_exact() {
            let (sx, wx) = self.sums.wide();
            let avg = sx + cs;
            let load = wx + cw;
            return match (key as i128).checked_mul(load) {
                Some(rhs) => (avg >= rhs, false),
                // |key·load| ≥ 2^127 > |avg|: the sign of the key decides.
                None => (key < 0, false),
            };
        }
        let (s, wu) = self.sums.kernel();
        // S/W wrapped at an earlier update (sticky).
        let mut wrapped = self.overflowed;
        let (ct, o1) = low64(cs);
        let (avg, o2) = s.overflowing_add(ct);
        let (load, o3) = low64(wu as i128 + cw);
        wrapped |= o1 | o2 | o3;
        match self.profile().eligibility {
            Eligibility::Wrapping => {
                let (rhs, o4) = key.overflowing_mul(load);
                (avg >= rhs, wrapped | o4)
            }
            Eligibility::Wide => (avg as i128 >= key as i128 * load as i128, wrapped),
        }
    }

    /// `vruntime_eligible` settled: under a Linux profile the kernel's answer,
    /// under EXACT the exact one (EXACT never wraps here).
    #[inline]
    pub fn vruntime_eligible(&self, vruntime: Vtime, curr: Curr) -> bool {
        self.overflowing_vruntime_eligible(vruntime, curr).0
    }
}

/// S, W and their wrap state for `(vruntime, load.weight)` pairs summed as tree
/// entities relative to `v0`.
fn batch_sums<I>(profile: &Profile, v0: Vtime, entities: I) -> Result<AvgVruntime<Profile>, Error>
where
    I: IntoIterator<Item = (Vtime, u64)>,
{
    let mut acc = AvgVruntime::with_zero_vruntime(*profile, v0);
    for (v, w) in entities {
        acc.add(v, w)?;
    }
    Ok(acc)
}

/// V of a set of tree entities given as `(vruntime, load.weight)` pairs, summed
/// relative to `v0` exactly as [`AvgVruntime::add`] then
/// [`AvgVruntime::overflowing_avg_vruntime`] with no curr would (C ABI function 4).
/// An empty set gives v0. Domain: as that method's.
///
/// Wrapped: in the order given, some key⊗w product or running sum of S or W
/// overflowed s64 (even if the total fits again: the sums are then right by
/// the luck of modular arithmetic), or an operation of the read did
/// ([`AvgVruntime::overflowing_avg_vruntime`]).
///
/// ```
/// use eevdf::{avg::overflowing_avg_vruntime_batch, Profile, Vtime};
/// // avg_vruntime() floors (650cad561cce, all releases v6.6.0 … v7.1.5):
/// // keys −3 and 0 give ⌊−3/2⌋ = −2, so V = v0 − 2.
/// let v0 = Vtime(1_000);
/// let es = [(Vtime(997), 1 << 20), (Vtime(1_000), 1 << 20)];
/// assert_eq!(overflowing_avg_vruntime_batch(&Profile::LINUX_6_6, v0, es), Ok((Vtime(998), false)));
/// ```
pub fn overflowing_avg_vruntime_batch<I>(
    profile: &Profile,
    v0: Vtime,
    entities: I,
) -> Result<(Vtime, bool), Error>
where
    I: IntoIterator<Item = (Vtime, u64)>,
{
    batch_sums(profile, v0, entities)?.overflowing_avg_vruntime(None)
}

/// Eligibility of `v` against a set of tree entities (C ABI function 5): as
/// [`AvgVruntime::overflowing_vruntime_eligible`] over the summed set. An
/// empty set is eligible. Domain: as that method's. Wrapped: as
/// [`overflowing_avg_vruntime_batch`]'s sums, plus ≤ v7.0's key⊗load.
pub fn overflowing_vruntime_eligible_batch<I>(
    profile: &Profile,
    v0: Vtime,
    entities: I,
    v: Vtime,
) -> Result<(bool, bool), Error>
where
    I: IntoIterator<Item = (Vtime, u64)>,
{
    Ok(batch_sums(profile, v0, entities)?.overflowing_vruntime_eligible(v, None))
}

#[cfg(test)]
mod tests {
    use super::*;

    const NICE0: u64 = 1 << 20;

    fn offs(v0: Vtime, o: i64) -> Vtime {
        v0.wrapping_add_signed(o)
    }

    #[test]
    fn appendix_a_v_and_eligibility_every_profile() {
        // docs/derivations.md §4 (checked with v6.6.0, v7.0.0 and v7.1.5
        // avg_vruntime()/vruntime_eligible()): A, B nice 0 at +1.0e6 and +1.3e6,
        // curr C nice 5 at +1.1e6: V = ⌊2,723,700,000 / 2383⌋ = 1,142,971.
        for p in Profile::PRESETS {
            let v0 = Vtime::INIT;
            let mut acc = AvgVruntime::new(p);
            acc.add(offs(v0, 1_000_000), NICE0).unwrap();
            acc.add(offs(v0, 1_300_000), NICE0).unwrap();
            let curr = Some((offs(v0, 1_100_000), 335 << 10));
            assert!(acc.vruntime_eligible(offs(v0, 1_000_000), curr), "{p:?} A");
            assert!(acc.vruntime_eligible(offs(v0, 1_100_000), curr), "{p:?} C");
            assert!(!acc.vruntime_eligible(offs(v0, 1_300_000), curr), "{p:?} B");
            let (v, wrapped) = acc.overflowing_avg_vruntime(curr).unwrap();
            assert_eq!((v.wsub(v0), wrapped), (1_142_971, false), "{p:?}");
            // v7.x moves v0 to V; ≤ 6.18 leaves it.
            let want_v0 = if p.reference == Reference::MinVruntime {
                v0
            } else {
                v
            };
            assert_eq!(acc.zero_vruntime(), want_v0);
            // And the answer does not depend on that move.
            assert_eq!(acc.avg_vruntime(curr).unwrap(), v);
            assert!(!acc.vruntime_eligible(offs(v0, 1_300_000), curr));
        }
    }

    #[test]
    fn floor_not_truncate_known_bugs_1() {
        // 650cad561cce "sched/eevdf: Fix avg_vruntime()" (v6.6.0 … v7.1.5): keys −3
        // and 0, weight 1024 (scaled-down units): S = −3072, W = 2048, V = v0 +
        // ⌊−1.5⌋ = v0 − 2; key −1 not eligible (−3072 ≥ −2048 false), key −2 is.
        for p in Profile::PRESETS {
            let v0 = Vtime(5_000);
            let es = [(Vtime(4_997), NICE0), (Vtime(5_000), NICE0)];
            assert_eq!(
                overflowing_avg_vruntime_batch(&p, v0, es),
                Ok((Vtime(4_998), false))
            );
            assert_eq!(
                overflowing_vruntime_eligible_batch(&p, v0, es, Vtime(4_999)),
                Ok((false, false))
            );
            assert_eq!(
                overflowing_vruntime_eligible_batch(&p, v0, es, Vtime(4_998)),
                Ok((true, false))
            );
        }
    }

    #[test]
    fn eligibility_product_known_bugs_1_idea_2() {
        // b6eee96843e8 "sched/fair: Fix overflow in vruntime_eligible()" (v7.1.5):
        // H (100·NICE_0_LOAD) at key 0 and P (weight 2) at key 90e9. In 7.1 weights
        // are full: S = 2·9e10, load = 104,857,600 + 2, and K·load = 9.437e18 > S.
        let v0 = Vtime(0);
        let h = (Vtime(0), 100 * NICE0);
        let pk = (Vtime(90_000_000_000), 2);
        let mut acc = AvgVruntime::with_zero_vruntime(Profile::LINUX_7_1, v0);
        acc.add(h.0, h.1).unwrap();
        acc.add(pk.0, pk.1).unwrap();
        assert_eq!(acc.sum_w_vruntime(), 180_000_000_000);
        assert_eq!(acc.sum_weight(), 104_857_602);
        assert_eq!(
            acc.overflowing_vruntime_eligible(pk.0, None),
            (false, false)
        );
        assert_eq!(acc.overflowing_vruntime_eligible(h.0, None), (true, false));
        // A wrapping s64 product (the ≤ 7.0 compare, here fed full weights) says P is eligible.
        let wrapping = Profile {
            eligibility: Eligibility::Wrapping,
            ..Profile::LINUX_7_1
        };
        let acc_w = AvgVruntime {
            rel: wrapping,
            ..acc
        };
        assert_eq!(
            90_000_000_000i64.wrapping_mul(104_857_602),
            -9_009_559_893_709_551_616
        );
        assert_eq!(
            acc_w.overflowing_vruntime_eligible(pk.0, None),
            (true, true)
        );
        let acc_x = AvgVruntime {
            rel: Profile::EXACT,
            ..acc
        };
        assert_eq!(
            acc_x.overflowing_vruntime_eligible(pk.0, None),
            (false, false)
        );
    }

    #[test]
    fn empty_queue() {
        for p in Profile::PRESETS {
            let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(42));
            assert_eq!(acc.overflowing_avg_vruntime(None), Ok((Vtime(42), false)));
            assert!(acc.vruntime_eligible(Vtime(1 << 40), None));
            // Only curr: V is curr's vruntime.
            let (v, _) = acc
                .overflowing_avg_vruntime(Some((Vtime(99), 335 << 10)))
                .unwrap();
            assert_eq!(v, Vtime(99));
        }
        assert_eq!(
            overflowing_avg_vruntime_batch(&Profile::LINUX_6_6, Vtime(7), []),
            Ok((Vtime(7), false))
        );
        assert_eq!(
            overflowing_vruntime_eligible_batch(&Profile::LINUX_6_6, Vtime(7), [], Vtime(1)),
            Ok((true, false))
        );
    }

    #[test]
    fn zero_weight_and_exact_domain() {
        let mut acc = AvgVruntime::new(Profile::LINUX_6_6);
        assert_eq!(acc.add(Vtime(1), 0), Err(Error::ZeroWeight));
        let mut x = AvgVruntime::new(Profile::EXACT);
        assert_eq!(x.add(Vtime(1), (1 << 40) + 1), Err(Error::Overflow));
        assert_eq!(x.add(Vtime(1), 1 << 40), Ok(()));
        assert_eq!(acc.add(Vtime(1), (1 << 40) + 1), Ok(()));
    }

    #[test]
    fn s64_divisor_truncation_is_reported_and_zero_is_undefined() {
        // 2^22 nice-0 entities scaled down (1024 each) make W = 2^32: div_s64 sees 0.
        let p = Profile::LINUX_7_0;
        let v0 = Vtime(0);
        let mut acc = AvgVruntime::with_zero_vruntime(p, v0);
        acc.apply(0, 1 << 32).unwrap();
        assert_eq!(acc.overflowing_avg_vruntime(None), Err(Error::Undefined));
        // W = 2^32 + 1024: divisor truncated to 1024; flagged.
        acc.apply(5 << 20, 1024).unwrap();
        let (v, wrapped) = acc.overflowing_avg_vruntime(None).unwrap();
        assert!(wrapped);
        assert_eq!(v, Vtime(5 << 10));
        // 7.1 divides by the full long.
        let mut acc71 = AvgVruntime::with_zero_vruntime(Profile::LINUX_7_1, v0);
        acc71.apply(5 << 20, (1 << 32) + 1024).unwrap();
        assert_eq!(acc71.overflowing_avg_vruntime(None), Ok((Vtime(0), false)));
    }

    #[test]
    fn wrapped_s_is_the_low_64_bits_and_reported() {
        // Two entities whose key·w products are each near 2^62: S = 2^63 wraps.
        let p = Profile::LINUX_7_1;
        let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(0));
        let v = Vtime(1 << 40);
        acc.add(v, 1 << 22).unwrap();
        assert!(!acc.is_wrapped());
        acc.add(v, 1 << 22).unwrap();
        assert!(acc.is_wrapped());
        assert_eq!(acc.sum_w_vruntime(), i64::MIN);
        // The state is the kernel's own S, not an exact shadow of it.
        assert_eq!(acc.sum_w_vruntime_wide(), i64::MIN as i128);
        acc.remove(v, 1 << 22).unwrap();
        // Wrapping arithmetic is modular: back in range, S is exact again, but
        // the kernel got there by wrapping: reported until cleared.
        assert_eq!(acc.sum_w_vruntime(), 1 << 62);
        assert_eq!(acc.headroom_bits(), 0);
        assert!(acc.is_wrapped() && acc.overflowed());
        acc.clear_wrapped();
        assert!(!acc.is_wrapped());
    }

    /// The two cases of issue 11 item 5. Values from an independent big-integer
    /// model of the contract functions (fidelity review of the library): a key·w
    /// product overflows s64 while the final S fits, so the value is right and
    /// must still be reported wrapped.
    pub(crate) const PRODUCT_WRAP_7_0: (u64, [(u64, u64); 2], u64) = (
        16_937_304_304_303,
        [
            (5_032_858_225_289_597_480, 2),
            (16_936_441_485_285, 1_099_511_627_777),
        ],
        16_945_815_882_681,
    );
    /// See [`PRODUCT_WRAP_7_0`]: in 7.1 the first product is about −2.1·10¹⁹.
    pub(crate) const PRODUCT_WRAP_7_1: (u64, [(u64, u64); 3], u64) = (
        46_755_914,
        [
            (18_446_742_714_393_550_360, 15_307_776),
            (32_491_773_814, 447_531_246),
            (46_509_494, 36_864),
        ],
        18_446_744_060_170_243_745,
    );

    #[test]
    fn a_product_that_overflows_is_reported_even_when_the_sum_fits() {
        let (v0, es, want) = PRODUCT_WRAP_7_0;
        let es = es.map(|(v, w)| (Vtime(v), w));
        // sld(2) = 2: 2·key ≈ 1.007·10^19 > 2^63; S ≈ 9.14·10^18 fits. 6.6 and
        // 6.18 average the same scaled-down weights and wrap alike.
        for p in [Profile::LINUX_6_6, Profile::LINUX_6_18, Profile::LINUX_7_0] {
            assert_eq!(
                overflowing_avg_vruntime_batch(&p, Vtime(v0), es),
                Ok((Vtime(want), true)),
                "{p:?}"
            );
            // key(v0) = 0: the key·load product cannot overflow; only S did.
            assert_eq!(
                overflowing_vruntime_eligible_batch(&p, Vtime(v0), es, Vtime(v0)),
                Ok((true, true)),
                "{p:?}"
            );
            let acc = batch_sums(&p, Vtime(v0), es).unwrap();
            assert!(acc.headroom_bits() >= 0 && acc.is_wrapped(), "{p:?}");
        }
        let (v0, es, want) = PRODUCT_WRAP_7_1;
        let es = es.map(|(v, w)| (Vtime(v), w));
        let p = Profile::LINUX_7_1;
        assert_eq!(
            overflowing_avg_vruntime_batch(&p, Vtime(v0), es),
            Ok((Vtime(want), true))
        );
        assert_eq!(
            overflowing_vruntime_eligible_batch(&p, Vtime(v0), es, Vtime(v0)),
            Ok((false, true))
        );
        // EXACT agrees on the values and never wraps.
        assert_eq!(
            overflowing_avg_vruntime_batch(&Profile::EXACT, Vtime(v0), es),
            Ok((Vtime(want), false))
        );
        assert_eq!(
            overflowing_vruntime_eligible_batch(&Profile::EXACT, Vtime(v0), es, Vtime(v0)),
            Ok((false, false))
        );
    }

    #[test]
    fn moving_the_reference_reports_its_own_product() {
        // W·d overflows s64 while the exact S − W·d fits: W = 2^40 (7.1, full
        // weight), S = 2^40, d = 2^23 + 1: W·d = 2^63 + 2^40 > S64_MAX, and
        // S − W·d = −2^63 exactly, in range. Before the per-operation check
        // nothing was reported, because the resulting S fit.
        let p = Profile::LINUX_7_1;
        let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(0));
        acc.add(Vtime(1), 1 << 40).unwrap();
        assert!(!acc.is_wrapped());
        let d = (1i64 << 23) + 1;
        let kernel_s =
            ((1i64 << 40) as u64).wrapping_sub((1u64 << 40).wrapping_mul(d as u64)) as i64;
        assert_eq!(acc.overflowing_move_reference(d), Ok(true));
        assert_eq!(acc.sum_w_vruntime(), kernel_s);
        assert!(acc.is_wrapped());
        // And back: the sums are exact again, the overflow stays reported.
        assert_eq!(acc.overflowing_move_reference(-d), Ok(true));
        assert_eq!(acc.sum_w_vruntime(), 1 << 40);
        assert!(acc.is_wrapped() && acc.headroom_bits() >= 0);
    }

    #[test]
    fn every_state_round_trips_through_raw_parts() {
        // Over-removal under a kernel profile wraps the kernel's u64 W (the exact
        // W goes negative); the raw parts must still round-trip, as C stores them.
        let mut acc = AvgVruntime::with_zero_vruntime(Profile::LINUX_7_1, Vtime(0));
        acc.remove(Vtime(5), NICE0).unwrap();
        assert!(acc.is_wrapped());
        assert_eq!(acc.sum_weight(), 0u64.wrapping_sub(NICE0));
        assert!(acc.overflowed());
        let (p, v0, s, w, u) = acc.into_raw_parts();
        let back = AvgVruntime::from_raw_parts(p, v0, s, w, u).unwrap();
        assert_eq!(back.with_overflowed(acc.overflowed()), Ok(acc));
        assert_eq!(
            AvgVruntime::new(Profile::EXACT).with_overflowed(true),
            Err(Error::InvalidArgument)
        );
        // Reads of any kernel-profile state are panic-free.
        let mut any = AvgVruntime::from_raw_parts(p, v0, i128::MIN, i128::MIN, true).unwrap();
        let curr = Some((Vtime(u64::MAX), u64::MAX));
        let _ = any.overflowing_avg_vruntime(curr);
        let _ = any.overflowing_vruntime_eligible(Vtime(1), curr);
        let _ = any.move_reference(i64::MIN);
    }

    #[test]
    fn exact_sums_stay_within_their_stated_bound() {
        // Over-removal is outside EXACT's domain; nothing changes.
        let mut x = AvgVruntime::new(Profile::EXACT);
        assert_eq!(x.remove(Vtime(1), NICE0), Err(Error::InvalidArgument));
        assert_eq!(x, AvgVruntime::new(Profile::EXACT));
        // S is kept within ±2^125 so that adding a curr term (< 2^103) never
        // overflows 128 bits in a read.
        let at_bound =
            AvgVruntime::from_raw_parts(Profile::EXACT, Vtime(0), EXACT_MAX_SUM, 1, false).unwrap();
        let mut y = at_bound;
        assert_eq!(y.add(Vtime(1), 1), Err(Error::Overflow));
        assert_eq!(y, at_bound);
        let curr = Some((Vtime(i64::MAX as u64), 1 << 40));
        // V − v0 ≈ 2^86 does not fit: an error, not an overflow of the sums.
        assert_eq!(y.overflowing_avg_vruntime(curr), Err(Error::Overflow));
        let _ = y.overflowing_vruntime_eligible(Vtime(i64::MAX as u64), curr);
        // Raw parts outside the bound, with a negative W or an untracked flag are
        // refused under EXACT.
        for (s, w, u) in [
            (EXACT_MAX_SUM + 1, 0, false),
            (-EXACT_MAX_SUM - 1, 0, false),
            (0, EXACT_MAX_SUM_WEIGHT + 1, false),
            (0, -1, false),
            (0, 0, true),
        ] {
            assert_eq!(
                AvgVruntime::from_raw_parts(Profile::EXACT, Vtime(0), s, w, u),
                Err(Error::InvalidArgument),
                "S = {s}, W = {w}, untracked = {u}"
            );
        }
    }

    #[test]
    fn lone_curr_in_7_x_skips_the_product_and_reports_no_wrap() {
        // avg_vruntime(), v7.0/v7.1 (b3d99f43c72b): with W = 0 it returns curr's own
        // vruntime ("when there is but one element, it is the average") and never
        // forms key·w. A curr 2^55 ns from a stale v0 has key·w ≥ 2^64 in both
        // units, which 6.x does compute (and wraps) but 7.x does not.
        let key = 1i64 << 55;
        for p in Profile::PRESETS {
            let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(0));
            let curr = Some((Vtime(key as u64), NICE0));
            let got = acc.overflowing_avg_vruntime(curr);
            match p.reference {
                Reference::MinVruntime => {
                    // avg = key ⊗ w, load = w: the wrapped product divided back.
                    let w = avg_weight(&p, NICE0) as i64;
                    let q = key.wrapping_mul(w).div_euclid(w);
                    assert_eq!(got, Ok((Vtime(q as u64), true)), "{p:?}");
                }
                _ => assert_eq!(got, Ok((Vtime(key as u64), false)), "{p:?}"),
            }
            // Eligibility always forms the curr term: a Linux profile must say so.
            let acc = AvgVruntime::with_zero_vruntime(p, Vtime(0));
            let (_, wrapped) = acc.overflowing_vruntime_eligible(Vtime(key as u64), curr);
            assert_eq!(wrapped, !p.is_exact(), "{p:?}");
        }
    }

    #[test]
    fn a_curr_weight_that_overflows_the_long_load_is_reported() {
        // The kernel adds curr's unsigned long weight to the `long` load. With
        // full weights (7.1) a curr weight ≥ 2^63 makes W + w ≥ 2^63 overflow that
        // long even though its low 64 bits look harmless (5 + (2^64 − 1) = 4).
        let p = Profile::LINUX_7_1;
        for cw in [u64::MAX, 1 << 63] {
            let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(0));
            acc.add(Vtime(0), 5).unwrap();
            let curr = Some((Vtime(0), cw));
            let (v, wrapped) = acc.overflowing_avg_vruntime(curr).unwrap();
            assert_eq!((v, wrapped), (Vtime(0), true), "curr weight {cw}");
            assert_eq!(
                acc.overflowing_vruntime_eligible(Vtime(0), curr),
                (true, true),
                "curr weight {cw}"
            );
        }
    }

    #[test]
    fn exact_rejects_raw_sums_it_cannot_read_without_overflowing_i128() {
        // Raw parts are C's to store; absurd ones must be an error, not a panic in
        // a later read (i128 overflow of S + curr term or W + curr weight).
        let v0 = Vtime(0);
        let curr = Some((Vtime(1 << 62), 1 << 40));
        assert_eq!(
            AvgVruntime::from_raw_parts(Profile::EXACT, v0, i128::MAX, i128::MAX, false),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            AvgVruntime::from_raw_parts(Profile::EXACT, v0, EXACT_MAX_SUM + 1, 1, false),
            Err(Error::InvalidArgument)
        );
        assert_eq!(
            AvgVruntime::from_raw_parts(Profile::EXACT, v0, 0, EXACT_MAX_SUM_WEIGHT + 1, false),
            Err(Error::InvalidArgument)
        );
        // At the bounds every read works.
        let mut acc = AvgVruntime::from_raw_parts(
            Profile::EXACT,
            v0,
            -EXACT_MAX_SUM,
            EXACT_MAX_SUM_WEIGHT,
            false,
        )
        .unwrap();
        assert!(acc.overflowing_avg_vruntime(curr).is_ok());
        assert_eq!(
            acc.overflowing_vruntime_eligible(Vtime(1 << 62), curr),
            (false, false)
        );
        // Growing past them is an error that changes nothing.
        let before = acc;
        assert_eq!(
            acc.add(Vtime(i64::MIN as u64), 1 << 40),
            Err(Error::Overflow)
        );
        assert_eq!(acc, before);
        // Kernel profiles keep any raw state and read it without panicking.
        for p in [Profile::LINUX_6_6, Profile::LINUX_7_1] {
            let mut acc = AvgVruntime::from_raw_parts(p, v0, i128::MAX, i128::MAX, false).unwrap();
            assert!(acc.is_wrapped());
            let _ = acc.overflowing_vruntime_eligible(Vtime(1 << 62), curr);
            let _ = acc.overflowing_avg_vruntime(curr);
            let _ = acc.add(Vtime(1 << 62), u64::MAX);
        }
    }

    #[test]
    fn update_min_vruntime_moves_forward_only() {
        let p = Profile::LINUX_6_18;
        let mut acc = AvgVruntime::with_zero_vruntime(p, Vtime(100));
        acc.add(Vtime(150), NICE0).unwrap();
        acc.add(Vtime(300), NICE0).unwrap();
        let v_before = acc.avg_vruntime(None).unwrap();
        assert_eq!(
            acc.update_min_vruntime(None, Some(Vtime(150))),
            Ok(Vtime(150))
        );
        assert_eq!(acc.sum_w_vruntime(), 150 * 1024);
        assert_eq!(acc.avg_vruntime(None).unwrap(), v_before);
        // curr behind the tree minimum wins; backwards never.
        assert_eq!(
            acc.update_min_vruntime(Some(Vtime(120)), Some(Vtime(150))),
            Ok(Vtime(150))
        );
        assert_eq!(
            acc.update_min_vruntime(Some(Vtime(200)), Some(Vtime(300))),
            Ok(Vtime(200))
        );
        assert_eq!(acc.update_min_vruntime(None, None), Ok(Vtime(200)));
    }
}
