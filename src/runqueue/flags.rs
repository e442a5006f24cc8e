//! The kernel's enqueue, dequeue and wakeup flags that change what a run
//! queue computes.

use crate::profile::{ForkEnqueue, Profile};

/// Flags of [`CfsRq::enqueue`](super::CfsRq::enqueue) (the kernel's `ENQUEUE_*` that change the arithmetic).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EnqueueFlags {
    /// ENQUEUE_WAKEUP: a wakeup (as opposed to a restore or migration).
    pub wakeup: bool,
    /// ENQUEUE_INITIAL: `place_entity` gives the first deadline half a slice
    /// (PLACE_DEADLINE_INITIAL), in every release. Which releases pass it for
    /// a fork: [`EnqueueFlags::new_task`], or use [`CfsRq::wake_up_new`](super::CfsRq::wake_up_new).
    pub initial: bool,
}

impl EnqueueFlags {
    /// A wakeup.
    pub const WAKEUP: EnqueueFlags = EnqueueFlags {
        wakeup: true,
        initial: false,
    };
    /// The first enqueue of a new task.
    pub const INITIAL: EnqueueFlags = EnqueueFlags {
        wakeup: false,
        initial: true,
    };
    /// A restore or migration (no flags).
    pub const RESTORE: EnqueueFlags = EnqueueFlags {
        wakeup: false,
        initial: false,
    };

    /// The flags `wake_up_new_task` enqueues a forked task with under
    /// `profile` ([`ForkEnqueue`]); a [`Release`](crate::Release) stands for
    /// its preset.
    ///
    /// * v6.6: none. `task_fork_fair` placed the child with ENQUEUE_INITIAL
    ///   on the parent's queue, but the enqueue places it again without the
    ///   flag, so the child's first deadline is a full slice away.
    /// * v6.5 (CFS): none either; `task_fork_fair` placed the child with
    ///   START_DEBIT and left its vruntime relative to `min_vruntime`.
    /// * v6.12 and later (6.18, 7.x): ENQUEUE_INITIAL. The fork-time placement
    ///   was dropped and the flag moved to `wake_up_new_task`, so the first
    ///   deadline is half a slice away (PLACE_DEADLINE_INITIAL).
    pub fn new_task(profile: impl Into<Profile>) -> EnqueueFlags {
        match profile.into().fork_enqueue {
            ForkEnqueue::Plain | ForkEnqueue::StartDebit => EnqueueFlags::RESTORE,
            ForkEnqueue::Initial => EnqueueFlags::INITIAL,
        }
    }
}

/// Flags of [`CfsRq::dequeue`](super::CfsRq::dequeue).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DequeueFlags {
    /// DEQUEUE_SLEEP: the entity goes to sleep (may be delayed; lag taken, deadline
    /// kept absolute). Without it the dequeue is a migration or save/restore and
    /// PLACE_REL_DEADLINE keeps the deadline relative.
    pub sleep: bool,
    /// DEQUEUE_SPECIAL: never delay.
    pub special: bool,
    /// DEQUEUE_SAVE without DEQUEUE_MOVE: ≤ v6.18 skips `update_min_vruntime`.
    pub save_only: bool,
}

impl DequeueFlags {
    /// A sleep.
    pub const SLEEP: DequeueFlags = DequeueFlags {
        sleep: true,
        special: false,
        save_only: false,
    };
    /// A migration (no flags).
    pub const MIGRATE: DequeueFlags = DequeueFlags {
        sleep: false,
        special: false,
        save_only: false,
    };
}

/// What a dequeue did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dequeued {
    /// The entity left the run queue.
    Removed,
    /// DELAY_DEQUEUE: the sleeper was not eligible and stays queued, delayed.
    Delayed,
}

/// Flags of a wakeup preemption check.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct WakeFlags {
    /// WF_FORK: the wakee was just forked.
    pub fork: bool,
    /// WF_SYNC: the waker is about to sleep.
    pub sync: bool,
    /// WF_RQ_SELECTED: the run queue was chosen by select_task_rq.
    pub rq_selected: bool,
}
