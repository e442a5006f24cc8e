/*
 * freestanding.c: libeevdf.a in a program with no C library at all (x86_64
 * Linux). It has its own _start, supplies the few memory functions the Rust
 * code calls (memcpy, memmove, memset, memcmp, bcmp), runs a few computations
 * and a run queue in a static buffer, and leaves through a raw exit system
 * call with status 42 on success, or the number of the first failed check.
 *
 * Build and run (from the repository root, after cargo build --release):
 *   cc -std=c11 -Wall -Wextra -Werror -O2 -nostdlib -ffreestanding -static \
 *      -fno-stack-protector -Iinclude examples/c/freestanding.c \
 *      target/release/libeevdf.a -lgcc -Wl,--gc-sections -o freestanding
 *   ./freestanding; echo $?    # 42
 */
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "eevdf.h"

#if !defined(__x86_64__) || !defined(__linux__)
#error "freestanding.c is for x86_64 Linux"
#endif

/* ---- what a freestanding environment provides (volatile: no idiom calls) --- */

void *memcpy(void *dst, const void *src, size_t n) {
    volatile unsigned char *d = dst;
    const unsigned char *s = src;
    for (size_t i = 0; i < n; i++)
        d[i] = s[i];
    return dst;
}

void *memmove(void *dst, const void *src, size_t n) {
    volatile unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        for (size_t i = 0; i < n; i++)
            d[i] = s[i];
    } else {
        for (size_t i = n; i > 0; i--)
            d[i - 1] = s[i - 1];
    }
    return dst;
}

void *memset(void *dst, int c, size_t n) {
    volatile unsigned char *d = dst;
    for (size_t i = 0; i < n; i++)
        d[i] = (unsigned char)c;
    return dst;
}

int memcmp(const void *a, const void *b, size_t n) {
    const volatile unsigned char *x = a, *y = b;
    for (size_t i = 0; i < n; i++)
        if (x[i] != y[i])
            return x[i] < y[i] ? -1 : 1;
    return 0;
}

int bcmp(const void *a, const void *b, size_t n) { return memcmp(a, b, n); }

/* ---- entry and exit -------------------------------------------------------- */

int cmain(void);

/* The kernel enters with the stack 16-byte aligned and no return address:
 * align, call cmain, exit(cmain()) with the exit system call (60). */
__asm__(".text\n"
        ".globl _start\n"
        "_start:\n"
        "    xor %ebp, %ebp\n"
        "    and $-16, %rsp\n"
        "    call cmain\n"
        "    mov %eax, %edi\n"
        "    mov $60, %eax\n"
        "    syscall\n"
        "    hlt\n");

#define EXPECT(n, cond)     \
    do {                    \
        if (!(cond))        \
            return (n);     \
    } while (0)

static alignas(EEVDF_RQ_ALIGN) unsigned char rq_buf[EEVDF_RQ_BUFFER_SIZE(4)];

