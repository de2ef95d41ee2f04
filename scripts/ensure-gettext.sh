#!/usr/bin/env bash
# The Spanish patient texts are gettext catalogs compiled at build time (msgfmt).
set -euo pipefail
if command -v msgfmt >/dev/null 2>&1; then
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing gettext (msgfmt) to compile the translations..."
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null
  exit 0
fi
echo "gettext (msgfmt) is missing: install it to compile the Spanish translations" >&2
exit 1
