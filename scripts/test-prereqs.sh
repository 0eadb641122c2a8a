#!/usr/bin/env bash
# Gets the machine ready for the test suite: Debian's chromium for the browser
# tests and a running PostgreSQL for the database tests. Installs only what is
# missing; with CI=true a missing piece is an error, elsewhere a warning
# (those tests then skip with a message).
set -uo pipefail

need() { if [ "${CI:-}" = "true" ]; then echo "test-prereqs: $*" >&2; exit 1; else echo "test-prereqs: warning: $*" >&2; fi; }

# Debian packages: chromium (browser tests), poppler-utils' pdftoppm (report pages as PNG).
missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
command -v pdftoppm >/dev/null 2>&1 || missing+=(poppler-utils)
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "test-prereqs: installing ${missing[*]} with apt-get"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null) \
      || need "could not install ${missing[*]} with apt-get"
  else
    need "missing ${missing[*]} (those tests will skip): sudo apt-get install ${missing[*]}"
  fi
fi

if command -v pg_isready >/dev/null 2>&1 && ! pg_isready -q -h 127.0.0.1 -p 5432; then
  if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    echo "test-prereqs: starting PostgreSQL"
    for version in $(ls /etc/postgresql); do
      pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
    for _ in $(seq 1 20); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 0.5; done
  fi
fi
if ! (command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432); then
  need "PostgreSQL is not reachable on 127.0.0.1:5432 (PostgreSQL tests will skip)"
fi
exit 0
