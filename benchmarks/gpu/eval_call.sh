#!/usr/bin/env bash
# Evaluation jobs on the GPU host (device tool; 16 cores), results into $OUT. Usage:
#   JOBS="accelerate ett" bash benchmarks/gpu/eval_call.sh     # then JOBS=de on the same machine
#   accelerate: benchmarks/accelerate.py with the GPU column and the quality gate
#   ett / de:   the paper's protocol (epochs to target / data efficiency) with PROTO settings,
#               each fraction's runs batched on the GPU (--device cuda)
set -euo pipefail
export PYTHONUNBUFFERED=1
source "$(dirname "$0")/env.sh"
export NSC_TUNE_CACHE=/tmp/nsc_cache
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
PROTO=${PROTO:-"--pool 10000 --test 2000 --trials 9 --epochs 400 --device cuda"}
nvidia-smi --query-gpu=name --format=csv,noheader || true
for job in ${JOBS:-accelerate ett de}; do
  t0=$(date +%s)
  case $job in
    accelerate)
      python3 benchmarks/accelerate.py --gate --out "$OUT/accelerate.json" \
        --plot "$OUT/accelerate.png" 2>&1 | grep -v -i warn ;;
    ett)
      python3 -m nsc_tune.cli eval epochs-to-target $PROTO --json --out "$OUT/protocol" \
        > /dev/null ;;
    de)
      python3 -m nsc_tune.cli eval data-efficiency $PROTO --json --out "$OUT/protocol" \
        > /dev/null ;;
  esac
  echo "$job: $(( $(date +%s) - t0 )) s"
done
ls -la "$OUT" "$OUT/protocol" 2>/dev/null || true
