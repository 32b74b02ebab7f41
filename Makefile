# zkauth build: every target installs what it needs and skips what is already present,
# so `make test` and `make demo` work on a fresh machine with nothing installed by hand.
# Assumed present (they are on every machine of this kind): rustup + cargo, node + npm,
# python3, and root for apt-get (Chromium). Everything else is installed here.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

WASM_BINDGEN_VERSION := 0.2.129
WASM_PACK_VERSION    := 0.15.1
BINARYEN_VERSION     := 132.0.0
TOOLS  := $(CURDIR)/.tools
export PATH := $(TOOLS)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
WASM_TARGET := wasm32-unknown-unknown
# Cargo's output folder: CARGO_TARGET_DIR when set (a shared cache), else ./target. Scratch
# data (test databases, fuzz corpora, screenshots) stays under ./target either way.
CARGO_TARGET := $(abspath $(or $(CARGO_TARGET_DIR),$(CURDIR)/target))
export CARGO_TARGET_DIR := $(CARGO_TARGET)
WASM_OUT    := $(CARGO_TARGET)/$(WASM_TARGET)/wasm-release/zkauth.wasm
# The package's own features: the zeroizing global allocator (never on for rlib users).
PKG_FEATURES := zeroizing-allocator,ksf-instance
FUZZ_TARGET_DIR := $(CARGO_TARGET)/fuzz
VERSION     := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)

.PHONY: all lint tools tool-rust tool-wasm-bindgen tool-wasm-pack tool-chromium tool-binaryen tool-js \
        tool-postgres tool-fuzz pkg test test-native test-postgres test-browser test-node test-js test-e2e fuzz fuzz-smoke bench demo demo-cluster clean

all: test

# ---- tools -------------------------------------------------------------------------------
tools: tool-rust tool-wasm-bindgen tool-wasm-pack tool-chromium tool-binaryen

tool-rust:
	@rustup target list --installed | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)

# The CLI must equal Cargo.lock's wasm-bindgen exactly (wasm-pack --mode no-install enforces it).
tool-wasm-bindgen:
	@grep -A1 '^name = "wasm-bindgen"$$' Cargo.lock | grep -q '"$(WASM_BINDGEN_VERSION)"' \
	  || { echo "Cargo.lock's wasm-bindgen differs from $(WASM_BINDGEN_VERSION)"; exit 1; }
	@wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)$$" \
	  || cargo install --locked wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)

tool-wasm-pack:
	@wasm-pack --version 2>/dev/null | grep -q " $(WASM_PACK_VERSION)$$" \
	  || cargo install --locked wasm-pack --version $(WASM_PACK_VERSION)

# PostgreSQL 15 server binaries for the second storage backend's tests (Debian's package).
tool-postgres:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql; }

# cargo-fuzz and the nightly toolchain it drives (libFuzzer's -Z flags), only for the fuzz targets.
CARGO_FUZZ_VERSION := 0.13.2
tool-fuzz:
	@rustup run nightly rustc --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal
	@cargo fuzz --version 2>/dev/null | grep -q " $(CARGO_FUZZ_VERSION)$$" \
	  || cargo install --locked cargo-fuzz --version $(CARGO_FUZZ_VERSION)

tool-chromium:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null \
	  || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }

# Debian's binaryen (wasm-opt 108) corrupts wasm-bindgen 0.2.129 output: use npm binaryen.
tool-binaryen:
	@$(TOOLS)/node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version $(firstword $(subst ., ,$(BINARYEN_VERSION)))" \
	  || npm install --prefix $(TOOLS) --no-audit --no-fund --loglevel=error binaryen@$(BINARYEN_VERSION)

# Always install exactly the lockfile (about 2 s), so drifted node_modules cannot pass.
tool-js: pkg
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error

