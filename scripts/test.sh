#!/usr/bin/env bash
# The test command of the README: install pv with its oracles and test tools, run everything
# (pv's tests, the engine's oracle tests, the falsifiers) under the 'ci' hypothesis profile.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e '.[oracle,dev]'
python -m pytest -q --hypothesis-profile=ci "$@"
