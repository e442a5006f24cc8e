/*
 * test_abi.c: the C ABI of eevdf, exercised from C against the checked-in
 * header. Every contract function with its golden values (each comment names
 * the kernel release and function, or docs/derivations.md) and every
 * status it can return, the layout of every struct, and the extensions
 * (accumulator, entity operations, pick, run queue).
 *
 * Build (from the repository root, after cargo build --release):
 *   cc -std=c11 -Wall -Wextra -Werror -Iinclude examples/c/test_abi.c \
 *      target/release/libeevdf.a -o test_abi && ./test_abi
 *
 * (add -pthread where the C library needs it: the load-side test runs threads).
 *
 * Prints every failed check and exits 1 if any failed.
 */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eevdf.h"

/* ---- layout: must match the static assertions in capi/src/ffi/ ---------------- */

_Static_assert(sizeof(EevdfLoadWeight) == 16, "EevdfLoadWeight size");
_Static_assert(alignof(EevdfLoadWeight) == 8, "EevdfLoadWeight align");
_Static_assert(offsetof(EevdfLoadWeight, weight) == 0, "EevdfLoadWeight.weight");
_Static_assert(offsetof(EevdfLoadWeight, inv_weight) == 8, "EevdfLoadWeight.inv_weight");

_Static_assert(sizeof(EevdfTunables) == 24, "EevdfTunables size");
_Static_assert(alignof(EevdfTunables) == 8, "EevdfTunables align");
_Static_assert(offsetof(EevdfTunables, base_slice) == 0, "EevdfTunables.base_slice");
_Static_assert(offsetof(EevdfTunables, tick_nsec) == 8, "EevdfTunables.tick_nsec");
_Static_assert(offsetof(EevdfTunables, features) == 16, "EevdfTunables.features");

_Static_assert(sizeof(EevdfDomain) == 16, "EevdfDomain size");
_Static_assert(alignof(EevdfDomain) == 8, "EevdfDomain align");
_Static_assert(offsetof(EevdfDomain, kind) == 0, "EevdfDomain.kind");
_Static_assert(offsetof(EevdfDomain, reserved) == 4, "EevdfDomain.reserved");
_Static_assert(offsetof(EevdfDomain, max) == 8, "EevdfDomain.max");

_Static_assert(sizeof(EevdfCurr) == 16, "EevdfCurr size");
_Static_assert(alignof(EevdfCurr) == 8, "EevdfCurr align");
_Static_assert(offsetof(EevdfCurr, vruntime) == 0, "EevdfCurr.vruntime");
_Static_assert(offsetof(EevdfCurr, weight) == 8, "EevdfCurr.weight");

_Static_assert(sizeof(EevdfAvgVruntime) == 48, "EevdfAvgVruntime size");
_Static_assert(alignof(EevdfAvgVruntime) == 8, "EevdfAvgVruntime align");
_Static_assert(offsetof(EevdfAvgVruntime, profile) == 0, "EevdfAvgVruntime.profile");
_Static_assert(offsetof(EevdfAvgVruntime, flags) == 4, "EevdfAvgVruntime.flags");
_Static_assert(offsetof(EevdfAvgVruntime, zero_vruntime) == 8, "EevdfAvgVruntime.zero_vruntime");
_Static_assert(offsetof(EevdfAvgVruntime, sum_w_vruntime) == 16, "EevdfAvgVruntime.S");
_Static_assert(offsetof(EevdfAvgVruntime, sum_w_vruntime_hi) == 24, "EevdfAvgVruntime.S hi");
_Static_assert(offsetof(EevdfAvgVruntime, sum_weight) == 32, "EevdfAvgVruntime.W");
_Static_assert(offsetof(EevdfAvgVruntime, sum_weight_hi) == 40, "EevdfAvgVruntime.W hi");

_Static_assert(sizeof(EevdfSchedEntity) == 64, "EevdfSchedEntity size");
_Static_assert(alignof(EevdfSchedEntity) == 8, "EevdfSchedEntity align");
_Static_assert(offsetof(EevdfSchedEntity, load) == 0, "se.load");
_Static_assert(offsetof(EevdfSchedEntity, vruntime) == 16, "se.vruntime");
_Static_assert(offsetof(EevdfSchedEntity, deadline) == 24, "se.deadline");
_Static_assert(offsetof(EevdfSchedEntity, vlag) == 32, "se.vlag");
_Static_assert(offsetof(EevdfSchedEntity, vprot) == 40, "se.vprot");
_Static_assert(offsetof(EevdfSchedEntity, slice) == 48, "se.slice");
_Static_assert(offsetof(EevdfSchedEntity, custom_slice) == 56, "se.custom_slice");
_Static_assert(offsetof(EevdfSchedEntity, rel_deadline) == 57, "se.rel_deadline");
_Static_assert(offsetof(EevdfSchedEntity, sched_delayed) == 58, "se.sched_delayed");
_Static_assert(offsetof(EevdfSchedEntity, on_rq) == 59, "se.on_rq");

_Static_assert(sizeof(EevdfRqCtx) == 32, "EevdfRqCtx size");
_Static_assert(alignof(EevdfRqCtx) == 8, "EevdfRqCtx align");
_Static_assert(offsetof(EevdfRqCtx, curr) == 0, "ctx.curr");
_Static_assert(offsetof(EevdfRqCtx, max_slice) == 16, "ctx.max_slice");
_Static_assert(offsetof(EevdfRqCtx, nr_queued) == 24, "ctx.nr_queued");
_Static_assert(offsetof(EevdfRqCtx, has_curr) == 28, "ctx.has_curr");

_Static_assert(sizeof(EevdfPick) == 16, "EevdfPick size");
_Static_assert(alignof(EevdfPick) == 8, "EevdfPick align");
_Static_assert(offsetof(EevdfPick, kind) == 0, "pick.kind");
_Static_assert(offsetof(EevdfPick, index) == 8, "pick.index");

_Static_assert(sizeof(EevdfRqState) == 72, "EevdfRqState size");
_Static_assert(alignof(EevdfRqState) == 8, "EevdfRqState align");
_Static_assert(offsetof(EevdfRqState, load_weight) == 0, "state.load_weight");
_Static_assert(offsetof(EevdfRqState, curr) == 8, "state.curr");
_Static_assert(offsetof(EevdfRqState, next_buddy) == 16, "state.next_buddy");
_Static_assert(offsetof(EevdfRqState, min_slice) == 24, "state.min_slice");
_Static_assert(offsetof(EevdfRqState, max_slice) == 32, "state.max_slice");
_Static_assert(offsetof(EevdfRqState, zero_vruntime) == 40, "state.zero_vruntime");
_Static_assert(offsetof(EevdfRqState, nr_queued) == 48, "state.nr_queued");
_Static_assert(offsetof(EevdfRqState, nr_runnable) == 52, "state.nr_runnable");
_Static_assert(offsetof(EevdfRqState, nr_entities) == 56, "state.nr_entities");
_Static_assert(offsetof(EevdfRqState, capacity) == 60, "state.capacity");
_Static_assert(offsetof(EevdfRqState, profile) == 64, "state.profile");
_Static_assert(offsetof(EevdfRqState, wrapped) == 68, "state.wrapped");

_Static_assert(sizeof(EevdfUtilEst) == 8, "EevdfUtilEst size");
_Static_assert(alignof(EevdfUtilEst) == 4, "EevdfUtilEst align");
_Static_assert(offsetof(EevdfUtilEst, enqueued) == 0, "ue.enqueued");
_Static_assert(offsetof(EevdfUtilEst, ewma) == 4, "ue.ewma");

_Static_assert(sizeof(EevdfSchedAvg) == 64, "EevdfSchedAvg size");
_Static_assert(alignof(EevdfSchedAvg) == 8, "EevdfSchedAvg align");
_Static_assert(offsetof(EevdfSchedAvg, last_update_time) == 0, "sa.last_update_time");
_Static_assert(offsetof(EevdfSchedAvg, load_sum) == 8, "sa.load_sum");
_Static_assert(offsetof(EevdfSchedAvg, runnable_sum) == 16, "sa.runnable_sum");
_Static_assert(offsetof(EevdfSchedAvg, util_sum) == 24, "sa.util_sum");
_Static_assert(offsetof(EevdfSchedAvg, period_contrib) == 28, "sa.period_contrib");
_Static_assert(offsetof(EevdfSchedAvg, load_avg) == 32, "sa.load_avg");
_Static_assert(offsetof(EevdfSchedAvg, runnable_avg) == 40, "sa.runnable_avg");
_Static_assert(offsetof(EevdfSchedAvg, util_avg) == 48, "sa.util_avg");
_Static_assert(offsetof(EevdfSchedAvg, util_est) == 56, "sa.util_est");

_Static_assert(sizeof(EevdfRemovedLoad) == 24, "EevdfRemovedLoad size");
_Static_assert(alignof(EevdfRemovedLoad) == 8, "EevdfRemovedLoad align");
_Static_assert(offsetof(EevdfRemovedLoad, load_avg) == 0, "removed.load_avg");
_Static_assert(offsetof(EevdfRemovedLoad, util_avg) == 8, "removed.util_avg");
_Static_assert(offsetof(EevdfRemovedLoad, runnable_avg) == 16, "removed.runnable_avg");

_Static_assert(sizeof(EevdfTgLoadAvgInput) == 40, "EevdfTgLoadAvgInput size");
_Static_assert(alignof(EevdfTgLoadAvgInput) == 8, "EevdfTgLoadAvgInput align");
_Static_assert(offsetof(EevdfTgLoadAvgInput, now) == 0, "tgin.now");
_Static_assert(offsetof(EevdfTgLoadAvgInput, load_avg) == 8, "tgin.load_avg");
_Static_assert(offsetof(EevdfTgLoadAvgInput, tg_load_avg_contrib) == 16, "tgin.contrib");
_Static_assert(offsetof(EevdfTgLoadAvgInput, last_update_tg_load_avg) == 24, "tgin.last");
_Static_assert(offsetof(EevdfTgLoadAvgInput, is_root) == 32, "tgin.is_root");
_Static_assert(offsetof(EevdfTgLoadAvgInput, cpu_active) == 33, "tgin.cpu_active");

_Static_assert(sizeof(EevdfTgLoadAvgUpdate) == 24, "EevdfTgLoadAvgUpdate size");
_Static_assert(alignof(EevdfTgLoadAvgUpdate) == 8, "EevdfTgLoadAvgUpdate align");
_Static_assert(offsetof(EevdfTgLoadAvgUpdate, delta) == 0, "tgup.delta");
_Static_assert(offsetof(EevdfTgLoadAvgUpdate, tg_load_avg_contrib) == 8, "tgup.contrib");
_Static_assert(offsetof(EevdfTgLoadAvgUpdate, last_update_tg_load_avg) == 16, "tgup.last");

_Static_assert(sizeof(EevdfCpuState) == 32, "EevdfCpuState size");
_Static_assert(alignof(EevdfCpuState) == 8, "EevdfCpuState align");
_Static_assert(offsetof(EevdfCpuState, load_avg) == 0, "cpu.load_avg");
_Static_assert(offsetof(EevdfCpuState, capacity) == 8, "cpu.capacity");
_Static_assert(offsetof(EevdfCpuState, nr_running) == 16, "cpu.nr_running");
_Static_assert(offsetof(EevdfCpuState, h_nr_queued) == 20, "cpu.h_nr_queued");
_Static_assert(offsetof(EevdfCpuState, h_nr_runnable) == 24, "cpu.h_nr_runnable");
_Static_assert(offsetof(EevdfCpuState, idle_task_running) == 28, "cpu.idle_task_running");
_Static_assert(offsetof(EevdfCpuState, ttwu_pending) == 29, "cpu.ttwu_pending");
_Static_assert(offsetof(EevdfCpuState, vcpu_preempted) == 30, "cpu.vcpu_preempted");
_Static_assert(offsetof(EevdfCpuState, sched_idle_only) == 31, "cpu.sched_idle_only");

_Static_assert(sizeof(EevdfWakeAffineInput) == 88, "EevdfWakeAffineInput size");
_Static_assert(alignof(EevdfWakeAffineInput) == 8, "EevdfWakeAffineInput align");
_Static_assert(offsetof(EevdfWakeAffineInput, this_cpu) == 0, "wa.this");
_Static_assert(offsetof(EevdfWakeAffineInput, prev_cpu) == 32, "wa.prev");
_Static_assert(offsetof(EevdfWakeAffineInput, task_h_load) == 64, "wa.task_h_load");
_Static_assert(offsetof(EevdfWakeAffineInput, current_h_load) == 72, "wa.current_h_load");
_Static_assert(offsetof(EevdfWakeAffineInput, imbalance_pct) == 80, "wa.imbalance_pct");
_Static_assert(offsetof(EevdfWakeAffineInput, share_llc) == 84, "wa.share_llc");
_Static_assert(offsetof(EevdfWakeAffineInput, sync) == 85, "wa.sync");

_Static_assert(sizeof(EevdfWakeeFlips) == 24, "EevdfWakeeFlips size");
_Static_assert(alignof(EevdfWakeeFlips) == 8, "EevdfWakeeFlips align");
_Static_assert(offsetof(EevdfWakeeFlips, wakee_flip_decay_ts) == 0, "flips.decay_ts");
_Static_assert(offsetof(EevdfWakeeFlips, last_wakee) == 8, "flips.last_wakee");
_Static_assert(offsetof(EevdfWakeeFlips, wakee_flips) == 16, "flips.wakee_flips");

_Static_assert(sizeof(EevdfGroupLoad) == 16 && alignof(EevdfGroupLoad) == 8, "EevdfGroupLoad");
_Static_assert(sizeof(EevdfRqSnapshot) == 40 && alignof(EevdfRqSnapshot) == 8, "EevdfRqSnapshot");
_Static_assert(sizeof(EevdfGroupLoadContrib) == 16, "EevdfGroupLoadContrib size");
_Static_assert(alignof(EevdfGroupLoadContrib) == 8, "EevdfGroupLoadContrib align");
_Static_assert(offsetof(EevdfGroupLoadContrib, tg_load_avg_contrib) == 0, "contrib.contrib");
_Static_assert(offsetof(EevdfGroupLoadContrib, last_update_tg_load_avg) == 8, "contrib.last");
_Static_assert(sizeof(EevdfRqSummary) == 32, "EevdfRqSummary size");
_Static_assert(alignof(EevdfRqSummary) == 8, "EevdfRqSummary align");
_Static_assert(offsetof(EevdfRqSummary, v) == 0, "sum.v");
_Static_assert(offsetof(EevdfRqSummary, w) == 8, "sum.w");
_Static_assert(offsetof(EevdfRqSummary, load_avg) == 16, "sum.load_avg");
_Static_assert(offsetof(EevdfRqSummary, nr_running) == 24, "sum.nr_running");

