#!/usr/bin/env bash
# demo/run.sh - start loupe with a demo data directory and feed it demo traffic:
# a backfill of the last 7 days (skipped up to the newest call already stored
# when the data directory is reused), then live traffic until Ctrl-C, which
# stops the generator and then loupe.
#
# Environment: DEMO_DATA (data directory, default ./data-demo at the repo
# root), DEMO_HTTP / DEMO_OTLP_HTTP / DEMO_OTLP_GRPC (listen addresses,
# default :9090 / :4318 / :4317), LOUPE_BIN (binary, default $BUILD/loupe with
# BUILD=build, built with `make build` when missing).  Arguments are passed to
# demo/generate.mjs (e.g. --seed 7 --days 3 --once; see --help).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD="${BUILD:-build}"
BIN="${LOUPE_BIN:-$ROOT/$BUILD/loupe}"
DATA="${DEMO_DATA:-$ROOT/data-demo}"
HTTP="${DEMO_HTTP:-:9090}"
OTLP_HTTP="${DEMO_OTLP_HTTP:-:4318}"
OTLP_GRPC="${DEMO_OTLP_GRPC:-:4317}"

port_of() { echo "${1##*:}"; }
host_of() { local h="${1%:*}"; [ -z "$h" ] || [ "$h" = "0.0.0.0" ] && h=127.0.0.1; echo "$h"; }
HTTP_URL="http://$(host_of "$HTTP"):$(port_of "$HTTP")"
if [ "$OTLP_HTTP" = off ]; then OTLP_URL="$HTTP_URL"; else OTLP_URL="http://$(host_of "$OTLP_HTTP"):$(port_of "$OTLP_HTTP")"; fi

if [ ! -x "$BIN" ]; then
  echo "demo: $BIN not found, building loupe (make build)" >&2
  make -C "$ROOT" build BUILD="$BUILD"
fi
if [ ! -d "$ROOT/demo/node_modules/@opentelemetry/sdk-trace-base" ]; then
  echo "demo: installing the generator's npm packages" >&2
  (cd "$ROOT/demo" && npm ci --no-audit --no-fund)
fi

mkdir -p "$DATA"
LOG="$DATA/loupe-demo.log"
# loupe runs in its own session so that Ctrl-C reaches only the generator;
# loupe is stopped (SIGTERM, graceful) after the generator has finished.
setsid "$BIN" --data "$DATA" --http "$HTTP" --otlp-http "$OTLP_HTTP" --otlp-grpc "$OTLP_GRPC" >>"$LOG" 2>&1 &
LOUPE_PID=$!

stop_loupe() {
  if kill -0 "$LOUPE_PID" 2>/dev/null; then
    echo "demo: stopping loupe (pid $LOUPE_PID)" >&2
    kill -TERM "$LOUPE_PID" 2>/dev/null || true
    for _ in $(seq 1 300); do kill -0 "$LOUPE_PID" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$LOUPE_PID" 2>/dev/null; then
      echo "demo: loupe did not stop within 30 s, killing it" >&2
      kill -KILL "$LOUPE_PID" 2>/dev/null || true
    fi
  fi
}
trap stop_loupe EXIT
trap 'exit 130' TERM

for _ in $(seq 1 150); do
  if ! kill -0 "$LOUPE_PID" 2>/dev/null; then
    echo "demo: loupe exited; last lines of $LOG:" >&2
    tail -n 20 "$LOG" >&2
    exit 1
  fi
  if curl -sf "$HTTP_URL/readyz" >/dev/null 2>&1; then break; fi
  sleep 0.2
done
curl -sf "$HTTP_URL/readyz" >/dev/null || { echo "demo: loupe is not ready at $HTTP_URL" >&2; exit 1; }

cat >&2 <<EOF
demo: loupe is up (data in $DATA, log in $LOG)
demo:   UI and APIs  $HTTP_URL/
demo:   OTLP/HTTP    $OTLP_URL   OTLP/gRPC $OTLP_GRPC   remote-write $HTTP_URL/api/v1/write
demo: sending the history first (7 days unless --days; only what is missing when the data directory is reused), then live traffic; Ctrl-C stops both
EOF

status=0
node "$ROOT/demo/generate.mjs" --http-url "$HTTP_URL" --otlp-url "$OTLP_URL" --days 7 --backfill auto --live "$@" || status=$?
exit "$status"
