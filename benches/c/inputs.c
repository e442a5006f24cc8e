/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/* The benchmark inputs (see inputs.h). */
#include "inputs.h"

static const uint32_t prio_to_weight[40] = {
	88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
	9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,
	1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,
	110,   87,    70,    56,    45,    36,    29,    23,    18,    15,
};

static const uint32_t prio_to_wmult[40] = {
	48388,     59856,     76040,     92818,     118348,    147320,    184698,
	229616,    287308,    360437,    449829,    563644,    704093,    875809,
	1099582,   1376151,   1717300,   2157191,   2708050,   3363326,   4194304,
	5237765,   6557202,   8165337,   10153587,  12820798,  15790321,  19976592,
	24970740,  31350126,  39045157,  49367440,  61356676,  76695844,  95443717,
	119304647, 148102320, 186737708, 238609294, 286331153,
};

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

/* Uniform in [lo, hi]. */
static uint64_t range(uint64_t lo, uint64_t hi)
{
	return lo + rnd() % (hi - lo + 1);
}

static int64_t srange(int64_t lo, int64_t hi)
{
	return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

/* A task weight (load.weight, inv_weight) of a random nice level. */
static void nice_weight(uint64_t *weight, uint32_t *inv)
{
	unsigned int i = (unsigned int)(rnd() % 40);

	*weight = (uint64_t)prio_to_weight[i] << 10;
	*inv = prio_to_wmult[i];
}

static struct in_delta delta_task[NIN], delta_group[NIN];
static struct in_kw kw[NIN];
static struct in_rq rq[NIN];
static struct in_entity entity[NIN];
static struct in_decay decay[NIN];
static struct in_pelt pelt[NIN];
static struct in_shares shares[NIN];
static struct in_wake wake[NIN];
static int ready;

static void gen_rq(struct in_rq *r)
{
	uint32_t inv;

	r->v0 = BENCH_V0_INIT + range(0, 1ULL << 30);
	r->nr = (uint32_t)range(1, RQ_MAX);
	for (uint32_t j = 0; j < RQ_MAX; j++) {
		r->tree[j].vruntime = r->v0 + (uint64_t)srange(-5000000, 5000000);
		nice_weight(&r->tree[j].weight, &inv);
	}
	r->has_curr = (uint32_t)(rnd() & 1);
	r->curr.vruntime = r->v0 + (uint64_t)srange(-5000000, 5000000);
	nice_weight(&r->curr.weight, &inv);
	r->probe = r->v0 + (uint64_t)srange(-5000000, 5000000);
}

void bench_inputs_init(void)
{
	if (ready)
		return;
	rng_state = 0x9E3779B97F4A7C15ULL;
	for (int i = 0; i < NIN; i++) {
		uint32_t dummy;
		struct in_delta *t = &delta_task[i], *g = &delta_group[i];

		/* Up to 10 ms of run time: an update_curr, a slice, a lag limit. */
		t->delta = range(1, 10000000);
		nice_weight(&t->weight, &t->inv_weight);
		/* Group entity weights from 2 to 2^21, lazily inverted (inv 0). */
		g->delta = range(1, 10000000);
		g->weight = range(2, 1ULL << 21);
		g->inv_weight = 0;

		kw[i].vruntime = BENCH_V0_INIT + (uint64_t)srange(-5000000, 5000000);
		nice_weight(&kw[i].weight, &dummy);

		gen_rq(&rq[i]);

		struct in_entity *e = &entity[i];
		gen_rq(&e->rq);
		nice_weight(&e->weight, &e->inv_weight);
		e->initial = (rnd() & 3) == 0;
		e->vruntime = e->rq.v0 + (uint64_t)srange(-5000000, 5000000);
		e->slice = range(700000, 3000000);
		e->deadline = e->vruntime + range(0, 6000000);
		e->vlag = srange(-3000000, 3000000);
		nice_weight(&e->new_weight, &e->new_inv_weight);
		e->max_slice = 3000000;

		/* Mostly recent (under two half-lives), sometimes long ago. */
		decay[i].val = range(0, 1ULL << 40);
		decay[i].n = (rnd() & 15) ? range(0, 63) : range(64, 2100);

		pelt[i].step = range(100000, 5000000);
		nice_weight(&pelt[i].weight, &dummy);
		pelt[i].on_rq = (rnd() & 3) != 0;
		pelt[i].running = pelt[i].on_rq && (rnd() & 1);

		struct in_shares *s = &shares[i];
		s->tg_shares = (rnd() & 1) ? (1024ULL << 10) : (range(2, 1ULL << 18) << 10);
		s->tg_load_avg = range(0, 1ULL << 20);
		s->tg_load_avg_contrib = range(0, s->tg_load_avg);
		s->grq_load_weight = range(0, 8) * (1024ULL << 10);
		s->grq_load_avg = range(0, 1ULL << 12);

		struct in_wake *w = &wake[i];
		w->this_load = range(0, 4096);
		w->prev_load = range(0, 4096);
		w->this_capacity = range(512, 1024);
		w->prev_capacity = range(512, 1024);
		w->task_h_load = range(0, 1024);
		w->current_h_load = range(0, 1024);
		w->imbalance_pct = (rnd() & 1) ? 117 : 110;
		w->sync = (uint32_t)(rnd() & 1);
	}
	ready = 1;
}

#define ACCESSOR(name, type, array)              \
	const type *name(void)                   \
	{                                        \
		bench_inputs_init();             \
		return array;                    \
	}

ACCESSOR(bench_in_delta_task, struct in_delta, delta_task)
ACCESSOR(bench_in_delta_group, struct in_delta, delta_group)
ACCESSOR(bench_in_kw, struct in_kw, kw)
ACCESSOR(bench_in_rq, struct in_rq, rq)
ACCESSOR(bench_in_entity, struct in_entity, entity)
ACCESSOR(bench_in_decay, struct in_decay, decay)
ACCESSOR(bench_in_pelt, struct in_pelt, pelt)
ACCESSOR(bench_in_shares, struct in_shares, shares)
ACCESSOR(bench_in_wake, struct in_wake, wake)
