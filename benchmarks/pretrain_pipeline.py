"""Pretraining throughput of the two data pipelines, side by side in one run.

``collate`` pads every batch on the host (in ``--collate-workers`` forked processes); ``packed``
packs the corpus onto the device once and gathers each batch there; ``+unfused`` turns AdamW's
fused kernel off (the default before it was on). All train the same model from the same weights
on the same corpus, the same steps and batches (on a GPU the logged losses still drift apart by
~0.2 within 50 steps: its kernels are not deterministic, so they are recorded, not compared); the
ratio of each one's steady programs/s (after ``STEADY_AFTER`` steps; the whole run's when too
short) to the first variant's is the result.
Loading is timed too: the first load tokenizes the split, the second reads the pre-tokenised
cache.

    python benchmarks/pretrain_pipeline.py --corpus /tmp/corpus --seconds 60 --batch-size 256 \\
        --collate-workers 14 --variants collate,packed+unfused,packed --json out.json
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from pathlib import Path

import torch

from nsc_tune.compiler.data import load_corpus
from nsc_tune.compiler.model import CompNetConfig
from nsc_tune.compiler.pretrain import PretrainConfig, pretrain

WEIGHTS = "nsc_tune/compiler/weights/compnet.safetensors"


def _loads(corpus: str, max_len: int, workers: int) -> tuple[list, dict]:
    """Load the train split twice (removing any earlier token cache first): both times."""
    for old in Path(corpus).glob("tokens-train-*.safetensors"):
        old.unlink()
    t0 = time.time()
    load_corpus(corpus, "train", max_len, workers)
    t1 = time.time()
    programs = load_corpus(corpus, "train", max_len, workers)
    t2 = time.time()
    return programs, {"tokenize_seconds": round(t1 - t0, 1), "cached_seconds": round(t2 - t1, 1)}


def _run(corpus: str, programs: list, variant: str, args: argparse.Namespace) -> dict:
    pipeline, *flags = variant.split("+")
    unknown = set(flags) - {"unfused"}
    if unknown:
        raise SystemExit(f"unknown variant flag(s) {sorted(unknown)} in {variant!r}")
    out = Path(tempfile.mkdtemp(prefix=f"pipeline-{pipeline}-"))
    cfg = PretrainConfig(corpus=corpus, out=str(out), steps=10**7, batch_size=args.batch_size,
                         rows=args.rows, lr=1e-4, warmup=100, checkpoint_every=10**7,
                         max_minutes=args.seconds / 60, init_weights=args.weights,
                         collate_workers=args.collate_workers, pipeline=pipeline,
                         fused_optimizer="unfused" not in flags)
    try:
        summary = pretrain(cfg, programs, progress=False)
    except Exception as exc:  # a variant that fails is reported, not fatal
        shutil.rmtree(out, ignore_errors=True)
        return {"variant": variant, "error": f"{type(exc).__name__}: {str(exc)[:500]}",
                "rate_programs_per_second": float("nan")}
    # The same batches from the same weights: the first logged losses, for a look (see above).
    losses = [round(json.loads(line)["loss"], 5)
              for line in (out / "log.jsonl").read_text().splitlines()[:4]]
    shutil.rmtree(out, ignore_errors=True)
    keep = ("steps_this_run", "seconds", "steady_steps_per_second", "programs_per_second",
            "pack_seconds", "device")
    # Short runs (the CPU) never get past the start-up steps: then the whole run's rate counts.
    rate = summary["steady_steps_per_second"]
    rate = summary["steps_per_second"] if rate is None else rate
    return {**{k: summary[k] for k in keep}, "variant": variant,
            "steady": summary["steady_steps_per_second"] is not None, "losses": losses,
            "rate_programs_per_second": round(rate * args.batch_size, 1)}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--corpus", required=True)
    p.add_argument("--seconds", type=float, default=60.0, help="training time per pipeline")
    p.add_argument("--batch-size", type=int, default=256)
    p.add_argument("--rows", type=int, default=256)
    p.add_argument("--collate-workers", type=int, default=14)
    p.add_argument("--workers", type=int, default=0, help="tokenizing processes (0: all cores)")
    p.add_argument("--weights", default=WEIGHTS)
    p.add_argument("--variants", default="collate,packed",
                   help="comma-separated: collate, packed, packed+unfused, ...")
    p.add_argument("--json", default=None)
    args = p.parse_args()
    programs, loads = _loads(args.corpus, CompNetConfig().max_len, args.workers)
    runs = [_run(args.corpus, programs, name, args) for name in args.variants.split(",")]
    first = runs[0]["rate_programs_per_second"]
    for r in runs:
        r["over_first"] = round(r["rate_programs_per_second"] / max(first, 1e-9), 2)
    result = {"programs": len(programs), "batch_size": args.batch_size, "loads": loads,
              "runs": runs, "baseline": runs[0]["variant"],
              "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None}
    print(f"{'variant':22s} {'programs/s':>11s} {'steady':>7s} {'steps':>7s} {'ratio':>6s}")
    for r in runs:
        if "error" in r:
            print(f"{r['variant']:22s} failed: {r['error']}")
            continue
        print(f"{r['variant']:22s} {r['rate_programs_per_second']:11.1f} {r['steady']!s:>7s} "
              f"{r['steps_this_run']:7d} {r['over_first']:6.2f}  losses {r['losses']}")
    print(f"ratios over {runs[0]['variant']}; load {loads}")
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
