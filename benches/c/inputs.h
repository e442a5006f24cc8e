/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * Benchmark inputs, shared by the C driver (benches/c/driver.c) and the Rust
 * harness (benches/src, which reads them through these functions): one
 * generator, so that every side computes on the same numbers.
 *
 * Each operation has NIN inputs, generated from a fixed seed: varying values
 * (nice levels, vruntimes around the kernel's initial v0 just below the wrap
 * point, slices, lags), so that nothing is constant-folded and branches see a
 * realistic mix. All inputs are in every profile's domain (no wrap), the
 * common case the targets are about.
 *
 * The structs are #[repr(C)] mirrored in benches/src/inputs.rs.
 */
#ifndef EEVDF_BENCH_INPUTS_H
#define EEVDF_BENCH_INPUTS_H

#include <stddef.h>
#include <stdint.h>

/* Inputs per operation: a power of two. */
#define NIN 512
/* Entities in a generated run queue at most. */
#define RQ_MAX 8

/* calc_delta_fair: (delta, se->load). */
struct in_delta {
	uint64_t delta;
	uint64_t weight;
	uint32_t inv_weight;
	uint32_t pad;
};

/* One entity as the accumulator sees it. */
struct in_kw {
	uint64_t vruntime;
	uint64_t weight;
};

/* A small run queue: nr entities in the tree, maybe a curr, a probe vruntime. */
struct in_rq {
	uint64_t v0;
	struct in_kw tree[RQ_MAX];
	uint32_t nr;
	uint32_t has_curr;
	struct in_kw curr;
	uint64_t probe;
};

/* An entity operation: the run queue without se, se, and a new weight. */
struct in_entity {
	struct in_rq rq;
	uint64_t weight;
	uint32_t inv_weight;
	uint32_t initial; /* ENQUEUE_INITIAL for place_entity */
	uint64_t vruntime;
	uint64_t deadline;
	uint64_t slice;
	int64_t vlag;
	uint64_t new_weight;
	uint32_t new_inv_weight;
	uint32_t pad;
	uint64_t max_slice; /* cfs_rq_max_slice with se */
};

struct in_decay {
	uint64_t val;
	uint64_t n;
};

/* One step of a PELT sequence: the clock advances by `step` ns. */
struct in_pelt {
	uint64_t step;
	uint64_t weight;
	uint32_t on_rq;
	uint32_t running;
};

struct in_shares {
	uint64_t tg_shares;
	uint64_t tg_load_avg;
	uint64_t tg_load_avg_contrib;
	uint64_t grq_load_weight;
	uint64_t grq_load_avg;
};

struct in_wake {
	uint64_t this_load, prev_load;
	uint64_t this_capacity, prev_capacity;
	uint64_t task_h_load, current_h_load;
	uint32_t imbalance_pct;
	uint32_t sync;
};

/* Generated once (idempotent); every accessor below calls it. */
void bench_inputs_init(void);

const struct in_delta *bench_in_delta_task(void);
const struct in_delta *bench_in_delta_group(void);
const struct in_kw *bench_in_kw(void);
const struct in_rq *bench_in_rq(void);
const struct in_entity *bench_in_entity(void);
const struct in_decay *bench_in_decay(void);
const struct in_pelt *bench_in_pelt(void);
const struct in_shares *bench_in_shares(void);
const struct in_wake *bench_in_wake(void);

/* The kernel's initial v0, (u64)(-2^20). */
#define BENCH_V0_INIT (0ULL - (1ULL << 20))
/* Tunables of the benchmark's run queues: 1 CPU, HZ = 1000. */
#define BENCH_BASE_SLICE_66 750000ULL
#define BENCH_BASE_SLICE_71 700000ULL
#define BENCH_TICK_NSEC 1000000ULL
/* sched_feat defaults that the entity operations read (PLACE_LAG,
 * PLACE_DEADLINE_INITIAL, PLACE_REL_DEADLINE from 6.12, DELAY_ZERO from 6.12). */
#define BENCH_FEATURES_66 (1ULL << 0 | 1ULL << 1)
#define BENCH_FEATURES_71 (1ULL << 0 | 1ULL << 1 | 1ULL << 2 | 1ULL << 9)

#endif
