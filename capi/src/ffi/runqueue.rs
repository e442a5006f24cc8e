//! The fixed-capacity run queue behind an opaque handle, in a caller's buffer.

use core::ffi::{c_char, c_void};
use core::mem::{align_of, size_of};

use eevdf::entity::SchedEntity;
use eevdf::entity::Tunables;
use eevdf::runqueue::{BufferStore, CfsRq, DequeueFlags, Dequeued, EntityId, Node, WakeFlags};
use eevdf::vtime::Vtime;
use eevdf::{Error, Exact, Linux6_18, Linux6_6, Linux7_0, Linux7_1, Profile, Rules};

use super::avg::EevdfAvgVruntime;
use super::entity::{enqueue_flags, EevdfSchedEntity};
use super::profile::EevdfTunables;
use super::weight::EevdfLoadWeight;
use super::{
    check_out, check_ptr, profile_of, read_in, run, write_out, EEVDF_EUCLEAN, EEVDF_OK,
    EEVDF_WRAPPED,
};

/// The entity handle that names no entity (an idle CPU, no buddy).
pub const EEVDF_NO_ENTITY: u64 = u64::MAX;

/// `eevdf_rq_dequeue` flag `DEQUEUE_SLEEP`: the entity goes to sleep (it may be
/// delayed; its deadline stays absolute). Without it the dequeue is a migration
/// or save/restore and `EEVDF_FEATURE_PLACE_REL_DEADLINE` keeps the deadline
/// relative.
pub const EEVDF_DEQUEUE_SLEEP: u32 = 0x1;
/// `eevdf_rq_dequeue` flag `DEQUEUE_SPECIAL`: never delay.
pub const EEVDF_DEQUEUE_SPECIAL: u32 = 0x2;
/// `eevdf_rq_dequeue` flag: `DEQUEUE_SAVE` without `DEQUEUE_MOVE` (Linux <= 6.18
/// then skips `update_min_vruntime`).
pub const EEVDF_DEQUEUE_SAVE: u32 = 0x4;

/// `eevdf_rq_wakeup_preempt` flag `WF_FORK`: the wakee was just forked.
pub const EEVDF_WF_FORK: u32 = 0x1;
/// `eevdf_rq_wakeup_preempt` flag `WF_SYNC`: the waker is about to sleep.
pub const EEVDF_WF_SYNC: u32 = 0x2;
/// `eevdf_rq_wakeup_preempt` flag `WF_RQ_SELECTED`: `select_task_rq` chose
/// this run queue.
pub const EEVDF_WF_RQ_SELECTED: u32 = 0x4;

/// Decodes `EEVDF_DEQUEUE_*` bits; unknown bits are a bad argument.
fn dequeue_flags(bits: u32) -> Result<DequeueFlags, Error> {
    if bits & !(EEVDF_DEQUEUE_SLEEP | EEVDF_DEQUEUE_SPECIAL | EEVDF_DEQUEUE_SAVE) != 0 {
        return Err(Error::InvalidArgument);
    }
    Ok(DequeueFlags {
        sleep: bits & EEVDF_DEQUEUE_SLEEP != 0,
        special: bits & EEVDF_DEQUEUE_SPECIAL != 0,
        save_only: bits & EEVDF_DEQUEUE_SAVE != 0,
    })
}

/// Decodes `EEVDF_WF_*` bits; unknown bits are a bad argument.
fn wake_flags(bits: u32) -> Result<WakeFlags, Error> {
    if bits & !(EEVDF_WF_FORK | EEVDF_WF_SYNC | EEVDF_WF_RQ_SELECTED) != 0 {
        return Err(Error::InvalidArgument);
    }
    Ok(WakeFlags {
        fork: bits & EEVDF_WF_FORK != 0,
        sync: bits & EEVDF_WF_SYNC != 0,
        rq_selected: bits & EEVDF_WF_RQ_SELECTED != 0,
    })
}

/// The alignment a run-queue buffer needs (bytes).
pub const EEVDF_RQ_ALIGN: usize = 16;
/// The bytes at the start of a run-queue buffer that hold the run queue itself;
/// the entity slots follow.
pub const EEVDF_RQ_HEADER_SIZE: usize = 512;
/// An upper bound of the bytes one entity slot takes (the exact size on 64-bit
/// targets): `EEVDF_RQ_HEADER_SIZE + capacity * EEVDF_RQ_NODE_SIZE` bytes
/// always hold `capacity` entities. `eevdf_rq_size` gives the exact minimum.
pub const EEVDF_RQ_NODE_SIZE: usize = 152;
/// The largest capacity a run queue can have (entity slots are 32-bit indices).
pub const EEVDF_RQ_MAX_CAPACITY: u32 = u32::MAX - 1;

/// Marks an initialised run queue ("eevdfrq" and a version byte).
const RQ_MAGIC: u64 = 0x6565_7664_6672_7101;

/// A run queue (the kernel's `struct cfs_rq`) living in a caller's buffer.
/// Opaque: create it with `eevdf_rq_init` and use it only through a pointer.
///
/// It points into its own buffer: never copy or move the buffer after
/// `eevdf_rq_init`, and keep it alive while the run queue is used. There is
/// nothing to free (no allocation); to discard a run queue, stop using it.
/// Functions are not thread-safe: serialise calls on one run queue, as the
/// kernel does with the run-queue lock.
///
/// An operation that fails with `EEVDF_EDOM` or `EEVDF_EOVERFLOW` (possible
/// only with weights, slices or times far outside what a kernel produces) may
/// have stopped half-way; the run queue then refuses every further call with
/// `EEVDF_EUCLEAN` until it is initialised again. Every other error leaves it
/// consistent.
pub struct EevdfRq {
    magic: u64,
    profile: u32,
    capacity: u32,
    /// An operation failed half-way: refuse everything until re-initialised.
    broken: bool,
    rq: AnyRq,
}

