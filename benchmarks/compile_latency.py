"""Compile latency on CPU: weight-load time, then per-kernel compile time for the suite.

Usage: python benchmarks/compile_latency.py [--weights PATH] [--repeats 20] [--threads N]
Prints one row per suite kernel (tokens, median ms) and the target check (<= 20 ms per kernel),
with the median of each part of a compile timed on its own: the static range analysis, the rest
of tokenizing, and CompNet's encoder.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time

import torch


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--weights", default=None)
    ap.add_argument("--repeats", type=int, default=20)
    ap.add_argument("--threads", type=int, default=0, help="torch threads (0: torch's default)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    from nsc_tune import suite
    from nsc_tune.compiler.compiler import Compiler
    from nsc_tune.compiler.tokenizer import tokenize
    from nsc_tune.surrogate import Surrogate

    t0 = time.perf_counter()
    compiler = Compiler(args.weights)
    load_ms = (time.perf_counter() - t0) * 1e3
    rows = []
    for name in suite.names():
        kernel = suite.load(name)
        times = _times_ms(lambda k=kernel: Surrogate(k, compiler.emit([k])[0], "compiled"),
                          args.repeats)
        rows.append({"kernel": name, "tokens": len(tokenize(kernel)),
                     "median_ms": round(statistics.median(times), 2),
                     "min_ms": round(min(times), 2), **_parts(compiler, kernel, args.repeats)})
    report = {"weights": str(compiler.path), "load_ms": round(load_ms, 1),
              "threads": torch.get_num_threads(), "kernels": rows,
              "all_within_20ms": all(r["median_ms"] <= 20 for r in rows)}
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    print(f"weights {report['weights']}: loaded in {report['load_ms']} ms; "
          f"{report['threads']} torch threads")
    print(f"{'kernel':<14}{'tokens':>8}{'median ms':>12}{'min ms':>9}{'ranges':>9}"
          f"{'tokenize':>9}{'encoder':>9}")
    for r in rows:
        print(f"{r['kernel']:<14}{r['tokens']:>8}{r['median_ms']:>12}{r['min_ms']:>9}"
              f"{r['ranges_ms']:>9}{r['tokenize_ms']:>9}{r['encoder_ms']:>9}")
    print("target <= 20 ms per kernel:", "met" if report["all_within_20ms"] else "NOT met")
    return 0


def _times_ms(fn, repeats: int) -> list[float]:
    """Milliseconds of ``repeats`` calls of ``fn``, after one warm-up call."""
    fn()
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    return times


def _parts(compiler, kernel, repeats: int) -> dict[str, float]:
    """Median ms of the range analysis, of tokenizing without it, and of CompNet's encoder."""
    from nsc_tune.compiler.model import read_positions
    from nsc_tune.compiler.tokenizer import tokenize

    def median_ms(fn) -> float:
        return round(statistics.median(_times_ms(fn, repeats)), 2)

    batch, _ = compiler.tokenized_batch([kernel])
    at = read_positions(batch.in_pos, batch.out_pos)  # as compile runs the encoder
    with torch.no_grad():
        encoder = median_ms(lambda: compiler.model.encode(batch.ids, batch.values, at))
    return {"ranges_ms": median_ms(kernel.output_ranges),
            "tokenize_ms": median_ms(lambda: tokenize(kernel, ranges=False)),
            "encoder_ms": encoder}


if __name__ == "__main__":
    raise SystemExit(main())
