//! The benchmarks of `eevdf` (see `docs/performance.md`): the library and a
//! plain C baseline of the same formulas (`c/baseline.h`) run the same
//! inputs (`c/inputs.c`) in the same kind of loop, timed in one process
//! ([`harness`]), counted by callgrind, and checked to compute the same
//! numbers ([`check`]).

pub mod c;
pub mod check;
pub mod harness;
pub mod ops;
pub mod pick;
pub mod prep;
pub mod replay;
