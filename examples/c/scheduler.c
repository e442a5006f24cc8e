/*
 * scheduler.c: a single-CPU scheduler driven entirely through eevdf.h.
 *
 * Five tasks share one CPU for 10 s of simulated time with a tick every
 * millisecond (HZ = 1000): four CPU hogs of nice -5, 0, 0 and 5, and an
 * interactive task (nice 0) that runs 2 ms and then sleeps 3 ms. The
 * interactive task takes what it asks for up to its fair share; the hogs split
 * the rest in proportion to their weights. Every profile is run in turn.
 *
 * For each task it prints a human-readable line and a machine-readable one:
 *   share profile=<name> task=<name> nice=<n> weight=<w> cpu_ns=<ns> share=<f> expected=<f>
 * where `expected` for a hog is (CPU time not used by the interactive task) *
 * weight / (sum of hog weights), as a fraction of the run, and for the
 * interactive task is `-` (its share is set by its demand and by how each
 * release places a waking task, not by its weight alone; its fair share while
 * runnable is printed for reference).
 *
 * Build (from the repository root, after cargo build --release):
 *   cc -std=c11 -Wall -Wextra -Werror -Iinclude examples/c/scheduler.c \
 *      target/release/libeevdf.a -o scheduler && ./scheduler
 */
#include <stdalign.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "eevdf.h"

#define NTASKS 5
#define HZ 1000u
#define RUN_NS (10ull * 1000 * 1000 * 1000) /* 10 s */
#define BURST_NS 2000000ull                  /* the interactive task runs 2 ms */
#define SLEEP_NS 3000000ull                  /* then sleeps 3 ms */

struct task {
    const char *name;
    int nice;
    bool interactive;
    uint64_t id;       /* run-queue handle */
    uint64_t weight;   /* load.weight */
    bool queued;       /* on the run queue (from our point of view: awake) */
    uint64_t wake_at;  /* when a sleeping task wakes */
    uint64_t burst_at; /* sum_exec_runtime when its current burst started */
};

static void die(const char *what, int32_t status) {
    fprintf(stderr, "scheduler: %s failed: %s (%d)\n", what, eevdf_status_name(status), (int)status);
    exit(1);
}

/* Calls fn and exits on an error; EEVDF_WRAPPED would mean the kernel's
 * arithmetic overflowed, which this small workload never makes it do. */