# ---- package -----------------------------------------------------------------------------
# Two size-tuned wasm modules (profile wasm-release: LTO, opt-level z, panic=abort; simd128 from
# .cargo/config.toml), each through wasm-opt -Oz with debug/name/producer sections stripped:
# `zkauth` (pkg/, every feature the login page needs) and `zkauth/app` (pkg/app/, built without
# the `login` feature: delivery opening, delivered and data keys). Browser and Node entries of
# each share its module.
WASM_OPT_FLAGS := -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue --enable-simd
pkg: tool-rust tool-wasm-bindgen tool-binaryen
	rm -rf pkg && mkdir -p pkg/app
	cargo build --locked --lib --target $(WASM_TARGET) --profile wasm-release --no-default-features --features $(PKG_FEATURES)
	wasm-bindgen --target web --out-dir pkg/app --out-name zkauth $(WASM_OUT)
	wasm-opt $(WASM_OPT_FLAGS) pkg/app/zkauth_bg.wasm -o pkg/app/zkauth_bg.wasm
	cargo build --locked --lib --target $(WASM_TARGET) --profile wasm-release --features $(PKG_FEATURES)
	wasm-bindgen --target web --out-dir pkg --out-name zkauth $(WASM_OUT)
	wasm-opt $(WASM_OPT_FLAGS) pkg/zkauth_bg.wasm -o pkg/zkauth_bg.wasm
	node js/build.mjs pkg $(VERSION)
	@for e in pkg pkg/app; do \
	  echo "$$e: wasm $$(stat -c %s $$e/zkauth_bg.wasm) B raw, $$(gzip -9 -c $$e/zkauth_bg.wasm | wc -c) B gzip -9; glue $$(gzip -9 -c $$e/zkauth.js | wc -c) B gzip -9"; \
	done

# ---- tests -------------------------------------------------------------------------------
test: lint test-native test-postgres test-browser test-node test-js test-e2e fuzz-smoke
	@echo "make test: all suites passed"

# The deny lints (unwrap/expect/indexing/panic) natively and for wasm32, where src/wasm lives;
# the second builds tests/rlib_embedder.rs for wasm32 (an rlib user keeps its own allocator);
# the last two lint the library exactly as `make pkg` builds its two modules (no server, no
# conformance; the second without the `login` feature, as `zkauth/app`).
lint: tool-rust
	cargo clippy --locked --workspace --all-targets -- -D warnings
	cargo clippy --locked --lib --tests --target $(WASM_TARGET) -- -D warnings
	cargo clippy --locked --lib --target $(WASM_TARGET) --features $(PKG_FEATURES) -- -D warnings
	cargo clippy --locked --lib --target $(WASM_TARGET) --no-default-features --features $(PKG_FEATURES) -- -D warnings

test-native:
	cargo test --locked --workspace

# The server's HTTP suite again, on PostgreSQL: a throwaway cluster under target/pg on a free
# loopback port, stopped when the tests end (also on failure).
test-postgres: tool-postgres
	server/tests/with-postgres.sh cargo test --locked -p zkauth-server --test http --test pg_faults

test-browser: tool-rust tool-wasm-bindgen tool-wasm-pack tool-chromium
	WASM_BINDGEN_USE_BROWSER=1 wasm-pack test --headless --chrome --release --mode no-install -- --locked --features $(PKG_FEATURES) --test wasm --test wasm_keys --test wasm_memory --test wasm_ksf_instance

test-node: tool-rust tool-wasm-bindgen tool-wasm-pack
	wasm-pack test --node --release --mode no-install -- --locked --features $(PKG_FEATURES) --test wasm --test wasm_keys --test wasm_memory --test wasm_ksf_instance

# Only the top-level files: the e2e tests under e2e/ need the server (test-e2e). The
# hostile-input sweep's honest flow needs an OPAQUE server: examples/opaque_peer.rs.
test-js: tool-js tool-chromium
	cargo build --locked --example opaque_peer --features server
	cd tests/js && OPAQUE_PEER=$(CARGO_TARGET)/debug/examples/opaque_peer node --test --test-reporter=spec *.test.mjs

