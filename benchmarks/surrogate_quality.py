"""Surrogate accuracy from N kernel runs: nsc_tune's default fit against Gaussian processes.

Usage: python benchmarks/surrogate_quality.py [--kernels all] [--sizes 10,30,100,300,1000]
       [--seeds 3] [--epochs 3000] [--out docs/results/surrogate_quality.json] [--quick]
       [--report docs/results/surrogate_quality.md] [--speed balanced]

For each kernel (the seven suite kernels and the bundled example kernels), each N and each seed,
every model is fitted on exactly the same N examples (drawn from the kernel's domains through the
Numba ground truth) and scored on the same 2,000 fresh test inputs:

- ``default``: ``nsc_tune.fit`` (``surrogate.choose.fit_best``), what a user gets (``--speed``
  passes its ``speed=``);
- ``mlp random``, ``mlp compiled``: the MLP from each initialisation, same settings as the
  default's MLP (Adam, cosine decay, 80:20 split, best-validation weights); ``mlp auto`` keeps
  whichever of the two is better on validation (``init="auto"``);
- ``botorch``: BoTorch ``SingleTaskGP`` with its defaults (inputs scaled to [0, 1],
  ``Standardize``), fitted with ``fit_gpytorch_mll`` (exact Cholesky at every N);
- ``sklearn``: ``GaussianProcessRegressor`` (constant x ARD RBF + white noise, ``normalize_y``),
  one per output.

The error is the test MSE of outputs standardised by the test outputs' spread (1.0 = predicting
the mean). Also recorded: wall time of fitting and of predicting 100,000 inputs. Results are
appended to ``--out`` as they come (a rerun skips what is there), so the run can be split into
pieces; ``--report`` writes the markdown page and the plot from the JSON alone.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import textwrap
import time
import warnings
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parent.parent
MODELS = ("default", "mlp random", "mlp compiled", "mlp auto", "botorch", "sklearn")
GPS = ("botorch", "sklearn")
EXAMPLES = ("beam", "projectile")
#: Largest N per kernel on the CPU (a GP per output on 64 outputs is slow there).
CPU_CAPS = {"jpeg": 300}


def kernels(names: str):
    from nsc_tune import Kernel, suite

    wanted = list(suite.names()) + list(EXAMPLES) if names == "all" else names.split(",")
    out = {}
    for name in wanted:
        if name in EXAMPLES:
            out[name] = Kernel.from_file(ROOT / "examples" / "kernels" / f"{name}.c")
        else:
            out[name] = suite.load(name)
    return out


def standardised_mse(pred: np.ndarray, Y: np.ndarray) -> float:
    scale = np.maximum(Y.std(axis=0), 1e-12)
    return float(np.mean(((np.asarray(pred, np.float64) - Y) / scale) ** 2))


def timed_predict(predict, X: np.ndarray, repeats: int = 3) -> float:
    """Best of ``repeats`` after a warm-up call (the first call of a model pays for allocation
    and thread start-up: timed cold, the default, timed first, looked 2-5x slower)."""
    predict(X[:100])
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        predict(X)
        times.append(time.perf_counter() - t0)
        if times[-1] > 1.0:  # slow enough to time once
            break
    return min(times)


def fit_botorch(kernel, X: np.ndarray, Y: np.ndarray):
    import gpytorch
    from botorch.fit import fit_gpytorch_mll
    from botorch.models import SingleTaskGP
    from botorch.models.transforms import Standardize

    lo, hi = kernel.domains[:, 0], kernel.domains[:, 1]
    u = torch.as_tensor((X - lo) / (hi - lo), dtype=torch.float64)
    model = SingleTaskGP(u, torch.as_tensor(Y, dtype=torch.float64),
                         outcome_transform=Standardize(m=Y.shape[1]))
    with gpytorch.settings.max_cholesky_size(100_000):
        fit_gpytorch_mll(gpytorch.mlls.ExactMarginalLogLikelihood(model.likelihood, model))
    model.eval()

    @torch.no_grad()
    def predict(Xq: np.ndarray) -> np.ndarray:
        uq = torch.as_tensor((Xq - lo) / (hi - lo), dtype=torch.float64)
        with gpytorch.settings.max_cholesky_size(100_000), gpytorch.settings.fast_pred_var():
            parts = [model.posterior(uq[i:i + 4096]).mean for i in range(0, len(uq), 4096)]
        return torch.cat(parts).numpy()

    return predict


def fit_sklearn(kernel, X: np.ndarray, Y: np.ndarray):
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, WhiteKernel
    from sklearn.gaussian_process.kernels import ConstantKernel as C

    lo, hi = kernel.domains[:, 0], kernel.domains[:, 1]
    gps = []
    for j in range(Y.shape[1]):
        cov = C() * RBF(np.ones(X.shape[1])) + WhiteKernel()
        gps.append(GaussianProcessRegressor(cov, normalize_y=True, random_state=0)
                   .fit((X - lo) / (hi - lo), Y[:, j]))

    def predict(Xq: np.ndarray) -> np.ndarray:
        return np.stack([g.predict((Xq - lo) / (hi - lo)) for g in gps], axis=1)

    return predict


def fit_mlps(kernel, X: np.ndarray, Y: np.ndarray, epochs: int, seed: int):
    """``mlp random``, ``mlp compiled`` and ``mlp auto`` on the default fit's split."""
    from nsc_tune import Surrogate
    from nsc_tune.surrogate.fit import fit_surrogate, split

    X_tr, Y_tr, X_val, Y_val = split(X, Y, 0.2, seed)
    out = {}
    for init in ("random", "compiled"):
        t0 = time.perf_counter()
        s = Surrogate.compiled(kernel) if init == "compiled" else \
            Surrogate.random(kernel, seed=seed)
        res = fit_surrogate(s, X_tr, Y_tr, X_val=X_val, Y_val=Y_val, epochs=epochs, seed=seed,
                            schedule="cosine")
        out[f"mlp {init}"] = (s, time.perf_counter() - t0, res.best_val_mse)
    best = min(("mlp random", "mlp compiled"), key=lambda k: out[k][2])
    out["mlp auto"] = (out[best][0], out["mlp random"][1] + out["mlp compiled"][1], None)
    return {k: (v[0].predict, v[1]) for k, v in out.items()}


