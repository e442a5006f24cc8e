/* SPDX-License-Identifier: MIT OR Apache-2.0 */
/*
 * The run-queue replay through the C ABI (see replay.h). The op-to-call
 * mapping is the replay_c_<kind> functions below, one per kind; results:
 *
 *   run, tick  resched (0/1)         dequeue  delayed (0/1)
 *   pick       the new curr's handle  wakeup   preempt (0/1)
 *   initial    handle << 1 | preempt  renice, exit  0
 *
 * A wakeup or a fork is two calls, each in its own function: the enqueue
 * (replay_c_wakeup, replay_c_initial) and the preemption check
 * (replay_c_preempt), so that callgrind tells them apart.
 *
 * The Rust side (benches/src/replay.rs) maps the same way; the harness
 * checks that both produce the same results and the same final state.
 */
#include "replay.h"

#include <string.h>

#define NOINLINE __attribute__((noinline, noclone))

struct replay_c {
	EevdfRq *rq;
	uint64_t base_slice;
	/* The flags wake_up_new_task passes for a fork: none in 6.6, ENQUEUE_INITIAL later. */
	uint32_t fork_flags;
	uint64_t id[REPLAY_SLOTS];
};

NOINLINE int32_t replay_c_run(struct replay_c *c, const struct replay_op *op, uint64_t *res)
{
	bool resched;
	int32_t s = eevdf_rq_update_curr(c->rq, op->now, &resched);

	*res = resched;
	return s;
}

NOINLINE int32_t replay_c_tick(struct replay_c *c, const struct replay_op *op, uint64_t *res)
{
	bool resched;
	int32_t s = eevdf_rq_tick(c->rq, op->now, &resched);

	*res = resched;
	return s;
}

NOINLINE int32_t replay_c_pick(struct replay_c *c, const struct replay_op *op, uint64_t *res)
{
	return eevdf_rq_pick_next(c->rq, op->now, res);
}

NOINLINE int32_t replay_c_dequeue(struct replay_c *c, const struct replay_op *op, uint64_t *res)
{
	bool delayed;
	int32_t s = eevdf_rq_dequeue(c->rq, c->id[op->task], op->now, EEVDF_DEQUEUE_SLEEP,
				     &delayed);

	*res = delayed;
	return s;
}

NOINLINE int32_t replay_c_wakeup(struct replay_c *c, const struct replay_op *op, uint64_t *res)
{
	*res = 0;
	return eevdf_rq_enqueue(c->rq, c->id[op->task], op->now, EEVDF_ENQUEUE_WAKEUP);
}

NOINLINE int32_t replay_c_initial(struct replay_c *c, const struct replay_op *op, uint64_t *res)
{
	EevdfSchedEntity se;
	uint64_t id;
	int32_t s = eevdf_sched_entity_from_nice(op->nice, c->base_slice, &se);

	if (s != EEVDF_OK)
		return s;
	s = eevdf_rq_add(c->rq, &se, &id);
	if (s != EEVDF_OK)
		return s;
	c->id[op->task] = id;
	*res = id << 1;
	return eevdf_rq_enqueue(c->rq, id, op->now, c->fork_flags);
}

/* The wakeup preemption check after a wakeup or (WF_FORK) a fork. */
NOINLINE int32_t replay_c_preempt(struct replay_c *c, const struct replay_op *op, uint32_t flags,
				  uint64_t *res)
{
	bool preempt;
	int32_t s = eevdf_rq_wakeup_preempt(c->rq, c->id[op->task], op->now, flags, &preempt);

	*res |= preempt;
	return s;
}

NOINLINE int32_t replay_c_renice(struct replay_c *c, const struct replay_op *op, uint64_t *res)
{
	EevdfLoadWeight lw;
	int32_t s = eevdf_load_weight_from_nice(op->nice, &lw);

	if (s != EEVDF_OK)
		return s;
	*res = 0;
	return eevdf_rq_reweight(c->rq, c->id[op->task], &lw, op->now);
}

NOINLINE int32_t replay_c_exit(struct replay_c *c, const struct replay_op *op, uint64_t *res)
{
	int32_t s = eevdf_rq_remove(c->rq, c->id[op->task], NULL);

	c->id[op->task] = EEVDF_NO_ENTITY;
	*res = 0;
	return s;
}