# The whole flow in Chromium against the real server: login page, demo app, refusals, a scan of
# the server's files and logs for secrets. Screenshots go to target/e2e/.
test-e2e: pkg tool-js tool-chromium
	cargo build --locked -p zkauth-server
	cd tests/js && node --test --test-reporter=spec e2e/

# Every cargo-fuzz target (fuzz/README.md) for FUZZ_TIME seconds each; any crash, panic,
# failed assertion, leak of more than 2 GiB or input slower than 10 s fails. The corpus grows
# in target/fuzz-corpus/<target> (kept between runs) from the committed seeds in fuzz/seeds/.
FUZZ_TIME ?= 60
# --release for long runs; the smoke builds --dev (faster to build, overflow checks on).
FUZZ_BUILD ?= --release
FUZZ_TARGETS := b64u json jwk jwe_open claims envelope opaque_client opaque_server server_requests
fuzz: tool-fuzz
	cd fuzz && cargo +nightly fuzz build $(FUZZ_BUILD) --target-dir $(FUZZ_TARGET_DIR)
	@mkdir -p target/fuzz-logs; for t in $(FUZZ_TARGETS); do \
	  mkdir -p target/fuzz-corpus/$$t fuzz/seeds/$$t; \
	  if ( cd fuzz && cargo +nightly fuzz run $(FUZZ_BUILD) --target-dir $(FUZZ_TARGET_DIR) $$t $(CURDIR)/target/fuzz-corpus/$$t seeds/$$t -- \
	         -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 ) > target/fuzz-logs/$$t.log 2>&1; then \
	    echo "fuzz $$t: $$(grep -E '^Done' target/fuzz-logs/$$t.log), corpus $$(ls target/fuzz-corpus/$$t | wc -l) inputs"; \
	  else \
	    tail -n 40 target/fuzz-logs/$$t.log; echo "fuzz $$t FAILED: the input is in fuzz/artifacts/$$t/"; exit 1; \
	  fi; \
	done

# The 10-second smoke of every fuzz target that `make test` runs.
fuzz-smoke:
	$(MAKE) fuzz FUZZ_TIME=10 FUZZ_BUILD=--dev

bench: pkg tool-js tool-chromium
	cargo build --locked --lib --target $(WASM_TARGET) --profile wasm-release --features bench,$(PKG_FEATURES)
	wasm-bindgen --target web --out-dir target/bench-pkg --out-name zkauth $(WASM_OUT)
	wasm-opt $(WASM_OPT_FLAGS) target/bench-pkg/zkauth_bg.wasm -o target/bench-pkg/zkauth_bg.wasm
	cd bench && npm ci --no-audit --no-fund --loglevel=error
	cd tests/js && node ../../bench/run.mjs
	server/tests/with-postgres.sh cargo bench --locked -p zkauth-server --bench load

# ---- demo --------------------------------------------------------------------------------
# The reference server with --dev serves the login page (www/login) on :8080, the demo app
# (www/app) on :8081 and the package at /pkg/ on both; the data dir target/zkauth-data is kept,
# so accounts survive a restart. Ctrl-C stops it.
demo: pkg
	cargo build --locked -p zkauth-server
	@echo
	@echo "  zkauth demo"
	@echo "    demo app (start here):  http://localhost:8081"
	@echo "    login service (issuer): http://localhost:8080"
	@echo "    data: target/zkauth-data (kept between runs). Ctrl-C stops the server."
	@echo
	$(CARGO_TARGET)/debug/zkauth-server --config server/demo.toml --dev

# Three server instances on PostgreSQL behind a round-robin proxy on http://localhost:8090.
demo-cluster: pkg tool-postgres
	cargo build --locked -p zkauth-server --bins
	server/tests/with-postgres.sh server/demo-cluster.sh

clean:
	rm -rf pkg www/pkg target