def run_one(kernel, X, Y, Xt, Yt, Xp, epochs: int, seed: int, speed: str = "balanced") -> dict:
    import nsc_tune

    rows = {}
    t0 = time.perf_counter()
    s = nsc_tune.fit((X, Y), kernel=kernel, epochs=epochs, seed=seed, speed=speed)
    choice = s.choice
    fits = {"default": (s.predict, time.perf_counter() - t0)}
    fits.update(fit_mlps(kernel, X, Y, epochs, seed))
    for name, fn in (("botorch", fit_botorch), ("sklearn", fit_sklearn)):
        t0 = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            predict = fn(kernel, X, Y)
        fits[name] = (predict, time.perf_counter() - t0)
    for name, (predict, seconds) in fits.items():
        rows[name] = {"mse": standardised_mse(predict(Xt), Yt), "fit_s": seconds,
                      "predict_s": timed_predict(predict, Xp)}
    rows["default"]["chose"] = choice.candidate
    rows["default"]["scores"] = choice.scores
    return rows


def geomean(values) -> float:
    v = [x for x in values if x is not None and np.isfinite(x) and x > 0]
    return float(np.exp(np.mean(np.log(v)))) if v else math.nan


def _median(values) -> float:
    v = [x for x in values if x is not None and np.isfinite(x)]
    return float(np.median(v)) if v else math.nan


def summarise(results: dict) -> dict:
    """Per kernel and N: geomean over seeds of each model's MSE; ratios default / better GP."""
    table: dict = {}
    for key, rows in results["runs"].items():
        name, n, _ = key.split("|")
        table.setdefault(name, {}).setdefault(int(n), []).append(rows)
    out = {}
    for name, by_n in table.items():
        out[name] = {}
        for n, runs in sorted(by_n.items()):
            mse = {m: geomean(r[m]["mse"] for r in runs) for m in MODELS}
            best_gp = min(mse[g] for g in GPS)
            out[name][n] = {"mse": mse, "ratio": mse["default"] / best_gp, "seeds": len(runs),
                            "fit_s": {m: _median([r[m]["fit_s"] for r in runs]) for m in MODELS},
                            "predict_s": {m: _median([r[m]["predict_s"] for r in runs])
                                          for m in MODELS},
                            "chose": [r["default"]["chose"] for r in runs]}
    return out


def print_table(summary: dict) -> None:
    sizes = sorted({n for by_n in summary.values() for n in by_n})
    print("default fit's test MSE / better GP's (below 1: nsc_tune more accurate)")
    print(f"{'kernel':<14}" + "".join(f"{n:>9}" for n in sizes))
    for name, by_n in summary.items():
        print(f"{name:<14}" + "".join(f"{by_n[n]['ratio']:>9.3g}" if n in by_n else f"{'':>9}"
                                      for n in sizes))
    print(f"{'geomean':<14}" + "".join(
        f"{geomean(by_n[n]['ratio'] for by_n in summary.values() if n in by_n):>9.3g}"
        for n in sizes))