/// The run queue of one preset release, chosen at `eevdf_rq_init`: the
/// release is bound once, and each call dispatches once (through [`RqOps`])
/// into a run queue whose release is a compile-time constant.
enum AnyRq {
    L6_6(CfsRq<Linux6_6, BufferStore<'static>>),
    L6_18(CfsRq<Linux6_18, BufferStore<'static>>),
    L7_0(CfsRq<Linux7_0, BufferStore<'static>>),
    L7_1(CfsRq<Linux7_1, BufferStore<'static>>),
    Exact(CfsRq<Exact, BufferStore<'static>>),
}

impl AnyRq {
    /// A run queue of preset `id` (checked by the caller) over `slots`.
    fn new(id: u32, t: Tunables, slots: &'static mut [Node]) -> Result<AnyRq, Error> {
        Ok(match id {
            0 => AnyRq::L6_6(CfsRq::in_buffer(Linux6_6, t, slots)),
            1 => AnyRq::L6_18(CfsRq::in_buffer(Linux6_18, t, slots)),
            2 => AnyRq::L7_0(CfsRq::in_buffer(Linux7_0, t, slots)),
            3 => AnyRq::L7_1(CfsRq::in_buffer(Linux7_1, t, slots)),
            4 => AnyRq::Exact(CfsRq::in_buffer(Exact, t, slots)),
            _ => return Err(Error::InvalidArgument),
        })
    }
}

impl core::ops::Deref for AnyRq {
    type Target = dyn RqOps;
    fn deref(&self) -> &(dyn RqOps + 'static) {
        match self {
            AnyRq::L6_6(r) => r,
            AnyRq::L6_18(r) => r,
            AnyRq::L7_0(r) => r,
            AnyRq::L7_1(r) => r,
            AnyRq::Exact(r) => r,
        }
    }
}

impl core::ops::DerefMut for AnyRq {
    fn deref_mut(&mut self) -> &mut (dyn RqOps + 'static) {
        match self {
            AnyRq::L6_6(r) => r,
            AnyRq::L6_18(r) => r,
            AnyRq::L7_0(r) => r,
            AnyRq::L7_1(r) => r,
            AnyRq::Exact(r) => r,
        }
    }
}

/// What the C functions ask of a run queue, whatever its release: each
/// method forwards to the [`CfsRq`] method of the same name.
trait RqOps {
    fn add(&mut self, se: SchedEntity) -> Result<EntityId, Error>;
    fn remove(&mut self, id: EntityId) -> Result<SchedEntity, Error>;
    fn entity(&self, id: EntityId) -> Result<&SchedEntity, Error>;
    fn sum_exec_runtime(&self, id: EntityId) -> Result<u64, Error>;
    fn set_slice(&mut self, id: EntityId, slice: u64) -> Result<(), Error>;
    fn set_next_buddy(&mut self, id: EntityId) -> Result<(), Error>;
    fn peek(&self) -> Option<EntityId>;
    fn need_resched(&self) -> bool;
    fn resched_curr(&mut self);
    fn is_eligible(&self, id: EntityId) -> Result<bool, Error>;
    fn overflowing_avg_vruntime(&self) -> Result<(Vtime, bool), Error>;
    fn profile(&self) -> Profile;
    fn wrapped(&self) -> bool;
    fn clear_wrapped(&mut self);
    fn tunables(&self) -> &Tunables;
    fn set_tunables(&mut self, t: Tunables);
    fn load_weight(&self) -> u64;
    fn curr(&self) -> Option<EntityId>;
    fn next_buddy(&self) -> Option<EntityId>;
    fn min_slice(&self) -> u64;
    fn max_slice(&self) -> u64;
    fn nr_queued(&self) -> u32;
    fn nr_runnable(&self) -> u32;
    fn len(&self) -> u32;
    fn validate(&self) -> Result<(), &'static str>;
    /// The accumulator as C holds it, for preset `id`.
    fn avg_c(&self, id: u32) -> EevdfAvgVruntime;
    /// Calls `f` with each queued entity other than curr, in tree order.
    fn for_each_tree_id(&self, f: &mut dyn FnMut(EntityId));
}

impl<R: Rules> RqOps for CfsRq<R, BufferStore<'static>> {
    fn add(&mut self, se: SchedEntity) -> Result<EntityId, Error> {
        CfsRq::add(self, se)
    }
    fn remove(&mut self, id: EntityId) -> Result<SchedEntity, Error> {
        CfsRq::remove(self, id)
    }
    fn entity(&self, id: EntityId) -> Result<&SchedEntity, Error> {
        CfsRq::entity(self, id)
    }
    fn sum_exec_runtime(&self, id: EntityId) -> Result<u64, Error> {
        CfsRq::sum_exec_runtime(self, id)
    }
    fn set_slice(&mut self, id: EntityId, slice: u64) -> Result<(), Error> {
        CfsRq::set_slice(self, id, slice)
    }
    fn set_next_buddy(&mut self, id: EntityId) -> Result<(), Error> {
        CfsRq::set_next_buddy(self, id)
    }
    fn peek(&self) -> Option<EntityId> {
        CfsRq::peek(self)
    }
    fn need_resched(&self) -> bool {
        CfsRq::need_resched(self)
    }
    fn resched_curr(&mut self) {
        CfsRq::resched_curr(self)
    }
    fn is_eligible(&self, id: EntityId) -> Result<bool, Error> {
        CfsRq::is_eligible(self, id)
    }
    fn overflowing_avg_vruntime(&self) -> Result<(Vtime, bool), Error> {
        CfsRq::overflowing_avg_vruntime(self)
    }
    fn profile(&self) -> Profile {
        CfsRq::profile(self)
    }
    fn wrapped(&self) -> bool {
        CfsRq::wrapped(self)
    }
    fn clear_wrapped(&mut self) {
        CfsRq::clear_wrapped(self)
    }
    fn tunables(&self) -> &Tunables {
        CfsRq::tunables(self)
    }
    fn set_tunables(&mut self, t: Tunables) {
        CfsRq::set_tunables(self, t)
    }
    fn load_weight(&self) -> u64 {
        CfsRq::load_weight(self)
    }
    fn curr(&self) -> Option<EntityId> {
        CfsRq::curr(self)
    }
    fn next_buddy(&self) -> Option<EntityId> {
        CfsRq::next_buddy(self)
    }
    fn min_slice(&self) -> u64 {
        CfsRq::min_slice(self)
    }
    fn max_slice(&self) -> u64 {
        CfsRq::max_slice(self)
    }
    fn nr_queued(&self) -> u32 {
        CfsRq::nr_queued(self)
    }
    fn nr_runnable(&self) -> u32 {
        CfsRq::nr_runnable(self)
    }
    fn len(&self) -> u32 {
        CfsRq::len(self)
    }
    fn validate(&self) -> Result<(), &'static str> {
        CfsRq::validate(self)
    }
    fn avg_c(&self, id: u32) -> EevdfAvgVruntime {
        EevdfAvgVruntime::from_rust(id, self.avg())
    }
    fn for_each_tree_id(&self, f: &mut dyn FnMut(EntityId)) {
        for id in self.tree_ids() {
            f(id);
        }
    }
}

static_assertions::const_assert!(align_of::<EevdfRq>() <= EEVDF_RQ_ALIGN);
static_assertions::const_assert!(align_of::<Node>() <= EEVDF_RQ_ALIGN);
static_assertions::const_assert!(size_of::<EevdfRq>() <= EEVDF_RQ_HEADER_SIZE);
static_assertions::const_assert_eq!(EEVDF_RQ_HEADER_SIZE % EEVDF_RQ_ALIGN, 0);
static_assertions::const_assert!(size_of::<Node>() <= EEVDF_RQ_NODE_SIZE);
static_assertions::const_assert!(size_of::<Node>() > 0);
#[cfg(target_pointer_width = "64")]
static_assertions::const_assert_eq!(size_of::<Node>(), EEVDF_RQ_NODE_SIZE);

/// The number of bytes a run-queue buffer needs for `capacity` entities:
/// `EEVDF_RQ_HEADER_SIZE` plus the entity slots. 0 when `capacity` exceeds
/// `EEVDF_RQ_MAX_CAPACITY` or the size does not fit `size_t`.
#[no_mangle]
pub extern "C" fn eevdf_rq_size(capacity: u32) -> usize {
    if capacity > EEVDF_RQ_MAX_CAPACITY {
        return 0;
    }
    (capacity as usize)
        .checked_mul(size_of::<Node>())
        .and_then(|b| b.checked_add(EEVDF_RQ_HEADER_SIZE))
        .unwrap_or(0)
}

/// Initialises an empty run queue in the caller's buffer `buf` of `len`
/// bytes and writes its handle (equal to `buf`) to `*out`.
///
/// `buf` must be aligned to `EEVDF_RQ_ALIGN` (16) bytes and at least
/// `EEVDF_RQ_HEADER_SIZE` bytes long; the capacity is
/// (len - EEVDF_RQ_HEADER_SIZE) / slot size, at most `EEVDF_RQ_MAX_CAPACITY`
/// (`eevdf_rq_size(c)` bytes give capacity c). Every slot is initialised here
/// (O(capacity)); the library never allocates. A statically sized buffer:
/// `static _Alignas(EEVDF_RQ_ALIGN) unsigned char buf[EEVDF_RQ_BUFFER_SIZE(64)];`
///
/// The run queue computes with profile `profile` and starts with tunables
/// `*tun` (copied). `buf` must not overlap `*tun` or `*out`; re-initialising a
/// buffer discards the run queue it held.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` (nothing written) for a NULL or
/// misaligned `buf`, a `len` below the header size, an unknown profile, NULL
/// `tun`/`out` or unknown feature bits.
///
/// # Safety
///
/// `buf` is NULL or points to `len` writable bytes that stay valid, unmoved and
/// otherwise unused while the run queue is used; `tun` is NULL or points to a
/// readable `EevdfTunables`; `out` is NULL or points to a writable `EevdfRq *`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_init(
    buf: *mut c_void,
    len: usize,
    profile: u32,
    tun: *const EevdfTunables,
    out: *mut *mut EevdfRq,
) -> i32 {
    run(|| {
        let p = profile_of(profile);
        // SAFETY: NULL or a readable EevdfTunables by the caller's contract.
        let t = unsafe { read_in(tun) };
        check_out(out)?;
        if buf.is_null() || (buf as usize) % EEVDF_RQ_ALIGN != 0 || len < EEVDF_RQ_HEADER_SIZE {
            return Err(Error::InvalidArgument);
        }
        let t = t?.to_rust()?;
        p?;
        let slots = (len - EEVDF_RQ_HEADER_SIZE) / size_of::<Node>();
        let capacity = slots.min(EEVDF_RQ_MAX_CAPACITY as usize);
        // SAFETY: `buf` has `len >= EEVDF_RQ_HEADER_SIZE` bytes, so the offset
        // stays inside (or one past the end of) the caller's buffer.
        let nodes = unsafe { buf.cast::<u8>().add(EEVDF_RQ_HEADER_SIZE) }.cast::<Node>();
        for i in 0..capacity {
            // SAFETY: slot i lies within `len` bytes (capacity * size_of::<Node>()
            // <= len - header), is aligned (buf and the header size are multiples
            // of EEVDF_RQ_ALIGN >= align_of::<Node>()) and writable by contract.
            unsafe { nodes.add(i).write(Node::EMPTY) };
        }
        // SAFETY: the `capacity` slots were just initialised, lie inside the
        // caller's buffer after the header, and the caller keeps them alive and
        // otherwise unused for as long as the run queue is used (documented).
        let slots: &'static mut [Node] =
            unsafe { core::slice::from_raw_parts_mut(nodes, capacity) };
        let rq = EevdfRq {
            magic: RQ_MAGIC,
            profile,
            capacity: capacity as u32,
            broken: false,
            rq: AnyRq::new(profile, t, slots)?,
        };
        let handle = buf.cast::<EevdfRq>();
        // SAFETY: `buf` is aligned for EevdfRq (checked, EEVDF_RQ_ALIGN >=
        // align_of::<EevdfRq>()) and its first EEVDF_RQ_HEADER_SIZE >=
        // size_of::<EevdfRq>() bytes are writable and disjoint from the slots.
        unsafe { handle.write(rq) };
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, handle) };
        Ok(EEVDF_OK)
    })
}

