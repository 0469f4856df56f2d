"""Images through surrogates: sobel, kmeans and jpeg, exact vs compiled init vs random init.

Usage: python benchmarks/images.py [--out docs/results/images] [--n-samples 1000] [--epochs 300]
       [--seed 0] [--size 128]
Writes one PNG per kernel (input | exact | compiled | random, SSIM in the titles) and
summary.json to --out, and prints the SSIM table (compiled / random is the paper's 1.0-1.3x).
"""

from __future__ import annotations

import argparse
import time


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", default="docs/results/images")
    ap.add_argument("--n-samples", type=int, default=1000)
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--size", type=int, default=128, help="side of the (square) test images")
    args = ap.parse_args()

    from nsc_tune.evaluate.images import run

    t0 = time.perf_counter()
    summary = run(args.out, n_samples=args.n_samples, epochs=args.epochs, seed=args.seed,
                  size=args.size)
    print(f"n_samples {args.n_samples}, epochs {args.epochs}, seed {args.seed}, "
          f"size {args.size}, {time.perf_counter() - t0:.0f} s")
    print(f"{'kernel':8} {'zero-shot':>9} {'compiled':>9} {'random':>9} {'ratio':>7} "
          f"{'compiled+data stats':>19}")
    for name, r in summary["kernels"].items():
        ratio = "n/a" if r["ratio"] is None else f"{r['ratio']:.2f}"
        print(f"{name:8} {r['ssim_zero_shot']:9.3f} {r['ssim_compiled']:9.3f} "
              f"{r['ssim_random']:9.3f} {ratio:>7} {r['ssim_compiled_data_stats']:19.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
