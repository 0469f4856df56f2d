"""Plots of the protocol's results (data efficiency per fraction, epochs to target).

    python -m nsc_tune.evaluate.plots DIR   # holds data-efficiency.json, epochs-to-target.json
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def plot_data_efficiency(result: dict, png: str | Path) -> Path:
    """Improvement over random init against the training fraction, one panel per kernel."""
    plt = _pyplot()
    table = result["summary"]["table"]
    kernels = sorted({e["kernel"] for e in table})
    inits = [k.removeprefix("improvement_") for k in table[0] if k.startswith("improvement_")]
    fig, axes = plt.subplots(1, len(kernels), figsize=(2.3 * len(kernels), 3), sharey=True)
    for ax, kernel in zip(np.atleast_1d(axes), kernels, strict=True):
        rows = sorted((e for e in table if e["kernel"] == kernel), key=lambda e: e["fraction"])
        pos = np.arange(len(rows))
        for init in inits:
            ax.plot(pos, [max(e[f"improvement_{init}"], 1e-3) for e in rows], "o-", label=init)
        ax.axhline(1.0, color="k", lw=0.8)
        ax.set_xticks(pos, [f"{100 * e['fraction']:g}" for e in rows])
        ax.set_title(kernel)
        ax.set_xlabel("% of pool")
        ax.set_yscale("log")
    np.atleast_1d(axes)[0].set_ylabel("MSE random / MSE init")
    np.atleast_1d(axes)[-1].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return Path(png)


def plot_epochs(result: dict, png: str | Path) -> Path:
    """Epochs each initialisation needs to reach the random-init target, per kernel."""
    plt = _pyplot()
    table = result["table"]
    inits = [k.removeprefix("epochs_") for k in table[0] if k.startswith("epochs_")]
    fig, ax = plt.subplots(figsize=(8, 3.5))
    width = 0.8 / len(inits)
    for i, init in enumerate(inits):
        ax.bar(np.arange(len(table)) + i * width, [e[f"epochs_{init}"] for e in table], width,
               label=init)
    ax.set_xticks(np.arange(len(table)) + width * (len(inits) - 1) / 2,
                  [e["kernel"] for e in table])
    ax.set_ylabel("epochs to the random-init target")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return Path(png)


def main(argv: list[str] | None = None) -> int:
    folder = Path((argv or sys.argv[1:])[0])
    done = []
    for name, fn in (("data-efficiency", plot_data_efficiency), ("epochs-to-target", plot_epochs)):
        src = folder / f"{name}.json"
        if src.exists():
            done.append(str(fn(json.loads(src.read_text()), folder / f"{name}.png")))
    print("\n".join(done) or f"no protocol results in {folder}")
    return 0 if done else 2


if __name__ == "__main__":
    raise SystemExit(main())
