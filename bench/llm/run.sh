#!/usr/bin/env bash
# bench/llm/run.sh - LLM-call ingest, disk and search benchmark of loupe's records
# store against a bare SQLite + FTS5 insert loop of the same rows. One command:
#
#   bench/llm/run.sh                 # CALLS=1000000 (full run, ~15-25 min)
#   CALLS=50000 bench/llm/run.sh     # quick run (~2 min)
#
# Steps: build loupe (RelWithDebInfo) and the baseline; generate the workload once
# per (CALLS, SEED, BATCH, gen.mjs) into WORK (reused while younger than 7 days);
# run the baseline; start loupe on a fresh data dir, replay the workload to
# /v1/traces, POST /api/v1/admin/flush, measure records.db + records.db-wal;
# time the searches; stop loupe. The baseline and loupe run one after the other
# (2 cores). Prints a table and writes bench/llm/LATEST.md (figures of the run)
# and WORK/results/<timestamp>.json.
#
# Environment (all optional):
#   CALLS=1000000  SEED=42  BATCH=200 (calls per request and per baseline transaction)
#   CONCURRENCY=4  requests in flight          RUNS=200 WARMUP=20  queries per kind
#   WORK=/tmp/loupe-llm-bench   workload, data dirs, results
#   LOUPE_BIN=PATH  measure this binary (nothing built); else BUILD_DIR (default WORK/build) is built
#   FROM_HEAD=1  build a git archive of HEAD (WORK/src-REV) instead of the work tree
#   HTTP_PORT=19190 OTLP_PORT=14318   QUERY_RANGE=1 (send start/end with the searches)
#   PERF=1  perf record of loupe during ingest (WORK/perf-ingest.txt) and the searches (perf-query.txt)
#   KEEP_DATA=1  keep loupe's data dir and the baseline db     SKIP_BASELINE=1  reuse the last baseline figures
#   SEND_TIMEOUT=3600  QUERY_TIMEOUT=1800  seconds before a phase is abandoned
#   NO_LATEST=1  do not rewrite bench/llm/LATEST.md
#   QUIET_WAIT=300  seconds to wait for other load under 0.25 cores before the baseline and before loupe
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/../.." && pwd)"
CALLS="${CALLS:-1000000}"
SEED="${SEED:-42}"
BATCH="${BATCH:-200}"
CONCURRENCY="${CONCURRENCY:-4}"
RUNS="${RUNS:-200}"
WARMUP="${WARMUP:-20}"
WORK="${WORK:-/tmp/loupe-llm-bench}"
HTTP_PORT="${HTTP_PORT:-19190}"
OTLP_PORT="${OTLP_PORT:-14318}"
SEND_TIMEOUT="${SEND_TIMEOUT:-3600}"
QUERY_TIMEOUT="${QUERY_TIMEOUT:-1800}"
QUIET_WAIT="${QUIET_WAIT:-300}"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
log() { echo "[llm-bench $(date -u +%H:%M:%S)] $*" >&2; }

for tool in node curl cc; do command -v "$tool" >/dev/null || { log "missing $tool"; exit 1; }; done
mkdir -p "$WORK/results"

# ---------------------------------------------------------------- builds
if [[ -n "${LOUPE_BIN:-}" ]]; then
  LOUPE_BIN="$(cd "$(dirname "$LOUPE_BIN")" && pwd)/$(basename "$LOUPE_BIN")"
  BUILD_DIR="$(dirname "$LOUPE_BIN")"
  BUILT_FROM="LOUPE_BIN=$LOUPE_BIN"
