#!/usr/bin/env bash
# benchmarks/surrogate_quality.py on the GPU host (device tool; 16 cores), one process per kernel
# side by side, each writing its own JSON into $OUT (merge them with --merge). Usage:
#   SIZES=10,30,100,300 SEEDS=3 LIMIT=540 bash benchmarks/gpu/surrogate_quality_call.sh
# A process still running at LIMIT seconds is stopped; what it finished is in its JSON, and a
# later call with the same files carried in (IN=dir) resumes after it.
set -uo pipefail
export PYTHONUNBUFFERED=1 OMP_NUM_THREADS=${THREADS:-2} MKL_NUM_THREADS=${THREADS:-2}
source "$(dirname "$0")/env.sh"
export NSC_TUNE_CACHE=/tmp/nsc_cache
OUT=${OUT:-/tmp/out}; mkdir -p "$OUT"
KERNELS=${KERNELS:-blackscholes fft inversek2j jmeint jpeg kmeans sobel beam projectile}
python3 -c "import nsc_tune.kernel" >/dev/null  # warm the Numba cache once
for k in $KERNELS; do
  [ -n "${IN:-}" ] && [ -f "$IN/sq_$k.json" ] && cp "$IN/sq_$k.json" "$OUT/sq_$k.json"
  timeout "${LIMIT:-540}" python3 benchmarks/surrogate_quality.py --kernels "$k" \
    --sizes "${SIZES:-10,30,100,300}" --seeds "${SEEDS:-3}" --epochs "${EPOCHS:-3000}" \
    --caps "${CAPS:-cpu}" --out "$OUT/sq_$k.json" > "$OUT/log_$k.txt" 2>&1 &
done
wait
grep -h -v -i warn "$OUT"/log_*.txt | grep "|" | tail -80
# the device returns at most 8 files: one archive holds every JSON and log
tar czf "$OUT/surrogate_quality.tgz" -C "$OUT" $(cd "$OUT" && ls sq_*.json log_*.txt) \
  && rm -f "$OUT"/sq_*.json "$OUT"/log_*.txt
