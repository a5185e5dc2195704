#!/usr/bin/env bash
# Everything the tests need beyond `npm run setup`: the Python oracles (delta-rs, MLflow, LightGBM's
# Python package) and Chromium for the report test. Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "setup-test: chromium is missing and cannot be installed without root; the report test will fail" >&2
  fi
fi

# Debian's own Python refuses global installs (PEP 668); a pyenv or venv Python does not.
python3 -m pip install -q -r requirements-test.txt 2>/dev/null \
  || python3 -m pip install -q --break-system-packages -r requirements-test.txt
