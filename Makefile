# The project's commands. `make test` is the whole test suite (what CI runs).
CARGO ?= cargo

.PHONY: test test-rust test-loom demo lab lab-plots lab-files bench bench-compare bench-pick bench-c bench-instructions \
	bench-replay bench-replay-instructions

test: test-rust test-loom

# Unit, integration, property, golden, C-ABI and header tests.
test-rust:
	$(CARGO) test --workspace

# The concurrency tests under loom (their own build: --cfg loom swaps the atomics).
test-loom:
	@if [ -f tests/loom.rs ]; then \
		RUSTFLAGS="--cfg loom" CARGO_TARGET_DIR=target/loom $(CARGO) test --release --test loom; \
	else echo "no loom tests"; fi

demo:
	$(CARGO) run --release --example demo

# The scenario lab (docs/lab.md; the eevdf-lab package in lab/): every
# scenario, every variant, as a table.
lab:
	$(CARGO) run --release -p eevdf-lab -- all

# The five built-in scenarios, run from their files (lab/scenarios/) and
# through their commands, print the JSON lines of the Rust models they
# replaced (lab/tests/data/builtin/NAME.jsonl: default lengths, seed 1).
lab-files:
	$(CARGO) build --release -p eevdf-lab
	@for s in vhost cgroup vcpu hlt aio; do \
		target/release/eevdf-lab run lab/scenarios/$$s.toml --json 2>/dev/null | cmp - lab/tests/data/builtin/$$s.jsonl && \
		target/release/eevdf-lab $$s --json 2>/dev/null | cmp - lab/tests/data/builtin/$$s.jsonl && \
		echo "$$s: $$(wc -l < lab/tests/data/builtin/$$s.jsonl) JSON lines, identical" || exit 1; \
	done

# Regenerate the plots checked in under docs/.
lab-plots:
	$(CARGO) run --release -p eevdf-lab -- all --svg docs

# ---- benchmarks (docs/performance.md); not part of `make test` -------------
# The bench crate (benches/) is a workspace member outside default-members:
# `cargo test` and `cargo clippy` at the root never build it nor criterion.
CC ?= cc
BENCH_DIR = target/bench
BENCH_CFLAGS = -O2 -fwrapv -fno-strict-aliasing -std=gnu11 -Wall -Wextra -Werror
CALLGRIND = valgrind --tool=callgrind --collect-atstart=no

# Criterion: every operation (Rust API and C baseline) and the pick scaling.
bench:
	$(CARGO) bench -p eevdf-bench --features criterion

# The comparison tables: Rust API vs C baseline (one process), then the C
# driver: C ABI (libeevdf.a) vs C baseline (one process). Both check first
# that the library computes what the baseline computes.
bench-compare: bench-c
	$(CARGO) run --release -p eevdf-bench -- time
	$(BENCH_DIR)/driver

# Pick (tree) vs linear scan and enqueue+dequeue at n = 8 ... 131,072.
bench-pick:
	$(CARGO) run --release -p eevdf-bench -- pick

# The C driver, statically linked against libeevdf.a.
bench-c:
	$(CARGO) build --release -p eevdf-capi
	@mkdir -p $(BENCH_DIR)
	$(CC) $(BENCH_CFLAGS) -Iinclude -Ibenches/c benches/c/driver.c benches/c/inputs.c \
		benches/c/loops.c target/release/libeevdf.a -o $(BENCH_DIR)/driver

# Instructions per operation under callgrind (deterministic; immune to the
# machine's noise): the Rust API and C baseline, then the C ABI.
bench-instructions: bench-c
	$(CARGO) build --release -p eevdf-bench
	$(CALLGRIND) --callgrind-out-file=$(BENCH_DIR)/callgrind.rust \
		--toggle-collect='rs_*' --toggle-collect='bench_c_*' \
		target/release/eevdf-bench instr >/dev/null
	$(CALLGRIND) --callgrind-out-file=$(BENCH_DIR)/callgrind.abi \
		--toggle-collect='abi_*' --toggle-collect='bench_c_*' \
		$(BENCH_DIR)/driver --instr >/dev/null
	target/release/eevdf-bench instr-report $(BENCH_DIR)/callgrind.rust $(BENCH_DIR)/callgrind.abi

# The run-queue replay (issue 12): one seeded stream of 230,000 run-queue
# operations through the Rust RunQueue and through the C ABI (called from C,
# benches/c/replay.c), checked against each other first. ns/op:
bench-replay:
	$(CARGO) run --release -p eevdf-bench -- replay

# ... and instructions/op per operation kind (callgrind counts each kind's
# replay_rs_<kind>_<release> / replay_c_<kind> function; the 7.1 stream is
# replayed with the release fixed at compile time and as a run-time Profile),
# beside the kernel's (~1 min).
REPLAY_PROFILES = 6.6 7.1 exact
bench-replay-instructions:
	$(CARGO) build --release -p eevdf-bench
	@mkdir -p $(BENCH_DIR)
	for p in $(REPLAY_PROFILES); do \
		$(CALLGRIND) --callgrind-out-file=$(BENCH_DIR)/callgrind.replay.$$p \
			--toggle-collect='replay_rs_*' --toggle-collect='replay_c_*' \
			target/release/eevdf-bench replay-instr $$p >/dev/null || exit 1; \
	done
	target/release/eevdf-bench replay-report \
		$(foreach p,$(REPLAY_PROFILES),$(p)=$(BENCH_DIR)/callgrind.replay.$(p))
