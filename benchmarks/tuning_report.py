"""Merge per-problem runs of benchmarks/tuning.py (regime a) into one JSON, a table and a plot.

    python benchmarks/tuning_report.py RUN.json [RUN.json ...] --out docs/results/tuning_bo.json \\
        --plot docs/results/tuning_bo.png

Prints a markdown table: median kernel runs to the regret per method (per seed in brackets),
the best anchor, and whether the headline nsc_tune method needs fewer runs than it.
"""

from __future__ import annotations

import argparse
import json
import math

import numpy as np
from tuning import DIRECT, HEADLINE, METHODS
from tuning import _key as _median


def _cell(entry: dict) -> str:
    runs = ", ".join("–" if r is None else str(r) for r in entry["runs"])
    m = _median(entry)
    head = "not reached" if not math.isfinite(m) else f"{m:g}"
    timed = sum(entry.get("timed_out", []))
    return f"{head} ({runs})" + (f" ⏱{timed}" if timed else "")


def merge(paths: list[str]) -> dict:
    """One result with every problem and method of the given runs (their settings must agree).

    Runs may split the work by problem or by method (one process per problem and method on a
    many-core host); the best anchor and the verdict are recomputed over the merged methods.
    """
    out: dict = {"one_query": {}, "runs": []}
    for path in paths:
        with open(path) as fh:
            r = json.load(fh)
        for name, prob in r["one_query"].items():
            have = out["one_query"].setdefault(name, {**prob, "methods": {}, "by_n": {}})
            have["methods"].update(prob["methods"])
            have["by_n"].update(prob.get("by_n", {}))
        out["runs"].append({k: r.get(k) for k in ("setting", "machine", "versions", "seconds",
                                                  "compnet_weights_sha256")})
    present = {m for prob in out["one_query"].values() for m in prob["methods"]}
    out["methods"] = [m for m in METHODS if m in present]
    for prob in out["one_query"].values():
        anchors = [m for m in DIRECT if m in prob["methods"]]
        direct = min((_median(prob["methods"][m]) for m in anchors), default=math.inf)
        head = _median(prob["methods"][HEADLINE]) if HEADLINE in prob["methods"] else math.inf
        prob["best_anchor"] = min(anchors, key=lambda m: _median(prob["methods"][m]), default=None)
        prob["best_direct"] = direct if math.isfinite(direct) else "not reached"
        prob["target_met"] = bool(math.isfinite(head) and head < direct)
    met = sum(p["target_met"] for p in out["one_query"].values())
    out["targets"] = {"one_query": {"met_on": met, "problems": len(out["one_query"]),
                                    "met": met * 4 >= 3 * len(out["one_query"])}}
    return out


def table(result: dict) -> str:
    """The markdown table of the merged result."""
    methods = result["methods"]
    lines = ["| problem | " + " | ".join(methods) + " | best anchor | nsc_tune BO fewer? |",
             "|---" * (len(methods) + 3) + "|"]
    for name, r in result["one_query"].items():
        cells = [_cell(r["methods"][m]) for m in methods]
        anchor = r.get("best_anchor")
        head = _median(r["methods"]["nsc_tune BO"])
        best = _median(r["methods"][anchor]) if anchor else math.inf
        verdict = "yes" if head < best else ("tie" if head == best and math.isfinite(head)
                                             else "no")
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {anchor} | {verdict} |")
    return "\n".join(lines)


def plot(result: dict, path: str) -> None:
    """Runs to the regret per seed, one panel per problem (not reached drawn at the budget)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(result["one_query"])
    methods = result["methods"]
    budget = result["runs"][0]["setting"]["budget"]
    cols = 4
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        r = result["one_query"][name]["methods"]
        for j, m in enumerate(methods):
            runs = [budget if v is None else v for v in r[m]["runs"]]
            x = j + np.linspace(-0.15, 0.15, len(runs))
            ax.scatter(x, runs, s=14, color="C0" if m.startswith("nsc_tune") else "C7")
            ax.hlines(min(_median(r[m]), budget), j - 0.3, j + 0.3, color="k", lw=1.5)
        ax.set_yscale("log")
        ax.set_title(name, fontsize=10)
        ax.set_xticks(range(len(methods)))
        ax.set_xticklabels([m.replace("nsc_tune ", "nsc ").replace("optuna ", "")
                            for m in methods], rotation=60, fontsize=7, ha="right")
        ax.axhline(budget, color="r", lw=0.6, ls=":")
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    axes[0, 0].set_ylabel("kernel runs to regret 1e-3")
    fig.suptitle("dots: seeds (not reached: at the budget, red); bars: medians", fontsize=9)
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("runs", nargs="+")
    ap.add_argument("--out", required=True)
    ap.add_argument("--plot", default=None)
    args = ap.parse_args()
    result = merge(args.runs)
    with open(args.out, "w") as fh:
        json.dump(result, fh, indent=1)
    print(table(result))
    if args.plot:
        plot(result, args.plot)


if __name__ == "__main__":
    main()
