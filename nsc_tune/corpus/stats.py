"""Corpus statistics: counts by family and origin, arity and length histograms, as text and PNG."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np

from nsc_tune.corpus.storage import Corpus


def summary(corpus: Corpus) -> dict:
    """Counts and distributions of a built corpus."""
    progs = corpus.manifest["programs"]
    n_in = np.array([p["n_inputs"] for p in progs])
    n_out = np.array([p["n_outputs"] for p in progs])
    toks = np.array([p["n_tokens"] for p in progs])

    def dist(a: np.ndarray) -> dict:
        if a.size == 0:
            return {}
        q = np.percentile(a, [0, 50, 90, 99, 100])
        return dict(zip(["min", "median", "p90", "p99", "max"], q.tolist(), strict=True))

    return {
        "programs": len(progs),
        "candidates": corpus.manifest["candidates"],
        "splits": corpus.manifest["splits"],
        "families": dict(Counter(p["family"] for p in progs).most_common()),
        "origins": dict(Counter(p["origin"] for p in progs).most_common()),
        "rejected": corpus.manifest["rejected"],
        "inputs": dist(n_in),
        "outputs": dist(n_out),
        "tokens": dist(toks),
        "share_over_512_tokens": float((toks > 512).mean()) if toks.size else 0.0,
        "max_leak_score": max((p["leak_score"] for p in progs), default=0.0),
        "build_seconds": corpus.manifest.get("build_seconds"),
    }


def plot(corpus: Corpus, path: str | Path) -> Path:
    """Write a 2x2 figure: families, inputs/outputs histograms, token lengths, rejections."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    progs = corpus.manifest["programs"]
    fig, axes = plt.subplots(2, 2, figsize=(12, 8))
    fams = Counter(p["family"] for p in progs).most_common()
    ax = axes[0, 0]
    ax.barh([f for f, _ in fams][::-1], [c for _, c in fams][::-1], color="tab:blue")
    ax.set_title(f"programs by family (n = {len(progs):,})")
    ax.set_xlabel("programs")

    ax = axes[0, 1]
    bins = np.arange(0.5, 65.5, 1)
    ax.hist([p["n_inputs"] for p in progs], bins=bins, alpha=0.6, label="inputs")
    ax.hist([p["n_outputs"] for p in progs], bins=bins, alpha=0.6, label="outputs")
    ax.set_yscale("log")
    ax.set_xlabel("flattened arity")
    ax.set_ylabel("programs")
    ax.set_title("arity")
    ax.legend()

    ax = axes[1, 0]
    toks = np.array([p["n_tokens"] for p in progs])
    ax.hist(toks, bins=60, color="tab:green")
    ax.axvline(512, color="k", ls="--", lw=1)
    ax.text(512, ax.get_ylim()[1] * 0.9, " 512 (paper's limit)", fontsize=8)
    ax.set_xlabel("C tokens")
    ax.set_ylabel("programs")
    ax.set_title(f"length ({(toks > 512).mean():.1%} over 512 tokens)" if toks.size else "length")

    ax = axes[1, 1]
    rej = corpus.manifest["rejected"]
    rej = {k: v for k, v in rej.items() if v}
    ax.barh(list(rej)[::-1], list(rej.values())[::-1], color="tab:red")
    ax.set_title(f"dropped candidates (of {corpus.manifest['candidates']:,})")
    ax.set_xlabel("candidates")
    fig.tight_layout()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path