static inline int32_t replay_c_op(struct replay_c *c, const struct replay_op *op, uint64_t *res)
{
	int32_t s;

	switch (op->kind) {
	case REPLAY_RUN:
		return replay_c_run(c, op, res);
	case REPLAY_TICK:
		return replay_c_tick(c, op, res);
	case REPLAY_PICK:
		return replay_c_pick(c, op, res);
	case REPLAY_DEQUEUE:
		return replay_c_dequeue(c, op, res);
	case REPLAY_WAKEUP:
		s = replay_c_wakeup(c, op, res);
		return s != EEVDF_OK ? s : replay_c_preempt(c, op, 0, res);
	case REPLAY_INITIAL:
		s = replay_c_initial(c, op, res);
		return s != EEVDF_OK ? s : replay_c_preempt(c, op, EEVDF_WF_FORK, res);
	case REPLAY_RENICE:
		return replay_c_renice(c, op, res);
	case REPLAY_EXIT:
		return replay_c_exit(c, op, res);
	default:
		return EEVDF_EINVAL;
	}
}

static int32_t final_state(const struct replay_c *c, struct replay_final *fin)
{
	EevdfRqState st;
	int32_t s;

	memset(fin, 0, sizeof(*fin));
	s = eevdf_rq_avg_vruntime(c->rq, &fin->avg_vruntime);
	if (s == EEVDF_WRAPPED)
		fin->avg_wrapped = 1;
	else if (s != EEVDF_OK)
		return s;
	s = eevdf_rq_state(c->rq, &st);
	if (s != EEVDF_OK)
		return s;
	fin->load_weight = st.load_weight;
	fin->curr = st.curr;
	fin->next_buddy = st.next_buddy;
	fin->nr_queued = st.nr_queued;
	fin->nr_runnable = st.nr_runnable;
	fin->wrapped = st.wrapped;
	for (int t = 0; t < REPLAY_SLOTS; t++) {
		struct replay_task_state *ts = &fin->task[t];
		EevdfSchedEntity se;

		ts->handle = c->id[t];
		if (c->id[t] == EEVDF_NO_ENTITY)
			continue;
		s = eevdf_rq_entity(c->rq, c->id[t], &se);
		if (s != EEVDF_OK)
			return s;
		s = eevdf_rq_sum_exec_runtime(c->rq, c->id[t], &ts->sum_exec_runtime);
		if (s != EEVDF_OK)
			return s;
		ts->vruntime = se.vruntime;
		ts->deadline = se.deadline;
		ts->vlag = se.vlag;
		ts->weight = se.load.weight;
		ts->slice = se.slice;
		ts->on_rq = se.on_rq;
		ts->sched_delayed = se.sched_delayed;
	}
	return EEVDF_OK;
}

int64_t replay_stream_c(uint32_t profile, const struct replay_op *ops, size_t n,
			uint64_t *out, struct replay_final *fin, int32_t *status)
{
	_Alignas(EEVDF_RQ_ALIGN) unsigned char buf[EEVDF_RQ_BUFFER_SIZE(REPLAY_SLOTS)];
	struct replay_c c;
	EevdfTunables tun;
	int32_t s;

	*status = eevdf_tunables_default(profile, 1, 1000, &tun);
	if (*status != EEVDF_OK)
		return -1;
	*status = eevdf_rq_init(buf, sizeof(buf), profile, &tun, &c.rq);
	if (*status != EEVDF_OK)
		return -1;
	c.base_slice = tun.base_slice;
	c.fork_flags = profile == EEVDF_PROFILE_LINUX_6_6 ? 0 : EEVDF_ENQUEUE_INITIAL;
	for (int t = 0; t < REPLAY_SLOTS; t++)
		c.id[t] = EEVDF_NO_ENTITY;
	for (size_t i = 0; i < n; i++) {
		s = replay_c_op(&c, &ops[i], &out[i]);
		if (__builtin_expect(s != EEVDF_OK, 0)) {
			*status = s;
			return -(int64_t)i - 1;
		}
	}
	if (fin) {
		*status = final_state(&c, fin);
		if (*status != EEVDF_OK)
			return -(int64_t)n - 1;
	}
	return (int64_t)n;
}
