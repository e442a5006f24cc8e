# The project's commands. `make test` is the whole test suite (what CI runs).
CARGO ?= cargo

.PHONY: test test-rust test-loom demo lab lab-plots

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

# The scenario lab (docs/lab.md): every scenario, every variant, as a table.
lab:
	$(CARGO) run --release --example lab -- all

# Regenerate the plots checked in under docs/.
lab-plots:
	$(CARGO) run --release --example lab -- all --svg docs
