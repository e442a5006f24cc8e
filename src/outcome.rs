//! What an operation reports besides its value, each under its own name.
//!
//! A bare `bool` would mean "wrapped" in one function, "reschedule" in a
//! second and "request used up" in a third. Each answer here is a small
//! `Copy` type that says which: [`Wrapped`], [`Resched`], [`Yielded`],
//! [`Replace`] and [`Consumed`]. They combine with `|` (either happened) and
//! read with one method (`Wrapped::is_wrapped`, …).
//!
//! The `overflowing_*` functions keep the convention of `u64::overflowing_add`
//! that every Rust programmer knows — `(value, bool)`, the `bool` meaning
//! "wrapped" — so that `checked_*` and wrapping forms derive from them the way
//! they do in `core`.
//!
//! ```
//! use eevdf::outcome::{Resched, Wrapped};
//! let mut w = Wrapped::NO;
//! w |= Wrapped::from(false);
//! assert!(!w.is_wrapped());
//! assert!((w | Wrapped::YES).is_wrapped());
//! assert!(Resched::REQUESTED.is_requested());
//! ```

macro_rules! outcome {
    ($(#[$doc:meta])* $name:ident, $yes:ident, $no:ident, $is:ident, $yes_doc:literal, $no_doc:literal) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
        pub struct $name(bool);

        impl $name {
            #[doc = $yes_doc]
            pub const $yes: $name = $name(true);
            #[doc = $no_doc]
            pub const $no: $name = $name(false);

            /// The answer as a `bool`.
            #[inline]
            pub const fn $is(self) -> bool {
                self.0
            }
        }

        impl From<bool> for $name {
            #[inline]
            fn from(b: bool) -> $name {
                $name(b)
            }
        }

        impl From<$name> for bool {
            #[inline]
            fn from(x: $name) -> bool {
                x.0
            }
        }

        impl core::ops::BitOr for $name {
            type Output = $name;
            #[inline]
            fn bitor(self, rhs: $name) -> $name {
                $name(self.0 | rhs.0)
            }
        }

        impl core::ops::BitOrAssign for $name {
            #[inline]
            fn bitor_assign(&mut self, rhs: $name) {
                self.0 |= rhs.0;
            }
        }
    };
}

outcome!(
    /// One of the release's integer operations overflowed its C type: the
    /// value is what the kernel computes, wrapped. Never reported under
    /// [`Profile::EXACT`](crate::Profile::EXACT), which returns
    /// [`Error::Overflow`](crate::Error::Overflow) instead.
    #[must_use]
    Wrapped, YES, NO, is_wrapped,
    "An operation wrapped.",
    "Nothing wrapped."
);

outcome!(
    /// The operation asked for a reschedule of the running task
    /// (`resched_curr`), which also sets the run queue's
    /// [`need_resched`](crate::runqueue::CfsRq::need_resched), so a caller
    /// that checks that flag may ignore this answer.
    Resched, REQUESTED, NONE, is_requested,
    "A reschedule was asked for.",
    "No reschedule was asked for."
);

outcome!(
    /// `yield_task_fair` gave up the rest of curr's request (curr was
    /// eligible and another entity runnable): pick next.
    #[must_use]
    Yielded, YIELDED, KEPT, did_yield,
    "Curr yielded.",
    "Curr kept its request."
);

outcome!(
    /// `update_entity_lag` (v7.1) found that the stored lag no longer
    /// matches the entity's position (V − vlag ≠ vruntime): a delayed entity
    /// being woken must be placed again.
    #[must_use]
    Replace, REPLACE, KEEP, must_replace,
    "The entity must be placed again.",
    "The entity stays where it is."
);

outcome!(
    /// `update_deadline` found the request used up (vruntime reached the
    /// deadline) and issued a new one.
    Consumed, CONSUMED, RUNNING, is_consumed,
    "The request was used up; a new deadline was issued.",
    "The request goes on."
);
