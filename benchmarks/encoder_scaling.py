"""How CompNet's encoder time on the CPU scales with its width, depth and attention span.

Usage: python benchmarks/encoder_scaling.py [--threads 2] [--repeats 5]

Times the encoder's arithmetic (pre-norm transformer layers as ``CompNet._encode_inference`` runs
them: fused QKV, ``scaled_dot_product_attention``, GELU feed-forward) with random weights, for the
token counts of the two longest suite kernels (jmeint 2,134, jpeg 1,100) and for the shipped
shape and smaller ones, with dense attention or block-local attention (blocks of ``window``
tokens, each attending to itself and its two neighbours). It sizes what a faster compiler would
need; no trained model is involved, so it says nothing of accuracy.
"""

from __future__ import annotations

import argparse
import time

import torch
import torch.nn.functional as F

#: (label, d_model, feed-forward width, layers, heads, attention window or None for dense)
SHAPES = [("shipped: d128 ff512 L4, dense", 128, 512, 4, 4, None),
          ("d128 ff512 L4, local 128", 128, 512, 4, 4, 128),
          ("d64 ff256 L4, dense", 64, 256, 4, 4, None),
          ("d64 ff256 L4, local 128", 64, 256, 4, 4, 128),
          ("d64 ff256 L3, local 128", 64, 256, 3, 4, 128),
          ("d32 ff128 L2, dense", 32, 128, 2, 2, None)]


def _attention(q, k, v, window: int | None):
    if window is None:
        return F.scaled_dot_product_attention(q, k, v)
    b, h, n, dh = q.shape
    blocks = -(-n // window)
    extra = blocks * window - n
    qb = F.pad(q, (0, 0, 0, extra)).view(b, h, blocks, window, dh)
    kb = F.pad(k, (0, 0, window, extra + window)).unfold(2, 3 * window, window).transpose(-1, -2)
    vb = F.pad(v, (0, 0, window, extra + window)).unfold(2, 3 * window, window).transpose(-1, -2)
    out = F.scaled_dot_product_attention(qb, kb, vb)  # padding keys attend as zeros: timing only
    return out.reshape(b, h, blocks * window, dh)[:, :, :n]


def encoder_ms(d: int, ff: int, layers: int, heads: int, n: int, window: int | None,
               repeats: int) -> float:
    """Best-of-``repeats`` milliseconds of one encoder pass over ``n`` tokens."""
    g = torch.Generator().manual_seed(0)
    x = torch.randn(1, n, d, generator=g)
    weights = [[torch.randn(*s, generator=g) / s[1] ** 0.5
                for s in ((3 * d, d), (d, d), (ff, d), (d, ff))] for _ in range(layers)]

    def run() -> torch.Tensor:
        h = x
        for w_qkv, w_out, w_1, w_2 in weights:
            qkv = F.linear(F.layer_norm(h, (d,)), w_qkv)
            q, k, v = qkv.view(1, n, 3, heads, d // heads).permute(2, 0, 3, 1, 4)
            a = _attention(q, k, v, window)
            h = h + F.linear(a.transpose(1, 2).reshape(1, n, d), w_out)
            h = h + F.linear(F.gelu(F.linear(F.layer_norm(h, (d,)), w_1)), w_2)
        return h

    with torch.no_grad():
        run()
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
    return 1000 * min(times)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python benchmarks/encoder_scaling.py")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"{args.threads} torch threads; encoder ms, best of {args.repeats}")
    print(f"{'shape':<32}{'jmeint (2134)':>15}{'jpeg (1100)':>13}")
    for label, d, ff, layers, heads, window in SHAPES:
        ms = [encoder_ms(d, ff, layers, heads, n, window, args.repeats) for n in (2134, 1100)]
        print(f"{label:<32}{ms[0]:>15.1f}{ms[1]:>13.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
