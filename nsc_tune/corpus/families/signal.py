"""Signal processing over const input arrays ("signal") and descriptive statistics ("statistics").

No FFT / twiddle factors (benchmark territory).
"""

from __future__ import annotations

import math

from nsc_tune.corpus.families._base import Prog


def _sig_in(p: Prog, n: int) -> str:
    a = p.u(0.5, 10)
    return p.arr_in(("samples", "x", "signal", "in"), n, -a, a)


def fir(p: Prog) -> None:
    p.func_name("fir_filter", "lowpass", "fir", "convolve_taps", "smooth")
    taps = p.c(3, 5, 7, 9) if p.p(0.7) else p.c(11, 15, 21, 31)
    fc = p.u(0.05, 0.4)
    h = []
    for k in range(taps):
        m = k - (taps - 1) / 2
        s = 2 * fc if m == 0 else math.sin(2 * math.pi * fc * m) / (math.pi * m)
        h.append(s * (0.54 - 0.46 * math.cos(2 * math.pi * k / (taps - 1))))
    tot = sum(h)
    h = [v / tot for v in h]
    tab = p.table(("TAPS", "h", "coeffs", "fir_coef"), h, sig=7, per_line=6)
    single = p.n_target <= 4
    n = taps if single else max(taps, min(64, p.n_target))
    x = _sig_in(p, n)
    k, i, acc = p.name("k", "j"), p.name("i", "n"), p.name("acc", "sum", "y")
    if single:
        p.w(f"{p.T} {acc} = {p.f(0)};")
        p.w(f"for (int {k} = 0; {k} < {taps}; {k}++) {acc} += {tab}[{k}] * {x}[{k}];")
        p.ret(acc)
        return
    m = n - taps + 1 if p.p(0.5) else n
    y = p.out_arr(("y", "out", "filtered"), m)
    p.open(f"for (int {i} = 0; {i} < {m}; {i}++)")
    p.w(f"{p.T} {acc} = {p.f(0)};")
    if m == n:
        p.open(f"for (int {k} = 0; {k} < {taps}; {k}++)")
        idx = p.name("idx", "j2")
        p.w(f"int {idx} = {i} - {k};", f"if ({idx} >= 0) {acc} += {tab}[{k}] * {x}[{idx}];")
        p.close()
    else:
        p.w(f"for (int {k} = 0; {k} < {taps}; {k}++) {acc} += {tab}[{k}] * {x}[{i} + {k}];")
    p.w(f"{y}[{i}] = {acc};")
    p.close()


def biquad(p: Prog) -> None:
    p.func_name("biquad", "iir_filter", "process_biquad", "direct_form1")
    fc, q = p.u(0.02, 0.3), p.u(0.5, 2)
    w0 = 2 * math.pi * fc
    al = math.sin(w0) / (2 * q)
    c = math.cos(w0)
    b = [(1 - c) / 2, 1 - c, (1 - c) / 2]
    a = [1 + al, -2 * c, 1 - al]
    co = [v / a[0] for v in b] + [a[1] / a[0], a[2] / a[0]]
    tab = p.table(("COEF", "bq", "k"), co, sig=8)
    n = max(4, min(64, p.n_target))
    x = _sig_in(p, n)
    y = p.out_arr(("y", "out"), n)
    x1, x2, y1, y2 = (p.name(s) for s in ("x1", "x2", "y1", "y2"))
    p.w(f"{p.T} {x1} = {p.f(0)}, {x2} = {p.f(0)}, {y1} = {p.f(0)}, {y2} = {p.f(0)};")
    i = p.name("i", "n")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    v = p.name("v", "yn", "acc")
    p.w(f"{p.T} {v} = {tab}[0] * {x}[{i}] + {tab}[1] * {x1} + {tab}[2] * {x2} - {tab}[3] * {y1} "
        f"- {tab}[4] * {y2};")
    p.w(f"{x2} = {x1};", f"{x1} = {x}[{i}];", f"{y2} = {y1};", f"{y1} = {v};", f"{y}[{i}] = {v};")
    p.close()


