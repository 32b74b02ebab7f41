# zkauth build: every target installs what it needs and skips what is already present,
# so `make test` and `make demo` work on a fresh machine with nothing installed by hand.
# Assumed present (they are on every machine of this kind): rustup + cargo, node + npm,
# python3, and root for apt-get (Chromium). Everything else is installed here.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c

WASM_BINDGEN_VERSION := 0.2.129
BINARYEN_VERSION     := 132.0.0
TOOLS  := $(CURDIR)/.tools
export PATH := $(TOOLS)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
WASM_TARGET := wasm32-unknown-unknown
# CI builds a fresh clone once: incremental compilation data would only be written, never read.
ifneq ($(CI),)
export CARGO_INCREMENTAL := 0
endif
# Cargo's output folder: CARGO_TARGET_DIR when set (a shared cache), else ./target. Scratch
# data (test databases, fuzz corpora, screenshots) stays under ./target either way.
CARGO_TARGET := $(abspath $(or $(CARGO_TARGET_DIR),$(CURDIR)/target))
export CARGO_TARGET_DIR := $(CARGO_TARGET)
WASM_OUT    := $(CARGO_TARGET)/$(WASM_TARGET)/wasm-release/zkauth.wasm
# The package's own features: the zeroizing global allocator (never on for rlib users).
PKG_FEATURES := zeroizing-allocator,ksf-instance
FUZZ_TARGET_DIR := $(CARGO_TARGET)/fuzz
VERSION     := $(shell sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -n1)

.PHONY: all lint tools tool-rust tool-wasm-bindgen tool-chromium tool-apt tool-browsers tool-geckodriver tool-binaryen tool-js pkg \
        tool-postgres tool-fuzz test test-native test-postgres test-browser test-node test-js test-e2e fuzz fuzz-build fuzz-smoke bench soak demo demo-cluster clean

all: test

# ---- tools -------------------------------------------------------------------------------
tools: tool-rust tool-wasm-bindgen tool-apt tool-geckodriver tool-binaryen tool-fuzz

tool-rust:
	@rustup target list --installed | grep -qx $(WASM_TARGET) || rustup target add $(WASM_TARGET)

# Tools built from crates.io build at opt-level 1: a fresh machine compiles them once per CI
# run, and they spend their time on files and browsers, not computing.
TOOL_INSTALL := CARGO_PROFILE_RELEASE_OPT_LEVEL=1 CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 cargo install --locked

# The CLI (wasm-bindgen, and wasm-bindgen-test-runner for the wasm tests) must equal
# Cargo.lock's wasm-bindgen exactly.
tool-wasm-bindgen:
	@grep -A1 '^name = "wasm-bindgen"$$' Cargo.lock | grep -q '"$(WASM_BINDGEN_VERSION)"' \
	  || { echo "Cargo.lock's wasm-bindgen differs from $(WASM_BINDGEN_VERSION)"; exit 1; }
	@wasm-bindgen --version 2>/dev/null | grep -q " $(WASM_BINDGEN_VERSION)$$" \
	  || $(TOOL_INSTALL) wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION)


# Debian's packages, in one apt run when any is missing (dpkg takes one at a time, and
# `make -j3 tools` overlaps it with the cargo installs): every engine the tests run (Chromium +
# ChromeDriver, Firefox ESR, WebKitGTK's WebDriver with its MiniBrowser, which needs a display:
# Xvfb) and PostgreSQL 15 for the second storage backend's tests.
APT_PACKAGES := chromium chromium-driver firefox-esr webkit2gtk-driver xvfb xauth postgresql
tool-apt:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v firefox-esr >/dev/null \
	  && command -v WebKitWebDriver >/dev/null && command -v xvfb-run >/dev/null && ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
	  || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $(APT_PACKAGES); }
tool-postgres tool-browsers: tool-apt

# cargo-fuzz and the nightly toolchain it drives (libFuzzer's -Z flags), only for the fuzz targets.
CARGO_FUZZ_VERSION := 0.13.2
tool-fuzz:
	@rustup run nightly rustc --version >/dev/null 2>&1 || rustup toolchain install nightly --profile minimal
	@cargo fuzz --version 2>/dev/null | grep -q " $(CARGO_FUZZ_VERSION)$$" \
	  || $(TOOL_INSTALL) cargo-fuzz --version $(CARGO_FUZZ_VERSION)

tool-chromium:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null \
	  || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver; }

# geckodriver for the wasm-bindgen tests in Firefox (built from crates.io; it starts the
# `firefox` on PATH, which Debian's firefox-esr provides).
GECKODRIVER_VERSION := 0.37.1
tool-geckodriver:
	@geckodriver --version 2>/dev/null | grep -q "^geckodriver $(GECKODRIVER_VERSION)" \
	  || $(TOOL_INSTALL) geckodriver --version $(GECKODRIVER_VERSION)