int cmain(void) {
    /* calc_delta_fair (v6.6.0 vs v7.1.5): nice 5, 1 ms; nice 9, 4 ms differs by one
     * between 6.6 (29,897,809) and 7.1 (4,000,000 * 1024 / 137 = 29,897,810). */
    EevdfLoadWeight lw;
    uint64_t out = 0;
    EXPECT(1, eevdf_load_weight_from_nice(5, &lw) == EEVDF_OK);
    EXPECT(2, eevdf_calc_delta_fair(EEVDF_PROFILE_LINUX_7_1, 1000000, &lw, &out) == EEVDF_OK);
    EXPECT(3, out == 3056716);
    EXPECT(4, eevdf_load_weight_from_nice(9, &lw) == EEVDF_OK);
    EXPECT(5, eevdf_calc_delta_fair(EEVDF_PROFILE_LINUX_6_6, 4000000, &lw, &out) == EEVDF_OK);
    EXPECT(6, out == 29897809);
    EXPECT(7, eevdf_calc_delta_fair(EEVDF_PROFILE_LINUX_7_1, 4000000, &lw, &out) == EEVDF_OK);
    EXPECT(8, out == 29897810);
    EXPECT(9, eevdf_calc_delta_fair(EEVDF_PROFILE_EXACT, 1, NULL, &out) == EEVDF_EINVAL);

    /* docs/derivations.md section 4 (v7.1.5 avg_vruntime): V = v0 + 1,142,971
     * = floor(2,723,700,000 / 2383) (128-bit division inside). */
    const uint64_t v0 = EEVDF_VRUNTIME_INIT;
    const uint64_t vr[3] = {v0 + 1000000, v0 + 1300000, v0 + 1100000};
    const uint64_t w[3] = {EEVDF_NICE_0_LOAD, EEVDF_NICE_0_LOAD, 335u << 10};
    EXPECT(10, eevdf_avg_vruntime(EEVDF_PROFILE_EXACT, v0, vr, w, 3, &out) == EEVDF_OK);
    EXPECT(11, out - v0 == 1142971);
    int64_t lag = 0;
    EXPECT(12, eevdf_place_lag(EEVDF_PROFILE_LINUX_6_6, -200000, w, 3, EEVDF_NICE_0_LOAD, &lag) ==
                   EEVDF_OK);
    EXPECT(13, lag == -285942);

    /* Feature words (string compares: memcmp/bcmp). */
    uint64_t f = 0;
    EXPECT(14, eevdf_features_default(EEVDF_PROFILE_LINUX_7_1, &f) == EEVDF_OK);
    EXPECT(15, eevdf_sched_feat_write(&f, "NO_PLACE_LAG") == EEVDF_OK);
    EXPECT(16, (f & EEVDF_FEATURE_PLACE_LAG) == 0);

    /* A run queue in a static buffer: nice 0 against nice 5 for one second. */
    EevdfTunables tun;
    EXPECT(17, eevdf_tunables_default(EEVDF_PROFILE_LINUX_7_1, 1, 1000, &tun) == EEVDF_OK);
    EevdfRq *rq = NULL;
    EXPECT(18, eevdf_rq_init(rq_buf, sizeof rq_buf, EEVDF_PROFILE_LINUX_7_1, &tun, &rq) ==
                   EEVDF_OK);
    uint64_t a = 0, b = 0, curr = 0;
    EevdfSchedEntity se;
    EXPECT(19, eevdf_sched_entity_from_nice(0, tun.base_slice, &se) == EEVDF_OK);
    EXPECT(20, eevdf_rq_add(rq, &se, &a) == EEVDF_OK);
    EXPECT(21, eevdf_sched_entity_from_nice(5, tun.base_slice, &se) == EEVDF_OK);
    EXPECT(22, eevdf_rq_add(rq, &se, &b) == EEVDF_OK);
    EXPECT(23, eevdf_rq_enqueue(rq, a, 0, EEVDF_ENQUEUE_INITIAL) == EEVDF_OK);
    EXPECT(24, eevdf_rq_enqueue(rq, b, 0, EEVDF_ENQUEUE_INITIAL) == EEVDF_OK);
    EXPECT(25, eevdf_rq_pick_next(rq, 0, &curr) == EEVDF_OK);
    uint64_t now = 0;
    for (int t = 0; t < 1000; t++) {
        bool resched = false;
        now += 1000000;
        EXPECT(26, eevdf_rq_tick(rq, now, &resched) == EEVDF_OK);
        if (resched)
            EXPECT(27, eevdf_rq_pick_next(rq, now, &curr) == EEVDF_OK);
    }
    uint64_t ran_a = 0, ran_b = 0;
    EXPECT(28, eevdf_rq_sum_exec_runtime(rq, a, &ran_a) == EEVDF_OK);
    EXPECT(29, eevdf_rq_sum_exec_runtime(rq, b, &ran_b) == EEVDF_OK);
    EXPECT(30, ran_a + ran_b == now);
    /* 1024 / (1024 + 335) = 75.35% of the second. */
    EXPECT(31, ran_a > 745000000 && ran_a < 760000000);
    EXPECT(32, eevdf_rq_validate(rq, NULL, 0) == EEVDF_OK);
    return 42;
}