def moving_average(p: Prog) -> None:
    ema = p.p(0.5)
    p.func_name("ema" if ema else "moving_average", "smooth", "running_mean", "filter_series")
    n = max(4, min(64, p.n_target))
    x = _sig_in(p, n)
    y = p.out_arr(("y", "out", "avg"), n)
    i = p.name("i", "t")
    if ema:
        a = p.inp(("alpha", "a", "k"), p.u(0.01, 0.1), p.u(0.3, 0.9))
        s = p.name("s", "state")
        p.w(f"{p.T} {s} = {x}[0];")
        p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
        p.w(f"{s} += {a} * ({x}[{i}] - {s});", f"{y}[{i}] = {s};")
        p.close()
    else:
        w = p.c(2, 3, 4, 5, 8)
        s = p.name("s", "window_sum")
        p.w(f"{p.T} {s} = {p.f(0)};")
        p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
        p.w(f"{s} += {x}[{i}];", f"if ({i} >= {w}) {s} -= {x}[{i} - {w}];")
        p.w(f"{y}[{i}] = {s} / ({p.T})({i} + 1 < {w} ? {i} + 1 : {w});")
        p.close()


def windowing(p: Prog) -> None:
    kind = p.c("hann", "hamming", "blackman", "triangular")
    p.func_name(f"apply_{kind}", "window", f"{kind}_window", "taper")
    n = max(4, min(63, p.n_target))
    x = _sig_in(p, n)
    y = p.out_arr(("y", "out", "windowed"), n)
    i, w, e = p.name("i", "k"), p.name("w", "wk"), p.name("energy", "e", "pow")
    p.w(f"{p.T} {e} = {p.f(0)};")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    ph = f"({p.T}){i} / {p.f(n - 1)}"
    cs = p.m("cos")
    pi2 = p.f(6.283185307179586)
    w_expr = {
        "hann": f"{p.f(0.5)} - {p.f(0.5)} * {cs}({pi2} * {ph})",
        "hamming": f"{p.f(0.54)} - {p.f(0.46)} * {cs}({pi2} * {ph})",
        "blackman": f"{p.f(0.42)} - {p.f(0.5)} * {cs}({pi2} * {ph}) + {p.f(0.08)} * "
                    f"{cs}({p.f(12.566370614359172)} * {ph})",
        "triangular": f"{p.f(1)} - {p.m('fabs')}({p.f(2)} * {ph} - {p.f(1)})",
    }[kind]
    p.w(f"{p.T} {w} = {w_expr};", f"{y}[{i}] = {x}[{i}] * {w};", f"{e} += {y}[{i}] * {y}[{i}];")
    p.close()
    if p.p(0.5):
        p.ret(e)


def signal_features(p: Prog) -> None:
    p.func_name("signal_stats", "rms_peak", "crest_factor", "features", "zero_crossings")
    n = max(4, min(64, p.n_target if p.p(0.5) else p.i(8, 32)))
    x = _sig_in(p, n)
    i, ss, pk, zc = p.name("i", "k"), p.name("sum_sq", "ss"), p.name("peak", "pk"), \
        p.name("crossings", "zc")
    p.w(f"{p.T} {ss} = {p.f(0)}, {pk} = {p.f(0)};", f"int {zc} = 0;")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    a = p.name("a", "mag")
    p.w(f"{p.T} {a} = {p.m('fabs')}({x}[{i}]);", f"{ss} += {x}[{i}] * {x}[{i}];")
    p.w(f"if ({a} > {pk}) {pk} = {a};")
    p.w(f"if ({i} > 0 && ({x}[{i}] >= {p.f(0)}) != ({x}[{i} - 1] >= {p.f(0)})) {zc}++;")
    p.close()
    rms = p.name("rms", "r")
    p.w(f"{p.T} {rms} = {p.m('sqrt')}({ss} / {p.f(n)});")
    outs = [(("rms_out", "level"), rms), (("peak_out", "pmax"), pk),
            (("crest", "cf"), f"{rms} > {p.f(0)} ? {pk} / {rms} : {p.f(0)}"),
            (("zc_out", "n_cross"), zc, "int")]
    p.finish(outs, vector_ok=False)


