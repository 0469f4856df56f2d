#!/usr/bin/env bash
# One resumable pretraining call on a GPU host (the device tool): build the corpus from its seed
# (skipped when a warm machine still has it), resume CompNet pretraining from the run folder left
# on the machine or carried in .device/run (or start from INIT weights), and put the results in
# $OUT. With EVAL=1, also measure zero-shot quality of the result; with BUILD_ONLY=1, only build
# the corpus (a fresh machine needs ~400-500 s for 100k programs; chain the training calls right
# after it, while the machine is warm). Usage (repo root, carrying .whl and .device):
#   N=100000 STEPS=30000 DEADLINE=540 INIT=nsc_tune/compiler/weights/compnet.safetensors \
#     bash benchmarks/gpu/pretrain_call.sh
set -euo pipefail
export PYTHONUNBUFFERED=1
source "$(dirname "$0")/env.sh"
N=${N:-100000}
STEPS=${STEPS:-30000}
DEADLINE=${DEADLINE:-540}  # seconds after the start by which training must have stopped
MODEL=${MODEL:-'{}'}
INIT=${INIT:-}
EXTRA=${EXTRA:-}  # more pretrain options, e.g. "--batch-size 128 --collate-workers 8"
EVAL=${EVAL:-0}
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT" /tmp/run
nproc; nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
t0=$(date +%s)
if [ ! -f /tmp/corpus/manifest.json ]; then
  python3 -m nsc_tune.cli corpus build --n "$N" --out /tmp/corpus --workers "$(nproc)" --json \
    > /tmp/corpus_build.json
  if [ "${STATS:-1}" = 1 ]; then  # STATS=0: skip the statistics plot (a cold build is ~560 s)
    python3 -m nsc_tune.cli corpus stats /tmp/corpus --plot "$OUT/corpus_stats.png" --json \
      > /tmp/corpus_stats.json
  fi
fi
echo "corpus ready after $(( $(date +%s) - t0 )) s"
if [ "${BUILD_ONLY:-0}" = 1 ]; then  # a cold machine: building takes most of a call
  cp /tmp/corpus_build.json /tmp/corpus_stats.json "$OUT/" 2>/dev/null || true
  exit 0
fi
# A warm machine's own run folder is newer than anything carried.
if [ ! -f /tmp/run/checkpoint.safetensors ] && [ -d .device/run ]; then
  cp -r .device/run/. /tmp/run/
fi
INIT_ARG=(); if [ -n "$INIT" ]; then INIT_ARG=(--init-weights "$INIT"); fi
RESERVE=$(( EVAL == 1 ? 100 : 40 ))
TRAIN_MINUTES=$(python3 -c "print(max(0.5, ($DEADLINE - ($(date +%s) - $t0) - $RESERVE) / 60))")
echo "training for $TRAIN_MINUTES minutes"
# shellcheck disable=SC2086
python3 -m nsc_tune.compiler.pretrain --corpus /tmp/corpus --out /tmp/run --steps "$STEPS" \
  --max-minutes "$TRAIN_MINUTES" --model "$MODEL" "${INIT_ARG[@]}" $EXTRA --json \
  > /tmp/pretrain.json
cat /tmp/pretrain.json
if [ "$EVAL" = 1 ]; then
  python3 -m nsc_tune.compiler.zero_shot --weights /tmp/run/compnet.safetensors \
    --corpus /tmp/corpus --suite --device cuda > "$OUT/zero_shot.json"
  python3 -c "import json; r=json.load(open('$OUT/zero_shot.json')); print(json.dumps(r['corpus'])); print({k: round(v['mse_random']/v['mse_compiled'], 3) for k, v in r['suite'].items()})"
fi
cp /tmp/run/checkpoint*.safetensors /tmp/run/compnet.safetensors /tmp/run/log.jsonl \
  /tmp/run/loss.png "$OUT/"
ls -la "$OUT"
