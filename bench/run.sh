#!/usr/bin/env bash
# bench/run.sh [small|large] - loupe beside Prometheus 2.42 and VictoriaMetrics 1.79,
# same pre-encoded remote-write workload, one run, one command.
#
# It drives the shared acceptance harness (../shared/anchors; see its README.md)
# on a private copy in bench/.work/anchors, adds what the harness does not
# record (peak RssAnon, a per-file breakdown of loupe's data dir, an export-based
# stored-sample check for loupe, which has no PromQL engine yet), then prints
# bench/report.js's table and writes bench/results/SIZE-<timestamp>.{md,json}
# and bench/LATEST.md.
#
# Environment (all optional):
#   ANCHORS=DIR        the harness (default: <repo>/../shared/anchors); copied, never run in place
#   TARGETS="..."      targets in run order (default: victoriametrics loupe prometheus)
#   LOUPE_BIN=PATH     loupe binary to measure; when set, nothing is built
#   BUILD_DIR=DIR      cmake build dir used when LOUPE_BIN is not set (default <repo>/build);
#                      built (RelWithDebInfo, no sanitizers) when its loupe is missing or stale
#   ANCHORS_WORK=DIR   harness scratch space: workloads, data dirs (default bench/.work/scratch;
#                      the large workload takes ~1.1 GB)
#   BUILD_ONLY=1       build / check the loupe binary and stop
#   EXPORT_CHECK=0     skip the export-based stored-sample check of loupe
#   MEM_INTERVAL_MS    /proc/PID/status sampling period for peak RssAnon (default 100)
#   KEEP_DATA=1        keep every target's data dir (default: deleted after the checks)
#   QUIET_WAIT, CONCURRENCY, QUERY_RUNS, SEED, REGEN   passed through to the harness
set -euo pipefail

SIZE="${1:-small}"
if [[ "$SIZE" != small && "$SIZE" != large ]]; then
  echo "usage: $0 [small|large]" >&2
  exit 2
fi
REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BENCH="$REPO/bench"
ANCHORS_SRC="$(cd "${ANCHORS:-$REPO/../shared/anchors}" && pwd)" || { echo "harness not found: ${ANCHORS:-$REPO/../shared/anchors}" >&2; exit 1; }
[[ -x "$ANCHORS_SRC/run.sh" && -f "$ANCHORS_SRC/targets.conf" ]] || { echo "$ANCHORS_SRC is not the anchors harness" >&2; exit 1; }
WORKDIR="$BENCH/.work"
COPY="$WORKDIR/anchors"
export ANCHORS_WORK="${ANCHORS_WORK:-$WORKDIR/scratch}"
# VictoriaMetrics and loupe back to back: the targets compare those two, so as
# little time (and machine drift) as possible separates them.
TARGETS="${TARGETS:-victoriametrics loupe prometheus}"
USER_KEEP_DATA="${KEEP_DATA:-0}"

log() { echo "[bench $(date -u +%H:%M:%S)] $*" >&2; }

for tool in node curl cmake make cc; do command -v "$tool" >/dev/null || { log "missing $tool"; exit 1; }; done

# ---------------------------------------------------------------- loupe binary
if [[ " $TARGETS " == *" loupe "* ]]; then
  if [[ -n "${LOUPE_BIN:-}" ]]; then
    LOUPE_BIN="$(cd "$(dirname "$LOUPE_BIN")" && pwd)/$(basename "$LOUPE_BIN")"
    [[ -x "$LOUPE_BIN" ]] || { log "LOUPE_BIN=$LOUPE_BIN is not executable"; exit 1; }
    BUILD_DIR="$(dirname "$LOUPE_BIN")"
    log "using LOUPE_BIN=$LOUPE_BIN (not rebuilt)"
  else
    BUILD_DIR="${BUILD_DIR:-$REPO/build}"
    [[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$REPO/$BUILD_DIR"
    LOUPE_BIN="$BUILD_DIR/loupe"
    stale=""
    if [[ ! -x "$LOUPE_BIN" ]]; then
      stale="missing"
    else
      newer="$(find "$REPO/src" "$REPO/CMakeLists.txt" -newer "$LOUPE_BIN" -type f -print -quit 2>/dev/null || true)"
      [[ -n "$newer" ]] && stale="older than $newer"
    fi
    if [[ -n "$stale" ]]; then
      log "building loupe in $BUILD_DIR ($stale): RelWithDebInfo, sanitizers off"
      cmake -S "$REPO" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOUPE_SANITIZE=OFF >/dev/null
      cmake --build "$BUILD_DIR" --target loupe -j "$(nproc 2>/dev/null || echo 2)" >&2
    else
      log "loupe is up to date: $LOUPE_BIN"
    fi
  fi
  # a sanitizer or unoptimised build would make the figures meaningless
  if [[ -f "$BUILD_DIR/CMakeCache.txt" ]]; then
    bt="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")"
    san="$(sed -n 's/^LOUPE_SANITIZE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")"
    srcdir="$(sed -n 's/^CMAKE_HOME_DIRECTORY:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")"
    if [[ "$san" == ON || "$bt" == Debug ]]; then
      log "refusing to benchmark $LOUPE_BIN: CMAKE_BUILD_TYPE=$bt LOUPE_SANITIZE=$san"
      exit 1
    fi
  else
    bt="unknown (no CMakeCache.txt next to the binary)"; san="unknown"
  fi
  export LOUPE_BIN
