#!/usr/bin/env bash
# The paper's protocol on held-out corpus programs, on the GPU host (one <= 10-minute call per
# job). Builds the 10k corpus (seed 0: the build whose validation split chose the shipped
# weights; its test split is held out from pretraining), then runs PROGRAMS of its test programs.
#   JOBS=ett bash benchmarks/gpu/corpus_protocol_call.sh
#   JOBS=de REUSE=path/to/epochs-to-target.json bash benchmarks/gpu/corpus_protocol_call.sh
#   JOBS="ett de" NAMES="corpus:526 corpus:786" bash benchmarks/gpu/corpus_protocol_call.sh
set -euo pipefail
export PYTHONUNBUFFERED=1
source "$(dirname "$0")/env.sh"
export NSC_TUNE_CACHE=/tmp/nsc_cache
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT/corpus"
PROGRAMS=${PROGRAMS:-30}; EPOCHS=${EPOCHS:-5000}; CORPUS=/tmp/corpus10k
T0=$(date +%s)
nvidia-smi --query-gpu=name --format=csv,noheader || true
if [ ! -f "$CORPUS/manifest.json" ]; then
  python3 -m nsc_tune.cli corpus build --n 10000 --out "$CORPUS" --workers 16 2>&1 | tail -2
  echo "corpus: $(( $(date +%s) - T0 )) s"
fi
# NAMES="corpus:526 corpus:786 ...": those test programs instead of a sample of PROGRAMS
if [ -n "${NAMES:-}" ]; then pick=(--kernels $NAMES); else pick=(--kernels --programs "$PROGRAMS"); fi
args=("${pick[@]}" --corpus "$CORPUS" --epochs "$EPOCHS" --device cuda --json --out "$OUT/corpus")
for job in ${JOBS:-ett}; do
  t0=$(date +%s)
  case $job in
    ett) python3 -m nsc_tune.cli eval epochs-to-target "${args[@]}" > /dev/null ;;
    de)  reuse=(${REUSE:-}); [ -f "$OUT/corpus/epochs-to-target.json" ] && \
           reuse+=("$OUT/corpus/epochs-to-target.json")
         python3 -m nsc_tune.cli eval data-efficiency "${args[@]}" \
           ${reuse[0]:+--reuse "${reuse[@]}"} > /dev/null ;;
  esac
  echo "$job: $(( $(date +%s) - t0 )) s"
done
ls -la "$OUT/corpus"
