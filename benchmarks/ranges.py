"""The static range analysis on corpus programs and the suite: coverage, soundness, tightness, time.

Usage: python benchmarks/ranges.py --corpus DIR [--split train] [--n 3000] [--json]
For each program: its outputs' proven ranges (``nsc_tune.kernel.ranges``, fresh, not the ranges
stored in the records) against its stored outputs (computed by running it). Prints the share of
outputs with finite bounds (per family), the number of programs with any output outside its
bounds (must be 0; stored outputs are float32, so bounds are widened by half a float32 ulp
there), the half-width of finite bounds relative to the output's standard deviation,
and the analysis time; then the suite kernels against 20,000 fresh Numba samples each.
"""

from __future__ import annotations

import argparse
import itertools
import json
import time
from collections import defaultdict

import numpy as np

#: Corpus outputs are stored rounded to float32: a double result may move by half a float32 ulp.
STORED_F32 = 2.0 ** -24


def _outside(r: np.ndarray, Y: np.ndarray, rel: float = 0.0) -> np.ndarray:
    """Finite outputs outside their proven range, widened by ``rel`` of each bound's magnitude
    (NaN and inf results are not bounded)."""
    with np.errstate(invalid="ignore"):  # infinite bounds stay as they are
        lo = np.where(np.isfinite(r[:, 0]), r[:, 0] - np.abs(r[:, 0]) * rel, r[:, 0])
        hi = np.where(np.isfinite(r[:, 1]), r[:, 1] + np.abs(r[:, 1]) * rel, r[:, 1])
    return np.isfinite(Y) & ((Y < lo) | (Y > hi))


def corpus_rows(root: str, split: str, n: int) -> dict:
    from nsc_tune.compiler.tokenizer import KernelView
    from nsc_tune.corpus.storage import Corpus
    from nsc_tune.kernel.ranges import output_ranges

    finite = total = 0
    unsound: list[int] = []
    times: list[float] = []
    ratios: list[float] = []
    fam: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for prog in itertools.islice(Corpus(root).programs(split), n):
        kv = KernelView.from_record(prog.record)
        t = time.perf_counter()
        r = output_ranges(kv)
        times.append(time.perf_counter() - t)
        Y = prog.Y.astype(np.float64)
        ok = np.isfinite(r).all(axis=1)
        finite += int(ok.sum())
        total += len(ok)
        fam[prog.family][0] += int(ok.sum())
        fam[prog.family][1] += len(ok)
        if _outside(r, Y, STORED_F32).any():
            unsound.append(int(prog.record["index"]))
        for j in np.flatnonzero(ok):
            sd = float(Y[:, j].std())
            if sd > 0:
                ratios.append((r[j, 1] - r[j, 0]) / 2 / sd)
    ms = np.array(times) * 1e3
    return {
        "programs": len(times), "outputs": total, "finite_share": finite / max(total, 1),
        "unsound_programs": unsound,
        "halfwidth_over_std_quartiles": np.percentile(ratios, [25, 50, 75]).round(2).tolist(),
        "ms_median": float(np.median(ms)), "ms_p95": float(np.percentile(ms, 95)),
        "ms_max": float(ms.max()), "seconds_total": float(ms.sum() / 1e3),
        "finite_share_by_family": {k: round(a / b, 3) for k, (a, b) in sorted(fam.items())},
    }


def suite_rows() -> dict:
    from nsc_tune import suite

    out = {}
    for name in suite.names():
        k = suite.load(name)
        k.output_ranges()  # warm caches (parsing, constants)
        t = time.perf_counter()
        r = k.output_ranges()
        ms = (time.perf_counter() - t) * 1e3
        Y = k(k.sample(20_000, seed=4))
        sd = Y.std(axis=0)
        out[name] = {"ms": round(ms, 1), "all_finite": bool(np.isfinite(r).all()),
                     "sound": not bool(_outside(r, Y).any()),
                     "median_halfwidth_over_std": float(np.median((r[:, 1] - r[:, 0]) / 2
                                                                  / np.maximum(sd, 1e-300)))}
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True, help="a built corpus folder")
    ap.add_argument("--split", default="train")
    ap.add_argument("--n", type=int, default=3000, help="programs to analyse")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    report = {"corpus": corpus_rows(args.corpus, args.split, args.n), "suite": suite_rows()}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    c = report["corpus"]
    print(f"{c['programs']} programs, {c['outputs']} outputs: {c['finite_share']:.1%} bounded; "
          f"{len(c['unsound_programs'])} programs with an output outside its bounds")
    print(f"half-width / std of bounded outputs (quartiles): {c['halfwidth_over_std_quartiles']}")
    print(f"analysis time: median {c['ms_median']:.1f} ms, p95 {c['ms_p95']:.1f} ms, "
          f"max {c['ms_max']:.0f} ms, total {c['seconds_total']:.1f} s")
    for fam, share in c["finite_share_by_family"].items():
        print(f"  {fam:<15} {share:.0%} bounded")
    print(f"{'kernel':<13}{'ms':>8}  finite  sound  half-width/std (median)")
    for name, r in report["suite"].items():
        print(f"{name:<13}{r['ms']:>8.1f}  {str(r['all_finite']):<6}  {str(r['sound']):<5}  "
              f"{r['median_halfwidth_over_std']:.1f}")
    return 0 if not c["unsound_programs"] and all(r["sound"] for r in report["suite"].values()) \
        else 1


if __name__ == "__main__":
    raise SystemExit(main())