def plot(summary: dict, path: Path) -> None:
    """MSE against N, log-log, one panel per kernel, one line per model."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = list(summary)
    cols = 3
    rows = math.ceil(len(names) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3.2 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names, strict=False):
        sizes = sorted(summary[name])
        for m in MODELS:
            style = {"lw": 2.5, "color": "k"} if m == "default" else {"lw": 1.2}
            if m in GPS:
                style["ls"] = "--"
            ax.plot(sizes, [summary[name][n]["mse"][m] for n in sizes], marker="o", ms=3,
                    label=m, **style)
        ax.set(xscale="log", yscale="log", title=name, xlabel="N examples",
               ylabel="test MSE (standardised)")
    for ax in list(axes.flat)[len(names):]:
        ax.axis("off")
    axes.flat[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_report(results: dict, summary: dict, path: Path) -> None:
    """The markdown page: targets first, then ratios, per-model errors and times, the plot."""
    sizes = sorted({n for by_n in summary.values() for n in by_n})
    png = path.with_suffix(".png")
    path.parent.mkdir(parents=True, exist_ok=True)
    plot(summary, png)
    geo = {n: geomean(by_n[n]["ratio"] for by_n in summary.values() if n in by_n)
           for n in sizes}
    worst = {n: max((by_n[n]["ratio"], name) for name, by_n in summary.items() if n in by_n)
             for n in sizes}
    big = [n for n in sizes if n >= 1000]
    speed = {n: _median([by_n[n]["predict_s"]["default"] / by_n[n]["predict_s"]["mlp auto"]
                         for by_n in summary.values() if n in by_n]) for n in big}
    s = results["settings"]
    lines = ["# Surrogate quality: nsc_tune's default fit against Gaussian processes", "",
             f"Settings: N in {sorted(sizes)}, {s['seeds']} seeds, MLP epochs {s['epochs']}, "
             f"test {s['test']:,} inputs, caps {s['caps']}. Machine: {results['machine']}.  ",
             f"This page: `python benchmarks/surrogate_quality.py --merge {path.parent.as_posix()}/"
             f"{path.stem}/*.json --report {path.as_posix()}` (how the JSONs were made: below).",
             "", "| target | stands |", "|---|---|",
             "| geomean MSE default / better GP <= 0.5 at every N | "
             + ", ".join(f"N={n}: {geo[n]:.2f}" for n in sizes) + " |",
             "| no kernel worse than the better GP by > 1.2x | "
             + ", ".join(f"N={n}: {w[0]:.2f} ({w[1]})" for n, w in worst.items()) + " |",
             "| N >= 1000: predicting 100,000 inputs as fast as today's MLP | time default / MLP, "
             "median over kernels: " + ", ".join(f"N={n}: {v:.3g}x" for n, v in speed.items())
             + " |", ""]
    notes = path.parent / path.stem / "NOTES.md"
    if notes.exists():
        lines += [notes.read_text().strip(), ""]
    lines += [
             "Ratio default / better GP (BoTorch or scikit-learn, whichever is more accurate),",
             "geometric mean over seeds; below 1 nsc_tune is more accurate.", "",
             "| kernel | " + " | ".join(f"N={n}" for n in sizes) + " |",
             "|---" * (len(sizes) + 1) + "|"]
    for name, by_n in summary.items():
        lines.append(f"| {name} | " + " | ".join(
            f"{by_n[n]['ratio']:.3g}" if n in by_n else "" for n in sizes) + " |")
    lines.append("| **geomean** | " + " | ".join(f"**{geo[n]:.3g}**" for n in sizes) + " |")
    lines += ["", f"![MSE against N]({png.name})", "",
              "## Test MSE per model (standardised outputs; geomean over seeds)", ""]
    for name, by_n in summary.items():
        lines += [f"**{name}** (default chose: " + "; ".join(
            f"N={n}: {', '.join(sorted(set(by_n[n]['chose'])))}" for n in sorted(by_n)) + ")",
                  "", "| model | " + " | ".join(f"N={n}" for n in sorted(by_n)) + " |",
                  "|---" * (len(by_n) + 1) + "|"]
        for m in MODELS:
            lines.append(f"| {m} | " + " | ".join(f"{by_n[n]['mse'][m]:.3g}"
                                                  for n in sorted(by_n)) + " |")
        lines.append("")
    lines += ["## Wall time (median over seeds and kernels): fit, and predicting "
              f"{s['predict']:,} inputs", "",
              "| model | " + " | ".join(f"fit N={n}" for n in sizes)
              + " | " + " | ".join(f"predict N={n}" for n in sizes) + " |",
              "|---" * (2 * len(sizes) + 1) + "|"]
    for m in MODELS:
        fit_s = [_median([by_n[n]["fit_s"][m] for by_n in summary.values() if n in by_n])
                 for n in sizes]
        pred_s = [_median([by_n[n]["predict_s"][m] for by_n in summary.values() if n in by_n])
                  for n in sizes]
        lines.append(f"| {m} | " + " | ".join(f"{v:.3g} s" for v in fit_s) + " | "
                     + " | ".join(f"{v:.3g} s" for v in pred_s) + " |")
    wrapped = [textwrap.fill(x, 100, break_on_hyphens=False, break_long_words=False)
               if len(x) > 100 and not x.startswith(("|", "!")) else x for x in lines]
    path.write_text("\n".join(wrapped) + "\n")


def merge(args) -> int:
    """Union of several result files (e.g. one per kernel from the GPU host) into ``--out``."""
    results: dict = {"runs": {}}
    machines: set[str] = set()
    for path in args.merge:
        part = json.loads(Path(path).read_text())
        results["runs"].update(part["runs"])
        results.setdefault("settings", {**part["settings"], "kernels": "all"})
        machines.add(part["machine"])
    results["machine"] = "; ".join(sorted(machines))
    Path(args.out).write_text(json.dumps(results, indent=1))
    summary = summarise(results)
    print_table(summary)
    if args.report:
        write_report(results, summary, Path(args.report))
    return 0


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--kernels", default="all")
    p.add_argument("--sizes", default="10,30,100,300,1000")
    p.add_argument("--seeds", type=int, default=3)
    p.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. + seeds - 1")
    p.add_argument("--epochs", type=int, default=3000)
    p.add_argument("--test", type=int, default=2000)
    p.add_argument("--predict", type=int, default=100_000)
    p.add_argument("--speed", default="balanced", choices=("exact", "balanced", "fast"),
                   help="the default fit's speed= (nsc_tune.fit)")
    p.add_argument("--caps", default="cpu", help="'cpu' (jpeg up to N=300) or 'none'")
    p.add_argument("--out", default=str(ROOT / "docs/results/surrogate_quality.json"))
    p.add_argument("--report", default=None, help="write this markdown page (and its plot)")
    p.add_argument("--quick", action="store_true", help="2 kernels, N 10 and 30, 1 seed")
    p.add_argument("--merge", nargs="+", default=None, metavar="JSON",
                   help="merge these result files into --out (nothing is run)")
    args = p.parse_args(argv)
    if args.merge:
        return merge(args)
    if args.quick:
        args.kernels, args.sizes, args.seeds, args.epochs = "fft,beam", "10,30", 1, 200
        args.predict, args.test = 2000, 500
    out = Path(args.out)
    results = json.loads(out.read_text()) if out.exists() else {"runs": {}}
    results["settings"] = {k: v for k, v in vars(args).items() if k not in ("out", "report")}
    results["machine"] = f"{platform.node()} {os.cpu_count()} cores, torch {torch.__version__}"
    caps = CPU_CAPS if args.caps == "cpu" else {}
    for name, k in kernels(args.kernels).items():
        Xt = k.sample(args.test, seed=[0, 2])
        Yt = k(Xt)
        Xp = k.sample(args.predict, seed=[0, 3])
        for n in (int(s) for s in args.sizes.split(",")):
            if n > caps.get(name, math.inf):
                continue
            for seed in range(args.first_seed, args.first_seed + args.seeds):
                key = f"{name}|{n}|{seed}"
                if key in results["runs"]:
                    continue
                X = k.sample(n, seed=[seed, n, 1])
                t0 = time.perf_counter()
                results["runs"][key] = run_one(k, X, k(X), Xt, Yt, Xp, args.epochs, seed,
                                               args.speed)
                r = results["runs"][key]
                print(f"{key}: " + ", ".join(f"{m} {r[m]['mse']:.3g}" for m in MODELS)
                      + f" (chose {r['default']['chose']}; {time.perf_counter() - t0:.0f} s; "
                      f"predict s {r['default']['predict_s']:.3g})",
                      flush=True)
                out.parent.mkdir(parents=True, exist_ok=True)
                out.write_text(json.dumps(results, indent=1))
    summary = summarise(results)
    print_table(summary)
    if args.report:
        write_report(results, summary, Path(args.report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
