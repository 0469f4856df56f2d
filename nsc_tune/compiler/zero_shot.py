"""Zero-shot quality: compiled surrogates (no I/O data) against randomly initialised ones.

For each program: the MSE, in the program's own units, of its compiled surrogate and of random
initialisations (mean over seeds) on the program's samples; the improvement is their ratio, and the
summary is the geometric mean of the ratios (the paper's statistic at 0% data). The MSE divided by
the output variance (1 - R^2) is reported as well, since raw MSE mixes every program's scale.
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
import torch

from nsc_tune.compiler.compiler import Compiler
from nsc_tune.compiler.data import TrainProgram, collate, load_corpus
from nsc_tune.surrogate.mlp import (
    denormalise_outputs,
    forward_normalised,
    random_params,
)


@torch.no_grad()
def evaluate(compiler: Compiler, programs: list[TrainProgram], seeds: int = 3,
             batch_size: int = 32) -> list[dict]:
    """Per-program MSE of compiled and random-init surrogates on the programs' stored samples."""
    cfg = compiler.config
    out = []
    for start in range(0, len(programs), batch_size):
        chunk = programs[start: start + batch_size]
        rows = [np.arange(p.X.shape[0]) for p in chunk]
        if len({len(r) for r in rows}) > 1:
            n = min(len(r) for r in rows)
            rows = [r[:n] for r in rows]
        batch = collate(chunk, rows).to(compiler.device)
        p = compiler.params(batch, chunk)
        pred = denormalise_outputs(p, forward_normalised(p, batch.xn))
        for i, prog in enumerate(chunk):
            m = prog.Y.shape[1]
            y = batch.y[i, :, :m].double()
            var = float(y.var(dim=0, unbiased=False).mean())
            mse_c = float(((pred[i, :, :m].double() - y) ** 2).mean())
            mse_r = []
            for s in range(seeds):
                g = torch.Generator().manual_seed(s)
                rp = random_params(prog.X.shape[1], m, cfg.width, cfg.depth, 1, g)
                xn = batch.xn[i: i + 1, :, : prog.X.shape[1]].cpu().float()
                yr = denormalise_outputs(rp, forward_normalised(rp, xn))[0].double()
                mse_r.append(float(((yr - y.cpu()) ** 2).mean()))
            out.append({"family": prog.family, "mse_compiled": mse_c,
                        "mse_random": float(np.mean(mse_r)), "variance": var,
                        "tokens": len(prog.tokens.ids), "outputs": m})
    return out


def summarise(rows: list[dict]) -> dict:
    """Geometric-mean improvement (random / compiled) and normalised errors."""
    eps = 1e-30
    ratios = np.array([(r["mse_random"] + eps) / (r["mse_compiled"] + eps) for r in rows])
    nmse = np.array([r["mse_compiled"] / max(r["variance"], eps) for r in rows])
    nmse_r = np.array([r["mse_random"] / max(r["variance"], eps) for r in rows])
    return {
        "programs": len(rows),
        "geomean_improvement": float(math.exp(np.log(ratios).mean())),
        "share_better_than_random": float((ratios > 1).mean()),
        "median_nmse_compiled": float(np.median(nmse)),
        "median_nmse_random": float(np.median(nmse_r)),
    }


#: Bins (lower bounds) of the breakdown by program length and by number of outputs.
TOKEN_BINS = (0, 150, 250, 400, 700)
OUTPUT_BINS = (1, 2, 5, 17)


def breakdown(rows: list[dict]) -> dict[str, list[dict]]:
    """The zero-shot statistic (``summarise``) per bin of program length (tokens) and of the
    number of outputs: where the compiler's skill lies."""
    out: dict[str, list[dict]] = {}
    for key, bins in (("tokens", TOKEN_BINS), ("outputs", OUTPUT_BINS)):
        edges = [*bins, math.inf]
        out[key] = []
        for lo, hi in zip(edges[:-1], edges[1:], strict=True):
            chosen = [r for r in rows if lo <= r[key] < hi]
            if chosen:
                s = summarise(chosen)
                out[key].append({"from": lo, "below": hi if math.isfinite(hi) else None,
                                 "programs": s["programs"],
                                 "geomean_improvement": s["geomean_improvement"],
                                 "share_better_than_random": s["share_better_than_random"]})
    return out


def suite_rows(compiler: Compiler, samples: int = 4096, seeds: int = 3) -> dict[str, dict]:
    """Zero-shot compiled vs random-init error on each suite kernel (fresh ground truth)."""
    from nsc_tune import suite

    progs, names = [], []
    for name in suite.names():
        k = suite.load(name)
        X = k.sample(samples, seed=123).astype(np.float32)
        Y = k(X.astype(np.float64)).astype(np.float32)
        from nsc_tune.compiler.tokenizer import tokenize

        dom = k.domains.astype(np.float32)
        progs.append(TrainProgram(tokenize(k, compiler.config.max_len), X, Y, dom[:, 0],
                                  dom[:, 1], "suite"))
        names.append(name)
    return dict(zip(names, evaluate(compiler, progs, seeds, batch_size=1), strict=True))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m nsc_tune.compiler.zero_shot")
    ap.add_argument("--weights", default=None, help="CompNet weights (default: shipped)")
    ap.add_argument("--corpus", default=None, help="corpus folder: evaluate its test split")
    ap.add_argument("--split", default="test")
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--suite", action="store_true", help="also evaluate the suite kernels")
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--breakdown", action="store_true",
                    help="also report the corpus statistic by program length and output count")
    args = ap.parse_args(argv)
    comp = Compiler(args.weights, device=args.device)
    report: dict = {"weights": str(comp.path)}
    if args.corpus:
        progs = load_corpus(args.corpus, args.split, comp.config.max_len, limit=args.limit)
        rows = evaluate(comp, progs)
        report["corpus"] = summarise(rows)
        if args.breakdown:
            report["corpus_breakdown"] = breakdown(rows)
    if args.suite:
        report["suite"] = suite_rows(comp)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
