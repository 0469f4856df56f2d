"""Would CompNet's zero-shot surrogates gain from being less sure of themselves?

Usage: python benchmarks/zero_shot_calibration.py --corpus DIR [--weights PATH] [--json]

Tests three post-hoc rules on top of ``surrogate.mlp.bound_by_ranges`` (each output's location
kept in its proven range, scale capped at the half-width, misread outputs replaced by the midpoint):
  - ``distrust share``: when at least that share of a program's finite-range outputs were
    misread, treat all of them as misread (the whole program was misunderstood);
  - ``edge distrust``: also treat a location farther than ``q`` half-widths from its range's
    midpoint as misread;
  - ``location shrink``: move every finite-range location towards its range's midpoint,
    ``mid + lam * (loc - mid)``;
  - ``scale shrink``: multiply every scale by ``gamma`` (hedging an uncertain shape).
Each is scored as the zero-shot statistic (geometric mean of random-init MSE / compiled MSE, and
the share of programs better than random) on the corpus's validation split, where a rule would be
chosen, and on its test split, where it would be reported.
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import torch

from nsc_tune.compiler.compiler import Compiler
from nsc_tune.compiler.data import collate, load_corpus, out_ranges
from nsc_tune.surrogate.mlp import denormalise_outputs, forward_normalised, random_params, symexp

RULES = [("bound_by_ranges (shipped)", {}),
         *[(f"distrust share {t}", {"theta": t}) for t in (0.3, 0.5)],
         *[(f"edge distrust {q}", {"edge": q}) for q in (0.95, 0.9, 0.75)],
         *[(f"location shrink {lam}", {"lam": lam}) for lam in (0.9, 0.8)],
         *[(f"scale shrink {g}", {"gamma": g}) for g in (0.9, 0.8)]]


@torch.no_grad()
def collect(comp: Compiler, programs, seeds: int = 3) -> list[dict]:
    """CompNet's raw location/scale/shape per program, its true outputs, ranges and random MSE."""
    cfg, recs = comp.config, []
    for start in range(0, len(programs), 32):
        chunk = programs[start: start + 32]
        n = min(p.X.shape[0] for p in chunk)
        batch = collate(chunk, [np.arange(n)] * len(chunk))
        p = comp.model(batch.ids, batch.values, batch.in_pos, batch.in_mask, batch.out_pos,
                       batch.out_mask)
        shape = forward_normalised(p, batch.xn)
        ranges = out_ranges(chunk)
        for i, prog in enumerate(chunk):
            m, k = prog.Y.shape[1], prog.X.shape[1]
            y = batch.y[i, :, :m].double()
            rand = []
            for s in range(seeds):
                rp = random_params(k, m, cfg.width, cfg.depth, 1, torch.Generator().manual_seed(s))
                yr = denormalise_outputs(rp, forward_normalised(rp, batch.xn[i: i + 1, :, :k]))
                rand.append(float(((yr[0].double() - y) ** 2).mean()))
            recs.append({"loc": symexp(p.mu[i, :m].double()),
                         "log_scale": p.log_sigma[i, :m].double(),
                         "shape": shape[i, :, :m].double(), "y": y,
                         "ranges": ranges[i, :m].double(), "mse_random": float(np.mean(rand))})
    return recs


def mse(rec: dict, theta: float | None = None, edge: float | None = None, lam: float = 1.0,
        gamma: float = 1.0) -> float:
    """Compiled MSE of one program under a rule (the defaults are ``bound_by_ranges``)."""
    from nsc_tune.surrogate.mlp import DISTRUST_SCALE

    loc, log_scale = rec["loc"], rec["log_scale"]
    lo, hi = rec["ranges"][:, 0], rec["ranges"][:, 1]
    finite = torch.isfinite(lo) & torch.isfinite(hi)
    misread = finite & ((loc < lo) | (loc > hi))
    if edge is not None:  # a location in the outer part of its range counts as misread too
        misread = misread | (finite & ((loc - (lo + hi) / 2).abs() > edge * (hi - lo) / 2))
    if theta is not None and finite.any() and misread[finite].double().mean() >= theta:
        misread = finite
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    loc = torch.minimum(torch.maximum(loc, lo), hi)
    loc = torch.where(finite, mid + lam * (loc - mid), loc)
    loc = torch.where(misread, mid, loc)
    cap = torch.where(finite, torch.log(torch.maximum(half, 1e-12 * (loc.abs() + 1))),
                      torch.full_like(half, math.inf))
    log_scale = torch.minimum(log_scale, cap) + math.log(gamma)
    log_scale = torch.where(misread, cap + math.log(DISTRUST_SCALE), log_scale)
    pred = loc[None] + torch.exp(log_scale)[None] * rec["shape"]
    return float(((pred - rec["y"]) ** 2).mean())


def score(recs: list[dict], **rule) -> dict:
    ratios = np.array([(r["mse_random"] + 1e-30) / (mse(r, **rule) + 1e-30) for r in recs])
    return {"geomean_improvement": round(float(math.exp(np.log(ratios).mean())), 3),
            "share_better_than_random": round(float((ratios > 1).mean()), 3)}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--corpus", required=True)
    ap.add_argument("--weights", default=None)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    comp = Compiler(args.weights)
    splits = {s: collect(comp, load_corpus(args.corpus, s, comp.config.max_len))
              for s in ("val", "test")}
    rows = [{"rule": name, **{s: score(recs, **rule) for s, recs in splits.items()}}
            for name, rule in RULES]
    if args.json:
        print(json.dumps({"weights": str(comp.path), "rows": rows}, indent=2))
        return 0
    print(f"{'rule':<28}{'val geomean':>12}{'val better':>11}{'test geomean':>13}"
          f"{'test better':>12}")
    for r in rows:
        v, t = r["val"], r["test"]
        print(f"{r['rule']:<28}{v['geomean_improvement']:>12}{v['share_better_than_random']:>11}"
              f"{t['geomean_improvement']:>13}{t['share_better_than_random']:>12}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
