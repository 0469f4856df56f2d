"""Polynomial/rational approximations ("poly_approx") and table interpolation ("lookup_interp").

No sin/cos twiddle approximations and no normal-CDF/erf polynomials (benchmark territory).
"""

from __future__ import annotations

import math

from nsc_tune.corpus.families._base import Prog

#: target functions for fitted approximations: name -> (f, lo, hi)
_TARGETS = {
    "exp": (math.exp, -2.0, 2.0),
    "log1p": (math.log1p, 0.0, 3.0),
    "atan": (math.atan, -1.0, 1.0),
    "tanh": (math.tanh, -3.0, 3.0),
    "sigmoid": (lambda x: 1 / (1 + math.exp(-x)), -6.0, 6.0),
    "sqrt1p": (lambda x: math.sqrt(1 + x), 0.0, 4.0),
    "lorentz": (lambda x: 1 / (1 + x * x), -3.0, 3.0),
    "softplus": (lambda x: math.log1p(math.exp(x)), -4.0, 4.0),
    "bessel_like": (lambda x: math.cos(x) * math.exp(-0.1 * x * x), 0.0, 6.0),
    "gauss": (lambda x: math.exp(-x * x), -2.5, 2.5),
}


def _cheb_coeffs(f, a: float, b: float, n: int) -> list[float]:
    """Chebyshev coefficients of ``f`` on [a, b] (pure Python, n nodes)."""
    xs = [math.cos(math.pi * (k + 0.5) / n) for k in range(n)]
    fs = [f(0.5 * (b - a) * x + 0.5 * (b + a)) for x in xs]
    return [2.0 / n * sum(fk * math.cos(math.pi * j * (k + 0.5) / n) for k, fk in enumerate(fs))
            for j in range(n)]


