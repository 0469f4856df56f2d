"""Throughput of fitted surrogates against the exact kernel, side by side in one run (issue 7).

For each kernel (the suite, and an expensive example: a projectile simulated with 10,000-60,000
Euler steps per call), a surrogate is fitted (``fit_auto``), then the same batch of inputs runs:

  exact      per-call  a Python loop calling the C kernel once per input through ctypes
             gcc       one C call over the whole batch (a shared library, one thread)
             numba     nsc_tune's Numba translation, parallel over all cores
  surrogate  torch     ``surrogate.predict`` on the CPU (torch's threads)
             C         ``surrogate.to_c()`` compiled with gcc, one C call over the batch
             GPU       the surrogate on CUDA, host arrays in and out (transfers included)

and prints rows per second, the speed-ups over the fastest exact path and over gcc, and the quality
of the surrogate (the suite's AxBench metric; for the example, RMSE / output standard deviation).
With ``--gate``, the expensive kernel also goes through ``@nsc_tune.accelerate`` (quality gate):
the share of inputs accelerated, the share within the bound, and end-to-end throughput.

    python benchmarks/accelerate.py --gate --out docs/results/accelerate.json \
        --plot docs/results/accelerate.png
"""

from __future__ import annotations

import argparse
import json
import math
import os
import time
from pathlib import Path

import numpy as np
import torch

from nsc_tune import Kernel, suite, validate
from nsc_tune.accelerate import speed
from nsc_tune.kernel.inprocess import SharedKernel
from nsc_tune.surrogate.fit import fit_auto

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "kernels" / "projectile.c"


def best_time(fn, repeats: int) -> float:
    """Fastest of ``repeats`` runs (seconds), after one warm-up run (Numba, CUDA start-up)."""
    fn()
    return speed.best_time(fn, max_reps=repeats, budget_s=math.inf)


def load(name: str) -> Kernel:
    return Kernel.from_file(EXAMPLE) if name == "projectile" else suite.load(name)


def quality(s, k: Kernel, name: str) -> tuple[str, float]:
    rep = validate(s, k, n_samples=4096)
    if rep.quality is not None:
        return rep.metric, float(rep.quality)
    X = k.sample(4096, seed=7)
    Y = k(X)
    return "rmse/std", float(np.sqrt(((s.predict(X) - Y) ** 2).mean(0) / Y.var(0)).mean())


def measure(name: str, rows: int, fit_samples: int, epochs: int, repeats: int) -> dict:
    k = load(name)
    t = time.perf_counter()
    Xf = k.sample(fit_samples, seed=0)
    s, res, cand = fit_auto(k, Xf, k(Xf), epochs=epochs, seed=0)
    fit_s = time.perf_counter() - t
    metric, q = quality(s, k, name)
    X = k.sample(rows, seed=1)
    exact = SharedKernel(k.source, k.function, k.signature)
    export = SharedKernel(s.to_c(), f"{k.function}_surrogate", k.signature)
    per_call_rows = min(rows, 2000)
    t_row = best_time(lambda: [exact.row(x) for x in X[:per_call_rows]], 1) * rows / per_call_rows
    times = {
        "exact per-call": t_row,
        "exact gcc": best_time(lambda: exact.batch(X), repeats),
        "exact numba": best_time(lambda: k(X), repeats),
        "surrogate torch": best_time(lambda: s.predict(X), repeats),
        "surrogate C": best_time(lambda: export.batch(X), repeats),
    }
    # The export computes what torch computes (to float rounding): a check, not a timing.
    torch_out = s.predict(X[:256])
    drift = float(np.abs(export.batch(X[:256]) - torch_out).max()
                  / (np.abs(torch_out).max() + 1e-12))
    if torch.cuda.is_available():
        g = s.to("cuda")

        def on_gpu() -> None:
            g.predict(X)
            torch.cuda.synchronize()

        times["surrogate GPU"] = best_time(on_gpu, repeats)
        s.to("cpu")
    fastest_exact = min(times["exact gcc"], times["exact numba"])
    return {
        "kernel": name, "rows": rows, "fit_samples": fit_samples, "epochs": epochs,
        "init": s.init, "fit_seconds": round(fit_s, 1), "metric": metric, "quality": q,
        "export_max_rel_diff": drift,
        "rows_per_second": {m: rows / t for m, t in times.items()},
        "speedup_vs_fastest_exact": {m: fastest_exact / t for m, t in times.items()
                                     if m.startswith("surrogate")},
        "speedup_vs_gcc": {m: times["exact gcc"] / t for m, t in times.items()
                           if m.startswith("surrogate")},
    }