def convolve(p: Prog) -> None:
    p.func_name("convolve", "conv1d", "correlate", "cross_corr")
    n = max(3, min(24, p.n_target))
    m = p.c(2, 3, 4, 5)
    x = p.arr_in(("a", "x", "sig"), n, -5, 5)
    h = p.arr_in(("b", "h", "kernel_"), m, -1, 1)
    L = n + m - 1
    y = p.out_arr(("y", "out", "c"), L)
    i, j = p.name("i", "n"), p.name("j", "k")
    p.open(f"for (int {i} = 0; {i} < {L}; {i}++)")
    s = p.name("s", "acc")
    p.w(f"{p.T} {s} = {p.f(0)};")
    p.open(f"for (int {j} = 0; {j} < {m}; {j}++)")
    p.w(f"if ({i} - {j} >= 0 && {i} - {j} < {n}) {s} += {h}[{j}] * {x}[{i} - {j}];")
    p.close()
    p.w(f"{y}[{i}] = {s};")
    p.close()


def envelope(p: Prog) -> None:
    p.func_name("envelope", "envelope_follower", "compressor_gain", "peak_detector")
    n = max(4, min(64, p.n_target))
    x = _sig_in(p, n)
    att = p.inp(("attack", "att", "a"), p.u(0.1, 0.3), p.u(0.5, 0.9))
    rel = p.inp(("release", "rel", "r"), p.u(0.01, 0.05), p.u(0.1, 0.3))
    y = p.out_arr(("env", "out", "y"), n)
    e, i = p.name("level", "e"), p.name("i", "k")
    p.w(f"{p.T} {e} = {p.f(0)};")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    a = p.name("mag", "v")
    p.w(f"{p.T} {a} = {p.m('fabs')}({x}[{i}]);")
    p.w(f"{e} += ({a} > {e} ? {att} : {rel}) * ({a} - {e});", f"{y}[{i}] = {e};")
    p.close()


# -- statistics ---------------------------------------------------------------------------------
def moments(p: Prog) -> None:
    p.func_name("moments", "describe", "mean_var", "skewness", "sample_stats")
    n = max(3, min(64, p.n_target if p.p(0.6) else p.i(4, 16)))
    lo = p.u(-50, 0)
    x = p.arr_in(("data", "x", "values", "v"), n, lo, lo + p.u(1, 100))
    i, mu = p.name("i", "k"), p.name("mean", "mu", "m")
    welford = p.p(0.3)
    if welford:
        m2 = p.name("m2", "s2")
        p.w(f"{p.T} {mu} = {p.f(0)}, {m2} = {p.f(0)};")
        p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
        d = p.name("delta", "d")
        p.w(f"{p.T} {d} = {x}[{i}] - {mu};", f"{mu} += {d} / ({i} + 1);",
            f"{m2} += {d} * ({x}[{i}] - {mu});")
        p.close()
        var = p.name("var", "variance")
        p.w(f"{p.T} {var} = {m2} / {p.f(n - 1)};")
        p.finish([(("mean_out", "avg"), mu), (("var_out", "s2_out"), var),
                  (("std", "sd"), f"{p.m('sqrt')}({var})")], vector_ok=False)
        return
    p.w(f"{p.T} {mu} = {p.f(0)};", f"for (int {i} = 0; {i} < {n}; {i}++) {mu} += {x}[{i}];",
        f"{mu} /= {p.f(n)};")
    s2, s3, s4 = p.name("s2", "m2"), p.name("s3", "m3"), p.name("s4", "m4")
    p.w(f"{p.T} {s2} = {p.f(0)}, {s3} = {p.f(0)}, {s4} = {p.f(0)};")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    d = p.name("d", "dev")
    p.w(f"{p.T} {d} = {x}[{i}] - {mu};", f"{p.T} d2 = {d} * {d};")
    p.w(f"{s2} += d2;", f"{s3} += d2 * {d};", f"{s4} += d2 * d2;")
    p.close()
    p.w(f"{s2} /= {p.f(n)};", f"{s3} /= {p.f(n)};", f"{s4} /= {p.f(n)};")
    sk = f"{s2} > {p.f(1e-12)} ? {s3} / ({s2} * {p.m('sqrt')}({s2})) : {p.f(0)}"
    ku = f"{s2} > {p.f(1e-12)} ? {s4} / ({s2} * {s2}) - {p.f(3)} : {p.f(0)}"
    p.finish([(("mean_out", "avg"), mu), (("variance", "var"), s2), (("skew", "g1"), sk),
              (("kurtosis", "g2"), ku)], vector_ok=False)