else
  SRC="$REPO"
  if [[ "${FROM_HEAD:-0}" == 1 ]]; then
    # the committed tree only (the work tree may be mid-edit): git archive HEAD
    rev="$(git -C "$REPO" rev-parse --short HEAD)"
    SRC="$WORK/src-$rev"
    [[ -f "$SRC/CMakeLists.txt" ]] || { mkdir -p "$SRC"; git -C "$REPO" archive HEAD | tar -x -C "$SRC"; }
    BUILD_DIR="${BUILD_DIR:-$WORK/build-$rev}"
    BUILT_FROM="git archive of $rev"
  else
    BUILT_FROM="work tree at $(git -C "$REPO" rev-parse --short HEAD)$(git -C "$REPO" diff --quiet HEAD -- src CMakeLists.txt 2>/dev/null || echo ' + uncommitted changes')"
  fi
  BUILD_DIR="${BUILD_DIR:-$WORK/build}"
  [[ "$BUILD_DIR" = /* ]] || BUILD_DIR="$REPO/$BUILD_DIR"
  log "building loupe from $SRC in $BUILD_DIR (RelWithDebInfo)"
  cmake -S "$SRC" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLOUPE_SANITIZE=OFF >/dev/null
  cmake --build "$BUILD_DIR" --target loupe -j "$(nproc 2>/dev/null || echo 2)" >&2
  LOUPE_BIN="$BUILD_DIR/loupe"
fi
[[ -x "$LOUPE_BIN" ]] || { log "no loupe binary at $LOUPE_BIN"; exit 1; }
if [[ -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  bt="$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")"
  san="$(sed -n 's/^LOUPE_SANITIZE:[A-Z]*=//p' "$BUILD_DIR/CMakeCache.txt")"
  if [[ "$san" == ON || "$bt" == Debug ]]; then log "refusing to measure a $bt build with LOUPE_SANITIZE=$san"; exit 1; fi
fi
LOUPE_VERSION="$("$LOUPE_BIN" --version 2>/dev/null | head -1 || true)"
BASELINE_BIN="$WORK/sqlite_baseline"
log "building the baseline: $BASELINE_BIN"
cc -O2 -o "$BASELINE_BIN" "$HERE/sqlite_baseline.c" -lsqlite3 -lcjson

# ---------------------------------------------------------------- workload
GEN_HASH="$(cat "$HERE/gen.mjs" | sha1sum | cut -c1-10)"
GEN="$WORK/gen-$CALLS-$SEED-$BATCH"
fresh=0
if [[ -f "$GEN/meta.json" && -f "$GEN/batches.bin" && -f "$GEN/calls.jsonl" && "$(cat "$GEN/gen.hash" 2>/dev/null)" == "$GEN_HASH" ]]; then
  t_end="$(node -e 'console.log(JSON.parse(require("fs").readFileSync(process.argv[1])).t_end)' "$GEN/meta.json")"
  (( $(date +%s) - t_end < 7 * 86400 )) && fresh=1
fi
if (( fresh )); then
  log "reusing the workload in $GEN"
else
  rm -rf "$GEN"; mkdir -p "$GEN"
  log "generating $CALLS calls (seed $SEED, batches of $BATCH) into $GEN"
  node "$HERE/gen.mjs" --out "$GEN" --calls "$CALLS" --seed "$SEED" --batch "$BATCH"
  echo "$GEN_HASH" > "$GEN/gen.hash"
fi
RES="$WORK/results/$STAMP"
mkdir -p "$RES"
cp "$GEN/meta.json" "$RES/meta.json"

# busy share of the CPUs by everything over 3 s (run before each phase; nothing of ours runs then)
machine_load() {
  local a b
  a=($(head -1 /proc/stat)); sleep 3; b=($(head -1 /proc/stat))
  local busy=0 total=0 i
  for i in 1 2 3 4 5 6 7 8; do
    local d=$(( b[i] - a[i] )); total=$(( total + d ))
    [[ $i != 4 && $i != 5 ]] && busy=$(( busy + d ))
  done
  awk -v b="$busy" -v t="$total" -v n="$(nproc)" 'BEGIN { printf "%.2f", t ? b / t * n : 0 }'
}
# busy CPU ticks of the whole machine (user nice system irq softirq steal)
busy_ticks() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }
CLK_TCK="$(getconf CLK_TCK)"
# waits up to QUIET_WAIT s for other load under 0.25 cores; prints the last load seen
wait_quiet() {
  local t0=$SECONDS l
  while :; do
    l="$(machine_load)"
    if awk -v l="$l" 'BEGIN { exit !(l < 0.25) }'; then break; fi
    if (( SECONDS - t0 >= QUIET_WAIT )); then log "machine still busy ($l cores of other load) after QUIET_WAIT=$QUIET_WAIT s; measuring anyway"; break; fi
    sleep 5
  done
  echo "$l"
}

# ---------------------------------------------------------------- baseline
users_args=()
while read -r u; do users_args+=(--user "$u"); done < <(node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1]));
  const u = m.users; for (let k = 0; k < Math.min(20, u.length); k++) console.log(u[Math.floor(k * u.length / 20)].id);' "$GEN/meta.json")
q_args=()
while IFS= read -r q; do q_args+=(--q "$q"); done < <(node -e '
  const m = JSON.parse(require("fs").readFileSync(process.argv[1]));
  for (const k of ["common","medium","rare","cjk","phrase"]) console.log(m.query_terms[k].q);' "$GEN/meta.json")
if [[ "${SKIP_BASELINE:-0}" == 1 && -f "$WORK/baseline-$CALLS-$SEED-$BATCH.json" ]]; then
  log "SKIP_BASELINE=1: reusing $WORK/baseline-$CALLS-$SEED-$BATCH.json"
  cp "$WORK/baseline-$CALLS-$SEED-$BATCH.json" "$RES/baseline.json"
else
  load="$(wait_quiet)"; log "other load before the baseline: $load cores"
  rm -rf "$WORK/baseline"; mkdir -p "$WORK/baseline"
  log "baseline: SQLite + FTS5 insert loop, transactions of $BATCH rows"
  "$BASELINE_BIN" --in "$GEN/calls.jsonl" --db "$WORK/baseline/calls.db" --batch "$BATCH" --query-runs 50 \
    "${users_args[@]}" "${q_args[@]}" > "$RES/baseline.json"
  node -e 'const fs=require("fs"),f=process.argv[1],j=JSON.parse(fs.readFileSync(f));j.other_load_cores=+process.argv[2];fs.writeFileSync(f,JSON.stringify(j))' "$RES/baseline.json" "$load"
  cp "$RES/baseline.json" "$WORK/baseline-$CALLS-$SEED-$BATCH.json"
  [[ "${KEEP_DATA:-0}" == 1 ]] || rm -rf "$WORK/baseline"
fi
log "baseline: $(cat "$RES/baseline.json")"

# ---------------------------------------------------------------- loupe
DATA="$WORK/data"
rm -rf "$DATA"; mkdir -p "$DATA"
LOUPE_PID=""
PERF_PID=""
cleanup() {
  [[ -n "$PERF_PID" ]] && kill -INT "$PERF_PID" 2>/dev/null || true
  if [[ -n "$LOUPE_PID" ]] && kill -0 "$LOUPE_PID" 2>/dev/null; then kill -TERM "$LOUPE_PID" 2>/dev/null || true; fi
}
trap cleanup EXIT
load="$(wait_quiet)"; log "other load before loupe: $load cores"
log "starting $LOUPE_BIN on $DATA (http :$HTTP_PORT, otlp-http :$OTLP_PORT)"
"$LOUPE_BIN" --data "$DATA" --http "127.0.0.1:$HTTP_PORT" --otlp-http "127.0.0.1:$OTLP_PORT" --otlp-grpc off \
  > "$RES/loupe.log" 2>&1 &
LOUPE_PID=$!
for i in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$HTTP_PORT/readyz" >/dev/null 2>&1 && break
  kill -0 "$LOUPE_PID" 2>/dev/null || { log "loupe exited; see $RES/loupe.log"; tail -20 "$RES/loupe.log" >&2; exit 1; }
  sleep 0.1
done
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$LOUPE_PID/stat"; }
sleep 1
cpu0="$(cpu_ticks)"
if [[ "${PERF:-0}" == 1 ]] && command -v perf >/dev/null; then
  perf record -F 499 -g -p "$LOUPE_PID" -o "$RES/perf-ingest.data" 2>/dev/null >/dev/null &
  PERF_PID=$!
fi
log "sending $CALLS calls, $CONCURRENCY requests in flight"
mt0="$(busy_ticks)"
timeout "$SEND_TIMEOUT" node "$HERE/send.mjs" --in "$GEN" --url "http://127.0.0.1:$OTLP_PORT" --concurrency "$CONCURRENCY" > "$RES/send.json" \
  || { log "sender failed or timed out (SEND_TIMEOUT=$SEND_TIMEOUT)"; echo '{"error":"sender failed or timed out"}' > "$RES/send.json"; }
cpu1="$(cpu_ticks)"
mt1="$(busy_ticks)"
if [[ -n "$PERF_PID" ]]; then
  kill -INT "$PERF_PID"; wait "$PERF_PID" 2>/dev/null || true; PERF_PID=""
  perf report -i "$RES/perf-ingest.data" --stdio --no-children --percent-limit 1.5 2>/dev/null | grep -v '^$' | head -150 > "$WORK/perf-ingest.txt" || true
fi
log "send: $(cat "$RES/send.json")"
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" > "$RES/metrics-after-send.txt" || true
log "flush"
t0="$(date +%s.%N)"
flush_status="$(curl -s -o "$RES/flush.txt" -w '%{http_code}' -X POST --max-time 1800 "http://127.0.0.1:$HTTP_PORT/api/v1/admin/flush" || echo 000)"
t1="$(date +%s.%N)"
cpu2="$(cpu_ticks)"
log "flush: HTTP $flush_status in $(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.1f", b-a}') s"
rec_bytes=0; rec_du=0; files_json="{"
for f in "$DATA"/records.db "$DATA"/records.db-wal; do
  [[ -f "$f" ]] || continue
  s="$(stat -c %s "$f")"; d="$(du -B1 "$f" | cut -f1)"
  rec_bytes=$(( rec_bytes + s )); rec_du=$(( rec_du + d ))
done
while IFS= read -r line; do files_json+="$line,"; done < <(cd "$DATA" && find . -type f -printf '"%P":%s\n')
files_json="${files_json%,}}"
data_du="$(du -sB1 "$DATA" | cut -f1)"
stored="$(curl -s "http://127.0.0.1:$HTTP_PORT/api/v1/llm/top?by=model&metric=calls&limit=100" > "$RES/top-model.json" && node -e '
  try { const j = JSON.parse(require("fs").readFileSync(process.argv[1]));
        const rows = j.rows || j.data || j.top || j.items || (Array.isArray(j) ? j : []);
        let n = 0; for (const r of rows) n += +(r.calls ?? r.value ?? 0); console.log(n || ""); } catch { console.log(""); }' "$RES/top-model.json" || true)"
hwm="$(awk '/VmHWM/ { print $2 * 1024 }' "/proc/$LOUPE_PID/status")"
cat > "$RES/loupe.json" <<EOF
{"records_bytes":$rec_bytes,"records_du_bytes":$rec_du,"data_dir_du_bytes":$data_du,"files":$files_json,
 "flush_http":$flush_status,"flush_s":$(awk -v a="$t0" -v b="$t1" 'BEGIN{printf "%.3f", b-a}'),
 "cpu_s_ingest":$(awk -v a="$cpu0" -v b="$cpu1" -v t="$CLK_TCK" 'BEGIN{printf "%.2f", (b-a)/t}'),
 "cpu_s_flush":$(awk -v a="$cpu1" -v b="$cpu2" -v t="$CLK_TCK" 'BEGIN{printf "%.2f", (b-a)/t}'),
 "machine_busy_cpu_s_ingest":$(awk -v a="$mt0" -v b="$mt1" -v t="$CLK_TCK" 'BEGIN{printf "%.2f", (b-a)/t}'),
 "vmhwm_bytes_after_ingest":${hwm:-0},"stored_calls_top":${stored:-null},"other_load_cores":$load,
 "version":$(node -e 'console.log(JSON.stringify(process.argv[1]))' "$LOUPE_VERSION")}
EOF
if [[ "${PERF:-0}" == 1 ]] && command -v perf >/dev/null; then
  perf record -F 499 -g -p "$LOUPE_PID" -o "$RES/perf-query.data" 2>/dev/null >/dev/null &
  PERF_PID=$!
fi
qargs=(--meta "$GEN/meta.json" --url "http://127.0.0.1:$HTTP_PORT" --runs "$RUNS" --warmup "$WARMUP")
[[ "${QUERY_RANGE:-0}" == 1 ]] && qargs+=(--range)
log "queries: $RUNS per kind after $WARMUP warm-up"
timeout "$QUERY_TIMEOUT" node "$HERE/query.mjs" "${qargs[@]}" > "$RES/query.json" \
  || { log "queries failed or timed out (QUERY_TIMEOUT=$QUERY_TIMEOUT)"; echo '{"error":"queries failed or timed out","kinds":{}}' > "$RES/query.json"; }
if [[ -n "$PERF_PID" ]]; then
  kill -INT "$PERF_PID"; wait "$PERF_PID" 2>/dev/null || true; PERF_PID=""
  perf report -i "$RES/perf-query.data" --stdio --no-children --percent-limit 1.5 2>/dev/null | grep -v '^$' | head -150 > "$WORK/perf-query.txt" || true
fi
curl -s "http://127.0.0.1:$HTTP_PORT/metrics" > "$RES/metrics-after-queries.txt" || true
log "stopping loupe"
kill -TERM "$LOUPE_PID"
for i in $(seq 1 300); do kill -0 "$LOUPE_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$LOUPE_PID" 2>/dev/null && { log "loupe still running after 30 s; SIGKILL"; kill -KILL "$LOUPE_PID"; }
LOUPE_PID=""
if command -v sqlite3 >/dev/null && [[ -f "$DATA/records.db" ]]; then
  log "where the bytes of records.db are (dbstat)"
  sqlite3 -readonly "$DATA/records.db" "SELECT name, sum(pgsize) FROM dbstat GROUP BY name ORDER BY 2 DESC" > "$RES/dbstat.txt" 2>/dev/null || true
fi
[[ "${KEEP_DATA:-0}" == 1 ]] || rm -rf "$DATA"

# ---------------------------------------------------------------- report
rargs=(--res "$RES" --stamp "$STAMP" --latest "$HERE/LATEST.md" --built-from "$BUILT_FROM")
[[ "${NO_LATEST:-0}" == 1 ]] && rargs+=(--no-latest)
node "$HERE/report.mjs" "${rargs[@]}"
log "results in $RES"