def gated(rows: int, fit_samples: int, epochs: int, max_error: float) -> dict:
    """The expensive kernel through ``@nsc_tune.accelerate`` (batch convention, gcc as exact)."""
    import warnings

    from nsc_tune import accelerate

    k = load("projectile")
    exact = SharedKernel(k.source, k.function, k.signature)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fast = accelerate(exact.batch, source=EXAMPLE, max_error=max_error, error_scale="range",
                          batch=True, n_samples=fit_samples, epochs=epochs, cache=False,
                          threads=None)
        fast.setup()
    X = k.sample(rows, seed=2)
    t_exact = best_time(lambda: exact.batch(X), 1)
    t = time.perf_counter()
    Y, route = fast.batch(X, with_route=True)
    t_fast = time.perf_counter() - t
    truth = exact.batch(X)
    tol = max_error * (truth.max(0) - truth.min(0))
    acc = route == "surrogate"
    within = (np.abs(Y[acc] - truth[acc]) <= tol).all(axis=1)
    return {"max_error": f"{max_error:g} of each output's range", "rows": rows,
            "share_accelerated": float(acc.mean()),
            "share_accelerated_within_bound": float(within.mean()) if acc.any() else math.nan,
            "share_all_outputs_within_bound": float(
                (np.abs(Y - truth) <= tol).all(axis=1).mean()),
            "speedup_vs_gcc_end_to_end": t_exact / t_fast,
            "enabled": fast.stats.enabled, "warnings": [str(w.message)[:200] for w in caught]}


def markdown(results: list[dict], gate: dict | None) -> str:
    methods = list(results[0]["rows_per_second"])
    head = ("| kernel | quality | " + " | ".join(methods) + " | surrogate best / fastest exact |"
            "\n|---|---|" + "---|" * len(methods) + "---|")
    lines = [head]
    for r in results:
        best = max(r["speedup_vs_fastest_exact"].items(), key=lambda kv: kv[1])
        rates = " | ".join(f"{r['rows_per_second'][m]:.3g}" for m in methods)
        verdict = f"{best[1]:.2f}x ({best[0].split()[1]})" + ("" if best[1] >= 1 else " - slower")
        lines.append(f"| {r['kernel']} | {r['metric']} {r['quality']:.3g} | {rates} | {verdict} |")
    text = "Rows per second (higher is better):\n\n" + "\n".join(lines) + "\n"
    if gate:
        text += ("\nThrough the quality gate (projectile, " + gate["max_error"] + "): "
                 f"{gate['share_accelerated']:.1%} accelerated, "
                 f"{gate['share_accelerated_within_bound']:.2%} of them within the bound, "
                 f"{gate['speedup_vs_gcc_end_to_end']:.1f}x end to end vs gcc.\n")
    return text


def plot(results: list[dict], path: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = [m for m in results[0]["speedup_vs_fastest_exact"]]
    fig, ax = plt.subplots(figsize=(8, 4))
    width = 0.8 / len(methods)
    for i, m in enumerate(methods):
        ax.bar(np.arange(len(results)) + i * width,
               [r["speedup_vs_fastest_exact"].get(m, np.nan) for r in results], width, label=m)
    ax.axhline(1.0, color="k", lw=0.8)
    ax.set_yscale("log")
    ax.set_xticks(np.arange(len(results)) + width * (len(methods) - 1) / 2,
                  [r["kernel"] for r in results])
    ax.set_ylabel("speed-up over the fastest exact path")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernels", nargs="+", default=[*suite.names(), "projectile"])
    ap.add_argument("--rows", type=int, default=100_000, help="batch size timed per kernel")
    ap.add_argument("--expensive-rows", type=int, default=20_000, help="batch for projectile")
    ap.add_argument("--fit-samples", type=int, default=8192)
    ap.add_argument("--epochs", type=int, default=300)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--gate", action="store_true", help="also run projectile through the gate")
    ap.add_argument("--max-error", type=float, default=0.01)
    ap.add_argument("--quick", action="store_true", help="tiny sizes (a smoke test)")
    ap.add_argument("--out", default=None, help="JSON results")
    ap.add_argument("--plot", default=None, help="PNG of the speed-ups")
    args = ap.parse_args(argv)
    if args.quick:
        args.rows, args.expensive_rows, args.fit_samples, args.epochs, args.repeats = (
            2000, 200, 512, 20, 1)
    results = []
    for name in args.kernels:
        rows = args.expensive_rows if name == "projectile" else args.rows
        r = measure(name, rows, args.fit_samples, args.epochs, args.repeats)
        results.append(r)
        print(json.dumps({"kernel": name, "quality": r["quality"],
                          "speedup_vs_fastest_exact": r["speedup_vs_fastest_exact"]}), flush=True)
    gate = gated(args.expensive_rows, args.fit_samples, args.epochs * 3, args.max_error) \
        if args.gate else None
    print(markdown(results, gate))
    machine = {"cpus": os.cpu_count(), "torch_threads": torch.get_num_threads(),
               "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None}
    if args.out:
        Path(args.out).write_text(json.dumps({"machine": machine, "args": vars(args),
                                              "results": results, "gate": gate}, indent=2))
    if args.plot:
        plot(results, args.plot)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