/// Checks a run-queue handle: non-NULL, aligned, initialised (magic word).
///
/// # Safety
///
/// `rq` is NULL or points to at least `size_of::<EevdfRq>()` readable bytes.
unsafe fn rq_check(rq: *const EevdfRq) -> Result<(), Error> {
    check_ptr(rq)?;
    // SAFETY: non-NULL, aligned and readable by the caller's contract; the
    // magic word is read through a raw pointer, without asserting that the
    // rest is a valid run queue.
    let magic = unsafe { core::ptr::addr_of!((*rq).magic).read() };
    if magic != RQ_MAGIC {
        return Err(Error::InvalidArgument);
    }
    Ok(())
}

/// A shared view of a checked, usable run queue (not broken).
///
/// # Safety
///
/// `rq` is NULL or a handle from `eevdf_rq_init` whose buffer is still valid
/// and not written concurrently.
unsafe fn rq_ref<'a>(rq: *const EevdfRq) -> Result<&'a EevdfRq, Error> {
    // SAFETY: forwarded contract.
    unsafe { rq_check(rq) }?;
    // SAFETY: checked non-NULL, aligned and initialised; not written
    // concurrently by the caller's contract.
    let h = unsafe { &*rq };
    if h.broken {
        return Err(Error::Inconsistent);
    }
    Ok(h)
}