def zscore(p: Prog) -> None:
    p.func_name("zscore", "standardize", "normalize", "min_max_scale")
    n = max(3, min(64, p.n_target))
    x = p.arr_in(("x", "data", "in"), n, p.u(-100, 0), p.u(1, 100))
    y = p.out_arr(("z", "out", "y"), n)
    i = p.name("i", "k")
    if p.p(0.5):
        mu, sd = p.name("mean", "mu"), p.name("sd", "sigma")
        p.w(f"{p.T} {mu} = {p.f(0)}, {sd} = {p.f(0)};")
        p.w(f"for (int {i} = 0; {i} < {n}; {i}++) {mu} += {x}[{i}];", f"{mu} /= {p.f(n)};")
        p.w(f"for (int {i} = 0; {i} < {n}; {i}++) {sd} += ({x}[{i}] - {mu}) * ({x}[{i}] - {mu});")
        p.w(f"{sd} = {p.m('sqrt')}({sd} / {p.f(n)}) + {p.f(1e-6)};")
        p.w(f"for (int {i} = 0; {i} < {n}; {i}++) {y}[{i}] = ({x}[{i}] - {mu}) / {sd};")
    else:
        lo, hi = p.name("lo", "mn"), p.name("hi", "mx")
        p.w(f"{p.T} {lo} = {x}[0], {hi} = {x}[0];")
        p.open(f"for (int {i} = 1; {i} < {n}; {i}++)")
        p.w(f"if ({x}[{i}] < {lo}) {lo} = {x}[{i}];", f"if ({x}[{i}] > {hi}) {hi} = {x}[{i}];")
        p.close()
        r = p.name("range", "span")
        p.w(f"{p.T} {r} = {hi} - {lo};", f"if ({r} < {p.f(1e-9)}) {r} = {p.f(1)};")
        p.w(f"for (int {i} = 0; {i} < {n}; {i}++) {y}[{i}] = ({x}[{i}] - {lo}) / {r};")


def softmax(p: Prog) -> None:
    lse = p.p(0.3)
    p.func_name("logsumexp" if lse else "softmax", "soft_max", "normalize_exp", "attention_w")
    n = max(2, min(64, p.n_target))
    x = p.arr_in(("logits", "x", "z", "scores"), n, p.u(-10, -2), p.u(2, 10))
    temp = p.inp(("temperature", "tau", "t"), p.u(0.2, 0.8), p.u(1.5, 5)) if p.p(0.5) else None
    i, mx, s = p.name("i", "k"), p.name("mx", "max_v"), p.name("sum", "s", "den")
    scale = f" / {temp}" if temp else ""
    p.w(f"{p.T} {mx} = {x}[0];", f"for (int {i} = 1; {i} < {n}; {i}++) if ({x}[{i}] > {mx}) "
        f"{mx} = {x}[{i}];")
    p.w(f"{p.T} {s} = {p.f(0)};")
    if lse:
        p.w(f"for (int {i} = 0; {i} < {n}; {i}++) {s} += {p.m('exp')}(({x}[{i}] - {mx}){scale});")
        p.ret(f"{mx}{scale} + {p.m('log')}({s})")
        return
    y = p.out_arr(("probs", "p", "out", "w"), n)
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    p.w(f"{y}[{i}] = {p.m('exp')}(({x}[{i}] - {mx}){scale});", f"{s} += {y}[{i}];")
    p.close()
    p.w(f"for (int {i} = 0; {i} < {n}; {i}++) {y}[{i}] /= {s};")


