#!/usr/bin/env bash
# Data-parallel pretraining on a 2-GPU host (device tool, kind nvidia-h100-x2): build a corpus,
# time one GPU alone, then continue pretraining on both GPUs with torchrun (DDP) and time that.
# The global batch is the same in both runs, so steps/s compare directly.
#   N=30000 STEPS=40000 INIT=.device/w_main.safetensors DEADLINE=540 bash benchmarks/gpu/ddp_call.sh
set -euo pipefail
export PYTHONUNBUFFERED=1 NCCL_NVLS_ENABLE=0 TORCH_SYMM_MEM_DISABLE_MULTICAST=1 NVSHMEM_DISABLE_NVLS=1
source "$(dirname "$0")/env.sh"
N=${N:-30000}; STEPS=${STEPS:-40000}; DEADLINE=${DEADLINE:-540}; INIT=${INIT:-}
ONE_MINUTES=${ONE_MINUTES:-1}; EXTRA=${EXTRA:-}  # e.g. "--batch-size 128 --collate-workers 8"
ONE_EXTRA=${ONE_EXTRA:-}  # options for the one-GPU run only (e.g. twice the collate workers)
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
t0=$(date +%s)
nvidia-smi --query-gpu=name --format=csv,noheader
python3 -m nsc_tune.cli corpus build --n "$N" --out /tmp/corpus --workers "$(nproc)" --json \
  > "$OUT/ddp_corpus.json"
echo "corpus ready after $(( $(date +%s) - t0 )) s"
INIT_ARG=(); if [ -n "$INIT" ]; then INIT_ARG=(--init-weights "$INIT"); fi
CUDA_VISIBLE_DEVICES=0 python3 -m nsc_tune.compiler.pretrain --corpus /tmp/corpus \
  --out /tmp/one --steps "$STEPS" "${INIT_ARG[@]}" --max-minutes "$ONE_MINUTES" $EXTRA $ONE_EXTRA --json > /tmp/one.json 2>/dev/null
LEFT=$(python3 -c "print(max(0.5, ($DEADLINE - ($(date +%s) - $t0) - 30) / 60))")
echo "DDP training for $LEFT minutes"
torchrun --standalone --nproc-per-node 2 -m nsc_tune.compiler.pretrain --corpus /tmp/corpus \
  --out /tmp/run --steps "$STEPS" "${INIT_ARG[@]}" --max-minutes "$LEFT" $EXTRA --json \
  > /tmp/two.json 2>/dev/null
python3 - <<'PY'
import json, os
one, two = json.load(open("/tmp/one.json")), json.load(open("/tmp/two.json"))
rep = {"one_gpu": one, "two_gpus": two,
       "speedup_steps_per_second": round(two["steps_per_second"] / one["steps_per_second"], 3),
       "speedup_steady": round(two["steady_steps_per_second"] / one["steady_steps_per_second"], 3)}
json.dump(rep, open(os.environ["OUT"] + "/ddp_report.json", "w"), indent=2)
print(json.dumps(rep, indent=2))
PY
cp /tmp/run/compnet.safetensors /tmp/run/log.jsonl /tmp/run/loss.png "$OUT/"
