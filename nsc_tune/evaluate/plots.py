"""Plots of the protocol's results (data efficiency per fraction, epochs to target).

    python -m nsc_tune.evaluate.plots DIR   # holds data-efficiency.json, epochs-to-target.json

Suite kernels get one panel (or bar group) each; corpus programs one dot each per fraction.
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


def _suite_only(table: list[dict]) -> list[dict]:
    from nsc_tune.evaluate.programs import is_corpus

    return [e for e in table if not is_corpus(e["kernel"])]


def plot_data_efficiency(result: dict, png: str | Path) -> Path:
    """Improvement over random init against the training fraction, one panel per suite kernel
    (corpus programs: ``plot_corpus``)."""
    plt = _pyplot()
    table = _suite_only(result["summary"]["table"])
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
    table = _suite_only(result["table"])
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


def plot_corpus(result: dict, png: str | Path) -> Path:
    """Corpus programs: each program's improvement (or speed-up) over random init, per training
    fraction and initialisation, as dots with the geometric mean as a bar."""
    from nsc_tune.evaluate.programs import is_corpus
    from nsc_tune.evaluate.protocol import fraction_of

    plt = _pyplot()
    ett = "summary" not in result
    table = [e for e in (result["table"] if ett else result["summary"]["table"])
             if is_corpus(e["kernel"])]
    key = "speedup_" if ett else "improvement_"
    inits = [k.removeprefix(key) for k in table[0] if k.startswith(key)
             and k != "speedup_auto_compute"]
    fractions = sorted({fraction_of(e, result) for e in table})
    fig, axes = plt.subplots(1, len(fractions), figsize=(2.6 * len(fractions) + 1, 3.2),
                             sharey=True, squeeze=False)
    rng = np.random.default_rng(0)
    for ax, fraction in zip(axes[0], fractions, strict=True):
        rows = [e for e in table if fraction_of(e, result) == fraction]
        for i, init in enumerate(inits):
            vals = np.maximum([e[f"{key}{init}"] for e in rows], 1e-3)
            ax.scatter(i + rng.uniform(-0.15, 0.15, len(vals)), vals, s=8, alpha=0.6)
            ax.hlines(np.exp(np.log(vals).mean()), i - 0.3, i + 0.3, color="k")
        ax.axhline(1.0, color="grey", lw=0.8)
        ax.set_xticks(range(len(inits)), inits, rotation=30, fontsize=7)
        ax.set_yscale("log")
        ax.set_title(f"{100 * fraction:g}% of pool", fontsize=9)
    axes[0][0].set_ylabel(("epochs random / epochs init" if ett else "MSE random / MSE init")
                          + f"\n{len({e['kernel'] for e in table})} corpus programs")
    fig.tight_layout()
    fig.savefig(png, dpi=100)
    plt.close(fig)
    return Path(png)


def main(argv: list[str] | None = None) -> int:
    from nsc_tune.evaluate.programs import is_corpus

    folder = Path((argv or sys.argv[1:])[0])
    done = []
    for name, fn in (("data-efficiency", plot_data_efficiency), ("epochs-to-target", plot_epochs)):
        src = folder / f"{name}.json"
        if not src.exists():
            continue
        result = json.loads(src.read_text())
        kernels = result["config"]["kernels"]
        if any(not is_corpus(k) for k in kernels):
            done.append(str(fn(result, folder / f"{name}.png")))
        if any(is_corpus(k) for k in kernels):
            done.append(str(plot_corpus(result, folder / f"{name}-corpus.png")))
    print("\n".join(done) or f"no protocol results in {folder}")
    return 0 if done else 2


if __name__ == "__main__":
    raise SystemExit(main())