/* The contract's status and profile values. */
_Static_assert(EEVDF_OK == 0 && EEVDF_WRAPPED == 1, "status values");
_Static_assert(EEVDF_EINVAL == -22 && EEVDF_EDOM == -33 && EEVDF_EOVERFLOW == -75, "errno values");
_Static_assert(EEVDF_PROFILE_LINUX_6_6 == 0 && EEVDF_PROFILE_LINUX_6_18 == 1, "profile ids");
_Static_assert(EEVDF_PROFILE_LINUX_7_0 == 2 && EEVDF_PROFILE_LINUX_7_1 == 3, "profile ids");
_Static_assert(EEVDF_PROFILE_EXACT == 4, "profile ids");

/* ---- a tiny check harness ------------------------------------------------- */

static int failures;
static int checks;

#define CHECK(cond)                                                                   \
    do {                                                                              \
        checks++;                                                                     \
        if (!(cond)) {                                                                \
            failures++;                                                               \
            printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);                    \
        }                                                                             \
    } while (0)

/* A status check that prints both names on failure. */
#define CHECK_STATUS(call, want)                                                      \
    do {                                                                              \
        int32_t got_ = (call);                                                        \
        checks++;                                                                     \
        if (got_ != (want)) {                                                         \
            failures++;                                                               \
            printf("FAIL %s:%d: %s returned %s (%d), want %s\n", __FILE__, __LINE__,  \
                   #call, eevdf_status_name(got_), (int)got_, eevdf_status_name(want)); \
        }                                                                             \
    } while (0)

#define CHECK_U64(got, want)                                                          \
    do {                                                                              \
        uint64_t g_ = (got), w_ = (want);                                             \
        checks++;                                                                     \
        if (g_ != w_) {                                                               \
            failures++;                                                               \
            printf("FAIL %s:%d: %s = %llu, want %llu\n", __FILE__, __LINE__, #got,    \
                   (unsigned long long)g_, (unsigned long long)w_);                   \
        }                                                                             \
    } while (0)

#define CHECK_I64(got, want)                                                          \
    do {                                                                              \
        int64_t g_ = (got), w_ = (want);                                              \
        checks++;                                                                     \
        if (g_ != w_) {                                                               \
            failures++;                                                               \
            printf("FAIL %s:%d: %s = %lld, want %lld\n", __FILE__, __LINE__, #got,    \
                   (long long)g_, (long long)w_);                                     \
        }                                                                             \
    } while (0)

#define NPROFILES 5
static const uint32_t PROFILES[NPROFILES] = {
    EEVDF_PROFILE_LINUX_6_6, EEVDF_PROFILE_LINUX_6_18, EEVDF_PROFILE_LINUX_7_0,
    EEVDF_PROFILE_LINUX_7_1, EEVDF_PROFILE_EXACT,
};
static bool legacy(uint32_t p) { return p <= EEVDF_PROFILE_LINUX_7_0; }

static const uint64_t V0 = EEVDF_VRUNTIME_INIT;
static const uint64_t NICE0 = EEVDF_NICE_0_LOAD;

/* ---- 1, 2: weights -------------------------------------------------------- */

static void test_load_weight(void) {
    EevdfLoadWeight lw = {0, 0};
    /* sched_prio_to_weight (kernel/sched/core.c, v6.6 ... v7.1): index = nice + 20;
     * weight = table << 10. */
    CHECK_STATUS(eevdf_load_weight_from_nice(0, &lw), EEVDF_OK);
    CHECK_U64(lw.weight, 1048576);
    CHECK_U64(lw.inv_weight, 4194304);
    CHECK_STATUS(eevdf_load_weight_from_nice(-20, &lw), EEVDF_OK);
    CHECK_U64(lw.weight, 88761ull << 10);
    CHECK_U64(lw.inv_weight, 48388);
    CHECK_STATUS(eevdf_load_weight_from_nice(19, &lw), EEVDF_OK);
    CHECK_U64(lw.weight, 15ull << 10);
    CHECK_U64(lw.inv_weight, 286331153);
    CHECK_STATUS(eevdf_load_weight_from_nice(13, &lw), EEVDF_OK); /* floor(2^32/w) entry */
    CHECK_U64(lw.inv_weight, 76695844);

    /* Bad nice and NULL: EINVAL, nothing written. */
    lw.weight = 7;
    CHECK_STATUS(eevdf_load_weight_from_nice(20, &lw), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_load_weight_from_nice(-21, &lw), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_load_weight_from_nice(INT32_MIN, &lw), EEVDF_EINVAL);
    CHECK_U64(lw.weight, 7);
    CHECK_STATUS(eevdf_load_weight_from_nice(0, NULL), EEVDF_EINVAL);
    /* A misaligned out-pointer is refused, not written through. */
    alignas(8) unsigned char raw[2 * sizeof(EevdfLoadWeight)];
    CHECK_STATUS(eevdf_load_weight_from_nice(0, (EevdfLoadWeight *)(void *)(raw + 1)),
                 EEVDF_EINVAL);

    CHECK_STATUS(eevdf_load_weight_idle(&lw), EEVDF_OK);
    CHECK_U64(lw.weight, 3072);
    CHECK_U64(lw.inv_weight, 1431655765);

    /* __update_inv_weight: stale 0 -> floor((2^32-1)/sld(w)); nice 0 computes 4194303. */
    EevdfLoadWeight stale = {1048576, 0};
    CHECK_STATUS(eevdf_update_inv_weight(&stale), EEVDF_OK);
    CHECK_U64(stale.inv_weight, 4194303);
    EevdfLoadWeight zero = {0, 0};
    CHECK_STATUS(eevdf_update_inv_weight(&zero), EEVDF_EINVAL);

    /* scale_load_down: max(2, w >> 10) for w != 0 (26cf52229efc). */
    CHECK_U64(eevdf_scale_load_down(0), 0);
    CHECK_U64(eevdf_scale_load_down(1), 2);
    CHECK_U64(eevdf_scale_load_down(1000), 2);
    CHECK_U64(eevdf_scale_load_down(2047), 2);
    CHECK_U64(eevdf_scale_load_down(1048576), 1024);
    CHECK_U64(eevdf_scale_load_down(UINT64_MAX), UINT64_MAX >> 10);
}

/* ---- 3: calc_delta_fair (v6.6.0 / v7.0.0 multiply-shift, v7.1.5 quotient) - */

struct cdf_row {
    int nice;
    uint64_t legacy[3], v71[3];
};

static void test_calc_delta_fair(void) {
    static const uint64_t deltas[3] = {700000, 1000000, 4000000};
    static const struct cdf_row rows[] = {
        {-20, {8075, 11536, 46146}, {8075, 11536, 46146}},
        {-10, {75073, 107247, 428990}, {75073, 107247, 428990}},
        {-1, {561315, 801879, 3207517}, {561315, 801879, 3207517}},
        {0, {700000, 1000000, 4000000}, {700000, 1000000, 4000000}},
        {1, {874146, 1248780, 4995121}, {874146, 1248780, 4995121}},
        {5, {2139701, 3056716, 12226865}, {2139701, 3056716, 12226865}},
        {9, {5232116, 7474452, 29897809}, {5232116, 7474452, 29897810}},
        {12, {10240000, 14628571, 58514286}, {10240000, 14628571, 58514285}},
        {13, {12799999, 18285714, 73142856}, {12800000, 18285714, 73142857}},
        {14, {15928888, 22755555, 91022221}, {15928888, 22755555, 91022222}},
        {16, {24717241, 35310344, 141241378}, {24717241, 35310344, 141241379}},
        {19, {47786666, 68266666, 273066666}, {47786666, 68266666, 273066666}},
    };
    for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
        EevdfLoadWeight lw;
        CHECK_STATUS(eevdf_load_weight_from_nice(rows[r].nice, &lw), EEVDF_OK);
        for (int p = 0; p < NPROFILES; p++) {
            for (int d = 0; d < 3; d++) {
                uint64_t out = 0;
                const EevdfLoadWeight before = lw;
                CHECK_STATUS(eevdf_calc_delta_fair(PROFILES[p], deltas[d], &lw, &out), EEVDF_OK);
                uint64_t want = legacy(PROFILES[p]) ? rows[r].legacy[d] : rows[r].v71[d];
                if (out != want) {
                    failures++;
                    printf("FAIL calc_delta_fair(%s, %llu, nice %d) = %llu, want %llu\n",
                           eevdf_profile_name(PROFILES[p]), (unsigned long long)deltas[d],
                           rows[r].nice, (unsigned long long)out, (unsigned long long)want);
                }
                CHECK(memcmp(&before, &lw, sizeof lw) == 0); /* lw not modified */
            }
        }
    }

    EevdfLoadWeight nice5;
    eevdf_load_weight_from_nice(5, &nice5);
    uint64_t out = 42;
    /* Bad arguments: EINVAL, nothing written. */
    EevdfLoadWeight zero = {0, 0};
    CHECK_STATUS(eevdf_calc_delta_fair(EEVDF_PROFILE_LINUX_7_1, 1000, &zero, &out), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_calc_delta_fair(EEVDF_PROFILE_COUNT, 1000, &nice5, &out), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_calc_delta_fair(UINT32_MAX, 1000, &nice5, &out), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_calc_delta_fair(EEVDF_PROFILE_LINUX_7_1, 1000, NULL, &out), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_calc_delta_fair(EEVDF_PROFILE_LINUX_7_1, 1000, &nice5, NULL), EEVDF_EINVAL);
    CHECK_U64(out, 42);

    /* 7.1 wraps once delta * 2^20 >= 2^64 (db4551e2ba34): delta = 2^44, nice 5. */
    CHECK_STATUS(eevdf_calc_delta_fair(EEVDF_PROFILE_LINUX_7_1, 1ull << 44, &nice5, &out),
                 EEVDF_WRAPPED);
    CHECK_U64(out, 0); /* (2^64 mod 2^64) / 343040 */
    CHECK_STATUS(eevdf_calc_delta_fair(EEVDF_PROFILE_EXACT, 1ull << 44, &nice5, &out), EEVDF_OK);
    CHECK_U64(out, 53774323908901ull); /* floor(2^64 / 343040) */
    /* The legacy quotient exceeds 64 bits for light weights: weight 2 (sld floor 2). */
    EevdfLoadWeight two = {2, 0};
    CHECK_STATUS(eevdf_calc_delta_fair(EEVDF_PROFILE_LINUX_6_6, UINT64_MAX, &two, &out),
                 EEVDF_WRAPPED);
    out = 42;
    CHECK_STATUS(eevdf_calc_delta_fair(EEVDF_PROFILE_EXACT, UINT64_MAX, &two, &out),
                 EEVDF_EOVERFLOW);
    CHECK_U64(out, 42);
    /* Nice 0 is returned unchanged, even for UINT64_MAX. */
    EevdfLoadWeight nice0 = {NICE0, 4194304};
    for (int p = 0; p < NPROFILES; p++) {
        CHECK_STATUS(eevdf_calc_delta_fair(PROFILES[p], UINT64_MAX, &nice0, &out), EEVDF_OK);
        CHECK_U64(out, UINT64_MAX);
    }
    /* __calc_delta with a weight: delta * w / lw. */
    CHECK_STATUS(eevdf_calc_delta(EEVDF_PROFILE_LINUX_7_1, 1000000, NICE0, &nice5, &out), EEVDF_OK);
    CHECK_U64(out, 3056716);
}

/* ---- 4, 5: V and eligibility ------------------------------------------------ */

