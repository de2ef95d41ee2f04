#!/usr/bin/env bash
# Browser tests drive Debian's Chromium through Playwright; no browser is ever downloaded.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing Debian's chromium for the browser tests..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
if [ -n "${CI:-}" ]; then
  echo "chromium is missing and cannot be installed: browser tests cannot run" >&2
  exit 1
fi
echo "WARNING: chromium is not installed; browser tests will be reported as skipped." >&2
