#!/usr/bin/env bash
# One device call: build an N-program corpus, then pretraining's two data pipelines side by side
# (benchmarks/pretrain_pipeline.py: host collation in forked processes vs batches gathered on the
# GPU from the packed corpus), same weights, batches and settings. Usage (repo root, carrying .whl):
#   N=20000 SECONDS_EACH=75 BATCHES="256 512" VARIANTS=packed+unfused,packed \
#     bash benchmarks/gpu/pipeline_call.sh
set -euo pipefail
export PYTHONUNBUFFERED=1
source "$(dirname "$0")/env.sh"
N=${N:-20000}
SECONDS_EACH=${SECONDS_EACH:-75}
BATCHES=${BATCHES:-256}
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT"
nproc; nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
if [ ! -f /tmp/corpus/manifest.json ]; then
  python3 -m nsc_tune.cli corpus build --n "$N" --out /tmp/corpus --workers "$(nproc)" --json \
    > "$OUT/corpus_build.json"
fi
for b in $BATCHES; do
  python3 benchmarks/pretrain_pipeline.py --corpus /tmp/corpus --seconds "$SECONDS_EACH" \
    --variants "${VARIANTS:-collate,packed}" --batch-size "$b" \
    --collate-workers $(( $(nproc) - 2 )) --json "$OUT/pipeline_b$b.json"
done