/// An exclusive view of a checked, usable run queue (not broken).
///
/// # Safety
///
/// `rq` is NULL or a handle from `eevdf_rq_init` whose buffer is still valid,
/// not used concurrently, and not aliased by the other arguments of the call.
unsafe fn rq_mut<'a>(rq: *mut EevdfRq) -> Result<&'a mut EevdfRq, Error> {
    // SAFETY: forwarded contract.
    unsafe { rq_check(rq) }?;
    // SAFETY: checked non-NULL, aligned and initialised; exclusive for the
    // duration of the call by the caller's contract.
    let h = unsafe { &mut *rq };
    if h.broken {
        return Err(Error::Inconsistent);
    }
    Ok(h)
}

/// Runs an operation that checks its arguments before changing anything.
///
/// # Safety
///
/// As [`rq_mut`].
unsafe fn with_rq_mut(
    rq: *mut EevdfRq,
    op: impl FnOnce(&mut dyn RqOps) -> Result<(), Error>,
) -> Result<i32, Error> {
    // SAFETY: forwarded contract.
    op(&mut *unsafe { rq_mut(rq) }?.rq)?;
    Ok(EEVDF_OK)
}

/// Runs an operation that computes with the kernel's arithmetic, dispatched
/// once on the run queue's release: the body is compiled for each release, so
/// the release's rules are constants inside it. Its status is `EEVDF_WRAPPED`
/// when the run queue's wrap flag is set afterwards (by this call, or by an
/// earlier one not cleared with `eevdf_rq_clear_wrapped`: the flag is sticky).
/// If it fails on the arithmetic (`EEVDF_EDOM`, `EEVDF_EOVERFLOW`) it may have
/// stopped half-way: the run queue is marked broken. For use inside `run`,
/// with `rq` under [`rq_mut`]'s contract.
macro_rules! with_rq_arith {
    ($rq:expr, |$r:ident| $body:block) => {{
        // SAFETY: forwarded contract (see the macro's docs).
        let h = unsafe { rq_mut($rq) }?;
        let res: Result<bool, Error> = match &mut h.rq {
            AnyRq::L6_6($r) => (|| -> Result<(), Error> { $body })().map(|()| $r.wrapped()),
            AnyRq::L6_18($r) => (|| -> Result<(), Error> { $body })().map(|()| $r.wrapped()),
            AnyRq::L7_0($r) => (|| -> Result<(), Error> { $body })().map(|()| $r.wrapped()),
            AnyRq::L7_1($r) => (|| -> Result<(), Error> { $body })().map(|()| $r.wrapped()),
            AnyRq::Exact($r) => (|| -> Result<(), Error> { $body })().map(|()| $r.wrapped()),
        };
        match res {
            Ok(wrapped) => Ok::<i32, Error>(if wrapped { EEVDF_WRAPPED } else { EEVDF_OK }),
            Err(e) => {
                if matches!(e, Error::Undefined | Error::Overflow) {
                    h.broken = true;
                }
                Err(e)
            }
        }
    }};
}

/// Takes in a new entity (not queued: `on_rq` and `sched_delayed` 0) and writes
/// its handle to `*id`. Handles are `uint64_t` values that stay valid until
/// `eevdf_rq_remove`; a stale handle is detected (`EEVDF_ENOENT`), never
/// confused with a new entity.
///
/// Returns `EEVDF_OK` (never `EEVDF_WRAPPED`: nothing is computed);
/// `EEVDF_ENOSPC` when no slot is free; `EEVDF_EBUSY` for
/// an entity that claims to be queued; `EEVDF_EOVERFLOW` under EXACT for a
/// weight above 2^40; `EEVDF_EINVAL` for NULL pointers, a bad handle or an
/// invalid entity.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently); `se` is NULL or
/// points to a readable `EevdfSchedEntity`; `id` is NULL or points to a
/// writable `uint64_t`. No argument points into the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_add(
    rq: *mut EevdfRq,
    se: *const EevdfSchedEntity,
    id: *mut u64,
) -> i32 {
    run(|| {
        // SAFETY: NULL or a readable EevdfSchedEntity by the caller's contract.
        let mut se = unsafe { read_in(se) }?.to_rust()?;
        // Kept and divided by on every update_curr: prepare its reciprocal once.
        se.load = se.load.prepared();
        check_out(id)?;
        let mut new = 0;
        // SAFETY: forwarded contract.
        let status = unsafe {
            with_rq_mut(rq, |r| {
                new = r.add(se)?.to_bits();
                Ok(())
            })
        }?;
        // SAFETY: `id` was checked; writable by the caller's contract.
        unsafe { write_out(id, new) };
        Ok(status)
    })
}

/// Gives back an entity that is neither queued nor curr; its final state is
/// written to `*out` when `out` is not NULL. Its handle becomes stale.
///
/// Returns `EEVDF_OK` (never `EEVDF_WRAPPED`: nothing is computed); `EEVDF_ENOENT` for a stale handle; `EEVDF_EBUSY` when
/// the entity is queued or curr; `EEVDF_EINVAL` for a bad run-queue handle or
/// a misaligned `out`.
///
/// # Safety
///
/// `rq` is NULL or a live handle; `out` is NULL or points to a writable
/// `EevdfSchedEntity` outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_remove(
    rq: *mut EevdfRq,
    id: u64,
    out: *mut EevdfSchedEntity,
) -> i32 {
    run(|| {
        if !out.is_null() {
            check_out(out)?;
        }
        let mut se = None;
        // SAFETY: forwarded contract.
        let status = unsafe {
            with_rq_mut(rq, |r| {
                se = Some(r.remove(EntityId::from_bits(id))?);
                Ok(())
            })
        }?;
        if let (Some(se), false) = (se, out.is_null()) {
            // SAFETY: `out` was checked; writable by the caller's contract.
            unsafe { write_out(out, se.into()) };
        }
        Ok(status)
    })
}

/// Copies an entity's current state to `*out`.
///
/// Returns `EEVDF_OK`; `EEVDF_ENOENT` for a stale handle; `EEVDF_EINVAL` for
/// NULL pointers or a bad run-queue handle.
///
/// # Safety
///
/// `rq` is NULL or a live handle; `out` is NULL or points to a writable
/// `EevdfSchedEntity` outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_entity(
    rq: *const EevdfRq,
    id: u64,
    out: *mut EevdfSchedEntity,
) -> i32 {
    run(|| {
        check_out(out)?;
        // SAFETY: forwarded contract.
        let se = *unsafe { rq_ref(rq) }?.rq.entity(EntityId::from_bits(id))?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, se.into()) };
        Ok(EEVDF_OK)
    })
}

