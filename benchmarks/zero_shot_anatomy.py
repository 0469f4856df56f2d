"""Where a zero-shot compiled surrogate's error on each suite kernel comes from.

Usage: python benchmarks/zero_shot_anatomy.py [--samples 4096] [--json OUT]

Per suite kernel, on fresh ground truth from its domains, the compiled surrogate (no I/O data)
against references that each fix one part of it with knowledge from the truth (diagnostics only:
nothing here is fed back into the compiler):
  - ``compiled``: its MSE as shipped; ``random``: a random init's (mean of 3 seeds);
  - ``true location``: its outputs shifted so that their mean is the true mean (its shape and
    scale kept): what a perfect location would give;
  - ``true mean``: the constant true mean, i.e. the output variance: what knowing only the
    location would give;
  - ``correlation``: mean over outputs of the correlation between compiled and true outputs:
    whether the compiled shape carries information about the input-output relation at all.
"""

from __future__ import annotations

import argparse
import json

import numpy as np
import torch

from nsc_tune import suite
from nsc_tune.surrogate import Surrogate


def anatomy(name: str, samples: int = 4096, seeds: int = 3) -> dict:
    """The error parts of one suite kernel's zero-shot compiled surrogate."""
    k = suite.load(name)
    X = k.sample(samples, seed=123)
    Y = k(X)
    x = torch.as_tensor(X, dtype=torch.float32)
    with torch.no_grad():
        pred = Surrogate.compiled(k)(x).double().numpy().reshape(Y.shape)
        rand = [Surrogate.random(k, seed=s)(x).double().numpy().reshape(Y.shape)
                for s in range(seeds)]
    shifted = pred - pred.mean(0) + Y.mean(0)
    corr = [np.corrcoef(pred[:, j], Y[:, j])[0, 1] for j in range(Y.shape[1])
            if pred[:, j].std() > 0 and Y[:, j].std() > 0]
    return {"compiled": float(((pred - Y) ** 2).mean()),
            "random": float(np.mean([((r - Y) ** 2).mean() for r in rand])),
            "true location": float(((shifted - Y) ** 2).mean()),
            "true mean": float(Y.var(0).mean()),
            "correlation": float(np.mean(corr)) if corr else float("nan")}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python benchmarks/zero_shot_anatomy.py")
    ap.add_argument("--samples", type=int, default=4096)
    ap.add_argument("--json", default=None, help="also write the rows to this file")
    args = ap.parse_args(argv)
    rows = {name: anatomy(name, args.samples) for name in suite.names()}
    cols = ["compiled", "random", "true location", "true mean", "correlation"]
    print("| kernel | " + " | ".join(cols) + " |\n" + "|---" * (len(cols) + 1) + "|")
    for name, r in rows.items():
        print(f"| {name} | " + " | ".join(f"{r[c]:.3g}" for c in cols) + " |")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"samples": args.samples, "rows": rows}, f, indent=1)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