#define TRY(call)                                                  \
    do {                                                           \
        int32_t s_ = (call);                                       \
        if (s_ != EEVDF_OK)                                        \
            die(#call, s_);                                        \
    } while (0)

/* Room for NTASKS entities; EEVDF_RQ_BUFFER_SIZE is a constant expression. */
static alignas(EEVDF_RQ_ALIGN) unsigned char rq_buf[EEVDF_RQ_BUFFER_SIZE(NTASKS)];

static struct task *find(struct task *t, uint64_t id) {
    for (int i = 0; i < NTASKS; i++)
        if (t[i].id == id)
            return &t[i];
    return NULL;
}

static void run_profile(uint32_t profile) {
    struct task tasks[NTASKS] = {
        {"hog-5", -5, false, 0, 0, false, 0, 0},
        {"hog0a", 0, false, 0, 0, false, 0, 0},
        {"hog0b", 0, false, 0, 0, false, 0, 0},
        {"hog+5", 5, false, 0, 0, false, 0, 0},
        {"inter", 0, true, 0, 0, false, 0, 0},
    };
    EevdfTunables tun;
    TRY(eevdf_tunables_default(profile, 1, HZ, &tun)); /* 1 CPU, HZ = 1000 */
    EevdfRq *rq;
    TRY(eevdf_rq_init(rq_buf, sizeof rq_buf, profile, &tun, &rq));

    uint64_t now = 0;
    for (int i = 0; i < NTASKS; i++) {
        EevdfSchedEntity se;
        TRY(eevdf_sched_entity_from_nice(tasks[i].nice, tun.base_slice, &se));
        tasks[i].weight = se.load.weight;
        TRY(eevdf_rq_add(rq, &se, &tasks[i].id));
        bool preempt; /* a fork: the release's flags, then the WF_FORK check */
        TRY(eevdf_rq_wake_up_new(rq, tasks[i].id, now, &preempt));
        tasks[i].queued = true;
    }
    uint64_t curr;
    TRY(eevdf_rq_pick_next(rq, now, &curr));

    const uint64_t tick = eevdf_tick_nsec(HZ);
    while (now < RUN_NS) {
        now += tick;
        bool slept = false;

        /* Wake the interactive task when its sleep is over. */
        for (int i = 0; i < NTASKS; i++) {
            struct task *t = &tasks[i];
            if (t->queued || now < t->wake_at)
                continue;
            TRY(eevdf_rq_enqueue(rq, t->id, now, EEVDF_ENQUEUE_WAKEUP));
            t->queued = true;
            TRY(eevdf_rq_sum_exec_runtime(rq, t->id, &t->burst_at));
            bool preempt = false; /* a preempting wakee sets need_resched */
            TRY(eevdf_rq_wakeup_preempt(rq, t->id, now, 0, &preempt));
        }

        /* The timer tick charges curr; it may ask for a reschedule. */
        bool tick_resched = false;
        TRY(eevdf_rq_tick(rq, now, &tick_resched));

        /* The interactive task goes to sleep after its burst. */
        struct task *c = curr == EEVDF_NO_ENTITY ? NULL : find(tasks, curr);
        if (c && c->interactive) {
            uint64_t ran;
            TRY(eevdf_rq_sum_exec_runtime(rq, c->id, &ran));
            if (ran - c->burst_at >= BURST_NS) {
                bool delayed;
                TRY(eevdf_rq_dequeue(rq, c->id, now, EEVDF_DEQUEUE_SLEEP, &delayed));
                c->queued = false;
                c->wake_at = now + SLEEP_NS;
                slept = true;
            }
        }

        /* schedule(): curr slept, or a reschedule is pending (TIF_NEED_RESCHED). */
        bool need_resched = false;
        TRY(eevdf_rq_need_resched(rq, &need_resched));
        if (slept || need_resched || curr == EEVDF_NO_ENTITY)
            TRY(eevdf_rq_pick_next(rq, now, &curr));
    }
    TRY(eevdf_rq_put_prev(rq, now));

    char msg[128];
    int32_t v = eevdf_rq_validate(rq, msg, sizeof msg);
    if (v != EEVDF_OK) {
        fprintf(stderr, "scheduler: run queue inconsistent: %s\n", msg);
        exit(1);
    }

    /* Shares. */
    uint64_t cpu[NTASKS], hog_weight = 0, inter_cpu = 0;
    for (int i = 0; i < NTASKS; i++) {
        TRY(eevdf_rq_sum_exec_runtime(rq, tasks[i].id, &cpu[i]));
        if (tasks[i].interactive)
            inter_cpu += cpu[i];
        else
            hog_weight += tasks[i].weight;
    }
    const char *pname = eevdf_profile_name(profile);
    printf("== %s: 10 s at HZ=%u, base slice %llu ns ==\n", pname, HZ,
           (unsigned long long)tun.base_slice);
    printf("task   nice    weight    cpu ms    share  expected\n");
    double expected[NTASKS];
    for (int i = 0; i < NTASKS; i++) {
        double share = (double)cpu[i] / (double)now;
        if (tasks[i].interactive) {
            double fair = (double)tasks[i].weight / (double)(hog_weight + tasks[i].weight);
            printf("%-5s %5d %9llu %9.1f  %6.2f%%  (asks <= %.0f%%, fair %.2f%%)\n",
                   tasks[i].name, tasks[i].nice, (unsigned long long)tasks[i].weight,
                   cpu[i] / 1e6, 100 * share, 100.0 * BURST_NS / (BURST_NS + SLEEP_NS),
                   100 * fair);
        } else {
            expected[i] = (double)(now - inter_cpu) / (double)now * (double)tasks[i].weight /
                          (double)hog_weight;
            printf("%-5s %5d %9llu %9.1f  %6.2f%%  %6.2f%%\n", tasks[i].name, tasks[i].nice,
                   (unsigned long long)tasks[i].weight, cpu[i] / 1e6, 100 * share,
                   100 * expected[i]);
        }
    }
    for (int i = 0; i < NTASKS; i++) {
        printf("share profile=%s task=%s nice=%d weight=%llu cpu_ns=%llu share=%.6f ", pname,
               tasks[i].name, tasks[i].nice, (unsigned long long)tasks[i].weight,
               (unsigned long long)cpu[i], (double)cpu[i] / (double)now);
        if (tasks[i].interactive)
            printf("expected=-\n");
        else
            printf("expected=%.6f\n", expected[i]);
    }
    printf("\n");
}

int main(void) {
    for (uint32_t p = 0; p < EEVDF_PROFILE_COUNT; p++)
        run_profile(p);
    return 0;
}