/// The wall time (ns) an entity has run as curr (`sum_exec_runtime`).
///
/// Returns as `eevdf_rq_entity`.
///
/// # Safety
///
/// `rq` is NULL or a live handle; `out` is NULL or points to a writable
/// `uint64_t` outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_sum_exec_runtime(
    rq: *const EevdfRq,
    id: u64,
    out: *mut u64,
) -> i32 {
    run(|| {
        check_out(out)?;
        // SAFETY: forwarded contract.
        let t = unsafe { rq_ref(rq) }?
            .rq
            .sum_exec_runtime(EntityId::from_bits(id))?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, t) };
        Ok(EEVDF_OK)
    })
}

/// Sets an entity's custom slice (`sched_setattr` runtime; clamped to
/// [0.1 ms, 100 ms]; 0 resets to the base slice). Takes effect at its next
/// placement or deadline; not allowed while queued.
///
/// Returns `EEVDF_OK`; `EEVDF_ENOENT` for a stale handle; `EEVDF_EBUSY` while
/// the entity is queued; `EEVDF_EINVAL` for a bad run-queue handle.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently).
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_set_slice(rq: *mut EevdfRq, id: u64, slice: u64) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        unsafe {
            with_rq_mut(rq, |r| {
                r.set_slice(EntityId::from_bits(id), slice)?;
                Ok(())
            })
        }
    })
}

/// Sets the next buddy (`set_next_buddy`, as `yield_to` does); the entity must
/// be queued and not delayed.
///
/// Returns `EEVDF_OK`; `EEVDF_ENOENT` for a stale handle; `EEVDF_EBUSY` for an
/// entity that is not queued or is delayed; `EEVDF_EINVAL` for a bad
/// run-queue handle.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently).
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_set_next_buddy(rq: *mut EevdfRq, id: u64) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        unsafe {
            with_rq_mut(rq, |r| {
                r.set_next_buddy(EntityId::from_bits(id))?;
                Ok(())
            })
        }
    })
}

/// `enqueue_entity` at time `now` (ns, `rq_clock_task`): update curr, place the
/// entity (lag-preserving), account it and insert it into the tree; for a
/// delayed entity, `requeue_delayed_entity` (wake it in place). `flags`:
/// `EEVDF_ENQUEUE_WAKEUP`, `EEVDF_ENQUEUE_INITIAL` (the first enqueue of a new
/// task) or 0 (a restore or migration).
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when the run queue's wrap flag is set
/// (an operation of the kernel's arithmetic overflowed, now or earlier; see
/// `eevdf_rq_clear_wrapped`); `EEVDF_ENOENT` for a stale handle; `EEVDF_EBUSY`
/// for an entity already queued (and not delayed); `EEVDF_EDOM` or
/// `EEVDF_EOVERFLOW` (EXACT) when the arithmetic is undefined or does not fit
/// (the run queue is then broken, see `EevdfRq`); `EEVDF_EUCLEAN` for a broken
/// run queue; `EEVDF_EINVAL` for a bad run-queue handle or unknown flag bits.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently).
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_enqueue(rq: *mut EevdfRq, id: u64, now: u64, flags: u32) -> i32 {
    run(|| {
        let flags = enqueue_flags(flags)?;
        with_rq_arith!(rq, |r| {
            r.enqueue(EntityId::from_bits(id), now, flags)?;
            Ok(())
        })
    })
}

/// `dequeue_entity` at time `now`: update curr, save the entity's lag and take
/// it off the run queue. A sleep (`EEVDF_DEQUEUE_SLEEP`) of an ineligible
/// entity under `EEVDF_FEATURE_DELAY_DEQUEUE` (>= 6.18) is delayed instead: it
/// stays queued until picked, and `*delayed` is set to true. Dequeuing curr
/// keeps it curr until the next `eevdf_rq_pick_next`.
///
/// Returns as `eevdf_rq_enqueue` (`EEVDF_EBUSY` for an entity that is not
/// queued or already delayed), plus `EEVDF_EINVAL` for a NULL `delayed`.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently); `delayed` is NULL or
/// points to a writable `bool` outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_dequeue(
    rq: *mut EevdfRq,
    id: u64,
    now: u64,
    flags: u32,
    delayed: *mut bool,
) -> i32 {
    run(|| {
        let flags = dequeue_flags(flags);
        check_out(delayed)?;
        let flags = flags?;
        let mut d = false;
        let status = with_rq_arith!(rq, |r| {
            d = r.dequeue(EntityId::from_bits(id), now, flags)? == Dequeued::Delayed;
            Ok(())
        })?;
        // SAFETY: `delayed` was checked; writable by the caller's contract.
        unsafe { write_out(delayed, d) };
        Ok(status)
    })
}

/// Shared body of `eevdf_rq_update_curr` and `eevdf_rq_tick`.
///
/// # Safety
///
/// As `eevdf_rq_update_curr`.
unsafe fn update_curr(rq: *mut EevdfRq, now: u64, resched: *mut bool, tick: bool) -> i32 {
    run(|| {
        check_out(resched)?;
        let mut out = false;
        let status = with_rq_arith!(rq, |r| {
            out = if tick {
                r.tick(now)?.is_requested()
            } else {
                r.update_curr(now)?.is_requested()
            };
            Ok(())
        })?;
        // SAFETY: `resched` was checked; writable by the caller's contract.
        unsafe { write_out(resched, out) };
        Ok(status)
    })
}

/// `update_curr` at time `now`: charge the running entity for the wall time
/// since it last ran or was charged, advance its vruntime by
/// `calc_delta_fair`, issue a new deadline when its request is used up, and
/// move the reference point. `*resched` tells whether curr should be
/// rescheduled (request used up or, >= 6.18, slice protection over); never
/// with a single queued entity.
///
/// Returns as `eevdf_rq_enqueue`, plus `EEVDF_EINVAL` for a NULL `resched`.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently); `resched` is NULL or
/// points to a writable `bool` outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_update_curr(
    rq: *mut EevdfRq,
    now: u64,
    resched: *mut bool,
) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { update_curr(rq, now, resched, false) }
}

/// `entity_tick` at time `now`: `eevdf_rq_update_curr` at a timer tick. When
/// `*resched` comes back true, call `eevdf_rq_pick_next`.
///
/// Returns as `eevdf_rq_update_curr`.
///
/// # Safety
///
/// As `eevdf_rq_update_curr`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_tick(rq: *mut EevdfRq, now: u64, resched: *mut bool) -> i32 {
    // SAFETY: forwarded contract.
    unsafe { update_curr(rq, now, resched, true) }
}

