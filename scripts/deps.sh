#!/usr/bin/env bash
# scripts/deps.sh - installs what loupe needs on Debian 12: the packages in
# deps/debian-packages.txt (apt, with sudo only when not root) and the npm
# packages of web/, tests/e2e, demo/ and tests/ui (npm ci).  Quick when everything is already there.
set -euo pipefail
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

missing=""
while read -r p cmd; do
  case "$p" in ''|'#'*) continue ;; esac
  if [ -n "$cmd" ]; then
    command -v "$cmd" >/dev/null 2>&1 || missing="$missing $p"
  else
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
  fi
done < deps/debian-packages.txt
if [ -n "$missing" ]; then
  echo "deps: installing$missing"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends $missing
  # Debian's prometheus package starts a system Prometheus on :9090 where
  # systemd runs; loupe's tests start their own on free ports.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet prometheus 2>/dev/null; then
    $SUDO systemctl stop prometheus || true
    $SUDO systemctl disable prometheus >/dev/null 2>&1 || true
  fi
fi

for dir in web tests/e2e demo tests/ui; do
  if [ -f "$dir/package-lock.json" ]; then
    if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
      echo "deps: npm ci in $dir"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
    fi
  fi
done