def histogram(p: Prog) -> None:
    p.func_name("histogram", "hist", "bin_counts", "count_bins")
    n = max(4, min(64, p.n_target))
    nb = p.c(4, 5, 8, 10, 16)
    lo, hi = p.u(-10, 0), p.u(1, 20)
    x = p.arr_in(("values", "x", "data"), n, lo - 0.1 * (hi - lo), hi + 0.1 * (hi - lo))
    ct = p.c("int", "int", "unsigned", "short")
    h = p.out_arr(("counts", "bins", "h"), nb, ct)
    i, b = p.name("i", "k"), p.name("b", "bin", "idx")
    p.w(f"for (int {b} = 0; {b} < {nb}; {b}++) {h}[{b}] = 0;")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    p.w(f"int {b} = (int)(({x}[{i}] - {p.f(lo)}) * {p.f(nb / (hi - lo), 7)});")
    if p.p(0.5):
        p.w(f"if ({b} < 0) {b} = 0;", f"if ({b} >= {nb}) {b} = {nb - 1};")
    else:
        p.w(f"if ({x}[{i}] < {p.f(lo)} || {b} >= {nb}) continue;")
    p.w(f"{h}[{b}]++;")
    p.close()


def regression(p: Prog) -> None:
    p.func_name("linear_fit", "regress", "correlation", "least_squares", "pearson")
    n = max(3, min(32, p.n_target))
    x = p.arr_in(("x", "xs"), n, 0, p.u(5, 100))
    y = p.arr_in(("y", "ys"), n, p.u(-50, 0), p.u(1, 50))
    sx, sy, sxx, sxy, syy = (p.name(s) for s in ("sx", "sy", "sxx", "sxy", "syy"))
    i = p.name("i", "k")
    p.w(f"{p.T} {sx} = {p.f(0)}, {sy} = {p.f(0)}, {sxx} = {p.f(0)}, {sxy} = {p.f(0)}, "
        f"{syy} = {p.f(0)};")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    p.w(f"{sx} += {x}[{i}];", f"{sy} += {y}[{i}];", f"{sxx} += {x}[{i}] * {x}[{i}];",
        f"{sxy} += {x}[{i}] * {y}[{i}];", f"{syy} += {y}[{i}] * {y}[{i}];")
    p.close()
    N = p.f(n)
    vx, vy, cv = p.name("vx", "varx"), p.name("vy", "vary"), p.name("cov", "cxy")
    p.w(f"{p.T} {vx} = {N} * {sxx} - {sx} * {sx};", f"{p.T} {vy} = {N} * {syy} - {sy} * {sy};",
        f"{p.T} {cv} = {N} * {sxy} - {sx} * {sy};")
    slope = p.name("slope", "b1")
    p.w(f"{p.T} {slope} = {vx} > {p.f(1e-9)} ? {cv} / {vx} : {p.f(0)};")
    r = f"({vx} > {p.f(1e-9)} && {vy} > {p.f(1e-9)}) ? {cv} / {p.m('sqrt')}({vx} * {vy}) : {p.f(0)}"
    p.finish([(("slope_out", "b"), slope), (("intercept", "a"), f"({sy} - {slope} * {sx}) / {N}"),
              (("r", "corr"), r)], vector_ok=False)


def means(p: Prog) -> None:
    p.func_name("weighted_mean", "means", "geo_mean", "average")
    n = max(2, min(32, p.n_target))
    x = p.arr_in(("x", "values", "v"), n, p.u(0.1, 1), p.u(5, 100))
    w = p.arr_in(("w", "weights"), n, 0, 1) if p.p(0.5) else None
    i = p.name("i", "k")
    sw, s, sl, sh = p.name("sw", "wsum"), p.name("s", "acc"), p.name("sl", "logs"), \
        p.name("sh", "inv")
    p.w(f"{p.T} {sw} = {p.f(1e-9)}, {s} = {p.f(0)}, {sl} = {p.f(0)}, {sh} = {p.f(0)};")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    wi = f"{w}[{i}]" if w else p.f(1)
    p.w(f"{sw} += {wi};", f"{s} += {wi} * {x}[{i}];", f"{sl} += {wi} * {p.m('log')}({x}[{i}]);",
        f"{sh} += {wi} / {x}[{i}];")
    p.close()
    p.finish([(("arith", "am"), f"{s} / {sw}"), (("geometric", "gm"), f"{p.m('exp')}({sl} / {sw})"),
              (("harmonic", "hm"), f"{sw} / ({sh} + {p.f(1e-9)})")], vector_ok=False)


SIGNAL = [fir, biquad, moving_average, windowing, signal_features, convolve, envelope]
STATISTICS = [moments, zscore, softmax, histogram, regression, means]