/// `pick_next_entity` plus the switch, at time `now`: update curr, pick the
/// eligible entity with the earliest deadline (completing the dequeue of a
/// delayed pick and picking again), put the previous curr back into the tree
/// if still queued, and make the pick the new curr. Its handle is written to
/// `*id`, or `EEVDF_NO_ENTITY` when nothing is queued (idle).
///
/// Returns as `eevdf_rq_enqueue`, plus `EEVDF_EBUSY` when nothing is eligible
/// in a non-empty queue (the kernel would dereference NULL; only after an
/// overflow) and `EEVDF_EINVAL` for a NULL `id`.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently); `id` is NULL or
/// points to a writable `uint64_t` outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_pick_next(rq: *mut EevdfRq, now: u64, id: *mut u64) -> i32 {
    run(|| {
        check_out(id)?;
        let mut picked = EEVDF_NO_ENTITY;
        let status = with_rq_arith!(rq, |r| {
            picked = r.pick_next(now)?.map_or(EEVDF_NO_ENTITY, EntityId::to_bits);
            Ok(())
        })?;
        // SAFETY: `id` was checked; writable by the caller's contract.
        unsafe { write_out(id, picked) };
        Ok(status)
    })
}

/// What `eevdf_rq_pick_next` would choose first, without switching or
/// updating anything (`EEVDF_NO_ENTITY` when nothing is eligible or queued).
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for NULL pointers or a bad handle.
///
/// # Safety
///
/// `rq` is NULL or a live handle; `id` is NULL or points to a writable
/// `uint64_t` outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_peek(rq: *const EevdfRq, id: *mut u64) -> i32 {
    run(|| {
        check_out(id)?;
        // SAFETY: forwarded contract.
        let next = unsafe { rq_ref(rq) }?.rq.peek();
        // SAFETY: `id` was checked; writable by the caller's contract.
        unsafe { write_out(id, next.map_or(EEVDF_NO_ENTITY, EntityId::to_bits)) };
        Ok(EEVDF_OK)
    })
}

/// Stops running curr without picking (the CPU goes idle or to another
/// class): `put_prev_entity` at `now`, which charges curr (`update_curr`)
/// only while it is still queued: a curr that was dequeued to sleep was
/// charged at its dequeue.
///
/// Returns as `eevdf_rq_enqueue`.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently).
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_put_prev(rq: *mut EevdfRq, now: u64) -> i32 {
    run(|| {
        with_rq_arith!(rq, |r| {
            r.put_prev_curr(now)?;
            Ok(())
        })
    })
}

/// `wakeup_preempt_fair` (behind core's `wakeup_preempt`) for a
/// just-enqueued wakee at time `now`: should it preempt curr? Covers
/// `WAKEUP_PREEMPTION`, `PREEMPT_SHORT`, the fork and delayed exclusions,
/// `NEXT_BUDDY` and the release's pick and protection updates. `*preempt`
/// tells whether this call asked for a reschedule (which sets the run queue's
/// TIF_NEED_RESCHED, see `eevdf_rq_need_resched`). While a reschedule is
/// already pending the call returns early with `*preempt = false`, as the
/// kernel's does (6.6 and 6.18 after marking the `NEXT_BUDDY` buddy, 7.x
/// before anything, so curr is not even updated). With no curr running (an
/// idle CPU) the wakee preempts, unless a reschedule is already pending.
/// `flags`: `EEVDF_WF_*`.
///
/// Returns as `eevdf_rq_enqueue`, plus `EEVDF_EINVAL` for a NULL `preempt`.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently); `preempt` is NULL or
/// points to a writable `bool` outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_wakeup_preempt(
    rq: *mut EevdfRq,
    id: u64,
    now: u64,
    flags: u32,
    preempt: *mut bool,
) -> i32 {
    run(|| {
        let flags = wake_flags(flags);
        check_out(preempt)?;
        let flags = flags?;
        let mut out = false;
        let status = with_rq_arith!(rq, |r| {
            out = r
                .wakeup_preempt(EntityId::from_bits(id), now, flags)?
                .is_requested();
            Ok(())
        })?;
        // SAFETY: `preempt` was checked; writable by the caller's contract.
        unsafe { write_out(preempt, out) };
        Ok(status)
    })
}

/// A forked entity's first enqueue as the release runs `task_fork_fair` and
/// `wake_up_new_task`: `eevdf_rq_enqueue` with the release's fork flags (6.6:
/// none, so a full first slice; later releases `EEVDF_ENQUEUE_INITIAL`, half
/// a slice), then `eevdf_rq_wakeup_preempt` with `EEVDF_WF_FORK`.
/// `*preempt` as for `eevdf_rq_wakeup_preempt`.
///
/// Returns as `eevdf_rq_enqueue`, plus `EEVDF_EINVAL` for a NULL `preempt`.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently); `preempt` is NULL or
/// points to a writable `bool` outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_wake_up_new(
    rq: *mut EevdfRq,
    id: u64,
    now: u64,
    preempt: *mut bool,
) -> i32 {
    run(|| {
        check_out(preempt)?;
        let mut out = false;
        let status = with_rq_arith!(rq, |r| {
            out = r.wake_up_new(EntityId::from_bits(id), now)?.is_requested();
            Ok(())
        })?;
        // SAFETY: `preempt` was checked; writable by the caller's contract.
        unsafe { write_out(preempt, out) };
        Ok(status)
    })
}

/// TIF_NEED_RESCHED: `*out` tells whether a reschedule of the running task is
/// pending. Set by every request the run queue models (an `update_curr` that
/// asks for one, in `eevdf_rq_tick`, `eevdf_rq_enqueue`, ...; a preempting
/// wakeup; a wakeup on an idle CPU; `eevdf_rq_resched_curr`); cleared by the
/// switch (`eevdf_rq_pick_next`, `eevdf_rq_put_prev`). While it is set,
/// `eevdf_rq_wakeup_preempt` returns early. A scheduler loop calls
/// `eevdf_rq_pick_next` when it finds it set.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for NULL pointers or a bad handle.
///
/// # Safety
///
/// `rq` is NULL or a live handle; `out` is NULL or points to a writable `bool`
/// outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_need_resched(rq: *const EevdfRq, out: *mut bool) -> i32 {
    run(|| {
        check_out(out)?;
        // SAFETY: forwarded contract.
        let pending = unsafe { rq_ref(rq) }?.rq.need_resched();
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, pending) };
        Ok(EEVDF_OK)
    })
}

/// `resched_curr` from outside the fair class (a higher class's task woke, a
/// renice of curr to a lower priority): sets TIF_NEED_RESCHED.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a bad handle.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently).
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_resched_curr(rq: *mut EevdfRq) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        unsafe { rq_mut(rq) }?.rq.resched_curr();
        Ok(EEVDF_OK)
    })
}

