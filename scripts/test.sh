#!/usr/bin/env bash
# The test command of the README: install pv with its oracles and test tools, run everything.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e '.[oracle,dev]'
python -m pytest -q -p no:randomly "$@"
