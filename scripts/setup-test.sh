#!/usr/bin/env bash
# Everything the tests need beyond `npm run setup`: the Python oracles (delta-rs, MLflow, LightGBM's
# Python package, pyspark + delta-spark), Chromium for the report test, a headless JDK for Spark, and
# the delta-spark and hadoop-azure jars from Maven Central (fetched here once, so the Spark test never
# downloads).
# Safe to rerun.
set -euo pipefail
cd "$(dirname "$0")/.."

# Debian packages the tests need: Chromium (report test) and a headless JDK 17 (Spark test).
apt_packages=()
command -v chromium >/dev/null 2>&1 || apt_packages+=(chromium)
command -v java >/dev/null 2>&1 || apt_packages+=(openjdk-17-jre-headless)
if [ "${#apt_packages[@]}" -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${apt_packages[@]}" >/dev/null
  else
    echo "setup-test: ${apt_packages[*]} missing and cannot be installed without root; the report/Spark tests will fail" >&2
  fi
fi

# Debian's own Python refuses global installs (PEP 668); a pyenv or venv Python does not.
python3 -m pip install -q -r requirements-test.txt 2>/dev/null \
  || python3 -m pip install -q --break-system-packages -r requirements-test.txt

# One Spark session with the same settings as the Spark test: ivy resolves delta-spark's and
# hadoop-azure's (wasb://) jars from Maven Central into ~/.ivy2.5.2 now, and the test finds them there.
if command -v java >/dev/null 2>&1; then
  python3 packages/cli/test/spark-compare.py '[]' >/dev/null
else
  echo "setup-test: no java, so the delta-spark and hadoop-azure jars were not fetched; the Spark test will fail" >&2
fi