/// `yield_task_fair` for curr at time `now`: with more than one runnable
/// entity, clear the buddy, update curr and, if it is eligible, give up the
/// rest of its request. `*yielded` tells whether it did (then call
/// `eevdf_rq_pick_next`).
///
/// Returns as `eevdf_rq_enqueue`, plus `EEVDF_EINVAL` for a NULL `yielded`.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently); `yielded` is NULL or
/// points to a writable `bool` outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_yield(rq: *mut EevdfRq, now: u64, yielded: *mut bool) -> i32 {
    run(|| {
        check_out(yielded)?;
        let mut out = false;
        let status = with_rq_arith!(rq, |r| {
            out = r.yield_curr(now)?.did_yield();
            Ok(())
        })?;
        // SAFETY: `yielded` was checked; writable by the caller's contract.
        unsafe { write_out(yielded, out) };
        Ok(status)
    })
}

/// `reweight_entity` at time `now`: changes an entity's weight (a nice change
/// passes the table weight from `eevdf_load_weight_from_nice`, a group share a
/// weight with `inv_weight` 0), keeping the sums, tree and load consistent.
///
/// Returns as `eevdf_rq_enqueue`, plus `EEVDF_EINVAL` for a NULL `lw` or a
/// weight of 0.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently); `lw` is NULL or
/// points to a readable `EevdfLoadWeight`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_reweight(
    rq: *mut EevdfRq,
    id: u64,
    lw: *const EevdfLoadWeight,
    now: u64,
) -> i32 {
    run(|| {
        // SAFETY: NULL or a readable EevdfLoadWeight by the caller's contract.
        let lw = unsafe { read_in(lw) }?.to_rust()?.prepared();
        with_rq_arith!(rq, |r| {
            r.reweight(EntityId::from_bits(id), lw, now)?;
            Ok(())
        })
    })
}

/// `entity_eligible(cfs_rq, se)` for a held entity (curr counted if on the run
/// queue).
///
/// Returns `EEVDF_OK`; `EEVDF_ENOENT` for a stale handle; `EEVDF_EINVAL` for
/// NULL pointers or a bad run-queue handle.
///
/// # Safety
///
/// `rq` is NULL or a live handle; `out` is NULL or points to a writable `bool`
/// outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_is_eligible(rq: *const EevdfRq, id: u64, out: *mut bool) -> i32 {
    run(|| {
        check_out(out)?;
        // SAFETY: forwarded contract.
        let e = unsafe { rq_ref(rq) }?
            .rq
            .is_eligible(EntityId::from_bits(id))?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, e) };
        Ok(EEVDF_OK)
    })
}

/// `avg_vruntime(cfs_rq)`: V of the run queue (curr counted if on the run
/// queue), without moving v0.
///
/// Returns `EEVDF_OK`; `EEVDF_WRAPPED` when the computation wrapped;
/// `EEVDF_EDOM` / `EEVDF_EOVERFLOW` as `eevdf_avg_vruntime_read`;
/// `EEVDF_EINVAL` for NULL pointers or a bad handle.
///
/// # Safety
///
/// `rq` is NULL or a live handle; `out` is NULL or points to a writable
/// `uint64_t` outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_avg_vruntime(rq: *const EevdfRq, out: *mut u64) -> i32 {
    run(|| {
        check_out(out)?;
        // SAFETY: forwarded contract.
        let r = &unsafe { rq_ref(rq) }?.rq;
        let (v, wrapped) = r.overflowing_avg_vruntime()?;
        let status = super::status_of(&r.profile(), wrapped)?;
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, v.0) };
        Ok(status)
    })
}

/// A copy of the run queue's V accumulator (v0, S, W), usable with the
/// `eevdf_avg_vruntime_*` functions.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for NULL pointers or a bad handle.
///
/// # Safety
///
/// `rq` is NULL or a live handle; `out` is NULL or points to a writable
/// `EevdfAvgVruntime` outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_avg(rq: *const EevdfRq, out: *mut EevdfAvgVruntime) -> i32 {
    run(|| {
        check_out(out)?;
        // SAFETY: forwarded contract.
        let r = unsafe { rq_ref(rq) }?;
        let acc = r.rq.avg_c(r.profile);
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, acc) };
        Ok(EEVDF_OK)
    })
}

/// A snapshot of a run queue's counters and state.
///
/// Size 72, align 8.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EevdfRqState {
    /// `cfs_rq->load.weight`: the sum of the queued entities' weights.
    pub load_weight: u64,
    /// `cfs_rq->curr`: the running entity (it may have left the run queue), or
    /// `EEVDF_NO_ENTITY`.
    pub curr: u64,
    /// `cfs_rq->next`: the next buddy, or `EEVDF_NO_ENTITY`.
    pub next_buddy: u64,
    /// `cfs_rq_min_slice` as the tree reports it (`UINT64_MAX` when empty).
    pub min_slice: u64,
    /// `cfs_rq_max_slice` as the tree reports it (0 when empty).
    pub max_slice: u64,
    /// The reference point v0 (`min_vruntime` or `zero_vruntime`).
    pub zero_vruntime: u64,
    /// `cfs_rq->nr_queued`: queued entities, curr and delayed ones included.
    pub nr_queued: u32,
    /// Queued entities that are not delayed.
    pub nr_runnable: u32,
    /// Entities held, queued or not.
    pub nr_entities: u32,
    /// Entity slots in the buffer.
    pub capacity: u32,
    /// The profile id.
    pub profile: u32,
    /// 1 once an operation under a Linux profile overflowed (sticky until
    /// `eevdf_rq_clear_wrapped`) or while the sums are wrapped; else 0.
    pub wrapped: u8,
}

#[cfg(target_pointer_width = "64")]
mod layout {
    use super::EevdfRqState;
    use core::mem::{align_of, offset_of};
    static_assertions::assert_eq_size!(EevdfRqState, [u8; 72]);
    static_assertions::const_assert_eq!(align_of::<EevdfRqState>(), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqState, load_weight), 0);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqState, curr), 8);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqState, next_buddy), 16);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqState, min_slice), 24);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqState, max_slice), 32);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqState, zero_vruntime), 40);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqState, nr_queued), 48);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqState, nr_runnable), 52);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqState, nr_entities), 56);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqState, capacity), 60);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqState, profile), 64);
    static_assertions::const_assert_eq!(offset_of!(EevdfRqState, wrapped), 68);
}

