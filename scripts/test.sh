#!/usr/bin/env bash
# The test command of the README, on a fresh machine with Python 3.11 and pip: install what
# the tests need (Debian's chromium for the browser test, pv with its oracles and test
# tools), then run everything (pv's tests, the engine's oracle tests, the falsifiers)
# under the 'ci' hypothesis profile, one pytest-xdist worker per core (tests/test_types.py runs
# `mypy --strict pv`). Extra arguments go to pytest (`-n 0` runs it in one process).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null
  else
    echo "scripts/test.sh: the browser test needs Debian's chromium: apt-get install chromium chromium-driver" >&2
  fi
fi
python -m pip install -q -e '.[oracle,dev]'
PV_TESTS_REQUIRE_EXTRAS=1 python -m pytest -q --hypothesis-profile=ci -n auto "$@"