fi
if [[ "${BUILD_ONLY:-0}" == 1 ]]; then log "BUILD_ONLY=1: ${LOUPE_BIN:-no loupe target}, build type ${bt:-?}; not measuring"; exit 0; fi

# ---------------------------------------------------------------- harness copy
# Fresh copy of the harness each run (it is read-only at the source); results/
# of earlier runs stay, so TARGETS=loupe can be compared with the peers' last run.
mkdir -p "$WORKDIR" "$ANCHORS_WORK"
rm -rf "$COPY.new"
cp -r "$ANCHORS_SRC" "$COPY.new"
chmod -R u+w "$COPY.new"
rm -rf "$COPY.new/.work" "$COPY.new/results" "$COPY.new/node_modules"
[[ -d "$COPY/results" ]] && mv "$COPY/results" "$COPY.new/results"
rm -rf "$COPY"
mv "$COPY.new" "$COPY"
RESULTS="$COPY/results/$SIZE"
mkdir -p "$RESULTS"

# what was measured, for the report
{
  echo "{"
  echo "  \"started\": \"$(date -u +%Y-%m-%dT%H:%M:%SZ)\","
  echo "  \"size\": \"$SIZE\","
  echo "  \"targets\": \"$TARGETS\","
  echo "  \"harness_source\": \"$ANCHORS_SRC\","
  echo "  \"harness_sha256\": \"$(cat "$ANCHORS_SRC/run.sh" "$ANCHORS_SRC/targets.conf" "$ANCHORS_SRC"/tools/*.js "$ANCHORS_SRC/gen/gen.c" "$ANCHORS_SRC/queries.txt" | sha256sum | cut -c1-16)\","
  echo "  \"loupe_bin\": \"${LOUPE_BIN:-}\","
  echo "  \"loupe_version\": \"$( [[ -n "${LOUPE_BIN:-}" ]] && "$LOUPE_BIN" --version 2>&1 | head -1 || true)\","
  echo "  \"loupe_build_type\": \"${bt:-}\","
  echo "  \"loupe_sanitize\": \"${san:-}\","
  echo "  \"loupe_source_dir\": \"${srcdir:-}\","
  echo "  \"repo_commit\": \"$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)\","
  echo "  \"src_dirty\": $( [[ -n "$(git -C "$REPO" status --porcelain -- src CMakeLists.txt 2>/dev/null)" ]] && echo true || echo false)"
  echo "}"
} >"$WORKDIR/run-info-$SIZE.json"

# ---------------------------------------------------------------- memory sampler
# The harness records VmHWM/VmRSS at phase boundaries; peak RssAnon (anonymous
# memory, without file-backed pages such as mmap'd LMDB / TSDB files) needs sampling.
for t in $TARGETS; do rm -f "$ANCHORS_WORK/run-$SIZE-$t/pid"; done
node "$BENCH/tools/memwatch.js" --work "$ANCHORS_WORK" --results "$RESULTS" --size "$SIZE" \
  --interval-ms "${MEM_INTERVAL_MS:-100}" &
MEMWATCH_PID=$!
cleanup() {
  if [[ -n "${MEMWATCH_PID:-}" ]] && kill -0 "$MEMWATCH_PID" 2>/dev/null; then
    kill -TERM "$MEMWATCH_PID" 2>/dev/null || true
    wait "$MEMWATCH_PID" 2>/dev/null || true
  fi
  MEMWATCH_PID=""
}
trap cleanup EXIT
trap 'log "interrupted"; exit 130' INT TERM

# ---------------------------------------------------------------- the harness
log "harness: $COPY/run.sh $SIZE, targets: $TARGETS, scratch: $ANCHORS_WORK"
# in the background + wait, so INT/TERM reach us at once and are passed on
TARGETS="$TARGETS" KEEP_DATA=1 bash "$COPY/run.sh" "$SIZE" &
HARNESS_PID=$!
trap 'log "interrupted; stopping the harness"; kill -TERM "$HARNESS_PID" 2>/dev/null; wait "$HARNESS_PID" 2>/dev/null; exit 130' INT TERM
set +e
wait "$HARNESS_PID"
harness_rc=$?
set -e
trap 'log "interrupted"; exit 130' INT TERM
cleanup
[[ $harness_rc == 0 ]] || log "harness exited with status $harness_rc"

# ---------------------------------------------------------------- loupe post-checks
WL="$ANCHORS_WORK/workload-$SIZE-seed${SEED:-42}"
LDATA="$ANCHORS_WORK/run-$SIZE-loupe/data"
if [[ " $TARGETS " == *" loupe "* && -d "$LDATA" && -f "$RESULTS/loupe/stop.json" ]]; then
  args=(--bin "$LOUPE_BIN" --data "$LDATA" --workload "$WL" --out "$RESULTS/loupe/bench_postcheck.json")
  [[ "${EXPORT_CHECK:-1}" == 0 ]] && args+=(--no-export)
  log "loupe post-check: data dir breakdown$( [[ "${EXPORT_CHECK:-1}" == 0 ]] || echo ', restart + export-based stored-sample check')"
  node "$BENCH/tools/postcheck.js" "${args[@]}" || log "loupe post-check failed"
fi
if [[ "$USER_KEEP_DATA" != 1 ]]; then
  for t in $TARGETS; do rm -rf "$ANCHORS_WORK/run-$SIZE-$t/data"; done
fi

# ---------------------------------------------------------------- report
node "$BENCH/report.js" --anchors "$COPY" --size "$SIZE" --info "$WORKDIR/run-info-$SIZE.json" --out "$BENCH"
