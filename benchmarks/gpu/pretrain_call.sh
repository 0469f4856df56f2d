#!/usr/bin/env bash
# One resumable pretraining call on a GPU host (the device tool): build the corpus from its seed,
# resume CompNet pretraining from the carried checkpoint (if any) for TRAIN_MINUTES, and put the
# results in $OUT. Usage (from the repo root, carrying .whl and .device/run):
#   N=100000 STEPS=12000 DEADLINE=540 bash benchmarks/gpu/pretrain_call.sh
set -euo pipefail
export PYTHONUNBUFFERED=1
python3 -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --upgrade \
  --target /tmp/site .whl/*.whl
export PYTHONPATH=/tmp/site:$PWD
N=${N:-100000}
STEPS=${STEPS:-30000}
DEADLINE=${DEADLINE:-540}  # seconds after the start by which training must have stopped
MODEL=${MODEL:-'{}'}
OUT=${OUT:-/tmp/out}
mkdir -p "$OUT" /tmp/run
nproc; nvidia-smi --query-gpu=name,memory.total --format=csv,noheader || true
t0=$(date +%s)
python3 -m nsc_tune.cli corpus build --n "$N" --out /tmp/corpus --workers "$(nproc)" --json \
  > /tmp/corpus_build.json
python3 -m nsc_tune.cli corpus stats /tmp/corpus --plot "$OUT/corpus_stats.png" --json \
  > /tmp/corpus_stats.json
echo "corpus ready after $(( $(date +%s) - t0 )) s"
if [ -d .device/run ]; then cp -r .device/run/. /tmp/run/; fi
TRAIN_MINUTES=$(python3 -c "print(max(0.5, ($DEADLINE - ($(date +%s) - $t0) - 40) / 60))")
echo "training for $TRAIN_MINUTES minutes"
python3 -m nsc_tune.compiler.pretrain --corpus /tmp/corpus --out /tmp/run --steps "$STEPS" \
  --max-minutes "$TRAIN_MINUTES" --model "$MODEL" --json > /tmp/pretrain.json
python3 - <<'PY'
import json
report = {k: json.load(open(f"/tmp/{k}.json")) for k in ("corpus_build", "corpus_stats", "pretrain")}
json.dump(report, open(__import__("os").environ["OUT"] + "/report.json", "w"), indent=2)
print(json.dumps({k: report[k] for k in ("corpus_build", "pretrain")}, indent=2))
PY
cp /tmp/run/checkpoint*.safetensors /tmp/run/compnet.safetensors /tmp/run/log.jsonl \
  /tmp/run/loss.png "$OUT/"
ls -la "$OUT"
