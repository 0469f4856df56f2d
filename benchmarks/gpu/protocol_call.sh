#!/usr/bin/env bash
# The paper's protocol at full length (5,000 epochs) on the GPU host, in one <= 10-minute device
# call that does what fits and can be repeated for the rest. Results into $OUT/protocol.
#   bash benchmarks/gpu/protocol_call.sh            # check, probe, then ETT and/or DE as time allows
#   JOBS="ett" bash benchmarks/gpu/protocol_call.sh # only epochs to target
# Steps:
#   check  tests/evaluate/test_batched.py on the GPU (CUDA-graph replay against eager steps)
#   probe  20 and 220 epochs of the 100% fraction with test curves: seconds per epoch
#   ett    epochs to target at 100% (its rows are the data-efficiency runs at 100%)
#   de     data efficiency, reusing the rows of ETT and of REUSE / EXTRA_REUSE (earlier results
#          at the same settings); without an ETT result the 100% fraction is left out
# A step that the probe projects past the call's BUDGET (seconds) is skipped and says so.
set -euo pipefail
export PYTHONUNBUFFERED=1
source "$(dirname "$0")/env.sh"
export NSC_TUNE_CACHE=/tmp/nsc_cache
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT/protocol"
T0=$(date +%s); BUDGET=${BUDGET:-560}
EPOCHS=${EPOCHS:-5000}
REUSE=${REUSE:-docs/results/protocol/gpu-5000/data-efficiency.json}
left() { echo $(( BUDGET - ($(date +%s) - T0) )); }
eval_cmd() { python3 -m nsc_tune.cli eval "$@" --device cuda --json > /dev/null; }
nvidia-smi --query-gpu=name --format=csv,noheader || true

per_epoch=""
for job in ${JOBS:-check probe ett de}; do
  t0=$(date +%s)
  case $job in
    check)
      python3 -m pytest -q -p no:cacheprovider tests/evaluate/test_batched.py 2>&1 | tail -3 ;;
    probe)  # two lengths, so the set-up (data, compiling kernels and graphs) cancels
      eval_cmd epochs-to-target --epochs 20 --out /tmp/probe
      t1=$(date +%s)
      eval_cmd epochs-to-target --epochs 220 --out /tmp/probe
      per_epoch=$(python3 -c "print(max(($(date +%s) - $t1) - ($t1 - $t0), 1) / 200)")
      echo "probe: ${per_epoch} s per epoch at 100%" ;;
    ett)
      if [ -n "$per_epoch" ] && python3 -c "import sys; sys.exit($per_epoch * $EPOCHS < $(left))"
      then echo "ett: skipped, projected $(python3 -c "print(int($per_epoch * $EPOCHS))") s > $(left) s left"; continue; fi
      eval_cmd epochs-to-target --epochs "$EPOCHS" --out "$OUT/protocol" ;;
    de)
      # without ETT's rows the 100% fraction (the long one) is left for a later call
      reuse=($REUSE); fractions="0.0 0.001 0.01 0.1"
      for f in "$OUT/protocol/epochs-to-target.json" ${EXTRA_REUSE:-}; do
        [ -f "$f" ] && reuse+=("$f") && case $f in *epochs-to-target*) fractions="$fractions 1.0";; esac
      done
      eval_cmd data-efficiency --epochs "$EPOCHS" --fractions $fractions --reuse "${reuse[@]}" \
        --out "$OUT/protocol" ;;
  esac
  echo "$job: $(( $(date +%s) - t0 )) s, $(left) s of the budget left"
done
ls -la "$OUT/protocol"
