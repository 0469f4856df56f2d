"""The demo report's plots (matplotlib, written as PNG without a display)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig, path: Path) -> Path:
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    _pyplot().close(fig)
    return path


def predictions(path: Path, truth: np.ndarray, preds: Mapping[str, np.ndarray],
                labels: Sequence[str]) -> Path:
    """Surrogate vs kernel outputs, one panel per surrogate, outputs in colours."""
    plt = _pyplot()
    fig, axes = plt.subplots(1, len(preds), figsize=(4.2 * len(preds), 3.8), squeeze=False)
    lo, hi = float(np.nanmin(truth)), float(np.nanmax(truth))
    for ax, (name, Y) in zip(axes[0], preds.items(), strict=True):
        for j, label in enumerate(labels):
            ax.scatter(truth[:, j], Y[:, j], s=4, alpha=0.5, label=label)
        ax.plot([lo, hi], [lo, hi], "k--", lw=0.8)
        ax.set_title(name)
        ax.set_xlabel("kernel output")
        ax.set_ylabel("surrogate output")
        ax.legend(markerscale=3, fontsize=8)
    return _save(fig, path)


def curves(path: Path, runs: Mapping[str, Mapping[str, Sequence[float]]]) -> Path:
    """Validation (standardised) and test (kernel units) MSE per epoch, one line per init."""
    plt = _pyplot()
    fig, (val, test) = plt.subplots(1, 2, figsize=(10, 3.8))
    for name, run in runs.items():
        epochs = np.arange(1, len(run["val_curve"]) + 1)
        val.plot(epochs, run["val_curve"], label=f"{name} init")
        test.plot(epochs, run["test_curve"], label=f"{name} init")
    val.set_title("validation MSE (standardised outputs)")
    test.set_title("test MSE (kernel units, fresh samples)")
    for ax in (val, test):
        ax.set_yscale("log")
        ax.set_xlabel("epoch")
        ax.legend()
        ax.grid(alpha=0.3)
    return _save(fig, path)


def arm(path: Path, angles: Sequence[float], hand: Sequence[float],
        truth: Sequence[float], rounds: Sequence[float], links: float = 0.5) -> Path:
    """The arm at the target angles, the tuned hand position, and the verified objective."""
    plt = _pyplot()
    fig, (ax, conv) = plt.subplots(1, 2, figsize=(9, 3.8))
    t1, t2 = angles
    elbow = (links * np.cos(t1), links * np.sin(t1))
    ax.plot([0, elbow[0], truth[0]], [0, elbow[1], truth[1]], "o-", color="grey",
            label="arm at the target angles")
    ax.plot(*hand, "r+", ms=16, mew=2, label="tuned target (x, y)")
    ax.add_patch(plt.Rectangle((-0.5, 0.0), 1.2, 0.7, fill=False, ls=":", label="domain"))
    ax.set_aspect("equal")
    ax.set_xlim(-0.6, 1.05)
    ax.set_ylim(-0.1, 1.05)
    ax.legend(fontsize=8, loc="upper right")
    ax.set_title("inversek2j run backwards")
    conv.semilogy(np.arange(1, len(rounds) + 1), np.maximum(rounds, 1e-16), "o-")
    conv.set_xticks(np.arange(1, len(rounds) + 1))
    conv.set_xlabel("round (tune, verify, refit)")
    conv.set_ylabel("verified objective")
    conv.set_title("squared angle error on the kernel")
    conv.grid(alpha=0.3)
    return _save(fig, path)


def error_ratios(path: Path, ratio: np.ndarray, target: float) -> Path:
    """Histogram of |error| / bound over the accelerated inputs, with the bound at 1."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 3.6))
    if ratio.size:
        r = np.clip(ratio, 1e-6, None)
        lo = np.log10(np.quantile(r, 0.001))
        ax.hist(r, bins=np.logspace(lo, max(0.5, np.log10(r.max()) + 0.1), 60))
    ax.axvline(1.0, color="r", ls="--", label="bound")
    ax.set_xscale("log")
    ax.set_xlabel("max over outputs of |surrogate - exact| / bound")
    ax.set_ylabel("accelerated inputs")
    ax.set_title(f"accelerated inputs (gate target: {target:.0%} within the bound)")
    ax.legend()
    return _save(fig, path)
