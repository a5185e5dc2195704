#!/usr/bin/env bash
# Darts beside cvc on the same folds and stores (bench only, never part of `npm test`):
#   1. a bench-only Python venv under .bench-venv/ (git-ignored) with Darts, PyTorch (CPU use) and
#      LightGBM pinned in bench/requirements-darts.txt; reinstalled when that file changes;
#   2. a cvc demo of --stores stores and its backtest (lgbm, nbeats, tft and the baselines) over --folds
#      folds in a temporary directory, through the built CLI (npx pnpm@12.4.2 run build first);
#   3. bench/vs-darts.py: Darts' TFT, N-BEATS and LightGBM on that run's folds and stores, printed beside
#      cvc's WAPE, p10-p90 coverage and seconds.
# Usage: bench/vs-darts.sh [--stores 20] [--folds 2] [--epochs 3] [--models tft,nbeats,lgbm]
#          [--train-windows 365] [--seed 42] [--keep]
#        bench/vs-darts.sh --lake DIR/data/lake --tracking DIR/data/tracking --run-id ID [--stores N] ...
#          (compare with an existing cvc backtest run instead: its folds, a deterministic --stores subset)
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$repo/.bench-venv"
req="$repo/bench/requirements-darts.txt"

stores=20 folds=2 epochs=3 seed=42 keep=0 lake="" tracking="" run_id="" passthrough=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --stores) stores="$2"; shift 2 ;;
    --folds) folds="$2"; shift 2 ;;
    --epochs) epochs="$2"; shift 2 ;;
    --seed) seed="$2"; shift 2 ;;
    --lake) lake="$2"; shift 2 ;;
    --tracking) tracking="$2"; shift 2 ;;
    --run-id) run_id="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    --models | --train-windows | --threads) passthrough+=("$1" "$2"); shift 2 ;;
    *) echo "vs-darts: unknown option $1 (see the usage at the top of $0)" >&2; exit 2 ;;
  esac
done
for v in stores folds epochs seed; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || { echo "vs-darts: --$v must be a whole number, got '${!v}'" >&2; exit 2; }
done

# 1. The venv, rebuilt only when the pinned requirements change.
stamp="$venv/.requirements.sha256"
want="$(sha256sum "$req" | cut -d' ' -f1)"
if [[ ! -x "$venv/bin/python" || "$(cat "$stamp" 2>/dev/null)" != "$want" ]]; then
  echo "vs-darts: installing $req into $venv (torch's Linux wheel brings CUDA runtime wheels: a few GB)"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q --upgrade pip
  nice -n 10 "$venv/bin/pip" install -q -r "$req"
  echo "$want" > "$stamp"
fi

# 2. The cvc backtest to compare with, unless one was named.
work=""
if [[ -z "$run_id" ]]; then
  cli="$repo/packages/cli/dist/bin.js"
  [[ -f "$cli" ]] || { echo "vs-darts: $cli missing: run npx pnpm@12.4.2 run build first" >&2; exit 2; }
  work="$(mktemp -d "${TMPDIR:-/tmp}/cvc-vs-darts-XXXXXX")"
  mkdir -p "$work/configs"
  printf 'demo: { stores: %s, seed: %s }\nbacktest: { folds: %s }\n' "$stores" "$seed" "$folds" \
    > "$work/configs/cvc.yaml"
  cvc() { nice -n 5 node "$cli" -c "$work/configs/cvc.yaml" --log-level warn "$@"; }
  cvc demo init --stores "$stores" --seed "$seed" > /dev/null
  cvc ingest --full > /dev/null
  t0=$(date +%s.%N)
  cvc --json backtest --models lgbm,nbeats,tft > "$work/backtest.json"
  t1=$(date +%s.%N)
  run_id="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["runId"])' "$work/backtest.json")"
  echo "cvc backtest $run_id: $(python3 -c "print(f'{$t1 - $t0:.0f}')") s wall (lgbm, nbeats, tft and the baselines," \
    "$folds folds, 2 workers)"
  lake="$work/data/lake" tracking="$work/data/tracking"
fi

# 3. Darts on the same folds and stores.
args=(--lake "$lake" --run-id "$run_id" --stores "$stores" --folds "$folds" --epochs "$epochs" --seed "$seed")
[[ -n "$tracking" ]] && args+=(--tracking "$tracking")
nice -n 5 "$venv/bin/python" "$repo/bench/vs-darts.py" "${args[@]}" "${passthrough[@]}"

if [[ -n "$work" ]]; then
  if [[ "$keep" == 1 ]]; then echo "kept $work"; else rm -rf "$work"; fi
fi