# Debian's binaryen (wasm-opt 108) corrupts wasm-bindgen 0.2.129 output: use npm binaryen.
tool-binaryen:
	@$(TOOLS)/node_modules/.bin/wasm-opt --version 2>/dev/null | grep -q "version $(firstword $(subst ., ,$(BINARYEN_VERSION)))" \
	  || npm install --prefix $(TOOLS) --no-audit --no-fund --loglevel=error binaryen@$(BINARYEN_VERSION)

# Exactly the lockfile (npm ci, about 17 s), again whenever the lockfile changes (npm writes
# node_modules/.package-lock.json). `zkauth` there is a link to pkg/.
JS_STAMP := tests/js/node_modules/.package-lock.json
tool-js: $(JS_STAMP)
$(JS_STAMP): tests/js/package-lock.json tests/js/package.json | pkg
	cd tests/js && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# ---- package -----------------------------------------------------------------------------
# Two size-tuned wasm modules (profile wasm-release: LTO, opt-level z, panic=abort; simd128 from
# .cargo/config.toml), each through wasm-opt -Oz with debug/name/producer sections stripped:
# `zkauth` (pkg/, every feature the login page needs) and `zkauth/app` (pkg/app/, built without
# the `login` feature: delivery opening, delivered and data keys). Browser and Node entries of
# each share its module.
WASM_OPT_FLAGS := -Oz --strip-debug --strip-producers --enable-bulk-memory --enable-nontrapping-float-to-int \
  --enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue --enable-simd
# The same two modules without wasm SIMD (zkauth_nosimd_bg.wasm), for engines without it
# (Safari before 16.4, JavaScriptCore on CPUs without SIMD): the browser entry's init() loads
# it when a one-instruction SIMD probe does not validate. Other rustflags, so their own target
# dir; the glue must be byte-identical to the SIMD build's, and the disassembly must hold no
# SIMD instruction (wasm-opt takes its features from the module, so it would not refuse one).
NOSIMD_DIR  := $(CARGO_TARGET)/nosimd
NOSIMD_OUT  := $(NOSIMD_DIR)/$(WASM_TARGET)/wasm-release/zkauth.wasm
NOSIMD_ENV  := CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUSTFLAGS="-C target-feature=-simd128"
WASM_OPT_NOSIMD_FLAGS := $(filter-out --enable-simd,$(WASM_OPT_FLAGS))
CARGO_WASM    := cargo build --locked --lib --target $(WASM_TARGET) --profile wasm-release
APP_FEATURES  := --no-default-features --features $(PKG_FEATURES)
FULL_FEATURES := --features $(PKG_FEATURES)
# pkg/package.json is written last: the package is rebuilt only when a source changed (a
# second `make pkg` in one `make test` cost 44 s of wasm-bindgen and wasm-opt).
PKG_SOURCES := $(shell find src verify/src js -type f) Cargo.toml Cargo.lock verify/Cargo.toml .cargo/config.toml LICENSE-MIT LICENSE-APACHE
pkg: pkg/package.json
# The SIMD-free builds run beside the SIMD ones (LTO's code generation is one thread, so two
# builds keep both cores busy); each entry's SIMD-free glue must equal its SIMD glue.
pkg/package.json: $(PKG_SOURCES) | tool-rust tool-wasm-bindgen tool-binaryen
	rm -rf pkg $(NOSIMD_DIR)/out && mkdir -p pkg/app $(NOSIMD_DIR)/out
	( $(NOSIMD_ENV) $(CARGO_WASM) --target-dir $(NOSIMD_DIR) $(APP_FEATURES) && cp $(NOSIMD_OUT) $(NOSIMD_DIR)/out/app.wasm \
	  && $(NOSIMD_ENV) $(CARGO_WASM) --target-dir $(NOSIMD_DIR) $(FULL_FEATURES) && cp $(NOSIMD_OUT) $(NOSIMD_DIR)/out/full.wasm \
	) > $(NOSIMD_DIR)/out/build.log 2>&1 & nosimd=$$!; \
	for e in app:pkg/app:"$(APP_FEATURES)" full:pkg:"$(FULL_FEATURES)"; do \
	  IFS=: read -r name dir features <<< "$$e"; \
	  $(CARGO_WASM) $$features && wasm-bindgen --target web --out-dir $$dir --out-name zkauth $(WASM_OUT) \
	    && wasm-opt $(WASM_OPT_FLAGS) $$dir/zkauth_bg.wasm -o $$dir/zkauth_bg.wasm || { kill $$nosimd; exit 1; }; \
	done; \
	wait $$nosimd || { cat $(NOSIMD_DIR)/out/build.log; exit 1; }
	for e in app:pkg/app full:pkg; do \
	  IFS=: read -r name dir <<< "$$e"; \
	  rm -rf $(NOSIMD_DIR)/bindgen && wasm-bindgen --target web --out-dir $(NOSIMD_DIR)/bindgen --out-name zkauth $(NOSIMD_DIR)/out/$$name.wasm \
	    && cmp $(NOSIMD_DIR)/bindgen/zkauth.js $$dir/zkauth.js \
	    && wasm-opt $(WASM_OPT_NOSIMD_FLAGS) $(NOSIMD_DIR)/bindgen/zkauth_bg.wasm -o $$dir/zkauth_nosimd_bg.wasm || exit 1; \
	  if wasm-dis $$dir/zkauth_nosimd_bg.wasm | grep -qE 'v128|[if](8x16|16x8|32x4|64x2)'; then echo "$$dir/zkauth_nosimd_bg.wasm has SIMD instructions"; exit 1; fi; \
	done
	node js/build.mjs pkg $(VERSION)
	@for e in pkg pkg/app; do \
	  echo "$$e: wasm $$(stat -c %s $$e/zkauth_bg.wasm) B raw, $$(gzip -9 -c $$e/zkauth_bg.wasm | wc -c) B gzip -9;" \
	    "without SIMD $$(stat -c %s $$e/zkauth_nosimd_bg.wasm) B raw, $$(gzip -9 -c $$e/zkauth_nosimd_bg.wasm | wc -c) B gzip -9;" \
	    "glue $$(gzip -9 -c $$e/zkauth.js | wc -c) B gzip -9"; \
	done