static void test_avg_vruntime(void) {
    /* docs/derivations.md section 4: A, B nice 0, C nice 5 (here summed as tree
     * entities): V = floor(2,723,700,000 / 2383) = 1,142,971. */
    const uint64_t vr[3] = {V0 + 1000000, V0 + 1300000, V0 + 1100000};
    const uint64_t w[3] = {NICE0, NICE0, 335ull << 10};
    for (int p = 0; p < NPROFILES; p++) {
        uint64_t v = 0;
        CHECK_STATUS(eevdf_avg_vruntime(PROFILES[p], V0, vr, w, 3, &v), EEVDF_OK);
        CHECK_U64(v - V0, 1142971);
        bool e = false;
        CHECK_STATUS(eevdf_vruntime_eligible(PROFILES[p], V0, vr, w, 3, vr[0], &e), EEVDF_OK);
        CHECK(e); /* A */
        CHECK_STATUS(eevdf_vruntime_eligible(PROFILES[p], V0, vr, w, 3, vr[2], &e), EEVDF_OK);
        CHECK(e); /* C */
        CHECK_STATUS(eevdf_vruntime_eligible(PROFILES[p], V0, vr, w, 3, vr[1], &e), EEVDF_OK);
        CHECK(!e); /* B */

        /* 650cad561cce (every profile): keys -3 and 0 give V = v0 + floor(-1.5) = v0 - 2. */
        const uint64_t fv[2] = {4997, 5000};
        const uint64_t fw[2] = {NICE0, NICE0};
        CHECK_STATUS(eevdf_avg_vruntime(PROFILES[p], 5000, fv, fw, 2, &v), EEVDF_OK);
        CHECK_U64(v, 4998);
        CHECK_STATUS(eevdf_vruntime_eligible(PROFILES[p], 5000, fv, fw, 2, 4999, &e), EEVDF_OK);
        CHECK(!e);
        CHECK_STATUS(eevdf_vruntime_eligible(PROFILES[p], 5000, fv, fw, 2, 4998, &e), EEVDF_OK);
        CHECK(e);

        /* n = 0: V = v0 and eligible; arrays may be NULL. */
        CHECK_STATUS(eevdf_avg_vruntime(PROFILES[p], 77, NULL, NULL, 0, &v), EEVDF_OK);
        CHECK_U64(v, 77);
        CHECK_STATUS(eevdf_vruntime_eligible(PROFILES[p], 77, NULL, NULL, 0, 1ull << 62, &e),
                     EEVDF_OK);
        CHECK(e);
    }

    /* A key*w product that overflows s64 is reported even when the final S
     * fits (the value is right; the kernel wrapped on the way). Values from an
     * independent big-integer model of the contract functions (fidelity
     * review of the library). 7.0: 2 * key ~ 1.007e19 > 2^63. */
    {
        const uint64_t v0 = 16937304304303ull;
        const uint64_t pv[2] = {5032858225289597480ull, 16936441485285ull};
        const uint64_t pw[2] = {2, 1099511627777ull};
        uint64_t v = 0;
        bool e = false;
        CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_LINUX_7_0, v0, pv, pw, 2, &v), EEVDF_WRAPPED);
        CHECK_U64(v, 16945815882681ull);
        CHECK_STATUS(eevdf_vruntime_eligible(EEVDF_PROFILE_LINUX_7_0, v0, pv, pw, 2, v0, &e),
                     EEVDF_WRAPPED);
        CHECK(e);
        /* 7.1: the first product is about -2.1e19. */
        const uint64_t v1 = 46755914ull;
        const uint64_t qv[3] = {18446742714393550360ull, 32491773814ull, 46509494ull};
        const uint64_t qw[3] = {15307776ull, 447531246ull, 36864ull};
        CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_LINUX_7_1, v1, qv, qw, 3, &v), EEVDF_WRAPPED);
        CHECK_U64(v, 18446744060170243745ull);
        CHECK_STATUS(eevdf_vruntime_eligible(EEVDF_PROFILE_LINUX_7_1, v1, qv, qw, 3, v1, &e),
                     EEVDF_WRAPPED);
        CHECK(!e);
        CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_EXACT, v1, qv, qw, 3, &v), EEVDF_OK);
        CHECK_U64(v, 18446744060170243745ull);
    }

    /* b6eee96843e8 (v7.1.5): H (100 * NICE_0_LOAD) at key 0, P (weight 2) at key 9e10. */
    const uint64_t hv[2] = {0, 90000000000ull};
    const uint64_t hw[2] = {100 * NICE0, 2};
    bool e = true;
    CHECK_STATUS(eevdf_vruntime_eligible(EEVDF_PROFILE_LINUX_7_1, 0, hv, hw, 2, hv[1], &e),
                 EEVDF_OK);
    CHECK(!e);
    CHECK_STATUS(eevdf_vruntime_eligible(EEVDF_PROFILE_EXACT, 0, hv, hw, 2, hv[1], &e), EEVDF_OK);
    CHECK(!e);
    /* The s64 key * W product of <= 7.0 wraps: key 2^54 * W 1024 = 2^64 -> 0 >= 0. */
    const uint64_t one_v[1] = {V0};
    const uint64_t one_w[1] = {NICE0};
    CHECK_STATUS(eevdf_vruntime_eligible(EEVDF_PROFILE_LINUX_7_0, V0, one_v, one_w, 1,
                                         V0 + (1ull << 54), &e),
                 EEVDF_WRAPPED);
    CHECK(e); /* the kernel's wrong answer */
    CHECK_STATUS(eevdf_vruntime_eligible(EEVDF_PROFILE_LINUX_7_1, V0, one_v, one_w, 1,
                                         V0 + (1ull << 54), &e),
                 EEVDF_OK);
    CHECK(!e);

    /* S wraps in 7.1: two entities with key 2^40 and weight 2^22 make S = 2^63. */
    const uint64_t sv[2] = {1ull << 40, 1ull << 40};
    const uint64_t sw[2] = {1ull << 22, 1ull << 22};
    uint64_t v = 0;
    CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_LINUX_7_1, 0, sv, sw, 2, &v), EEVDF_WRAPPED);
    CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_EXACT, 0, sv, sw, 2, &v), EEVDF_OK);
    CHECK_U64(v, 1ull << 40);

    /* W as the kernel sees it is 0 (2048 weights of 2^63 sum to 2^74). 6.6 and
     * 6.18 skip the division and return v0 + S (S = 1 * sld(2^63) = 2^53);
     * 7.x return v0. */
    static uint64_t zv[2048], zw[2048];
    for (int i = 0; i < 2048; i++) {
        zv[i] = V0;
        zw[i] = 1ull << 63;
    }
    zv[0] = V0 + 1;
    CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_LINUX_6_6, V0, zv, zw, 2048, &v), EEVDF_WRAPPED);
    CHECK_U64(v, V0 + (1ull << 53));
    CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_LINUX_6_18, V0, zv, zw, 2048, &v),
                 EEVDF_WRAPPED);
    CHECK_U64(v, V0 + (1ull << 53));
    CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_LINUX_7_1, V0, zv, zw, 2048, &v), EEVDF_WRAPPED);
    CHECK_U64(v, V0);

    /* EDOM: one entity of weight 2^42 makes the scaled-down W = 2^32, which
     * div_s64 truncates to a zero divisor. 7.1 divides by the full long. */
    const uint64_t dv[1] = {V0};
    const uint64_t dw[1] = {1ull << 42};
    v = 42;
    CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_LINUX_6_6, V0, dv, dw, 1, &v), EEVDF_EDOM);
    CHECK_U64(v, 42);
    CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_LINUX_7_1, V0, dv, dw, 1, &v), EEVDF_OK);
    CHECK_U64(v, V0);
    /* EXACT's domain ends at 2^40. */
    CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_EXACT, V0, dv, dw, 1, &v), EEVDF_EOVERFLOW);
    CHECK_STATUS(eevdf_vruntime_eligible(EEVDF_PROFILE_EXACT, V0, dv, dw, 1, V0, &e),
                 EEVDF_EOVERFLOW);

    /* EINVAL: weight 0, unknown profile, NULL, n > 1,000,000 (not read). EINVAL
     * wins over EOVERFLOW. */
    const uint64_t bad_w[2] = {1ull << 42, 0};
    CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_EXACT, V0, vr, bad_w, 2, &v), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_vruntime_eligible(EEVDF_PROFILE_EXACT, V0, vr, bad_w, 2, V0, &e),
                 EEVDF_EINVAL);
    CHECK_STATUS(eevdf_avg_vruntime(9, V0, vr, w, 3, &v), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_LINUX_6_6, V0, NULL, w, 3, &v), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_LINUX_6_6, V0, vr, NULL, 3, &v), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_LINUX_6_6, V0, vr, w, 3, NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_LINUX_6_6, V0, vr, w, 1000001, &v),
                 EEVDF_EINVAL);
    CHECK_STATUS(eevdf_avg_vruntime(EEVDF_PROFILE_LINUX_6_6, V0, vr, w, SIZE_MAX, &v),
                 EEVDF_EINVAL);
    CHECK_STATUS(eevdf_vruntime_eligible(EEVDF_PROFILE_LINUX_6_6, V0, vr, w, 1000001, V0, &e),
                 EEVDF_EINVAL);
    CHECK_STATUS(eevdf_vruntime_eligible(EEVDF_PROFILE_LINUX_6_6, V0, vr, w, 3, V0, NULL),
                 EEVDF_EINVAL);
    CHECK_STATUS(eevdf_vruntime_eligible(5, V0, vr, w, 3, V0, &e), EEVDF_EINVAL);
}

/* ---- 6, 7: lag and placement lag ------------------------------------------ */

