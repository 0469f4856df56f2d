"""Throughput of nsc_tune's C lexer (used by dedup and the leak check) next to pycparser's lexer,
on the same text (the suite's sources repeated), measured side by side in one run.

    python benchmarks/lexer_speed.py [--repeat 40]
"""

from __future__ import annotations

import argparse
import time

from pycparser.c_lexer import CLexer

from nsc_tune import suite
from nsc_tune.kernel.lexer import tokens


def best_rate(fn, text: str, rounds: int = 3) -> float:
    """Best characters per second over ``rounds`` runs."""
    best = float("inf")
    for _ in range(rounds):
        t = time.perf_counter()
        fn(text)
        best = min(best, time.perf_counter() - t)
    return len(text) / best


def pycparser_tokens(text: str) -> int:
    lex = CLexer(error_func=lambda *a: None)
    lex.input(text)
    n = 0
    while lex.token() is not None:
        n += 1
    return n


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeat", type=int, default=40)
    args = ap.parse_args()
    text = "\n".join(suite.source(n) for n in suite.names()) * args.repeat
    ours = best_rate(tokens, text)
    theirs = best_rate(pycparser_tokens, text)
    print(f"{len(text) / 1e6:.2f} MB of C: nsc_tune lexer {ours / 1e6:.2f} MB/s, pycparser lexer "
          f"{theirs / 1e6:.2f} MB/s, ratio {ours / theirs:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
