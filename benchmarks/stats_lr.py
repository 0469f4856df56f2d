"""Fine-tuning with the output location/scale kept (``stats_lr=0``, the default) or trained (1, the
paper's protocol), side by side: standardised test MSE on 2,000 inputs, random and compiled inits,
cosine schedule, no early stopping, seeds 0 and 1.

    python benchmarks/stats_lr.py blackscholes,inversek2j,sobel,fft,kmeans 100,1000 1000
"""

from __future__ import annotations

import json
import sys

import numpy as np
import torch

sys.path.insert(0, "benchmarks")
from surrogate_quality import kernels, standardised_mse  # noqa: E402

from nsc_tune.surrogate.fit import fit_surrogate  # noqa: E402
from nsc_tune.surrogate.model import Surrogate  # noqa: E402

STATS_LRS = (1.0, 0.0)


def one_run(k, X: np.ndarray, Y: np.ndarray, Xt: np.ndarray, Yt: np.ndarray, seed: int,
            epochs: int) -> dict:
    """Each init fine-tuned with each ``stats_lr``: their test MSEs."""
    row = {}
    for init in ("random", "compiled"):
        for stats_lr in STATS_LRS:
            s = Surrogate.compiled(k) if init == "compiled" else Surrogate.random(k, seed=seed)
            fit_surrogate(s, X, Y, epochs=epochs, val_fraction=0.0, seed=seed,
                          schedule="cosine", stats_lr=stats_lr)
            row[f"{init}/{stats_lr}"] = standardised_mse(s.predict(Xt), Yt)
    return row


def main(names: str, sizes: str, epochs: str) -> None:
    torch.set_num_threads(1)
    out = []
    for name, k in kernels(names).items():
        Xt = k.sample(2000, seed=999)
        Yt = k(Xt)
        for n in (int(s) for s in sizes.split(",")):
            for seed in (0, 1):
                X = k.sample(n, seed=seed)
                row = {"kernel": name, "n": n, "seed": seed,
                       **one_run(k, X, k(X), Xt, Yt, seed, int(epochs))}
                print(json.dumps(row), flush=True)
                out.append(row)
    for init in ("random", "compiled"):
        ratios = [r[f"{init}/0.0"] / r[f"{init}/1.0"] for r in out]
        print(f"{init}: MSE kept / trained, geomean {np.exp(np.mean(np.log(ratios))):.3f}, "
              f"range {min(ratios):.2f}-{max(ratios):.2f} over {len(ratios)} runs")


if __name__ == "__main__":
    main(*sys.argv[1:4])
