/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* The C baseline's benchmark loops and reference results (loops.c). */
#ifndef EEVDF_BENCH_LOOPS_H
#define EEVDF_BENCH_LOOPS_H

#include <stddef.h>
#include <stdint.h>

/* Generates the inputs and the prepared run-queue states (idempotent). */
void bench_c_init(void);

/* Each loop runs its operation over the NIN inputs `reps` times. */
uint64_t bench_c_empty(size_t reps);
uint64_t bench_c_cdf_task_66(size_t reps);
uint64_t bench_c_cdf_task_71(size_t reps);
uint64_t bench_c_cdf_task_exact(size_t reps);
uint64_t bench_c_cdf_group_66(size_t reps);
uint64_t bench_c_cdf_group_71(size_t reps);
uint64_t bench_c_cdf_group_exact(size_t reps);
uint64_t bench_c_add_66(size_t reps);
uint64_t bench_c_add_71(size_t reps);
uint64_t bench_c_remove_66(size_t reps);
uint64_t bench_c_remove_71(size_t reps);
uint64_t bench_c_avg_66(size_t reps);
uint64_t bench_c_avg_71(size_t reps);
uint64_t bench_c_elig_66(size_t reps);
uint64_t bench_c_elig_71(size_t reps);
uint64_t bench_c_lag_66(size_t reps);
uint64_t bench_c_lag_71(size_t reps);
uint64_t bench_c_place_66(size_t reps);
uint64_t bench_c_place_71(size_t reps);
uint64_t bench_c_reweight_66(size_t reps);
uint64_t bench_c_reweight_71(size_t reps);
uint64_t bench_c_decay(size_t reps);
uint64_t bench_c_pelt(size_t reps);
uint64_t bench_c_shares(size_t reps);
uint64_t bench_c_wake(size_t reps);

/*
 * Reference results. cdf: which = 2 * form + group (form 0 = multiply-shift,
 * 1 = 7.1 quotient, 2 = exact): out[0] value, out[1] overflow. sums: S and W
 * after adding (or, from the full sums, removing) the first n entities.
 * avg: V, v0 after, S after, eligibility of the probe. entity (op 0 lag,
 * 1 place, 2 reweight): vruntime, deadline, vlag, v0, S, W (bit 63: the
 * 7.1 update_entity_lag result). load: decay_load, calc_group_shares,
 * wake_affine_weight. pelt: the sched_avg after n steps.
 */
void bench_c_ref_cdf(size_t which, size_t i, uint64_t out[6]);
void bench_c_ref_sums(int gen71, int remove, size_t n, uint64_t out[6]);
void bench_c_ref_avg(int gen71, size_t i, uint64_t out[6]);
void bench_c_ref_entity(int gen71, int op, size_t i, uint64_t out[6]);
void bench_c_ref_load(size_t i, uint64_t out[6]);
void bench_c_ref_pelt(size_t n, uint64_t out[6]);

#endif