# ---- tests -------------------------------------------------------------------------------
# Each suite in turn, timed, its output kept in target/test-logs/<step>.log (the fuzz targets'
# build runs beside the end-to-end tests, which mostly wait on browsers); then the release
# gate (docs/invariants.md: every invariant's tests ran and passed in this run, read from those
# logs) and the table of step times (also target/test-steps.tsv), so CI's log says where its
# minutes went.
TEST_STEPS := tools lint test-native test-postgres test-browser test-node test-js test-e2e fuzz-smoke
test:
	@mkdir -p target && rm -rf target/test-logs && mkdir -p target/test-logs && : > target/test-steps.tsv; all=$$(date +%s); \
	for step in $(TEST_STEPS); do \
	  t=$$(date +%s); \
	  jobs=1; [ $$step = tools ] && jobs=3; \
	  if [ $$step = test-e2e ]; then \
	    ( $(MAKE) --no-print-directory fuzz-build FUZZ_BUILD=--dev > target/test-logs/fuzz-build.log 2>&1; echo $$? > target/test-logs/fuzz-build.rc ) & \
	  fi; \
	  if [ $$step = fuzz-smoke ]; then \
	    wait; [ "$$(cat target/test-logs/fuzz-build.rc)" = 0 ] || { tail -n 40 target/test-logs/fuzz-build.log; echo "make test: fuzz-build FAILED"; exit 1; }; \
	  fi; \
	  $(MAKE) --no-print-directory -j$$jobs $$step 2>&1 | tee target/test-logs/$$step.log || { echo "make test: $$step FAILED"; exit 1; }; \
	  printf '%s\t%s\n' $$step $$(( $$(date +%s) - t )) >> target/test-steps.tsv; \
	done; \
	node tests/invariants.mjs docs/invariants.md target/test-logs; \
	printf '%s\t%s\n' total $$(( $$(date +%s) - all )) >> target/test-steps.tsv; \
	echo; echo "step times (s):"; awk -F'\t' '{ printf "  %-14s %6s\n", $$1, $$2 }' target/test-steps.tsv
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

# One build of the workspace's tests serves every native step: test-postgres, test-js (the
# OPAQUE peer example) and test-e2e (the server binary) use the same command with the same
# workspace-wide features, so cargo finds everything built (`-p` alone would resolve other
# features and rebuild the server and sqlx).
NATIVE_TEST := cargo test --locked --workspace
test-native:
	$(NATIVE_TEST)

# The server's HTTP suite again, on PostgreSQL: a throwaway cluster under target/pg on a free
# loopback port, stopped when the tests end (also on failure).
test-postgres: tool-postgres
	server/tests/with-postgres.sh $(NATIVE_TEST) --test http --test pg_faults

# The wasm-bindgen tests (tests/wasm*.rs) built once for wasm32 (--release: debug wasm is ~9x
# slower) and run by wasm-bindgen-test-runner as cargo's runner: in headless Chromium
# (ChromeDriver), headless Firefox ESR (geckodriver; the runner prefers GECKODRIVER when set)
# and Node. webdriver.json has each browser's options.
WASM_TESTS := --test wasm --test wasm_keys --test wasm_memory --test wasm_ksf_instance
WASM_TEST  := CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner cargo test --locked --target $(WASM_TARGET) --release \
  --features $(PKG_FEATURES) $(WASM_TESTS)