static void test_lag(void) {
    EevdfLoadWeight nice0 = {NICE0, 4194304};
    int64_t lag = 0;
    /* 6e3c0a4e1ad1 (lag clamp): V - v = 2.5 ms, slice 0.1 ms, max slice 3 ms, tick 1 ms. */
    for (int p = 0; p < NPROFILES; p++) {
        CHECK_STATUS(eevdf_entity_lag(PROFILES[p], 12500000, 10000000, &nice0, 100000, 3000000,
                                      1000000, &lag),
                     EEVDF_OK);
        CHECK_I64(lag, PROFILES[p] <= EEVDF_PROFILE_LINUX_6_18 ? 1000000 : 2500000);
        /* Negative lag clamps symmetrically. */
        CHECK_STATUS(eevdf_entity_lag(PROFILES[p], 10000000, 12500000, &nice0, 100000, 3000000,
                                      1000000, &lag),
                     EEVDF_OK);
        CHECK_I64(lag, PROFILES[p] <= EEVDF_PROFILE_LINUX_6_18 ? -1000000 : -2500000);
    }
    /* Weight 2: (0.7 ms + 1 ms) * 2^20 / 2 in 7.1; 7.0 sees weight 2 as 2048. */
    EevdfLoadWeight two = {2, 0};
    CHECK_STATUS(eevdf_entity_lag(EEVDF_PROFILE_LINUX_7_1, 1ull << 60, 0, &two, 0, 700000,
                                  1000000, &lag),
                 EEVDF_OK);
    CHECK_I64(lag, 891289600000ll);
    CHECK_STATUS(eevdf_entity_lag(EEVDF_PROFILE_LINUX_7_0, 1ull << 60, 0, &two, 0, 700000,
                                  1000000, &lag),
                 EEVDF_OK);
    CHECK_I64(lag, 870399999ll);
    /* slice = U64_MAX: 2 * slice wraps (bbce3de72be5). */
    CHECK_STATUS(eevdf_entity_lag(EEVDF_PROFILE_LINUX_6_6, 5000, 0, &nice0, UINT64_MAX, 0,
                                  1000000, &lag),
                 EEVDF_WRAPPED);
    CHECK_STATUS(eevdf_entity_lag(EEVDF_PROFILE_LINUX_7_1, 5000, 0, &nice0, 0, UINT64_MAX,
                                  1000000, &lag),
                 EEVDF_WRAPPED);
    CHECK_STATUS(eevdf_entity_lag(EEVDF_PROFILE_EXACT, 5000, 0, &nice0, 0, UINT64_MAX, 1000000,
                                  &lag),
                 EEVDF_OK);
    CHECK_I64(lag, 5000);
    EevdfLoadWeight zero = {0, 0};
    CHECK_STATUS(eevdf_entity_lag(EEVDF_PROFILE_LINUX_7_1, 1, 0, &zero, 0, 0, 0, &lag),
                 EEVDF_EINVAL);
    CHECK_STATUS(eevdf_entity_lag(EEVDF_PROFILE_LINUX_7_1, 1, 0, NULL, 0, 0, 0, &lag),
                 EEVDF_EINVAL);
    CHECK_STATUS(eevdf_entity_lag(EEVDF_PROFILE_LINUX_7_1, 1, 0, &nice0, 0, 0, 0, NULL),
                 EEVDF_EINVAL);
    CHECK_STATUS(eevdf_entity_lag(17, 1, 0, &nice0, 0, 0, 0, &lag), EEVDF_EINVAL);

    /* docs/derivations.md section 4: vlag -200,000 into A, B, C:
     * tdiv(-200,000 * 3407, 2383) = -285,942 in every profile. */
    const uint64_t q[3] = {NICE0, NICE0, 335ull << 10};
    /* 86bfbb7ce4f6 (place_entity): two nice-0 entities, new nice 0,
     * vlag 300 -> 300 * 3072 / 2048 = 450. */
    const uint64_t q2[2] = {NICE0, NICE0};
    for (int p = 0; p < NPROFILES; p++) {
        CHECK_STATUS(eevdf_place_lag(PROFILES[p], -200000, q, 3, NICE0, &lag), EEVDF_OK);
        CHECK_I64(lag, -285942);
        CHECK_STATUS(eevdf_place_lag(PROFILES[p], 300, q2, 2, NICE0, &lag), EEVDF_OK);
        CHECK_I64(lag, 450);
        CHECK_STATUS(eevdf_place_lag(PROFILES[p], 300, NULL, 0, NICE0, &lag), EEVDF_OK);
        CHECK_I64(lag, 0);
        CHECK_STATUS(eevdf_place_lag(PROFILES[p], 0, q2, 2, NICE0, &lag), EEVDF_OK);
        CHECK_I64(lag, 0);
    }
    /* A queue weight of 2^42 scales down to 2^32, which div_s64 truncates to 0.
     * 6.6 has no vlag test and divides even for vlag 0. */
    const uint64_t big[1] = {1ull << 42};
    lag = 42;
    CHECK_STATUS(eevdf_place_lag(EEVDF_PROFILE_LINUX_6_6, 0, big, 1, NICE0, &lag), EEVDF_EDOM);
    CHECK_STATUS(eevdf_place_lag(EEVDF_PROFILE_LINUX_6_18, 5, big, 1, NICE0, &lag), EEVDF_EDOM);
    CHECK_I64(lag, 42);
    CHECK_STATUS(eevdf_place_lag(EEVDF_PROFILE_LINUX_6_18, 0, big, 1, NICE0, &lag), EEVDF_OK);
    CHECK_I64(lag, 0);
    /* The inflated lag overflows s64: WRAPPED in 7.1, EOVERFLOW in EXACT. */
    const uint64_t light[1] = {2};
    CHECK_STATUS(eevdf_place_lag(EEVDF_PROFILE_LINUX_7_1, INT64_MAX, light, 1, 1ull << 40, &lag),
                 EEVDF_WRAPPED);
    lag = 42;
    CHECK_STATUS(eevdf_place_lag(EEVDF_PROFILE_EXACT, INT64_MAX, light, 1, 1ull << 40, &lag),
                 EEVDF_EOVERFLOW);
    CHECK_I64(lag, 42);
    /* EINVAL: weights 0 (winning over EXACT's domain), n, NULL, profile. */
    const uint64_t zq[2] = {1ull << 41, 0};
    CHECK_STATUS(eevdf_place_lag(EEVDF_PROFILE_EXACT, 1, zq, 2, NICE0, &lag), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_place_lag(EEVDF_PROFILE_EXACT, 1, q, 3, 0, &lag), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_place_lag(EEVDF_PROFILE_EXACT, 1, q, 3, 1ull << 41, &lag),
                 EEVDF_EOVERFLOW);
    CHECK_STATUS(eevdf_place_lag(EEVDF_PROFILE_LINUX_7_1, 1, q, 1000001, NICE0, &lag),
                 EEVDF_EINVAL);
    CHECK_STATUS(eevdf_place_lag(EEVDF_PROFILE_LINUX_7_1, 1, NULL, 3, NICE0, &lag), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_place_lag(EEVDF_PROFILE_LINUX_7_1, 1, q, 3, NICE0, NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_place_lag(5, 1, q, 3, NICE0, &lag), EEVDF_EINVAL);
}

/* ---- 8: calc_group_shares; cgroup files ----------------------------------- */

static void test_group_shares(void) {
    uint64_t out = 0;
    for (int p = 0; p < NPROFILES; p++) {
        /* calc_group_shares (v6.6.0 ... v7.1.5): tg.shares 1048576 over two CPUs, tg.load_avg 2048,
         * each CPU's contribution 1024. CPU0: two fresh nice-0 tasks; CPU1: one steady. */
        CHECK_STATUS(eevdf_calc_group_shares(PROFILES[p], 1048576, 2048, 1024, 2097152, 1024, &out),
                     EEVDF_OK);
        CHECK_U64(out, 699050);
        CHECK_STATUS(eevdf_calc_group_shares(PROFILES[p], 1048576, 2048, 1024, 1048576, 1024, &out),
                     EEVDF_OK);
        CHECK_U64(out, 524288);
        /* calc_group_shares: 15 * 1024 shares over 8 busy CPUs give 1920 each, not 2048. */
        CHECK_STATUS(eevdf_calc_group_shares(PROFILES[p], 15 << 10, 8 * 1024, 1024, NICE0, 1024, &out),
                     EEVDF_OK);
        CHECK_U64(out, 1920);
        /* 26cf52229efc (Michael Wang's case): load.weight 1000 reads as load 2, not 0 ... */
        CHECK_STATUS(eevdf_calc_group_shares(PROFILES[p], NICE0, 0, 0, 1000, 0, &out), EEVDF_OK);
        CHECK_U64(out, NICE0);
        /* ... and tg_weight 0 skips the division: shares 0 is clamped up to 2. */
        CHECK_STATUS(eevdf_calc_group_shares(PROFILES[p], NICE0, 0, 0, 0, 0, &out), EEVDF_OK);
        CHECK_U64(out, 2);
    }
    /* tg.shares >= 2^63 is negative as a long: the kernel's value, flagged. */
    CHECK_STATUS(eevdf_calc_group_shares(EEVDF_PROFILE_LINUX_7_1, 1ull << 63, 0, 0, NICE0, 0, &out),
                 EEVDF_WRAPPED);
    CHECK_U64(out, 1ull << 63);
    CHECK_STATUS(eevdf_calc_group_shares(EEVDF_PROFILE_EXACT, 1ull << 63, 0, 0, NICE0, 0, &out),
                 EEVDF_OK);
    CHECK_U64(out, 1ull << 63);
    /* shares = 2^62 * 2 = INT64_MIN as a long, tg_weight = 0 - 3 + 2 = -1: the
     * kernel's INT64_MIN / -1 traps. Exactly: clamp(-2^63, 2, 2^62) = 2. */
    out = 42;
    CHECK_STATUS(eevdf_calc_group_shares(EEVDF_PROFILE_LINUX_6_6, 1ull << 62, 0, 3, 2048, 0, &out),
                 EEVDF_EDOM);
    CHECK_U64(out, 42);
    CHECK_STATUS(eevdf_calc_group_shares(EEVDF_PROFILE_EXACT, 1ull << 62, 0, 3, 2048, 0, &out),
                 EEVDF_OK);
    CHECK_U64(out, 2);
    CHECK_STATUS(eevdf_calc_group_shares(5, NICE0, 0, 0, 0, 0, &out), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_calc_group_shares(EEVDF_PROFILE_LINUX_6_6, 1ull << 62, 0, 3, 2048, 0, NULL),
                 EEVDF_EINVAL);

    /* cgroup files (kernel/sched/core.c handlers, __sched_group_set_shares). */
    CHECK_U64(eevdf_cpu_shares_write(1024), NICE0);
    CHECK_U64(eevdf_cpu_shares_write(1), 2048);
    CHECK_U64(eevdf_cpu_shares_write(1ull << 60), 1ull << 28);
    CHECK_STATUS(eevdf_cpu_weight_write(100, &out), EEVDF_OK);
    CHECK_U64(out, NICE0);
    CHECK_STATUS(eevdf_cpu_weight_write(1, &out), EEVDF_OK);
    CHECK_U64(out, 10 << 10);
    CHECK_STATUS(eevdf_cpu_weight_write(0, &out), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_cpu_weight_write(10001, &out), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_cpu_weight_read(EEVDF_PROFILE_LINUX_7_1, NICE0, &out), EEVDF_OK);
    CHECK_U64(out, 100);
    CHECK_STATUS(eevdf_cpu_weight_read(EEVDF_PROFILE_LINUX_6_6, 2048, &out), EEVDF_OK);
    CHECK_U64(out, 0);
    CHECK_STATUS(eevdf_cpu_weight_read(EEVDF_PROFILE_LINUX_6_18, 2048, &out), EEVDF_OK);
    CHECK_U64(out, 1);
    CHECK_STATUS(eevdf_cpu_weight_read(9, 2048, &out), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_cpu_weight_nice_write(19, &out), EEVDF_OK);
    CHECK_U64(out, 15 << 10);
    CHECK_STATUS(eevdf_cpu_weight_nice_write(20, &out), EEVDF_EINVAL);
}

/* ---- 9, 10: PELT ----------------------------------------------------------- */

static void test_pelt(void) {
    /* decay_load (kernel/sched/pelt.c) */
    CHECK_U64(eevdf_pelt_decay_load(47742, 32), 23870);
    CHECK_U64(eevdf_pelt_decay_load(1024, 32), 511);
    CHECK_U64(eevdf_pelt_decay_load(47742, 1), 46718);
    CHECK_U64(eevdf_pelt_decay_load(1024, 1), 1002);
    CHECK_U64(eevdf_pelt_decay_load(1024, 33), 501);
    CHECK_U64(eevdf_pelt_decay_load(1024, 0), 1023);
    CHECK_U64(eevdf_pelt_decay_load(UINT64_MAX, 2016), 0);
    CHECK_U64(eevdf_pelt_decay_load(UINT64_MAX, 2017), 0);
    CHECK_U64(eevdf_pelt_decay_load(UINT64_MAX, UINT64_MAX), 0);
    /* __accumulate_pelt_segments (kernel/sched/pelt.c) */
    CHECK_U64(eevdf_pelt_accumulate_segments(1, 1024, 0), 1002);
    CHECK_U64(eevdf_pelt_accumulate_segments(1, 500, 300), 789);
    CHECK_U64(eevdf_pelt_accumulate_segments(2, 1024, 0), 1981);
    CHECK_U64(eevdf_pelt_accumulate_segments(32, 1024, 0), 23359);
    CHECK_U64(eevdf_pelt_accumulate_segments(1000, 1024, 0), 46718);
    CHECK_U64(eevdf_pelt_accumulate_segments(3000, 1, 1023), 47741);
}

/* ---- profiles, features, status names ------------------------------------- */

static void test_profiles_and_features(void) {
    CHECK(strcmp(eevdf_profile_name(EEVDF_PROFILE_LINUX_6_6), "linux-6.6") == 0);
    CHECK(strcmp(eevdf_profile_name(EEVDF_PROFILE_EXACT), "exact") == 0);
    CHECK(eevdf_profile_name(EEVDF_PROFILE_COUNT) == NULL);
    CHECK(strcmp(eevdf_status_name(EEVDF_EOVERFLOW), "EEVDF_EOVERFLOW") == 0);
    CHECK(strcmp(eevdf_status_name(12345), "EEVDF_UNKNOWN") == 0);
    CHECK(strlen(eevdf_version()) > 0);

    uint64_t slice = 0;
    CHECK_STATUS(eevdf_base_slice(EEVDF_PROFILE_LINUX_7_1, 4, &slice), EEVDF_OK);
    CHECK_U64(slice, 2100000); /* 700,000 * (1 + ilog2(4)) */
    CHECK_STATUS(eevdf_base_slice(EEVDF_PROFILE_LINUX_6_6, 1, &slice), EEVDF_OK);
    CHECK_U64(slice, 750000);
    CHECK_STATUS(eevdf_base_slice(5, 1, &slice), EEVDF_EINVAL);
    CHECK_U64(eevdf_tick_nsec(1000), 1000000); /* (10^9 + HZ/2) / HZ */
    CHECK_U64(eevdf_tick_nsec(300), 3333333);
    CHECK_U64(eevdf_tick_nsec(0), 0);

    uint64_t f = 0;
    CHECK_STATUS(eevdf_features_default(EEVDF_PROFILE_LINUX_7_1, &f), EEVDF_OK);
    CHECK((f & EEVDF_FEATURE_DELAY_DEQUEUE) != 0);
    CHECK((f & EEVDF_FEATURE_PLACE_LAG) != 0);
    CHECK_STATUS(eevdf_features_default(EEVDF_PROFILE_LINUX_6_6, &f), EEVDF_OK);
    CHECK((f & EEVDF_FEATURE_DELAY_DEQUEUE) == 0);
    CHECK_STATUS(eevdf_features_default(7, &f), EEVDF_EINVAL);
    uint64_t avail = 0;
    CHECK_STATUS(eevdf_features_available(EEVDF_PROFILE_LINUX_7_1, &avail), EEVDF_OK);
    CHECK((avail & EEVDF_FEATURE_PARANOID_AVG) != 0);

    /* debugfs writes, with the newline echo appends. */
    CHECK_STATUS(eevdf_sched_feat_write(&f, "NO_PLACE_LAG\n"), EEVDF_OK);
    CHECK((f & EEVDF_FEATURE_PLACE_LAG) == 0);
    CHECK_STATUS(eevdf_sched_feat_write(&f, "PLACE_LAG"), EEVDF_OK);
    CHECK((f & EEVDF_FEATURE_PLACE_LAG) != 0);
    uint64_t before = f;
    CHECK_STATUS(eevdf_sched_feat_write(&f, "NO_SUCH_FEATURE"), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_sched_feat_write(&f, "\xff\xfe"), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_sched_feat_write(&f, NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_sched_feat_write(NULL, "PLACE_LAG"), EEVDF_EINVAL);
    CHECK_U64(f, before);
    uint64_t unknown = 1ull << 63;
    CHECK_STATUS(eevdf_sched_feat_write(&unknown, "PLACE_LAG"), EEVDF_EINVAL);

    EevdfTunables t;
    CHECK_STATUS(eevdf_tunables_default(EEVDF_PROFILE_LINUX_7_1, 1, 1000, &t), EEVDF_OK);
    CHECK_U64(t.base_slice, 700000);
    CHECK_U64(t.tick_nsec, 1000000);
    CHECK_STATUS(eevdf_features_default(EEVDF_PROFILE_LINUX_7_1, &f), EEVDF_OK);
    CHECK_U64(t.features, f);
}

/* ---- the accumulator ------------------------------------------------------ */

static void test_accumulator(void) {
    const EevdfCurr c = {V0 + 1100000, 335ull << 10};
    for (int p = 0; p < NPROFILES; p++) {
        EevdfAvgVruntime acc;
        CHECK_STATUS(eevdf_avg_vruntime_init(PROFILES[p], V0, &acc), EEVDF_OK);
        CHECK_STATUS(eevdf_avg_vruntime_add(&acc, V0 + 1000000, NICE0), EEVDF_OK);
        CHECK_STATUS(eevdf_avg_vruntime_add(&acc, V0 + 1300000, NICE0), EEVDF_OK);
        /* Round trip: sub then add gives the same state. */
        EevdfAvgVruntime saved = acc;
        CHECK_STATUS(eevdf_avg_vruntime_sub(&acc, V0 + 1300000, NICE0), EEVDF_OK);
        CHECK_STATUS(eevdf_avg_vruntime_add(&acc, V0 + 1300000, NICE0), EEVDF_OK);
        CHECK(memcmp(&saved, &acc, sizeof acc) == 0);
        /* docs/derivations.md section 4: the curr term is added on the fly. */
        bool e = true;
        CHECK_STATUS(eevdf_avg_vruntime_eligible(&acc, V0 + 1300000, &c, &e), EEVDF_OK);
        CHECK(!e);
        CHECK_STATUS(eevdf_avg_vruntime_eligible(&acc, V0 + 1100000, &c, &e), EEVDF_OK);
        CHECK(e);
        uint64_t v = 0;
        CHECK_STATUS(eevdf_avg_vruntime_read(&acc, &c, &v), EEVDF_OK);
        CHECK_U64(v - V0, 1142971);
        /* 7.x moves v0 to V; <= 6.18 leaves it. */
        CHECK_U64(acc.zero_vruntime, PROFILES[p] >= EEVDF_PROFILE_LINUX_7_0 ? v : V0);
        CHECK_STATUS(eevdf_avg_vruntime_read(&acc, &c, &v), EEVDF_OK);
        CHECK_U64(v - V0, 1142971);
        /* Moving the reference keeps V. */
        CHECK_STATUS(eevdf_avg_vruntime_move_reference(&acc, -12345), EEVDF_OK);
        CHECK_STATUS(eevdf_avg_vruntime_read(&acc, &c, &v), EEVDF_OK);
        CHECK_U64(v - V0, 1142971);
        /* Bad curr: weight 0. */
        const EevdfCurr zc = {V0, 0};
        CHECK_STATUS(eevdf_avg_vruntime_read(&acc, &zc, &v), EEVDF_EINVAL);
        CHECK_STATUS(eevdf_avg_vruntime_eligible(&acc, V0, &zc, &e), EEVDF_EINVAL);
        CHECK_STATUS(eevdf_avg_vruntime_add(&acc, V0, 0), EEVDF_EINVAL);
        /* update_min_vruntime moves forward only. */
        EevdfAvgVruntime m;
        eevdf_avg_vruntime_init(PROFILES[p], 100, &m);
        uint64_t tree_min = 150, nv = 0;
        CHECK_STATUS(eevdf_update_min_vruntime(&m, NULL, &tree_min, &nv), EEVDF_OK);
        CHECK_U64(nv, 150);
        tree_min = 120;
        CHECK_STATUS(eevdf_update_min_vruntime(&m, NULL, &tree_min, &nv), EEVDF_OK);
        CHECK_U64(nv, 150);
    }

    /* S wraps: key 2^40, weight 2^22, twice (7.1 full weights). */
    EevdfAvgVruntime acc;
    eevdf_avg_vruntime_init(EEVDF_PROFILE_LINUX_7_1, 0, &acc);
    CHECK_STATUS(eevdf_avg_vruntime_add(&acc, 1ull << 40, 1ull << 22), EEVDF_OK);
    CHECK_STATUS(eevdf_avg_vruntime_add(&acc, 1ull << 40, 1ull << 22), EEVDF_WRAPPED);
    CHECK_I64(acc.sum_w_vruntime, INT64_MIN); /* the kernel's s64 ... */
    CHECK_I64(acc.sum_w_vruntime_hi, -1);     /* ... is the state: no exact shadow */
    bool wrapped = false;
    CHECK_STATUS(eevdf_avg_vruntime_is_wrapped(&acc, &wrapped), EEVDF_OK);
    CHECK(wrapped);
    uint64_t v = 0;
    CHECK_STATUS(eevdf_avg_vruntime_read(&acc, NULL, &v), EEVDF_WRAPPED);
    /* Back in range (modular arithmetic), but the kernel wrapped on the way:
     * the flag is sticky until cleared. */
    CHECK_STATUS(eevdf_avg_vruntime_sub(&acc, 1ull << 40, 1ull << 22), EEVDF_WRAPPED);
    CHECK_I64(acc.sum_w_vruntime_hi, 0); /* in range again */
    CHECK(acc.flags == EEVDF_AVG_OVERFLOWED);
    CHECK_STATUS(eevdf_avg_vruntime_clear_wrapped(&acc), EEVDF_OK);
    CHECK_STATUS(eevdf_avg_vruntime_is_wrapped(&acc, &wrapped), EEVDF_OK);
    CHECK(!wrapped);
    CHECK_STATUS(eevdf_avg_vruntime_read(&acc, NULL, &v), EEVDF_OK);
    CHECK_STATUS(eevdf_avg_vruntime_clear_wrapped(NULL), EEVDF_EINVAL);
    /* Removing what was never added wraps the kernel's W (Linux profiles);
     * the state stays usable. EXACT refuses it. */
    eevdf_avg_vruntime_init(EEVDF_PROFILE_LINUX_6_18, 0, &acc);
    CHECK_STATUS(eevdf_avg_vruntime_sub(&acc, 5, NICE0), EEVDF_WRAPPED);
    CHECK_U64(acc.sum_weight, 0 - (uint64_t)1024); /* the kernel's u64 W */
    CHECK_I64(acc.sum_weight_hi, 0);
    CHECK_STATUS(eevdf_avg_vruntime_add(&acc, 5, NICE0), EEVDF_WRAPPED); /* sticky */
    CHECK_U64(acc.sum_weight, 0);
    eevdf_avg_vruntime_init(EEVDF_PROFILE_EXACT, 0, &acc);
    CHECK_STATUS(eevdf_avg_vruntime_sub(&acc, 5, NICE0), EEVDF_EINVAL);

    /* EXACT: weights above 2^40 are outside the domain; nothing changes. */
    eevdf_avg_vruntime_init(EEVDF_PROFILE_EXACT, 0, &acc);
    EevdfAvgVruntime saved = acc;
    CHECK_STATUS(eevdf_avg_vruntime_add(&acc, 5, (1ull << 40) + 1), EEVDF_EOVERFLOW);
    CHECK(memcmp(&saved, &acc, sizeof acc) == 0);
    const EevdfCurr heavy = {0, (1ull << 40) + 1};
    CHECK_STATUS(eevdf_avg_vruntime_read(&acc, &heavy, &v), EEVDF_EOVERFLOW);

    /* Structs the library did not produce are refused. */
    EevdfAvgVruntime bad = saved;
    bad.flags = 4; /* not a flag */
    CHECK_STATUS(eevdf_avg_vruntime_add(&bad, 0, NICE0), EEVDF_EINVAL);
    bad = saved;
    bad.profile = 99;
    CHECK_STATUS(eevdf_avg_vruntime_read(&bad, NULL, &v), EEVDF_EINVAL);
    bad = saved;
    bad.sum_weight_hi = INT64_MIN; /* a negative W */
    CHECK_STATUS(eevdf_avg_vruntime_read(&bad, NULL, &v), EEVDF_EINVAL);
    bad = saved;
    bad.sum_w_vruntime_hi = INT64_MAX; /* |S| near 2^127, above 2^126 */
    CHECK_STATUS(eevdf_avg_vruntime_read(&bad, NULL, &v), EEVDF_EINVAL);
    bad = saved;
    bad.flags = EEVDF_AVG_OVERFLOWED; /* impossible under EXACT */
    CHECK_STATUS(eevdf_avg_vruntime_eligible(&bad, 0, NULL, &wrapped), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_avg_vruntime_init(5, 0, &acc), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_avg_vruntime_init(0, 0, NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_avg_vruntime_add(NULL, 0, NICE0), EEVDF_EINVAL);
}

/* ---- entity operations and the pick --------------------------------------- */

static void test_entity_ops(void) {
    for (int p = 0; p < NPROFILES; p++) {
        uint32_t prof = PROFILES[p];
        /* docs/derivations.md section 4 placement: D (nice 0, vlag -200,000) into
         * A, B + curr C: V - lag = 1,142,971 + 285,942 = 1,428,913. */
        EevdfAvgVruntime acc;
        eevdf_avg_vruntime_init(prof, V0, &acc);
        eevdf_avg_vruntime_add(&acc, V0 + 1000000, NICE0);
        eevdf_avg_vruntime_add(&acc, V0 + 1300000, NICE0);
        EevdfRqCtx ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.curr.vruntime = V0 + 1100000;
        ctx.curr.weight = 335ull << 10;
        ctx.has_curr = 1;
        ctx.nr_queued = 3;
        ctx.max_slice = 3000000;
        EevdfTunables tun;
        eevdf_tunables_default(prof, 1, 1000, &tun);
        tun.base_slice = 3000000;
        EevdfSchedEntity d;
        CHECK_STATUS(eevdf_sched_entity_from_nice(0, 3000000, &d), EEVDF_OK);
        d.vlag = -200000;
        CHECK_STATUS(eevdf_place_entity(prof, &acc, &ctx, false, &d, 0, &tun), EEVDF_OK);
        CHECK_U64(d.vruntime - V0, 1428913);
        CHECK_U64(d.deadline - d.vruntime, 3000000);
        CHECK_U64(acc.zero_vruntime - V0, prof >= EEVDF_PROFILE_LINUX_7_0 ? 1142971 : 0);

        /* Mismatched profile, bad flags, bad flag bytes, zero curr weight: EINVAL. */
        CHECK_STATUS(eevdf_place_entity((prof + 1) % NPROFILES, &acc, &ctx, false, &d, 0, &tun),
                     EEVDF_EINVAL);
        CHECK_STATUS(eevdf_place_entity(prof, &acc, &ctx, false, &d, 0x80, &tun), EEVDF_EINVAL);
        EevdfSchedEntity bad = d;
        bad.on_rq = 2;
        CHECK_STATUS(eevdf_place_entity(prof, &acc, &ctx, false, &bad, 0, &tun), EEVDF_EINVAL);
        EevdfRqCtx zctx = ctx;
        zctx.curr.weight = 0;
        CHECK_STATUS(eevdf_place_entity(prof, &acc, &zctx, false, &d, 0, &tun), EEVDF_EINVAL);
        EevdfTunables btun = tun;
        btun.features |= 1ull << 62;
        CHECK_STATUS(eevdf_place_entity(prof, &acc, &ctx, false, &d, 0, &btun), EEVDF_EINVAL);

        /* update_deadline: a used-up request gets one new slice. */
        EevdfSchedEntity se;
        eevdf_sched_entity_from_nice(0, 3000000, &se);
        se.vruntime = 1000;
        se.deadline = 1000;
        bool consumed = false;
        CHECK_STATUS(eevdf_update_deadline(prof, &se, 3000000, &consumed), EEVDF_OK);
        CHECK(consumed);
        CHECK_U64(se.deadline, 3001000);
        CHECK_STATUS(eevdf_update_deadline(prof, &se, 3000000, &consumed), EEVDF_OK);
        CHECK(!consumed);

        /* update_entity_lag of a queued entity at V: lag 0, placement unchanged. */
        EevdfAvgVruntime a2;
        eevdf_avg_vruntime_init(prof, 0, &a2);
        eevdf_avg_vruntime_add(&a2, 1000, NICE0);
        EevdfRqCtx c2;
        memset(&c2, 0, sizeof c2);
        c2.nr_queued = 2;
        c2.max_slice = 3000000;
        EevdfSchedEntity e2;
        eevdf_sched_entity_from_nice(0, 3000000, &e2);
        e2.vruntime = 3000;
        e2.on_rq = 1;
        e2.vlag = 77;
        bool replace = true;
        CHECK_STATUS(eevdf_update_entity_lag(prof, &a2, &c2, false, &e2, &tun, &replace),
                     EEVDF_OK);
        CHECK_I64(e2.vlag, -2000); /* V = 1000 (only the tree entity), v = 3000 */
        CHECK(!replace);

        /* reweight: nice 0 -> nice 5 off the run queue scales the saved lag. */
        EevdfSchedEntity off;
        eevdf_sched_entity_from_nice(0, 3000000, &off);
        off.vlag = 335 * 1000;
        EevdfLoadWeight n5;
        eevdf_load_weight_from_nice(5, &n5);
        CHECK_STATUS(eevdf_reweight_entity(prof, &a2, &c2, false, &off, &n5, false, &tun),
                     EEVDF_OK);
        CHECK_I64(off.vlag, 1024 * 1000); /* vlag * old / new */
        CHECK_U64(off.load.weight, n5.weight);
        EevdfLoadWeight z = {0, 0};
        CHECK_STATUS(eevdf_reweight_entity(prof, &a2, &c2, false, &off, &z, false, &tun),
                     EEVDF_EINVAL);

        /* Slice protection. */
        EevdfSchedEntity pr;
        eevdf_sched_entity_from_nice(0, 3000000, &pr);
        pr.vruntime = 1000;
        pr.deadline = 3001000;
        CHECK_STATUS(eevdf_set_protect_slice(prof, &pr, 1000000, tun.features), EEVDF_OK);
        bool prot = false;
        CHECK_STATUS(eevdf_protect_slice(prof, &pr, &prot), EEVDF_OK);
        CHECK(prot);
        CHECK_STATUS(eevdf_cancel_protect_slice(prof, &pr), EEVDF_OK);
        CHECK_STATUS(eevdf_protect_slice(prof, &pr, &prot), EEVDF_OK);
        CHECK(!prot);
        CHECK_STATUS(eevdf_yield_entity(prof, &pr, 3000000), EEVDF_OK);

        /* The pick: entities (v, d) (300, 350), (200, 400), (100, 500) with V = 200:
         * the one at 200 is the eligible one with the earliest deadline. */
        EevdfSchedEntity tree[3];
        const uint64_t vs[3] = {300, 200, 100}, ds[3] = {350, 400, 500};
        EevdfAvgVruntime pa;
        eevdf_avg_vruntime_init(prof, 0, &pa);
        for (int i = 0; i < 3; i++) {
            /* tree order: by deadline, or by vruntime in 6.6 */
            int k = prof == EEVDF_PROFILE_LINUX_6_6 ? 2 - i : i;
            eevdf_sched_entity_from_nice(0, 3000000, &tree[i]);
            tree[i].vruntime = vs[k];
            tree[i].deadline = ds[k];
            tree[i].on_rq = 1;
            eevdf_avg_vruntime_add(&pa, vs[k], NICE0);
        }
        EevdfPick pick = {99, 99};
        CHECK_STATUS(eevdf_pick_eevdf_linear(prof, &pa, tree, 3, NULL, NULL, 3, true,
                                             tun.features, &pick),
                     EEVDF_OK);
        CHECK_U64(pick.kind, EEVDF_PICK_QUEUED);
        CHECK_U64(pick.index, 1);
        CHECK_U64(tree[pick.index].vruntime, 200);
        size_t next = 3;
        CHECK_STATUS(eevdf_pick_eevdf_linear(prof, &pa, tree, 3, NULL, &next, 3, true,
                                             tun.features, &pick),
                     EEVDF_EINVAL);
        CHECK_STATUS(eevdf_pick_eevdf_linear(prof, &pa, NULL, 0, NULL, NULL, 0, true,
                                             tun.features, &pick),
                     EEVDF_OK);
        CHECK_U64(pick.kind, EEVDF_PICK_NOTHING);
        tree[2].load.weight = 0;
        CHECK_STATUS(eevdf_pick_eevdf_linear(prof, &pa, tree, 3, NULL, NULL, 3, true,
                                             tun.features, &pick),
                     EEVDF_EINVAL);
    }
}

/* ---- the run queue ---------------------------------------------------------- */

static void test_runqueue(void) {
    static alignas(EEVDF_RQ_ALIGN) unsigned char buf[EEVDF_RQ_BUFFER_SIZE(4)];
    CHECK(eevdf_rq_size(4) <= sizeof buf);
    CHECK_U64(eevdf_rq_size(0), EEVDF_RQ_HEADER_SIZE);
    CHECK_U64(eevdf_rq_size(UINT32_MAX), 0);
    EevdfTunables tun;
    eevdf_tunables_default(EEVDF_PROFILE_LINUX_7_1, 1, 1000, &tun);
    EevdfRq *rq = NULL;

    /* Bad buffers and arguments. */
    CHECK_STATUS(eevdf_rq_init(buf + 8, sizeof buf - 8, EEVDF_PROFILE_LINUX_7_1, &tun, &rq),
                 EEVDF_EINVAL);
    CHECK_STATUS(eevdf_rq_init(buf, EEVDF_RQ_HEADER_SIZE - 1, EEVDF_PROFILE_LINUX_7_1, &tun, &rq),
                 EEVDF_EINVAL);
    CHECK_STATUS(eevdf_rq_init(NULL, sizeof buf, EEVDF_PROFILE_LINUX_7_1, &tun, &rq),
                 EEVDF_EINVAL);
    CHECK_STATUS(eevdf_rq_init(buf, sizeof buf, 5, &tun, &rq), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_rq_init(buf, sizeof buf, EEVDF_PROFILE_LINUX_7_1, NULL, &rq),
                 EEVDF_EINVAL);
    CHECK(rq == NULL);
    /* A zeroed buffer is not a run queue. */
    EevdfRqState st;
    CHECK_STATUS(eevdf_rq_state((const EevdfRq *)(const void *)buf, &st), EEVDF_EINVAL);

    CHECK_STATUS(eevdf_rq_init(buf, sizeof buf, EEVDF_PROFILE_LINUX_7_1, &tun, &rq), EEVDF_OK);
    CHECK(rq == (EevdfRq *)(void *)buf);
    CHECK_STATUS(eevdf_rq_state(rq, &st), EEVDF_OK);
    CHECK_U64(st.capacity, 4);
    CHECK_U64(st.nr_queued, 0);
    CHECK_U64(st.curr, EEVDF_NO_ENTITY);

    uint64_t ids[5];
    for (int i = 0; i < 4; i++) {
        EevdfSchedEntity se;
        eevdf_sched_entity_from_nice(i == 3 ? 5 : 0, 0, &se);
        CHECK_STATUS(eevdf_rq_add(rq, &se, &ids[i]), EEVDF_OK);
    }
    EevdfSchedEntity extra;
    eevdf_sched_entity_from_nice(0, 0, &extra);
    CHECK_STATUS(eevdf_rq_add(rq, &extra, &ids[4]), EEVDF_ENOSPC);
    extra.on_rq = 1;
    CHECK_STATUS(eevdf_rq_remove(rq, ids[3], NULL), EEVDF_OK);
    CHECK_STATUS(eevdf_rq_add(rq, &extra, &ids[4]), EEVDF_EBUSY);
    CHECK_STATUS(eevdf_rq_enqueue(rq, ids[3], 0, EEVDF_ENQUEUE_WAKEUP), EEVDF_ENOENT);
    eevdf_sched_entity_from_nice(5, 0, &extra);
    CHECK_STATUS(eevdf_rq_add(rq, &extra, &ids[3]), EEVDF_OK);

    for (int i = 0; i < 4; i++)
        CHECK_STATUS(eevdf_rq_enqueue(rq, ids[i], 0, EEVDF_ENQUEUE_INITIAL), EEVDF_OK);
    CHECK_STATUS(eevdf_rq_enqueue(rq, ids[0], 0, EEVDF_ENQUEUE_WAKEUP), EEVDF_EBUSY);
    CHECK_STATUS(eevdf_rq_enqueue(rq, ids[0], 0, 0x100), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_rq_enqueue(rq, EEVDF_NO_ENTITY, 0, 0), EEVDF_ENOENT);

    uint64_t curr = EEVDF_NO_ENTITY;
    CHECK_STATUS(eevdf_rq_pick_next(rq, 0, &curr), EEVDF_OK);
    CHECK(curr != EEVDF_NO_ENTITY);
    /* One second of ticks at HZ=1000. */
    uint64_t now = 0;
    for (int t = 0; t < 1000; t++) {
        bool resched = false;
        now += 1000000;
        CHECK_STATUS(eevdf_rq_tick(rq, now, &resched), EEVDF_OK);
        if (resched)
            CHECK_STATUS(eevdf_rq_pick_next(rq, now, &curr), EEVDF_OK);
    }
    char msg[128] = "";
    CHECK_STATUS(eevdf_rq_validate(rq, msg, sizeof msg), EEVDF_OK);
    /* Shares follow the weights: 1024 : 1024 : 1024 : 335 (sched_prio_to_weight). */
    uint64_t run0 = 0, run3 = 0;
    CHECK_STATUS(eevdf_rq_sum_exec_runtime(rq, ids[0], &run0), EEVDF_OK);
    CHECK_STATUS(eevdf_rq_sum_exec_runtime(rq, ids[3], &run3), EEVDF_OK);
    CHECK(run0 > 290000000 && run0 < 320000000);
    CHECK(run3 > 90000000 && run3 < 110000000);

    CHECK_STATUS(eevdf_rq_state(rq, &st), EEVDF_OK);
    CHECK_U64(st.nr_queued, 4);
    CHECK_U64(st.nr_entities, 4);
    CHECK_U64(st.load_weight, 3 * NICE0 + (335ull << 10));
    CHECK_U64(st.curr, curr);
    CHECK_U64(st.wrapped, 0);
    size_t n = 0;
    CHECK_STATUS(eevdf_rq_tree_ids(rq, NULL, 0, &n), EEVDF_OK);
    CHECK_U64(n, 3); /* curr is not in the tree */
    uint64_t tree_ids[3];
    CHECK_STATUS(eevdf_rq_tree_ids(rq, tree_ids, 3, &n), EEVDF_OK);
    EevdfSchedEntity a, b;
    CHECK_STATUS(eevdf_rq_entity(rq, tree_ids[0], &a), EEVDF_OK);
    CHECK_STATUS(eevdf_rq_entity(rq, tree_ids[1], &b), EEVDF_OK);
    CHECK((int64_t)(b.deadline - a.deadline) >= 0); /* tree order: by deadline */
    uint64_t v = 0;
    CHECK_STATUS(eevdf_rq_avg_vruntime(rq, &v), EEVDF_OK);
    EevdfAvgVruntime acc;
    CHECK_STATUS(eevdf_rq_avg(rq, &acc), EEVDF_OK);
    bool e = false;
    CHECK_STATUS(eevdf_avg_vruntime_eligible(&acc, v, NULL, &e), EEVDF_OK);

    /* Dequeue curr for sleep, then remove needs a switch away first. */
    bool delayed = true;
    CHECK_STATUS(eevdf_rq_dequeue(rq, curr, now, EEVDF_DEQUEUE_SLEEP | EEVDF_DEQUEUE_SPECIAL,
                                  &delayed),
                 EEVDF_OK);
    CHECK(!delayed);
    CHECK_STATUS(eevdf_rq_remove(rq, curr, NULL), EEVDF_EBUSY); /* still curr */
    uint64_t next = 0;
    CHECK_STATUS(eevdf_rq_pick_next(rq, now, &next), EEVDF_OK);
    CHECK(next != curr);
    EevdfSchedEntity gone;
    CHECK_STATUS(eevdf_rq_remove(rq, curr, &gone), EEVDF_OK);
    CHECK_U64(gone.on_rq, 0);
    CHECK_STATUS(eevdf_rq_entity(rq, curr, &gone), EEVDF_ENOENT);

    /* Reweight, wakeup preemption, yield, buddies, tunables. */
    EevdfLoadWeight n10;
    eevdf_load_weight_from_nice(10, &n10);
    CHECK_STATUS(eevdf_rq_reweight(rq, tree_ids[0] == next ? tree_ids[1] : tree_ids[0], &n10, now),
                 EEVDF_OK);
    bool yielded = false;
    CHECK_STATUS(eevdf_rq_yield(rq, now + 1000, &yielded), EEVDF_OK);
    bool preempt = false;
    CHECK_STATUS(eevdf_rq_wakeup_preempt(rq, next, now + 2000, EEVDF_WF_SYNC, &preempt), EEVDF_OK);
    CHECK_STATUS(eevdf_rq_wakeup_preempt(rq, next, now, 0x40, &preempt), EEVDF_EINVAL);
    EevdfTunables t2;
    CHECK_STATUS(eevdf_rq_tunables(rq, &t2), EEVDF_OK);
    CHECK_U64(t2.base_slice, tun.base_slice);
    t2.features &= ~EEVDF_FEATURE_RUN_TO_PARITY;
    CHECK_STATUS(eevdf_rq_set_tunables(rq, &t2), EEVDF_OK);
    t2.features |= 1ull << 60;
    CHECK_STATUS(eevdf_rq_set_tunables(rq, &t2), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_rq_put_prev(rq, now + 3000), EEVDF_OK);
    uint64_t peek = 0;
    CHECK_STATUS(eevdf_rq_peek(rq, &peek), EEVDF_OK);
    CHECK(peek != EEVDF_NO_ENTITY);
    CHECK_STATUS(eevdf_rq_set_next_buddy(rq, peek), EEVDF_OK);
    CHECK_STATUS(eevdf_rq_set_slice(rq, peek, 100000), EEVDF_EBUSY); /* queued */
    CHECK_STATUS(eevdf_rq_validate(rq, msg, sizeof msg), EEVDF_OK);
    CHECK_STATUS(eevdf_rq_clear_wrapped(rq), EEVDF_OK);
    CHECK_STATUS(eevdf_rq_is_eligible(rq, peek, &e), EEVDF_OK);

    /* TIF_NEED_RESCHED: put_prev left the CPU idle; a wakeup there asks for a
     * reschedule once, a second one finds it pending; the switch clears it. */
    bool pending = true;
    CHECK_STATUS(eevdf_rq_need_resched(rq, &pending), EEVDF_OK);
    CHECK(!pending);
    CHECK_STATUS(eevdf_rq_wakeup_preempt(rq, peek, now + 3000, 0, &preempt), EEVDF_OK);
    CHECK(preempt);
    CHECK_STATUS(eevdf_rq_wakeup_preempt(rq, peek, now + 3000, 0, &preempt), EEVDF_OK);
    CHECK(!preempt);
    CHECK_STATUS(eevdf_rq_need_resched(rq, &pending), EEVDF_OK);
    CHECK(pending);
    CHECK_STATUS(eevdf_rq_pick_next(rq, now + 4000, &next), EEVDF_OK);
    CHECK_STATUS(eevdf_rq_need_resched(rq, &pending), EEVDF_OK);
    CHECK(!pending);
    CHECK_STATUS(eevdf_rq_resched_curr(rq), EEVDF_OK);
    CHECK_STATUS(eevdf_rq_need_resched(rq, &pending), EEVDF_OK);
    CHECK(pending);
    CHECK_STATUS(eevdf_rq_need_resched(NULL, &pending), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_rq_need_resched(rq, NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_rq_resched_curr(NULL), EEVDF_EINVAL);

    /* A fork under 7.1: ENQUEUE_INITIAL, so the first deadline is half a
     * (nice-0) slice away; the pending reschedule makes the check return early. */
    uint64_t child = 0;
    eevdf_sched_entity_from_nice(0, 0, &extra);
    CHECK_STATUS(eevdf_rq_add(rq, &extra, &child), EEVDF_OK);
    CHECK_STATUS(eevdf_rq_wake_up_new(rq, child, now + 5000, NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_rq_wake_up_new(rq, child, now + 5000, &preempt), EEVDF_OK);
    CHECK(!preempt);
    EevdfSchedEntity forked;
    CHECK_STATUS(eevdf_rq_entity(rq, child, &forked), EEVDF_OK);
    CHECK_U64(forked.deadline - forked.vruntime, tun.base_slice / 2);
    CHECK_STATUS(eevdf_rq_wake_up_new(rq, child, now + 5000, &preempt), EEVDF_EBUSY);
    CHECK_STATUS(eevdf_rq_validate(rq, msg, sizeof msg), EEVDF_OK);
    CHECK_STATUS(eevdf_rq_state(NULL, &st), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_rq_tick(NULL, 0, &yielded), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_rq_tick(rq, now, NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_rq_pick_next((EevdfRq *)(void *)(buf + 8), 0, &next), EEVDF_EINVAL);
}

/* ---- PELT state (kernel/sched/pelt.c, v6.6 ... v7.1) --------------------- */

static void test_sched_avg(void) {
    EevdfLoadWeight nice0;
    CHECK_STATUS(eevdf_load_weight_from_nice(0, &nice0), EEVDF_OK);
    EevdfSchedAvg sa;
    memset(&sa, 0xAB, sizeof sa);
    CHECK_STATUS(eevdf_sched_avg_init(&sa), EEVDF_OK);
    CHECK_U64(sa.load_sum + sa.util_sum + sa.last_update_time + sa.util_est.ewma, 0);
    /* docs/derivations.md section 9 (v6.6.0 / v7.1.5 values): always running at
     * nice 0, every 1 ms. */
    bool decayed = false;
    for (uint64_t ms = 1; ms <= 400; ms++) {
        CHECK_STATUS(eevdf_update_load_avg_se(ms * 1000000, &sa, &nice0, true, 1, true, &decayed),
                     EEVDF_OK);
        if (ms == 2) {
            CHECK_U64(sa.load_sum, 1930);
            CHECK_U64(sa.period_contrib, 929);
            CHECK_U64(sa.util_avg, 41);
        }
    }
    CHECK_U64(sa.load_sum, 47182);
    CHECK_U64(sa.load_avg, 1023);
    CHECK_U64(sa.runnable_avg, 1024);
    CHECK_U64(sa.util_avg, 1024);
    for (uint64_t ms = 401; ms <= 500; ms++)
        CHECK_STATUS(eevdf_update_load_avg_blocked_se(ms * 1000000, &sa, &nice0, &decayed), EEVDF_OK);
    CHECK_U64(sa.load_avg, 129);
    CHECK_U64(sa.util_avg, 129);
    uint64_t div = 0;
    CHECK_STATUS(eevdf_pelt_divider(&sa, &div), EEVDF_OK);
    CHECK_U64(div, EEVDF_PELT_MIN_DIVIDER + sa.period_contrib);

    /* A run queue: two nice-0 tasks runnable, one running. */
    EevdfSchedAvg rq;
    CHECK_STATUS(eevdf_sched_avg_init(&rq), EEVDF_OK);
    CHECK_STATUS(eevdf_update_load_avg_cfs_rq(5000000, &rq, 2 * NICE0, 2, true, &decayed), EEVDF_OK);
    CHECK(decayed);
    CHECK(rq.load_avg > 0 && rq.runnable_avg > rq.util_avg);

    /* 98b0d890220d: detach never leaves (avg 1, sum 0). */
    EevdfSchedAvg cfs, se;
    memset(&cfs, 0, sizeof cfs);
    memset(&se, 0, sizeof se);
    cfs.util_avg = 301;
    cfs.util_sum = 301 * 46718;
    se.util_avg = 300;
    se.util_sum = 14100000;
    int64_t prop = 1;
    CHECK_STATUS(eevdf_detach_entity_load_avg(EEVDF_PROFILE_LINUX_6_6, &cfs, &se, &nice0, &prop),
                 EEVDF_OK);
    CHECK_U64(cfs.util_avg, 1);
    CHECK_U64(cfs.util_sum, 46718);
    CHECK_I64(prop, 0);
    /* 6ab7973f2540: the fold is weighted (1024 * 46,718 = 47,839,232). */
    memset(&cfs, 0, sizeof cfs);
    memset(&se, 0, sizeof se);
    se.load_sum = 46718;
    se.load_avg = 1024;
    CHECK_STATUS(eevdf_enqueue_load_avg(EEVDF_PROFILE_LINUX_7_1, &cfs, &se, &nice0), EEVDF_OK);
    CHECK_U64(cfs.load_sum, 47839232);
    CHECK_STATUS(eevdf_dequeue_load_avg(EEVDF_PROFILE_LINUX_7_1, &cfs, &se, &nice0), EEVDF_OK);
    CHECK_U64(cfs.load_sum + cfs.load_avg, 0);
    /* attach: the entity adopts the queue's clock and gets its load back. */
    cfs.last_update_time = 7 << 20;
    cfs.period_contrib = 100;
    CHECK_STATUS(eevdf_attach_entity_load_avg(EEVDF_PROFILE_LINUX_6_18, &cfs, &se, &nice0, &prop),
                 EEVDF_OK);
    CHECK_U64(se.last_update_time, 7 << 20);
    CHECK_U64(se.period_contrib, 100);
    CHECK_U64(cfs.load_avg, 1024);
    CHECK_I64(prop, (int64_t)se.load_sum);
    EevdfRemovedLoad rm = {1024, 0, 0};
    CHECK_STATUS(eevdf_remove_load_avg(EEVDF_PROFILE_LINUX_7_1, &cfs, &rm, &prop), EEVDF_OK);
    CHECK_U64(cfs.load_avg, 0);
    CHECK_I64(prop, 0);
    /* reweight: load_sum 46718 at weight 512 gives 512. */
    memset(&sa, 0, sizeof sa);
    sa.load_sum = 46718;
    EevdfLoadWeight w512 = {512 << 10, 0};
    CHECK_STATUS(eevdf_reweight_load_avg(&sa, &w512), EEVDF_OK);
    CHECK_U64(sa.load_avg, 512);

    /* util_est: 6.18 and later, 400 towards 200 is 350 | flag. */
    EevdfUtilEst ue = {0, 400};
    bool changed = false;
    uint64_t feats = EEVDF_FEATURE_UTIL_EST;
    CHECK_STATUS(eevdf_util_est_update(EEVDF_PROFILE_LINUX_7_1, feats, &ue, 200, 200, 1024, &changed),
                 EEVDF_OK);
    CHECK(changed);
    CHECK_U64(ue.ewma, 350u | EEVDF_UTIL_AVG_UNCHANGED);
    uint32_t est = 0;
    CHECK_STATUS(eevdf_task_util_est(EEVDF_PROFILE_LINUX_7_1, &ue, &est), EEVDF_OK);
    CHECK_U64(est, 350);
    /* 6.6: the pair; a drop from 400 to 200 gives {200 | flag, 350}. */
    EevdfUtilEst pair = {400, 400};
    CHECK_STATUS(eevdf_util_est_update(EEVDF_PROFILE_LINUX_6_6, feats, &pair, 200, 200, 1024, &changed),
                 EEVDF_OK);
    CHECK_U64(pair.enqueued, 200u | EEVDF_UTIL_AVG_UNCHANGED);
    CHECK_U64(pair.ewma, 350);

    /* Errors: nothing written. */
    EevdfLoadWeight w0 = {0, 0};
    memset(&sa, 0, sizeof sa);
    CHECK_STATUS(eevdf_sched_avg_init(NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_pelt_divider(NULL, &div), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_update_load_avg_se(1 << 30, &sa, &w0, true, 1, true, &decayed), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_update_load_avg_se(1 << 30, &sa, &nice0, true, 1, true, NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_update_load_avg_blocked_se(1 << 30, NULL, &nice0, &decayed), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_update_load_avg_cfs_rq(1 << 30, &sa, NICE0, 1, true, NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_enqueue_load_avg(5, &cfs, &se, &nice0), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_dequeue_load_avg(0, &cfs, &se, &w0), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_attach_entity_load_avg(0, &cfs, NULL, &nice0, &prop), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_detach_entity_load_avg(0, &cfs, &se, &nice0, NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_remove_load_avg(0, &cfs, NULL, &prop), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_reweight_load_avg(&sa, NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_util_est_update(0, 1ull << 63, &ue, 1, 1, 1, &changed), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_task_util_est(9, &ue, &est), EEVDF_EINVAL);
    CHECK_U64(sa.last_update_time + sa.load_sum, 0);
}

/* ---- group load bookkeeping (update_tg_load_avg, calc_group_shares) ------- */

static void test_group_load(void) {
    uint64_t out = 0;
    /* docs/derivations.md section 10 worked example and Michael Wang's case. */
    CHECK_STATUS(eevdf_calc_group_shares_with(EEVDF_PROFILE_LINUX_6_18,
                                              EEVDF_SHARES_LOAD_MAX_WEIGHT_LOAD_AVG, NICE0, 2048,
                                              1024, 2 * NICE0, 1024, &out),
                 EEVDF_OK);
    CHECK_U64(out, 699050);
    CHECK_STATUS(eevdf_calc_group_shares_with(EEVDF_PROFILE_LINUX_7_1, EEVDF_SHARES_LOAD_LOAD_AVG,
                                              NICE0, 1280, 256, 2 * NICE0, 256, &out),
                 EEVDF_OK);
    CHECK_U64(out, 209715);
    CHECK_STATUS(eevdf_calc_group_shares_with(EEVDF_PROFILE_EXACT, 0, 2048, 0, 0, 1000, 0, &out),
                 EEVDF_OK);
    CHECK_U64(out, 2048);
    CHECK_STATUS(eevdf_calc_group_shares_with(0, 0, 1ull << 63, 1, 0, NICE0, 1, &out), EEVDF_WRAPPED);
    CHECK_STATUS(eevdf_calc_group_shares_with(0, 2, NICE0, 1, 0, NICE0, 1, &out), EEVDF_EINVAL);
    CHECK_U64(eevdf_set_shares_clamp(0), 2048);
    CHECK_U64(eevdf_set_shares_clamp(UINT64_MAX), 268435456);

    EevdfTgLoadAvgInput in;
    memset(&in, 0, sizeof in);
    in.now = 5000000;
    in.load_avg = 1040;
    in.tg_load_avg_contrib = 1024;
    in.last_update_tg_load_avg = 3000000;
    in.cpu_active = 1;
    EevdfTgLoadAvgUpdate up;
    bool published = true;
    CHECK_STATUS(eevdf_update_tg_load_avg(EEVDF_PROFILE_LINUX_7_1, &in, &up, &published), EEVDF_OK);
    CHECK(!published);
    CHECK_I64(up.delta, 0);
    CHECK_U64(up.tg_load_avg_contrib, 1024);
    in.load_avg = 1041;
    CHECK_STATUS(eevdf_update_tg_load_avg(EEVDF_PROFILE_LINUX_7_1, &in, &up, &published), EEVDF_OK);
    CHECK(published);
    CHECK_I64(up.delta, 17);
    CHECK_U64(up.tg_load_avg_contrib, 1041);
    CHECK_U64(up.last_update_tg_load_avg, 5000000);
    in.now = 3500000; /* inside the 1 ms rate limit (>= 6.18 only) */
    CHECK_STATUS(eevdf_update_tg_load_avg(EEVDF_PROFILE_LINUX_6_18, &in, &up, &published), EEVDF_OK);
    CHECK(!published);
    CHECK_STATUS(eevdf_update_tg_load_avg(EEVDF_PROFILE_LINUX_6_6, &in, &up, &published), EEVDF_OK);
    CHECK(published);
    CHECK_U64(up.last_update_tg_load_avg, 3000000);
    in.is_root = 2;
    CHECK_STATUS(eevdf_update_tg_load_avg(0, &in, &up, &published), EEVDF_EINVAL);
    in.is_root = 0;
    CHECK_STATUS(eevdf_update_tg_load_avg(0, NULL, &up, &published), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_update_tg_load_avg(0, &in, &up, NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_clear_tg_load_avg(1041, 7, &up), EEVDF_OK);
    CHECK_I64(up.delta, -1041);
    CHECK_U64(up.tg_load_avg_contrib, 0);
    CHECK_U64(up.last_update_tg_load_avg, 7);
    CHECK_STATUS(eevdf_clear_tg_load_avg(1, 1, NULL), EEVDF_EINVAL);
}

/* ---- wake-affine (wake_affine_idle / wake_affine_weight, fair.c) ---------- */

static EevdfCpuState busy_cpu(uint64_t load_avg) {
    EevdfCpuState c;
    memset(&c, 0, sizeof c);
    c.load_avg = load_avg;
    c.capacity = 1024;
    c.nr_running = c.h_nr_queued = c.h_nr_runnable = 1;
    return c;
}

static void test_wake(void) {
    const uint64_t wa = EEVDF_FEATURE_WA_IDLE | EEVDF_FEATURE_WA_WEIGHT | EEVDF_FEATURE_WA_BIAS;
    EevdfWakeAffineInput in;
    memset(&in, 0, sizeof in);
    in.this_cpu = busy_cpu(1024);
    in.prev_cpu = busy_cpu(2048);
    in.task_h_load = 512;
    in.imbalance_pct = EEVDF_SD_IMBALANCE_PCT_LLC;
    in.share_llc = 1;
    uint32_t t = 99;
    /* (1024 + 512)·100·1024 < (2048 − 512)·108·1024: pull to the waker. */
    for (int i = 0; i < NPROFILES; i++) {
        CHECK_STATUS(eevdf_wake_affine_weight(PROFILES[i], wa, &in, &t), EEVDF_OK);
        CHECK_U64(t, EEVDF_WAKE_TARGET_THIS);
        CHECK_STATUS(eevdf_wake_affine(PROFILES[i], wa, &in, &t), EEVDF_OK);
        CHECK_U64(t, EEVDF_WAKE_TARGET_THIS);
    }
    in.this_cpu.load_avg = 2048;
    in.prev_cpu.load_avg = 1024;
    CHECK_STATUS(eevdf_wake_affine_weight(EEVDF_PROFILE_LINUX_7_1, wa, &in, &t), EEVDF_OK);
    CHECK_U64(t, EEVDF_WAKE_TARGET_NONE);
    CHECK_STATUS(eevdf_wake_affine(EEVDF_PROFILE_LINUX_7_1, wa, &in, &t), EEVDF_OK);
    CHECK_U64(t, EEVDF_WAKE_TARGET_PREV);
    /* An idle waker CPU sharing the LLC with a busy prev. */
    in.this_cpu = busy_cpu(0);
    in.this_cpu.nr_running = 0;
    in.this_cpu.idle_task_running = 1;
    CHECK_STATUS(eevdf_wake_affine_idle(EEVDF_PROFILE_LINUX_6_6, &in, &t), EEVDF_OK);
    CHECK_U64(t, EEVDF_WAKE_TARGET_THIS);
    bool b = false;
    CHECK_STATUS(eevdf_idle_rq(&in.this_cpu, &b), EEVDF_OK);
    CHECK(b);
    CHECK_STATUS(eevdf_available_idle_cpu(&in.this_cpu, &b), EEVDF_OK);
    CHECK(b);
    in.this_cpu.vcpu_preempted = 1; /* a preempted vCPU is not available */
    CHECK_STATUS(eevdf_available_idle_cpu(&in.this_cpu, &b), EEVDF_OK);
    CHECK(!b);
    in.this_cpu.sched_idle_only = 1;
    CHECK_STATUS(eevdf_choose_idle_cpu(&in.this_cpu, false, &b), EEVDF_OK);
    CHECK(b);
    /* Wraps: s64 loads overflow under Linux, EXACT compares exactly. */
    in.this_cpu = busy_cpu(1ull << 62);
    in.prev_cpu = busy_cpu(0);
    in.task_h_load = 1ull << 62;
    CHECK_STATUS(eevdf_wake_affine_weight(EEVDF_PROFILE_LINUX_7_1, wa, &in, &t), EEVDF_WRAPPED);
    CHECK_STATUS(eevdf_wake_affine_weight(EEVDF_PROFILE_EXACT, wa, &in, &t), EEVDF_OK);
    CHECK_U64(t, EEVDF_WAKE_TARGET_NONE);
    /* Errors. */
    t = 99;
    in.sync = 3;
    CHECK_STATUS(eevdf_wake_affine(0, wa, &in, &t), EEVDF_EINVAL);
    in.sync = 0;
    CHECK_STATUS(eevdf_wake_affine(0, 1ull << 63, &in, &t), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_wake_affine_idle(7, &in, &t), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_wake_affine_weight(0, wa, NULL, &t), EEVDF_EINVAL);
    CHECK_U64(t, 99);
    CHECK_STATUS(eevdf_available_idle_cpu(NULL, &b), EEVDF_EINVAL);

    /* wake_wide. */
    CHECK_STATUS(eevdf_wake_wide(0, 64, 8, 8, &b), EEVDF_OK);
    CHECK(b);
    CHECK_STATUS(eevdf_wake_wide(0, 63, 8, 8, &b), EEVDF_OK);
    CHECK(!b);
    CHECK_STATUS(eevdf_wake_wide(3, 1u << 26, 1u << 26, 64, &b), EEVDF_WRAPPED);
    CHECK(b);
    CHECK_STATUS(eevdf_wake_wide(EEVDF_PROFILE_EXACT, 1u << 26, 1u << 26, 64, &b), EEVDF_EOVERFLOW);
    CHECK_STATUS(eevdf_wake_wide(0, 1, 1, 1, NULL), EEVDF_EINVAL);

    /* task_h_load and the h_load step. */
    uint64_t h = 0;
    CHECK_STATUS(eevdf_task_h_load(EEVDF_PROFILE_LINUX_7_1, 1024, 512, 2048, &h), EEVDF_OK);
    CHECK_U64(h, 255);
    CHECK_STATUS(eevdf_h_load_step(EEVDF_PROFILE_LINUX_7_1, 1024, 512, 2048, &h), EEVDF_OK);
    CHECK_U64(h, 255);
    CHECK_STATUS(eevdf_task_h_load(EEVDF_PROFILE_LINUX_7_1, 1, 1, UINT64_MAX, &h), EEVDF_EDOM);
    CHECK_STATUS(eevdf_task_h_load(EEVDF_PROFILE_LINUX_7_1, UINT64_MAX, UINT64_MAX, 0, &h),
                 EEVDF_WRAPPED);
    CHECK_STATUS(eevdf_task_h_load(EEVDF_PROFILE_EXACT, UINT64_MAX, UINT64_MAX, 0, &h),
                 EEVDF_EOVERFLOW);
    CHECK_STATUS(eevdf_h_load_step(5, 1, 1, 1, &h), EEVDF_EINVAL);

    /* record_wakee. */
    EevdfWakeeFlips f;
    memset(&f, 0, sizeof f);
    CHECK_STATUS(eevdf_record_wakee(&f, 7, 0, 1000), EEVDF_OK);
    CHECK_STATUS(eevdf_record_wakee(&f, 8, 0, 1000), EEVDF_OK);
    CHECK_STATUS(eevdf_record_wakee(&f, 8, 0, 1000), EEVDF_OK);
    CHECK_U64(f.wakee_flips, 2);
    CHECK_STATUS(eevdf_record_wakee(&f, 8, 1001, 1000), EEVDF_OK);
    CHECK_U64(f.wakee_flips, 1);
    CHECK_U64(f.wakee_flip_decay_ts, 1001);
    CHECK_STATUS(eevdf_record_wakee(NULL, 8, 1001, 1000), EEVDF_EINVAL);
}

/* ---- shared load bookkeeping from two threads ----------------------------- */

static EevdfGroupLoad shared_group;
static EevdfRqSnapshot shared_snap;

#define ROUNDS 20000

/* Each thread owns one contributor and publishes a changing load. */
static void *contributor(void *arg) {
    uint64_t seed = (uint64_t)(uintptr_t)arg;
    EevdfGroupLoadContrib *c = malloc(sizeof *c);
    if (!c || eevdf_group_load_contrib_init(c) != EEVDF_OK)
        return (void *)1;
    int64_t published = 0;
    for (uint64_t k = 0; k < ROUNDS; k++) {
        int64_t d = 0;
        uint64_t load = (k * 7919 + seed * 104729) % 5000;
        if (eevdf_group_load_contrib_update(EEVDF_PROFILE_LINUX_6_6, c, &shared_group, true, k,
                                            load, &d) != EEVDF_OK)
            return (void *)1;
        published += d;
    }
    void *bad = published == (int64_t)c->tg_load_avg_contrib ? NULL : (void *)1;
    uint64_t mine = c->tg_load_avg_contrib;
    free(c);
    return bad ? bad : (void *)(uintptr_t)(mine + 2); /* +2: never NULL */
}

static void *snapshot_reader(void *arg) {
    (void)arg;
    uintptr_t torn = 0;
    for (int k = 0; k < ROUNDS; k++) {
        EevdfRqSummary s;
        int32_t st = eevdf_rq_snapshot_try_read(&shared_snap, 16, &s);
        if (st == EEVDF_OK && (s.w != 2 * s.v || s.load_avg != 3 * s.v || s.nr_running != s.v % 1000))
            torn++;
        else if (st != EEVDF_OK && st != EEVDF_EBUSY)
            torn++;
    }
    return (void *)torn;
}

static void test_sync_threads(void) {
    CHECK_STATUS(eevdf_group_load_init(&shared_group, false), EEVDF_OK);
    pthread_t t[2];
    CHECK(pthread_create(&t[0], NULL, contributor, (void *)(uintptr_t)1) == 0);
    CHECK(pthread_create(&t[1], NULL, contributor, (void *)(uintptr_t)2) == 0);
    uint64_t sum = 0;
    for (int i = 0; i < 2; i++) {
        void *r = NULL;
        CHECK(pthread_join(t[i], &r) == 0);
        CHECK((uintptr_t)r >= 2);
        sum += (uintptr_t)r - 2;
    }
    int64_t load = -1;
    bool root = true;
    CHECK_STATUS(eevdf_group_load_read(&shared_group, &load, &root), EEVDF_OK);
    CHECK_I64(load, (int64_t)sum);
    CHECK(!root);
    CHECK_STATUS(eevdf_group_load_add(&shared_group, -(int64_t)sum), EEVDF_OK);
    CHECK_STATUS(eevdf_group_load_read(&shared_group, &load, NULL), EEVDF_OK);
    CHECK_I64(load, 0);
    EevdfGroupLoadContrib c = {100, 5};
    int64_t d = 0;
    CHECK_STATUS(eevdf_group_load_contrib_clear(&c, &shared_group, &d), EEVDF_OK);
    CHECK_I64(d, -100);
    CHECK_U64(c.tg_load_avg_contrib, 0);
    /* The root group never receives contributions. */
    EevdfGroupLoad rootg;
    CHECK_STATUS(eevdf_group_load_init(&rootg, true), EEVDF_OK);
    CHECK_STATUS(eevdf_group_load_contrib_update(EEVDF_PROFILE_LINUX_7_1, &c, &rootg, true,
                                                 1ull << 40, 5000, &d),
                 EEVDF_OK);
    CHECK_I64(d, 0);
    CHECK_STATUS(eevdf_group_load_read(&rootg, &load, &root), EEVDF_OK);
    CHECK(root && load == 0);
    CHECK_STATUS(eevdf_group_load_init(NULL, false), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_group_load_add(NULL, 1), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_group_load_read(&rootg, NULL, NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_group_load_contrib_update(9, &c, &rootg, true, 0, 1, &d), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_group_load_contrib_clear(&c, NULL, &d), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_group_load_contrib_init(NULL), EEVDF_EINVAL);

    /* The snapshot: one writer (this thread), one reader; never torn. */
    CHECK_STATUS(eevdf_rq_snapshot_init(&shared_snap), EEVDF_OK);
    pthread_t r;
    CHECK(pthread_create(&r, NULL, snapshot_reader, NULL) == 0);
    for (uint64_t v = 1; v <= ROUNDS; v++) {
        EevdfRqSummary s = {v, 2 * v, 3 * v, (uint32_t)(v % 1000)};
        CHECK_STATUS(eevdf_rq_snapshot_write(&shared_snap, &s), EEVDF_OK);
    }
    void *torn = (void *)1;
    CHECK(pthread_join(r, &torn) == 0);
    CHECK_U64((uintptr_t)torn, 0);
    EevdfRqSummary last;
    CHECK_STATUS(eevdf_rq_snapshot_try_read(&shared_snap, 0, &last), EEVDF_OK);
    CHECK_U64(last.v, ROUNDS);
    CHECK_U64(last.nr_running, ROUNDS % 1000);
    CHECK_STATUS(eevdf_rq_snapshot_try_read(NULL, 0, &last), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_rq_snapshot_write(&shared_snap, NULL), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_rq_snapshot_init(NULL), EEVDF_EINVAL);
}

/* ---- input domains and headroom (capi/src/ffi/bounds.rs) ------------------------ */

static void test_bounds(void) {
    EevdfLoadWeight nice19, nice0, zero = {0, 0};
    eevdf_load_weight_from_nice(19, &nice19);
    eevdf_load_weight_from_nice(0, &nice0);
    EevdfDomain d = {7, 7, 7};
    /* db4551e2ba34: 7.1 leaves 44 bits for delta_exec, whatever the weight. */
    CHECK_STATUS(eevdf_calc_delta_fair_domain(EEVDF_PROFILE_LINUX_7_1, &nice19, &d), EEVDF_OK);
    CHECK(d.kind == EEVDF_DOMAIN_UP_TO);
    CHECK_U64(d.max, (1ull << 44) - 1);
    /* ... and the boundary is real: one above it wraps, at it does not. */
    uint64_t out;
    CHECK_STATUS(eevdf_calc_delta_fair(EEVDF_PROFILE_LINUX_7_1, d.max, &nice19, &out), EEVDF_OK);
    CHECK_STATUS(eevdf_calc_delta_fair(EEVDF_PROFILE_LINUX_7_1, d.max + 1, &nice19, &out),
                 EEVDF_WRAPPED);
    /* 6.6's multiply-shift: (fact, shift) = (2290649224, 25) for nice 19. */
    CHECK_STATUS(eevdf_calc_delta_fair_domain(EEVDF_PROFILE_LINUX_6_6, &nice19, &d), EEVDF_OK);
    CHECK_U64(d.max, 270215977705144320ull);
    CHECK_STATUS(eevdf_calc_delta_fair_domain(EEVDF_PROFILE_EXACT, &nice0, &d), EEVDF_OK);
    CHECK(d.kind == EEVDF_DOMAIN_ALL && d.max == UINT64_MAX);
    CHECK_STATUS(eevdf_calc_delta_domain(EEVDF_PROFILE_LINUX_7_1, 2048, &nice0, &d), EEVDF_OK);
    CHECK_U64(d.max, UINT64_MAX / 2048);
    CHECK_STATUS(eevdf_avg_sum_domain(EEVDF_PROFILE_LINUX_6_6, 1024, &d), EEVDF_OK);
    CHECK_U64(d.max, INT64_MAX / 1024);
    CHECK_STATUS(eevdf_avg_load_domain(EEVDF_PROFILE_LINUX_6_6, &d), EEVDF_OK);
    CHECK_U64(d.max, INT32_MAX);
    CHECK_STATUS(eevdf_eligibility_domain(EEVDF_PROFILE_LINUX_7_0, 2048, &d), EEVDF_OK);
    CHECK_U64(d.max, INT64_MAX / 2048);
    CHECK_STATUS(eevdf_eligibility_domain(EEVDF_PROFILE_LINUX_7_1, 2048, &d), EEVDF_OK);
    CHECK(d.kind == EEVDF_DOMAIN_ALL);
    CHECK_STATUS(eevdf_place_lag_domain(EEVDF_PROFILE_LINUX_6_6, 3072, 1024, &d), EEVDF_OK);
    CHECK_U64(d.max, INT64_MAX / 4096);
    CHECK_STATUS(eevdf_place_lag_domain(EEVDF_PROFILE_LINUX_6_6, 1ull << 31, 1, &d), EEVDF_OK);
    CHECK(d.kind == EEVDF_DOMAIN_EMPTY && d.max == 0); /* div_s64 truncates the load */
    CHECK_STATUS(eevdf_rescale_domain(EEVDF_PROFILE_LINUX_7_1, NICE0, 2 * NICE0, &d), EEVDF_OK);
    CHECK_U64(d.max, INT64_MAX / NICE0);
    CHECK_STATUS(eevdf_lag_limit_domain(EEVDF_PROFILE_LINUX_6_6, &nice0, 4000000, &d), EEVDF_OK);
    CHECK(d.kind == EEVDF_DOMAIN_UP_TO && d.max < UINT64_MAX); /* bbce3de72be5 */
    CHECK_STATUS(eevdf_stale_v0_domain(EEVDF_PROFILE_EXACT, &nice0, &d), EEVDF_OK);
    CHECK(d.kind == EEVDF_DOMAIN_ALL);
    CHECK_STATUS(eevdf_group_shares_domain(EEVDF_PROFILE_LINUX_6_6, 1ull << 28, &d), EEVDF_OK);
    CHECK_U64(d.max, (1ull << 35) - 1);
    CHECK_STATUS(eevdf_pelt_load_domain(&d), EEVDF_OK);
    CHECK_U64(d.max, UINT64_MAX / 47741);
    /* Errors write nothing. */
    d.max = 7;
    CHECK_STATUS(eevdf_calc_delta_fair_domain(EEVDF_PROFILE_LINUX_6_6, &zero, &d), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_calc_delta_fair_domain(EEVDF_PROFILE_LINUX_6_6, NULL, &d), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_avg_sum_domain(99, 1024, &d), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_pelt_load_domain(NULL), EEVDF_EINVAL);
    CHECK_U64(d.max, 7);

    /* Headroom: eight nice-0 tasks 2^39 ns right of v0 in 7.1 give S = 2^62,
     * no bit left; eight more wrap S. */
    EevdfAvgVruntime acc;
    CHECK_STATUS(eevdf_avg_vruntime_init(EEVDF_PROFILE_LINUX_7_1, 0, &acc), EEVDF_OK);
    for (int i = 0; i < 8; i++)
        eevdf_avg_vruntime_add(&acc, 1ull << 39, NICE0);
    int32_t h = 99;
    CHECK_STATUS(eevdf_avg_headroom_bits(&acc, NULL, &h), EEVDF_OK);
    CHECK_I64(h, 0);
    for (int i = 0; i < 8; i++)
        eevdf_avg_vruntime_add(&acc, 1ull << 39, NICE0);
    CHECK_STATUS(eevdf_avg_headroom_bits(&acc, NULL, &h), EEVDF_OK);
    CHECK_I64(h, -1);
    /* The state is the kernel's wrapped S; the wrap itself is reported. */
    bool wrapped = false;
    CHECK_STATUS(eevdf_avg_vruntime_is_wrapped(&acc, &wrapped), EEVDF_OK);
    CHECK(wrapped);
    CHECK_STATUS(eevdf_eligibility_headroom_bits(&acc, 0, NULL, &h), EEVDF_OK);
    EevdfCurr bad = {0, 0};
    h = 99;
    CHECK_STATUS(eevdf_avg_headroom_bits(&acc, &bad, &h), EEVDF_EINVAL);
    CHECK_STATUS(eevdf_eligibility_headroom_bits(NULL, 0, NULL, &h), EEVDF_EINVAL);
    CHECK_I64(h, 99);
}

int main(void) {
    test_load_weight();
    test_calc_delta_fair();
    test_avg_vruntime();
    test_lag();
    test_group_shares();
    test_pelt();
    test_profiles_and_features();
    test_accumulator();
    test_entity_ops();
    test_runqueue();
    test_sched_avg();
    test_group_load();
    test_wake();
    test_sync_threads();
    test_bounds();
    if (failures) {
        printf("test_abi: %d of %d checks FAILED\n", failures, checks);
        return 1;
    }
    printf("test_abi: all %d checks passed (eevdf %s)\n", checks, eevdf_version());
    return 0;
}
