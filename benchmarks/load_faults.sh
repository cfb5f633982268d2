#!/usr/bin/env bash
# Load and faults on SQLite, then on PostgreSQL (issue 7, item 9): benchmarks/load_faults.py
# once per database, wrk installed first when it is missing and we can. Every argument goes to
# both runs (--seconds, --base, --stories...). Exits non-zero when either run failed a check.
#
# Usage: benchmarks/load_faults.sh [--seconds 60] [...]
#        benchmarks/load_faults.sh --sqlite-only [...]
set -uo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

databases=(sqlite postgres)
if [[ ${1:-} == --sqlite-only ]]; then
  databases=(sqlite)
  shift
fi

if ! command -v wrk >/dev/null; then
  if [[ $(id -u) == 0 ]] && command -v apt-get >/dev/null; then
    echo "Installing wrk..." >&2
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null
  else
    echo "wrk is missing: install it (apt-get install wrk) and run again." >&2
    exit 2
  fi
fi

status=0
for database in "${databases[@]}"; do
  if [[ $database == postgres ]]; then
    .venv/bin/python benchmarks/load_faults.py --postgres "$@" || status=1
  else
    .venv/bin/python benchmarks/load_faults.py "$@" || status=1
  fi
done
exit $status