/// A snapshot of the run queue's counters and state.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for NULL pointers or a bad handle.
///
/// # Safety
///
/// `rq` is NULL or a live handle; `out` is NULL or points to a writable
/// `EevdfRqState` outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_state(rq: *const EevdfRq, out: *mut EevdfRqState) -> i32 {
    run(|| {
        check_out(out)?;
        // SAFETY: forwarded contract.
        let h = unsafe { rq_ref(rq) }?;
        let r = &h.rq;
        let state = EevdfRqState {
            load_weight: r.load_weight(),
            curr: r.curr().map_or(EEVDF_NO_ENTITY, EntityId::to_bits),
            next_buddy: r.next_buddy().map_or(EEVDF_NO_ENTITY, EntityId::to_bits),
            min_slice: r.min_slice(),
            max_slice: r.max_slice(),
            zero_vruntime: r.avg_c(h.profile).zero_vruntime,
            nr_queued: r.nr_queued(),
            nr_runnable: r.nr_runnable(),
            nr_entities: r.len(),
            capacity: h.capacity,
            profile: h.profile,
            wrapped: r.wrapped() as u8,
        };
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, state) };
        Ok(EEVDF_OK)
    })
}

/// The tunables in force.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for NULL pointers or a bad handle.
///
/// # Safety
///
/// `rq` is NULL or a live handle; `out` is NULL or points to a writable
/// `EevdfTunables` outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_tunables(rq: *const EevdfRq, out: *mut EevdfTunables) -> i32 {
    run(|| {
        check_out(out)?;
        // SAFETY: forwarded contract.
        let t: Tunables = *unsafe { rq_ref(rq) }?.rq.tunables();
        // SAFETY: `out` was checked; writable by the caller's contract.
        unsafe { write_out(out, t.into()) };
        Ok(EEVDF_OK)
    })
}

/// Changes the tunables (a sysctl or debugfs feature write); `*tun` is copied.
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for NULL pointers, a bad handle or
/// unknown feature bits.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently); `tun` is NULL or
/// points to a readable `EevdfTunables`.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_set_tunables(rq: *mut EevdfRq, tun: *const EevdfTunables) -> i32 {
    run(|| {
        // SAFETY: NULL or a readable EevdfTunables by the caller's contract.
        let t = unsafe { read_in(tun) }?.to_rust()?;
        // SAFETY: forwarded contract.
        unsafe { rq_mut(rq) }?.rq.set_tunables(t);
        Ok(EEVDF_OK)
    })
}

/// Forgets past wraps (the sticky part of the wrap flag).
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a bad handle.
///
/// # Safety
///
/// `rq` is NULL or a live handle (not used concurrently).
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_clear_wrapped(rq: *mut EevdfRq) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        unsafe { rq_mut(rq) }?.rq.clear_wrapped();
        Ok(EEVDF_OK)
    })
}

/// Lists the queued entities other than curr in tree order (by deadline; 6.6:
/// by vruntime): their handles go to `ids[0..min(cap, count))` and their number
/// to `*count`. `ids` may be NULL when `cap` is 0 (to ask for the count).
///
/// Returns `EEVDF_OK`, or `EEVDF_EINVAL` for a NULL `count`, a NULL `ids` with
/// cap > 0, or a bad handle.
///
/// # Safety
///
/// `rq` is NULL or a live handle; `ids` is NULL or points to `cap` writable
/// `uint64_t`; `count` is NULL or points to a writable `size_t`; neither
/// points into the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_tree_ids(
    rq: *const EevdfRq,
    ids: *mut u64,
    cap: usize,
    count: *mut usize,
) -> i32 {
    run(|| {
        check_out(count)?;
        if cap > 0 {
            check_out(ids)?;
        }
        // SAFETY: forwarded contract.
        let r = unsafe { rq_ref(rq) }?;
        let mut n = 0usize;
        r.rq.for_each_tree_id(&mut |id| {
            if n < cap {
                // SAFETY: `ids` was checked and has `cap` writable elements by
                // the caller's contract; n < cap.
                unsafe { write_out(ids.add(n), id.to_bits()) };
            }
            n += 1;
        });
        // SAFETY: `count` was checked; writable by the caller's contract.
        unsafe { write_out(count, n) };
        Ok(EEVDF_OK)
    })
}

/// Copies `what` into the caller's buffer `msg` of `len` bytes as a
/// NUL-terminated string, truncated to `len - 1` bytes; nothing for NULL or
/// `len == 0`.
///
/// # Safety
///
/// `msg` is NULL or points to `len` writable bytes.
pub(crate) unsafe fn copy_message(what: &str, msg: *mut c_char, len: usize) {
    if msg.is_null() || len == 0 {
        return;
    }
    let n = what.len().min(len - 1);
    // SAFETY: `msg` has `len > n` writable bytes by the caller's contract;
    // `what` has at least `n` bytes; a static string and a caller's buffer do
    // not overlap.
    unsafe {
        core::ptr::copy_nonoverlapping(what.as_ptr(), msg.cast::<u8>(), n);
        msg.add(n).write(0);
    }
}

/// Checks the run queue's internal consistency (counts, load, S and W against
/// a recomputation, red-black tree shape and aggregates). O(n); for tests and
/// debugging. On failure a NUL-terminated description is copied into `msg`
/// (truncated to `msg_len - 1` bytes) when `msg` is not NULL.
///
/// Returns `EEVDF_OK`, `EEVDF_EUCLEAN` for an inconsistent run queue, or
/// `EEVDF_EINVAL` for a bad handle. `EEVDF_EUCLEAN` can also come from a
/// queue that no operation broke but that left its domain: its vruntimes,
/// deadlines and v0 spanned 2^63 ns or more at some point (the wrapping
/// order of virtual time is total only within half the circle, so the tree's
/// key order cannot be checked), or, under EXACT, its sums left the exact
/// domain (the message then begins "EXACT's S differs").
///
/// # Safety
///
/// `rq` is NULL or a live handle; `msg` is NULL or points to `msg_len`
/// writable bytes outside the run queue's buffer.
#[no_mangle]
pub unsafe extern "C" fn eevdf_rq_validate(
    rq: *const EevdfRq,
    msg: *mut c_char,
    msg_len: usize,
) -> i32 {
    run(|| {
        // SAFETY: forwarded contract.
        let r = match unsafe { rq_ref(rq) } {
            Err(Error::Inconsistent) => Err("an operation failed half-way (EDOM or EOVERFLOW)"),
            Err(e) => return Err(e),
            Ok(r) => r.rq.validate(),
        };
        match r {
            Ok(()) => Ok(EEVDF_OK),
            Err(what) => {
                // SAFETY: forwarded contract.
                unsafe { copy_message(what, msg, msg_len) };
                Ok(EEVDF_EUCLEAN)
            }
        }
    })
}
