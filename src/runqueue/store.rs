//! Entity storage: handles, slots and the node stores a run queue keeps
//! its entities in (inline, or a caller's buffer).

use arrayvec::ArrayVec;

use crate::entity::SchedEntity;
use crate::rbtree::{RbLink, NIL};
use crate::vtime::Vtime;
use crate::weight::LoadWeight;

/// A handle naming one entity of a run queue. Handles of removed entities are
/// detected (a generation counter), never confused with a new entity.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct EntityId {
    pub(super) index: u32,
    pub(super) generation: u32,
}

impl EntityId {
    /// The slot index (stable while the entity lives).
    pub const fn index(&self) -> u32 {
        self.index
    }

    /// The handle as one u64 (generation in the high half), for C.
    pub const fn to_bits(self) -> u64 {
        ((self.generation as u64) << 32) | self.index as u64
    }

    /// The inverse of [`to_bits`](Self::to_bits).
    pub const fn from_bits(bits: u64) -> EntityId {
        EntityId {
            index: bits as u32,
            generation: (bits >> 32) as u32,
        }
    }
}

/// One slot of a run queue's storage: an entity, its tree links and subtree
/// aggregates. Opaque; [`Node::EMPTY`] initialises a buffer for [`BufferStore`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Node {
    pub(super) se: SchedEntity,
    pub(super) link: RbLink,
    /// The declared aggregate: `min_vruntime` (≥ v6.8) or `min_deadline` (v6.6).
    pub(super) aug_min: Vtime,
    pub(super) min_slice: u64,
    pub(super) max_slice: u64,
    pub(super) exec_start: u64,
    pub(super) sum_exec_runtime: u64,
    pub(super) generation: u32,
    /// Next free slot while free.
    pub(super) next_free: u32,
    pub(super) live: bool,
    pub(super) in_tree: bool,
}

impl Node {
    /// An unused slot.
    pub const EMPTY: Node = Node {
        se: SchedEntity::new(LoadWeight::NICE_0, 0),
        link: RbLink::UNLINKED,
        aug_min: Vtime(0),
        min_slice: 0,
        max_slice: 0,
        exec_start: 0,
        sum_exec_runtime: 0,
        generation: 0,
        next_free: NIL,
        live: false,
        in_tree: false,
    };
}

/// Storage for the nodes of a [`CfsRq`](super::CfsRq): a growable prefix of live-or-freed
/// slots with a fixed capacity.
pub trait NodeStore {
    /// The slots in use so far.
    fn nodes(&self) -> &[Node];
    /// The slots in use so far, mutably.
    fn nodes_mut(&mut self) -> &mut [Node];
    /// Appends a slot; false (and nothing changes) when full.
    fn try_push(&mut self, node: Node) -> bool;
}

impl<const N: usize> NodeStore for ArrayVec<Node, N> {
    fn nodes(&self) -> &[Node] {
        self.as_slice()
    }
    fn nodes_mut(&mut self) -> &mut [Node] {
        self.as_mut_slice()
    }
    fn try_push(&mut self, node: Node) -> bool {
        ArrayVec::try_push(self, node).is_ok()
    }
}

/// Node storage in a caller's buffer (for very large queues, or C).
#[derive(Debug)]
pub struct BufferStore<'a> {
    buf: &'a mut [Node],
    len: usize,
}

impl<'a> BufferStore<'a> {
    /// Uses `buf` (whatever it holds) as empty storage of `buf.len()` slots.
    pub fn new(buf: &'a mut [Node]) -> BufferStore<'a> {
        let cap = buf.len().min(u32::MAX as usize - 1);
        BufferStore {
            buf: &mut buf[..cap],
            len: 0,
        }
    }
}

impl NodeStore for BufferStore<'_> {
    fn nodes(&self) -> &[Node] {
        &self.buf[..self.len]
    }
    fn nodes_mut(&mut self) -> &mut [Node] {
        &mut self.buf[..self.len]
    }
    fn try_push(&mut self, node: Node) -> bool {
        match self.buf.get_mut(self.len) {
            Some(slot) => {
                *slot = node;
                self.len += 1;
                true
            }
            None => false,
        }
    }
}
