# The project's commands. `make test` is the whole test suite (what CI runs).
CARGO ?= cargo

.PHONY: test test-rust test-loom demo

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