test-browser: tool-rust tool-wasm-bindgen tool-browsers tool-geckodriver
	env -u GECKODRIVER WASM_BINDGEN_USE_BROWSER=1 CHROMEDRIVER=$(CHROMEDRIVER) $(WASM_TEST)
	WASM_BINDGEN_USE_BROWSER=1 GECKODRIVER=$$(command -v geckodriver) $(WASM_TEST)

test-node: tool-rust tool-wasm-bindgen
	env -u GECKODRIVER -u CHROMEDRIVER $(WASM_TEST)

# Only the top-level files: the e2e tests under e2e/ need the server (test-e2e). The
# hostile-input sweep's honest flow needs an OPAQUE server: examples/opaque_peer.rs.
test-js: tool-js tool-browsers
	$(NATIVE_TEST) --no-run
	cd tests/js && OPAQUE_PEER=$(CARGO_TARGET)/debug/examples/opaque_peer node --test --test-reporter=spec *.test.mjs

# The whole flow in Chromium against the real server: login page, demo app, refusals, a scan of
# the server's files and logs for secrets; the main story and the https cookies in Chromium,
# Firefox and WebKit (e2e/engines.test.mjs). Screenshots go to target/e2e/ and
# target/e2e/<engine>/.
test-e2e: pkg tool-js tool-browsers
	$(NATIVE_TEST) --no-run
	cd tests/js && node --test --test-reporter=spec e2e/

# Every cargo-fuzz target (fuzz/README.md) for FUZZ_TIME seconds each; any crash, panic,
# failed assertion, leak of more than 2 GiB or input slower than 10 s fails. The corpus grows
# in target/fuzz-corpus/<target> (kept between runs) from the committed seeds in fuzz/seeds/.
FUZZ_TIME ?= 60
# --release for long runs; the smoke builds --dev (faster to build, overflow checks on).
FUZZ_BUILD ?= --release
FUZZ_TARGETS := b64u json jwk jwe_open claims envelope opaque_client opaque_server server_requests
fuzz-build: tool-fuzz
	cd fuzz && cargo +nightly fuzz build $(FUZZ_BUILD) --target-dir $(FUZZ_TARGET_DIR)
fuzz: fuzz-build
	@mkdir -p target/fuzz-logs; for t in $(FUZZ_TARGETS); do \
	  mkdir -p target/fuzz-corpus/$$t fuzz/seeds/$$t; \
	  if ( cd fuzz && cargo +nightly fuzz run $(FUZZ_BUILD) --target-dir $(FUZZ_TARGET_DIR) $$t $(CURDIR)/target/fuzz-corpus/$$t seeds/$$t -- \
	         -max_total_time=$(FUZZ_TIME) -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 ) > target/fuzz-logs/$$t.log 2>&1; then \
	    echo "fuzz $$t: $$(grep -E '^Done' target/fuzz-logs/$$t.log), corpus $$(ls target/fuzz-corpus/$$t | wc -l) inputs"; \
	  else \
	    tail -n 40 target/fuzz-logs/$$t.log; echo "fuzz $$t FAILED: the input is in fuzz/artifacts/$$t/"; exit 1; \
	  fi; \
	done

# The 5-second smoke of every fuzz target that `make test` runs (thousands of inputs each;
# `make fuzz` runs them for minutes).
fuzz-smoke:
	$(MAKE) fuzz FUZZ_TIME=5 FUZZ_BUILD=--dev

# Ten minutes of mixed traffic against one server on SQLite (ZKAUTH_SOAK_SECS to change it):
# memory, database size and latency per minute, no 5xx, no lost or duplicated notes. Not part of
# `make test`; the table goes to target/bench/soak.md.
soak:
	cargo bench --locked -p zkauth-server --bench soak

bench: pkg tool-js tool-chromium
	cargo build --locked --lib --target $(WASM_TARGET) --profile wasm-release --features bench,$(PKG_FEATURES)
	wasm-bindgen --target web --out-dir target/bench-pkg --out-name zkauth $(WASM_OUT)
	wasm-opt $(WASM_OPT_FLAGS) target/bench-pkg/zkauth_bg.wasm -o target/bench-pkg/zkauth_bg.wasm
	$(NOSIMD_ENV) cargo build --locked --lib --target $(WASM_TARGET) --profile wasm-release --target-dir $(NOSIMD_DIR) --features bench,$(PKG_FEATURES)
	wasm-bindgen --target web --out-dir $(NOSIMD_DIR)/bench-bindgen --out-name zkauth $(NOSIMD_OUT)
	wasm-opt $(WASM_OPT_NOSIMD_FLAGS) $(NOSIMD_DIR)/bench-bindgen/zkauth_bg.wasm -o target/bench-pkg/zkauth_nosimd_bg.wasm
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