def _taylor(name: str, n: int) -> list[float]:
    if name == "exp":
        return [1 / math.factorial(k) for k in range(n)]
    if name == "log1p":
        return [0.0] + [(-1) ** (k + 1) / k for k in range(1, n)]
    if name == "atan":
        return [0.0 if k % 2 == 0 else (-1) ** (k // 2) / k for k in range(n)]
    return [(-1) ** k * 0.5 ** k for k in range(n)]  # 1 / (1 + x/2)


def horner(p: Prog) -> None:
    name = p.c("exp", "log1p", "atan", "geometric")
    p.func_name(f"{name}_poly", f"approx_{name}", "poly_eval", "horner", f"fast_{name}")
    p.comment = p.c(None, f"polynomial approximation of {name}", "Horner evaluation")
    deg = p.i(3, 8) if p.p(0.7) else p.i(9, 24)
    cs = _taylor(name, deg + 1)
    jit = p.p(0.5)
    if jit:
        cs = [c * (1 + p.r.uniform(-0.05, 0.05)) for c in cs]
    lo, hi = {"exp": (-1, 1), "log1p": (0, 0.5), "atan": (-0.5, 0.5)}.get(name, (-0.8, 0.8))
    x = p.inp(("x", "t", "arg"), lo * p.u(0.5, 1), hi * p.u(0.5, 1))
    acc = p.name("acc", "y", "s", "r")
    if p.p(0.6):
        tab = p.table(("COEFFS", "coeffs", "c"), cs, sig=8)
        k = p.name("k", "i")
        p.w(f"{p.T} {acc} = {tab}[{deg}];")
        p.open(f"for (int {k} = {deg - 1}; {k} >= 0; {k}--)")
        p.w(f"{acc} = {acc} * {x} + {tab}[{k}];")
        p.close()
    else:
        expr = p.f(cs[-1], 8)
        for c in reversed(cs[:-1]):
            expr = f"({expr}) * {x} + {p.f(c, 8)}"
        p.w(f"{p.T} {acc} = {expr};")
    p.finish([(("approx", "out", "y"), acc)])


def pade(p: Prog) -> None:
    kind = p.c("tanh", "exp", "atan")
    p.func_name(f"pade_{kind}", f"{kind}_approx", f"rational_{kind}", "fast_act")
    one = p.f(1)
    if kind == "tanh":
        x = p.inp(("x", "v"), p.u(-6, -3), p.u(3, 6))
        x2 = p.name("x2", "xx", "sq")
        p.w(f"{p.T} {x2} = {x} * {x};")
        if p.p(0.5):
            a, b = p.f(27), p.f(9)
            y = f"{x} * ({a} + {x2}) / ({a} + {b} * {x2})"
        else:
            y = (f"{x} * ({p.f(135135)} + {x2} * ({p.f(17325)} + {x2} * ({p.f(378)} + {x2}))) / "
                 f"({p.f(135135)} + {x2} * ({p.f(62370)} + {x2} * ({p.f(3150)} + {p.f(28)} * "
                 f"{x2})))")
        r = p.name("r", "y")
        p.w(f"{p.T} {r} = {y};")
        p.w(f"if ({r} > {one}) {r} = {one};", f"if ({r} < -{one}) {r} = -{one};")
        p.finish([(("tanh_out", "out"), r)])
    elif kind == "exp":
        x = p.inp(("x", "v"), p.u(-8, -2), p.u(2, 8))
        n = p.i(3, 6)
        h = p.name("h", "xr")
        p.w(f"{p.T} {h} = {x} / {p.f(2 ** n)};")
        r = p.name("r", "e")
        p.w(f"{p.T} {r} = ({p.f(12)} + {p.f(6)} * {h} + {h} * {h}) / "
            f"({p.f(12)} - {p.f(6)} * {h} + {h} * {h});")
        k = p.name("k", "i")
        p.w(f"for (int {k} = 0; {k} < {n}; {k}++) {r} *= {r};")
        p.finish([(("exp_out", "y"), r)])
    else:
        x = p.inp(("x", "ratio"), p.u(-20, -2), p.u(2, 20))
        a, inv = p.name("ax", "a"), p.name("inv", "flip")
        p.w(f"{p.T} {a} = {p.m('fabs')}({x});", f"int {inv} = {a} > {one};")
        p.w(f"if ({inv}) {a} = {one} / {a};")
        r = p.name("r", "t")
        p.w(f"{p.T} {r} = {a} * ({p.f(15)} + {p.f(4)} * {a} * {a}) / ({p.f(15)} + {p.f(9)} * {a} "
            f"* {a});")
        p.w(f"if ({inv}) {r} = {p.f(1.5707963267948966)} - {r};")
        p.finish([(("atan_out", "angle"), f"{x} < {p.f(0)} ? -{r} : {r}")])


def chebyshev(p: Prog) -> None:
    name = p.c(*_TARGETS)
    f, a, b = _TARGETS[name]
    p.func_name(f"cheb_{name}", f"{name}_approx", "clenshaw", "chebyshev_eval", f"eval_{name}")
    n = p.i(5, 12) if p.p(0.7) else p.i(16, 32)
    cs = _cheb_coeffs(f, a, b, n)
    x = p.inp(("x", "t", "u"), a, b)
    tab = p.table(("CHEB", "cheb_coef", "c", "coef"), cs, sig=9, per_line=4)
    t, b1, b2, k = p.name("t", "y"), p.name("b1", "bk"), p.name("b2", "bk1"), p.name("k", "j")
    p.w(f"{p.T} {t} = ({p.f(2)} * {x} - {p.f(a + b)}) / {p.f(b - a)};")
    p.w(f"{p.T} {b1} = {p.f(0)}, {b2} = {p.f(0)};")
    p.open(f"for (int {k} = {n - 1}; {k} >= 1; {k}--)")
    tmp = p.name("tmp", "bn")
    p.w(f"{p.T} {tmp} = {p.f(2)} * {t} * {b1} - {b2} + {tab}[{k}];", f"{b2} = {b1};",
        f"{b1} = {tmp};")
    p.close()
    p.finish([(("value", "y_out", "f"), f"{t} * {b1} - {b2} + {p.f(0.5)} * {tab}[0]")])


def exp_reduce(p: Prog) -> None:
    p.func_name("fast_exp", "exp_approx", "my_exp", "expo")
    x = p.inp(("x", "v"), p.u(-10, -3), p.u(3, 10))
    k, r = p.name("k", "n"), p.name("r", "rem")
    ln2 = p.const(("LN2", "ln2"), 0.6931471805599453, 10)
    p.w(f"int {k} = (int){p.m('floor')}({x} / {ln2});", f"{p.T} {r} = {x} - {k} * {ln2};")
    deg = p.i(3, 7)
    cs = [1 / math.factorial(j) for j in range(deg + 1)]
    y = p.name("y", "poly")
    expr = p.f(cs[-1], 8)
    for c in reversed(cs[:-1]):
        expr = f"{p.f(c, 8)} + {r} * ({expr})"
    p.w(f"{p.T} {y} = {expr};")
    i = p.name("i", "j")
    p.open(f"for (int {i} = 0; {i} < ({k} < 0 ? -{k} : {k}); {i}++)")
    p.w(f"{y} = {k} < 0 ? {y} * {p.f(0.5)} : {y} * {p.f(2)};")
    p.close()
    p.finish([(("exp_out", "res"), y), (("exponent", "e2"), k, "int")])


def lanczos(p: Prog) -> None:
    p.T = "double"
    p.func_name("log_gamma", "lgamma_approx", "gamma_fn", "lanczos")
    g = 7
    cs = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313,
          -176.61503916999185, 12.507343278686905, -0.13857109526572012,
          9.9843695780195716e-6, 1.5056327351493116e-7]
    x = p.inp(("x", "z"), p.u(0.6, 1.5), p.u(5, 30))
    tab = p.table(("LANCZOS", "lanczos_coef", "cof"), cs, sig=17, per_line=3)
    a, t, k = p.name("a", "acc", "sum"), p.name("t", "tt"), p.name("k", "i")
    z = p.name("zm1", "zz")
    p.w(f"double {z} = {x} - 1.0;", f"double {a} = {tab}[0];")
    p.w(f"for (int {k} = 1; {k} < 9; {k}++) {a} += {tab}[{k}] / ({z} + {k});")
    p.w(f"double {t} = {z} + {g}.5;")
    lg = f"0.9189385332046727 + ({z} + 0.5) * log({t}) - {t} + log({a})"
    p.finish([(("lgamma_out", "lg"), lg), (("gamma_out", "gm"), f"exp({lg})")])


def activation(p: Prog) -> None:
    kind = p.c("gelu", "swish", "softsign", "hard_sigmoid", "mish")
    p.func_name(kind, f"{kind}_act", "activation", "act_fn")
    x = p.inp(("x", "z", "pre"), p.u(-8, -2), p.u(2, 8))
    one = p.f(1)
    if kind == "gelu":
        y = (f"{p.f(0.5)} * {x} * ({one} + {p.m('tanh')}({p.f(0.7978845608)} * ({x} + "
             f"{p.f(0.044715)} * {x} * {x} * {x})))")
    elif kind == "swish":
        beta = p.f(p.u(0.5, 2))
        y = f"{x} / ({one} + {p.m('exp')}(-{beta} * {x}))"
    elif kind == "softsign":
        y = f"{x} / ({one} + {p.m('fabs')}({x}))"
    elif kind == "hard_sigmoid":
        s = p.f(p.c(0.2, 1 / 6))
        y = f"{p.m('fmax')}({p.f(0)}, {p.m('fmin')}({one}, {s} * {x} + {p.f(0.5)}))"
    else:
        y = f"{x} * {p.m('tanh')}({p.m('log1p')}({p.m('exp')}({x})))"
    yy = p.name("y", "out", "a")
    p.w(f"{p.T} {yy} = {y};")
    if p.p(0.4):
        lk = p.f(p.u(0.01, 0.2))
        p.w(f"if ({x} < {p.f(p.u(-4, -2))}) {yy} = {lk} * {x};")
    p.finish([(("act", "y_out"), yy)])


def cont_frac(p: Prog) -> None:
    p.func_name("tan_cf", "continued_fraction", "cf_eval", "lentz_tan")
    x = p.inp(("x", "a"), p.u(-1.4, -0.5), p.u(0.5, 1.4))
    n = p.i(4, 12)
    x2, acc, k = p.name("x2", "xx"), p.name("d", "acc", "frac"), p.name("k", "i")
    p.w(f"{p.T} {x2} = {x} * {x};", f"{p.T} {acc} = {p.f(2 * n + 1)};")
    p.open(f"for (int {k} = {n - 1}; {k} >= 0; {k}--)")
    p.w(f"{acc} = ({p.T})(2 * {k} + 1) - {x2} / {acc};")
    p.close()
    p.finish([(("tan_out", "t"), f"{x} / {acc}")])


# -- lookup tables and interpolation ----------------------------------------------------------
_CURVES = {
    "thermistor": (lambda x: 1 / (0.001129 + 0.000234 * math.log(x) + 8.76e-8 *
                                  math.log(x) ** 3) - 273.15, 500.0, 50000.0),
    "gamma": (lambda x: x ** 2.2, 0.0, 1.0),
    "drag_mach": (lambda x: 0.2 + 0.3 * math.exp(-((x - 1.0) / 0.2) ** 2) + 0.05 * x, 0.0, 3.0),
    "battery": (lambda x: 3.0 + 1.2 * (1 - math.exp(-6 * x)) - 0.1 * x + 0.1 * x ** 8, 0.0, 1.0),
    "air_density": (lambda h: 1.225 * math.exp(-h / 8500.0), 0.0, 20000.0),
    "efficiency": (lambda x: 0.9 * x / (x + 0.1) - 0.05 * x, 0.0, 2.0),
    "torque": (lambda x: 300 - 0.00001 * (x - 3500) ** 2, 800.0, 6500.0),
}


def table_lerp(p: Prog) -> None:
    name = p.c(*_CURVES)
    f, a, b = _CURVES[name]
    p.func_name(f"{name}_lookup", "interp_table", "lut_lerp", f"{name}_curve", "calibrate")
    n = p.i(6, 12) if p.p(0.7) else p.i(16, 40)
    xs = [a + (b - a) * k / (n - 1) for k in range(n)]
    if p.p(0.4):
        xs = [a + (b - a) * (k / (n - 1)) ** 1.5 for k in range(n)]
    ys = [f(max(x, 1e-9) if name == "thermistor" else x) for x in xs]
    ys = [y * (1 + p.r.uniform(-0.02, 0.02)) for y in ys]
    xt = p.table(("XS", "x_tab", "knots"), xs, sig=6)
    yt = p.table(("YS", "y_tab", "vals"), ys, sig=6)
    x = p.inp(("x", "q", "input"), a - 0.05 * (b - a), b + 0.05 * (b - a))
    i = p.name("i", "k", "idx")
    p.w(f"if ({x} <= {xt}[0]) return {yt}[0];", f"if ({x} >= {xt}[{n - 1}]) return {yt}[{n - 1}];")
    if p.p(0.5):
        lo, hi, mid = p.name("lo",), p.name("hi",), p.name("mid", "m")
        p.w(f"int {lo} = 0, {hi} = {n - 1};")
        p.open(f"while ({hi} - {lo} > 1)")
        p.w(f"int {mid} = ({lo} + {hi}) / 2;")
        p.w(f"if ({xt}[{mid}] <= {x}) {lo} = {mid}; else {hi} = {mid};")
        p.close()
        p.w(f"int {i} = {lo};")
    else:
        p.w(f"int {i} = 0;")
        p.w(f"while ({i} < {n - 2} && {xt}[{i} + 1] < {x}) {i}++;")
    t = p.name("t", "frac", "w")
    p.w(f"{p.T} {t} = ({x} - {xt}[{i}]) / ({xt}[{i} + 1] - {xt}[{i}]);")
    p.ret(f"{yt}[{i}] + {t} * ({yt}[{i} + 1] - {yt}[{i}])")


def grid_lerp(p: Prog) -> None:
    name = p.c(*_CURVES)
    f, a, b = _CURVES[name]
    if name == "thermistor":
        a = 500.0
    p.func_name(f"{name}_lut", "lut_sample", "uniform_lookup", f"{name}_interp")
    n = p.i(8, 16) if p.p(0.7) else p.i(17, 64)
    ys = [f(a + (b - a) * k / (n - 1)) for k in range(n)]
    tab = p.table(("LUT", "lut", "table"), ys, sig=6, per_line=8)
    x = p.inp(("x", "v"), a, b)
    pos, i = p.name("pos", "u", "fi"), p.name("i", "idx")
    p.w(f"{p.T} {pos} = ({x} - {p.f(a)}) * {p.f((n - 1) / (b - a), 8)};")
    p.w(f"if ({pos} < {p.f(0)}) {pos} = {p.f(0)};", f"if ({pos} > {p.f(n - 1.001)}) "
        f"{pos} = {p.f(n - 1.001)};")
    p.w(f"int {i} = (int){pos};")
    fr = p.name("frac", "t")
    p.w(f"{p.T} {fr} = {pos} - ({p.T}){i};")
    p.finish([(("value", "y"), f"{tab}[{i}] * ({p.f(1)} - {fr}) + {tab}[{i} + 1] * {fr}"),
              (("slope", "dy"), f"({tab}[{i} + 1] - {tab}[{i}]) * {p.f((n - 1) / (b - a), 8)}")],
             vector_ok=p.p(0.5))


def table2d(p: Prog) -> None:
    p.func_name("map_lookup", "table2d", "fuel_map", "bilinear_table", "efficiency_map")
    nx, ny = p.i(3, 8), p.i(3, 6)
    ax, bx = p.u(500, 1000), p.u(4000, 7000)
    ay, by = 0.0, p.u(50, 100)
    c1, c2 = p.u(0.5, 2), p.u(0.5, 2)
    vals = [[round(c1 * (1 - ((i / (nx - 1)) - 0.6) ** 2) * 100 + c2 * j / (ny - 1) * 40, 2)
             for i in range(nx)] for j in range(ny)]
    tn = p.name("MAP", "table", "tab")
    rows = ",\n".join("    {" + ", ".join(p.f(v, 5) for v in row) + "}" for row in vals)
    p.globals.append(f"static const {p.T} {tn}[{ny}][{nx}] = {{\n{rows}\n}};")
    x = p.inp(("rpm", "x", "speed"), ax, bx)
    y = p.inp(("load", "y", "throttle"), ay, by)
    u, v = p.name("u", "gx"), p.name("v", "gy")
    p.w(f"{p.T} {u} = ({x} - {p.f(ax)}) / {p.f((bx - ax) / (nx - 1))};")
    p.w(f"{p.T} {v} = ({y} - {p.f(ay)}) / {p.f((by - ay) / (ny - 1))};")
    i, j = p.name("i", "ix"), p.name("j", "iy")
    p.w(f"int {i} = (int){u}, {j} = (int){v};")
    p.w(f"if ({i} > {nx - 2}) {i} = {nx - 2};", f"if ({j} > {ny - 2}) {j} = {ny - 2};")
    fx, fy = p.name("fx", "s"), p.name("fy", "t")
    p.w(f"{p.T} {fx} = {u} - {i}, {fy} = {v} - {j};")
    top = f"{tn}[{j}][{i}] + {fx} * ({tn}[{j}][{i} + 1] - {tn}[{j}][{i}])"
    bot = f"{tn}[{j} + 1][{i}] + {fx} * ({tn}[{j} + 1][{i} + 1] - {tn}[{j} + 1][{i}])"
    a, b = p.name("a", "lo_row"), p.name("b", "hi_row")
    p.w(f"{p.T} {a} = {top};", f"{p.T} {b} = {bot};")
    p.finish([(("value", "out"), f"{a} + {fy} * ({b} - {a})")], vector_ok=False)


def catmull_rom(p: Prog) -> None:
    p.func_name("catmull_rom", "spline", "cubic_interp", "hermite")
    n = 4
    pts = p.arr_in(("pts", "p", "ctrl"), n, p.u(-10, 0), p.u(1, 10)) if p.p(0.5) else None
    ps = [f"{pts}[{k}]" for k in range(4)] if pts else \
        [p.inp((f"p{k}", f"y{k}"), p.u(-10, 0), p.u(1, 10)) for k in range(4)]
    t = p.inp(("t", "s", "u"), 0, 1)
    t2, t3 = p.name("t2", "tt"), p.name("t3", "ttt")
    p.w(f"{p.T} {t2} = {t} * {t};", f"{p.T} {t3} = {t2} * {t};")
    h = p.f(0.5)
    a0 = f"-{ps[0]} + {p.f(3)} * {ps[1]} - {p.f(3)} * {ps[2]} + {ps[3]}"
    a1 = f"{p.f(2)} * {ps[0]} - {p.f(5)} * {ps[1]} + {p.f(4)} * {ps[2]} - {ps[3]}"
    a2 = f"-{ps[0]} + {ps[2]}"
    val = f"{h} * (({a0}) * {t3} + ({a1}) * {t2} + ({a2}) * {t} + {p.f(2)} * {ps[1]})"
    der = f"{h} * ({p.f(3)} * ({a0}) * {t2} + {p.f(2)} * ({a1}) * {t} + ({a2}))"
    p.finish([(("value", "y"), val), (("deriv", "dy"), der)], vector_ok=pts is None)


def tax_brackets(p: Prog) -> None:
    p.func_name("income_tax", "progressive_tax", "tax_due", "tiered_price")
    nb = p.i(3, 8)
    th = sorted(round(p.r.uniform(5e3, 2e5), -2) for _ in range(nb - 1))
    th = [0.0] + th
    rates = sorted(round(p.r.uniform(0.05, 0.45), 3) for _ in range(nb))
    tt = p.table(("BRACKETS", "limits", "thr"), th, sig=8)
    rt = p.table(("RATES", "rates", "pct"), rates, sig=4)
    inc = p.inp(("income", "x", "amount"), 0, p.u(2e5, 5e5))
    tax, k = p.name("tax", "due", "t"), p.name("k", "i")
    p.w(f"{p.T} {tax} = {p.f(0)};")
    p.open(f"for (int {k} = 0; {k} < {nb}; {k}++)")
    up = p.name("upper", "top")
    p.w(f"{p.T} {up} = {k} + 1 < {nb} ? {tt}[{k} + 1] : {inc};")
    p.w(f"if ({inc} <= {tt}[{k}]) break;")
    p.w(f"{tax} += ({p.m('fmin')}({inc}, {up}) - {tt}[{k}]) * {rt}[{k}];")
    p.close()
    p.finish([(("tax_out", "owed"), tax),
              (("avg_rate", "eff"), f"{inc} > {p.f(1)} ? {tax} / {inc} : {p.f(0)}")])


def quantise(p: Prog) -> None:
    p.func_name("quantize", "nearest_level", "palette_index", "snap")
    n = p.i(4, 16) if p.p(0.8) else p.i(17, 40)
    lv = sorted(p.r.uniform(0, 1) for _ in range(n))
    tab = p.table(("LEVELS", "levels", "pal"), lv, sig=5)
    x = p.inp(("x", "v", "value"), 0, 1)
    best, bi, k = p.name("best", "dmin"), p.name("best_i", "bi", "idx"), p.name("k", "i")
    p.w(f"{p.T} {best} = {p.m('fabs')}({x} - {tab}[0]);", f"int {bi} = 0;")
    p.open(f"for (int {k} = 1; {k} < {n}; {k}++)")
    d = p.name("d", "dist")
    p.w(f"{p.T} {d} = {p.m('fabs')}({x} - {tab}[{k}]);")
    p.w(f"if ({d} < {best}) {{ {best} = {d}; {bi} = {k}; }}")
    p.close()
    p.finish([(("index", "q"), bi, "int"), (("level", "snapped"), f"{tab}[{bi}]"),
              (("error", "err"), f"{x} - {tab}[{bi}]")], vector_ok=False)


POLY_APPROX = [horner, pade, chebyshev, exp_reduce, lanczos, activation, cont_frac]
LOOKUP_INTERP = [table_lerp, grid_lerp, table2d, catmull_rom, tax_brackets, quantise]
