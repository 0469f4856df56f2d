"""Per-program throughput of the corpus build's in-Python stages, side by side in one run:
generating candidates, the leak check against the suite, and near-duplicate indexing (one core).

    python benchmarks/corpus_stages.py [--n 1000]
"""

from __future__ import annotations

import argparse
import time

from nsc_tune.corpus.dedup import NearDuplicateIndex
from nsc_tune.corpus.generate import generate_many
from nsc_tune.corpus.leakage import LeakageChecker
from nsc_tune.kernel.lexer import raw_key


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1000, help="candidates")
    args = ap.parse_args()
    t = time.perf_counter()
    progs = generate_many(5, 0, args.n)
    rates = {"generate": args.n / (time.perf_counter() - t)}
    checker = LeakageChecker()
    t = time.perf_counter()
    for p in progs:
        checker.scores(p.source)
    rates["leak check"] = args.n / (time.perf_counter() - t)
    index = NearDuplicateIndex()
    t = time.perf_counter()
    for p in progs:
        index.add(raw_key(p.source), p.source)
    rates["dedup add"] = args.n / (time.perf_counter() - t)
    base = rates["generate"]
    for stage, rate in rates.items():
        print(f"{stage:<11} {rate:10,.0f} programs/s   {rate / base:5.2f}x generate")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
