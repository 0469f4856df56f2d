#!/usr/bin/env bash
# benchmarks/tuning.py regime (a) on the GPU host's 16 cores (the GPU is not used): one process per
# problem and method side by side, each writing its own JSON; merge them afterwards with
#   python benchmarks/tuning_report.py DIR/*.json --out docs/results/tuning_bo.json --plot ...
# Usage (needs .whl with optuna, botorch and their pure-Python dependencies; see env.sh):
#   PROBLEMS=iv,arm METHODS="nsc_tune BO,optuna TPE" bash benchmarks/gpu/tuning_call.sh
# Every JSON and log comes back in one archive, $OUT/tuning.tgz (the device returns <= 8 files).
set -uo pipefail
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1
# one thread each: 16 jobs times Numba's default 16 threads oversubscribed the host 16-fold
export NUMBA_NUM_THREADS=1
source "$(dirname "$0")/env.sh"
export NSC_TUNE_CACHE=/tmp/nsc_cache
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT/tuning"
PROBLEMS=${PROBLEMS:-iv,arm,branin,pid,pidf,sallen,horizon,beam6}
METHODS=${METHODS:-nsc_tune BO,optuna TPE,optuna CMA-ES,scipy Nelder-Mead,optuna GPSampler,BoTorch GP-BO}
SEEDS=${SEEDS:-5} BUDGET=${BUDGET:-300} CAP=${CAP:-90} LIMIT=${LIMIT:-560} PAR=${PAR:-16}
# compile every problem's kernel once so that the jobs share a warm Numba cache
python3 -c "
import sys; sys.path.insert(0, 'benchmarks')
import numpy as np, tuning
for p in tuning.build_problems('$PROBLEMS'.split(',')).values():
    p.kernel(p.uniform(4, np.random.default_rng(0)))
" || exit 1
jobs_list() {
  IFS=, read -ra ps <<< "$PROBLEMS"; IFS=, read -ra ms <<< "$METHODS"
  for m in "${ms[@]}"; do for p in "${ps[@]}"; do printf '%s\t%s\n' "$p" "$m"; done; done
}
run_one() {
  local p=$1 m=$2 tag; tag="${p}_$(echo "$m" | tr -c 'A-Za-z0-9\n' '_')"
  timeout "$LIMIT" python3 benchmarks/tuning.py --regimes one --problems "$p" --methods "$m" \
    --seeds "$SEEDS" --budget "$BUDGET" --max-seconds "$CAP" --out "$OUT/tuning/$tag.json" \
    > "$OUT/tuning/$tag.log" 2>&1 || echo "$tag: rc $?" >> "$OUT/tuning/failed.txt"
}
export -f run_one; export OUT SEEDS BUDGET CAP LIMIT
jobs_list | xargs -P "$PAR" -d '\n' -I{} bash -c 'IFS=$'"'"'\t'"'"' read -r p m <<< "{}"; run_one "$p" "$m"'
cat "$OUT/tuning/failed.txt" 2>/dev/null
grep -h "runs ->\|Error" "$OUT"/tuning/*.log | tail -60
tar czf "$OUT/tuning.tgz" -C "$OUT" tuning && rm -rf "$OUT/tuning"
