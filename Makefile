# loupe: `make run` builds and starts the server on its embedded defaults;
# `make test` builds (release and ASan+UBSan) and runs every test.
# Both install what they need first (scripts/deps.sh).

BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)

.PHONY: all deps build build-asan run demo test unit unit-asan e2e e2e-asan ui ui-asan promql promql-asan diff clean

all: build

deps:
	@scripts/deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

build-asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLOUPE_SANITIZE=ON >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)

run: build
	./$(BUILD)/loupe

# loupe on :9090/:4318/:4317 (data in ./data-demo) and a traffic generator:
# a 7-day backfill, then live OTLP + remote-write traffic until Ctrl-C.
demo: build
	BUILD=$(BUILD) demo/run.sh

unit: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

unit-asan: build-asan
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 ctest --output-on-failure -j $(JOBS)

e2e: build
	LOUPE_BIN=$(CURDIR)/$(BUILD)/loupe node --test --test-concurrency=1 tests/e2e/

e2e-asan: build-asan
	LOUPE_BIN=$(CURDIR)/$(ASAN_BUILD)/loupe LOUPE_ASAN=1 node --test --test-concurrency=1 tests/e2e/

ui: build
	LOUPE_BIN=$(CURDIR)/$(BUILD)/loupe node --test --test-concurrency=1 tests/ui/

ui-asan: build-asan
	LOUPE_BIN=$(CURDIR)/$(ASAN_BUILD)/loupe LOUPE_ASAN=1 UI_SCREENSHOTS=off node --test --test-concurrency=1 tests/ui/

promql-asan: build-asan
	node tests/promql/run.mjs --target loupe --bin $(ASAN_BUILD)/loupe tests/promql/*.test $(PROMQL_TESTDATA)/*.test

test: unit unit-asan e2e e2e-asan ui ui-asan diff
	@echo "all tests passed"

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)

# PromQL conformance (tests/promql, tests/diff/README.md): not part of `make test` yet.
#   promql: the project's own load/eval test files, then Prometheus 2.42's own
#           suite (../shared/promql-testdata, 566 cases; >= 560 must pass), each
#           loaded into loupe by remote write and evaluated over /api/v1/query.
#   diff:   Prometheus 2.42 and loupe on the same remote-written workload,
#           tests/diff/queries.txt as range and instant queries, 0 differences.
PROMQL_TESTDATA ?= ../shared/promql-testdata
.PHONY: promql diff
promql: build
	node --test --test-reporter=dot tests/promql/testfile.test.mjs
	@echo 'node tests/promql/run.mjs --target loupe --bin $(BUILD)/loupe tests/promql/*.test; ... --min-pass 560 $(PROMQL_TESTDATA)/*.test'
	@status=0; \
	node tests/promql/run.mjs --target loupe --bin $(BUILD)/loupe tests/promql/*.test || status=1; \
	node tests/promql/run.mjs --target loupe --bin $(BUILD)/loupe --min-pass 560 $(PROMQL_TESTDATA)/*.test || status=1; \
	exit $$status

diff: build
	node --test --test-reporter=dot tests/diff/compare.test.mjs
	node tests/diff/run.mjs --bin $(BUILD)/loupe
