"""Iterative solvers: Newton, bisection, fixed point, secant, Jacobi/Gauss-Seidel, golden section.

Every loop has a tolerance test and an iteration cap.
"""

from __future__ import annotations

from nsc_tune.corpus.families._base import Prog


def _tol(p: Prog) -> str:
    return p.f(p.c(1e-6, 1e-8, 1e-10) if p.T == "double" else p.c(1e-4, 1e-5, 1e-6))


def newton(p: Prog) -> None:
    kind = p.c("kepler", "cubic", "lambert", "sqrt", "cbrt")
    p.func_name(f"solve_{kind}", "newton", f"{kind}_newton", "find_root", "newton_raphson")
    cap = p.c(20, 30, 50, 100)
    tol = _tol(p)
    x, it = p.name("x", "e", "z"), p.name("iter", "it", "n")
    one = p.f(1)
    if kind == "kepler":
        M = p.inp(("mean_anomaly", "M", "m"), 0, 6.28)
        e = p.inp(("eccentricity", "ecc", "e"), 0, p.u(0.5, 0.95))
        p.w(f"{p.T} {x} = {e} < {p.f(0.8)} ? {M} : {p.f(3.14159265)};")
        fx = f"{x} - {e} * {p.m('sin')}({x}) - {M}"
        dfx = f"{one} - {e} * {p.m('cos')}({x})"
    elif kind == "cubic":
        a = p.inp(("a", "p"), p.u(0.5, 1), p.u(2, 5))
        b = p.inp(("b", "q"), p.u(-10, -1), p.u(1, 10))
        p.w(f"{p.T} {x} = {p.f(0)};")
        fx = f"{x} * {x} * {x} + {a} * {x} + {b}"
        dfx = f"{p.f(3)} * {x} * {x} + {a}"
    elif kind == "lambert":
        c = p.inp(("c", "y", "value"), 0, p.u(5, 50))
        p.w(f"{p.T} {x} = {p.m('log1p')}({c});")
        fx = f"{x} * {p.m('exp')}({x}) - {c}"
        dfx = f"({x} + {one}) * {p.m('exp')}({x})"
    elif kind == "sqrt":
        c = p.inp(("s", "value", "a"), p.u(0.01, 1), p.u(10, 1000))
        p.w(f"{p.T} {x} = {c} > {one} ? {c} * {p.f(0.5)} : {one};")
        fx = f"{x} * {x} - {c}"
        dfx = f"{p.f(2)} * {x}"
    else:
        c = p.inp(("v", "value", "a"), p.u(0.1, 1), p.u(10, 1000))
        p.w(f"{p.T} {x} = {c} > {one} ? {c} / {p.f(3)} : {one};")
        fx = f"{x} * {x} * {x} - {c}"
        dfx = f"{p.f(3)} * {x} * {x}"
    p.w(f"int {it} = 0;")
    step = p.name("dx", "step", "delta")
    if p.p(0.5):
        p.open(f"for ({it} = 0; {it} < {cap}; {it}++)")
        p.w(f"{p.T} {step} = ({fx}) / ({dfx});", f"{x} -= {step};")
        p.w(f"if ({p.m('fabs')}({step}) < {tol}) break;")
        p.close()
    else:
        p.w(f"{p.T} {step};")
        p.open("do")
        p.w(f"{step} = ({fx}) / ({dfx});", f"{x} -= {step};", f"{it}++;")
        p.close(f" while ({p.m('fabs')}({step}) > {tol} && {it} < {cap});")
    outs = [(("root", "x_out", "sol"), x)]
    if p.p(0.5):
        outs.append((("iterations", "n_iter"), it, "int"))
    p.finish(outs)


def bisection(p: Prog) -> None:
    kind = p.c("poly", "cooling", "balance", "trans")
    p.func_name("bisect", "bisection", "solve_bisect", f"{kind}_root", "find_zero")
    cap = p.c(30, 40, 60, 100)
    tol = _tol(p)
    if kind == "poly":
        a = p.inp(("a", "k"), p.u(0.5, 1), p.u(2, 5))
        c = p.inp(("c", "target"), p.u(-20, -5), p.u(5, 20))
        lo0, hi0 = -10, 10
        fdef = f"x * x * x + {a} * x - {c}"
        args, decl = f"{a}, {c}", f"{p.T} {a}, {p.T} {c}"
    elif kind == "cooling":
        t0 = p.inp(("t0", "t_start"), p.u(60, 80), p.u(90, 100))
        ta = p.inp(("t_amb", "ambient"), p.u(10, 15), p.u(20, 25))
        k = p.inp(("k", "rate"), p.u(0.01, 0.05), p.u(0.1, 0.3))
        tt = p.inp(("t_target", "goal"), p.u(30, 40), p.u(50, 55))
        lo0, hi0 = 0, 500
        fdef = f"{ta} + ({t0} - {ta}) * {p.m('exp')}(-{k} * x) - {tt}"
        args, decl = f"{t0}, {ta}, {k}, {tt}", ", ".join(f"{p.T} {v}" for v in (t0, ta, k, tt))
    elif kind == "balance":
        m = p.inp(("mass", "m"), p.u(0.5, 2), p.u(5, 20))
        kk = p.inp(("k_spring", "k"), p.u(10, 50), p.u(100, 500))
        lo0, hi0 = 0, 10
        fdef = f"{kk} * x + {p.f(p.u(1, 20))} * x * x * x - {m} * {p.f(9.81)}"
        args, decl = f"{m}, {kk}", f"{p.T} {m}, {p.T} {kk}"
    else:
        a = p.inp(("a", "alpha"), p.u(0.1, 0.5), p.u(1, 3))
        lo0, hi0 = 0.01, 1.5
        fdef = f"{p.m('tan')}(x) - {a} * x - {p.f(0.1)}"
        args, decl = a, f"{p.T} {a}"
        lo0 = 0.5
    fn = p.name("func", "residual", "g", "fx")
    p.helper(f"static {p.T} {fn}({p.T} x, {decl})\n{{\n    return {fdef};\n}}")
    lo, hi, mid, it = p.name("lo", "a0"), p.name("hi", "b0"), p.name("mid", "m"), p.name("it", "k")
    p.w(f"{p.T} {lo} = {p.f(lo0)}, {hi} = {p.f(hi0)}, {mid} = {lo};")
    p.w(f"{p.T} fl = {fn}({lo}, {args});")
    p.open(f"for (int {it} = 0; {it} < {cap}; {it}++)")
    p.w(f"{mid} = {p.f(0.5)} * ({lo} + {hi});", f"{p.T} fm = {fn}({mid}, {args});")
    p.w(f"if (fm == {p.f(0)} || {hi} - {lo} < {tol}) break;")
    p.open(f"if ((fm < {p.f(0)}) == (fl < {p.f(0)}))")
    p.w(f"{lo} = {mid};", "fl = fm;")
    p.els()
    p.w(f"{hi} = {mid};")
    p.close()
    p.close()
    p.finish([(("root", "x"), mid), (("residual_out", "res"), f"{fn}({mid}, {args})")],
             vector_ok=False)


def colebrook(p: Prog) -> None:
    p.func_name("friction_factor", "colebrook", "darcy_friction", "pipe_friction")
    p.T = "double" if p.p(0.7) else p.T
    re_ = p.inp(("reynolds", "re", "Re"), p.u(3000, 6000), p.u(1e5, 1e7))
    rr = p.inp(("rel_roughness", "eps_d", "rr"), 0, p.u(0.001, 0.05))
    cap = p.c(20, 50, 100)
    x, it = p.name("inv_sqrt_f", "x", "y"), p.name("it", "k")
    p.w(f"{p.T} {x} = {p.f(p.c(5, 6, 7, 8))};")
    p.open(f"for (int {it} = 0; {it} < {cap}; {it}++)")
    nx = p.name("x_new", "nx")
    p.w(f"{p.T} {nx} = {p.f(-2)} * {p.m('log10')}({rr} / {p.f(3.7)} + {p.f(2.51)} * {x} / {re_});")
    p.w(f"if ({p.m('fabs')}({nx} - {x}) < {_tol(p)}) {{ {x} = {nx}; break; }}", f"{x} = {nx};")
    p.close()
    f = p.name("f", "fd", "lam")
    p.w(f"{p.T} {f} = {p.f(1)} / ({x} * {x});")
    if p.p(0.5):
        p.w(f"if ({re_} < {p.f(2300)}) {f} = {p.f(64)} / {re_};")
    p.finish([(("friction", "f_out"), f)])


def fixed_point(p: Prog) -> None:
    p.func_name("fixed_point", "iterate_map", "equilibrium", "solve_fp")
    a = p.inp(("a", "gain", "k"), p.u(0.1, 0.3), p.u(0.6, 0.9))
    b = p.inp(("b", "offset", "c"), p.u(-2, 0), p.u(0.5, 2))
    g = p.c("cos", "sin", "tanh", "atan")
    cap = p.c(50, 100, 200)
    x, it = p.name("x", "v", "s"), p.name("n", "it")
    relax = p.f(p.u(0.5, 1)) if p.p(0.4) else None
    p.w(f"{p.T} {x} = {b};", f"int {it};")
    p.open(f"for ({it} = 0; {it} < {cap}; {it}++)")
    nx = p.name("next", "nx", "y")
    p.w(f"{p.T} {nx} = {b} + {a} * {p.m(g)}({x});")
    if relax:
        p.w(f"{nx} = {x} + {relax} * ({nx} - {x});")
    p.w(f"if ({p.m('fabs')}({nx} - {x}) < {_tol(p)}) {{ {x} = {nx}; break; }}", f"{x} = {nx};")
    p.close()
    p.finish([(("fixed", "x_star"), x), (("steps", "count"), it, "int")])


def linear_iter(p: Prog) -> None:
    gs = p.p(0.5)
    p.func_name("gauss_seidel" if gs else "jacobi", "solve_linear", "relax_system", "iter_solve")
    n = max(2, min(6, int(p.n_target ** 0.5) + p.i(0, 2)))
    A = p.arr2_in(("A", "a", "mat"), n, n, -1, 1)
    b = p.arr_in(("b", "rhs"), n, -10, 10)
    dg = p.f(p.c(n, n + 1, 2 * n))
    x = p.out_arr(("x", "sol", "u"), n)
    sweeps = p.c(10, 20, 25, 50)
    i, j, it = p.name("i", "r"), p.name("j", "c"), p.name("it", "sweep")
    if not gs:
        xn = p.name("x_new", "tmp", "xn")
        p.w(f"{p.T} {xn}[{n}];")
    p.w(f"for (int {i} = 0; {i} < {n}; {i}++) {x}[{i}] = {p.f(0)};")
    p.open(f"for (int {it} = 0; {it} < {sweeps}; {it}++)")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    s = p.name("s", "acc", "sum")
    p.w(f"{p.T} {s} = {b}[{i}];")
    p.w(f"for (int {j} = 0; {j} < {n}; {j}++) if ({j} != {i}) {s} -= {A}[{i}][{j}] * {x}[{j}];")
    tgt = x if gs else xn
    p.w(f"{tgt}[{i}] = {s} / ({A}[{i}][{i}] + {dg});")
    p.close()
    if not gs:
        p.w(f"for (int {i} = 0; {i} < {n}; {i}++) {x}[{i}] = {xn}[{i}];")
    p.close()


def golden(p: Prog) -> None:
    p.func_name("golden_section", "minimize", "argmin", "line_search")
    a = p.inp(("a", "c1"), p.u(0.5, 1), p.u(2, 4))
    b = p.inp(("b", "c2"), p.u(-3, -1), p.u(1, 3))
    kind = p.c(0, 1, 2)
    one = p.f(1)
    body = [f"(x - {b}) * (x - {b}) + {a} * {p.m('cos')}(x)",
            f"{a} * x * x * x * x - {b} * x * x + x",
            f"{p.m('exp')}({a} * x) / ({one} + x * x) - {b} * x"][kind]
    fn = p.name("objective", "cost", "f")
    p.helper(f"static {p.T} {fn}({p.T} x, {p.T} {a}, {p.T} {b})\n{{\n    return {body};\n}}")
    lo, hi = p.name("lo", "xa"), p.name("hi", "xb")
    ph = p.const(("INV_PHI", "invphi", "r"), 0.6180339887, 10)
    p.w(f"{p.T} {lo} = {p.f(-4)}, {hi} = {p.f(4)};")
    it = p.name("it", "k")
    p.open(f"for (int {it} = 0; {it} < {p.c(30, 40, 60)}; {it}++)")
    c, d = p.name("c", "x1"), p.name("d", "x2")
    p.w(f"{p.T} {c} = {hi} - {ph} * ({hi} - {lo});", f"{p.T} {d} = {lo} + {ph} * ({hi} - {lo});")
    p.w(f"if ({fn}({c}, {a}, {b}) < {fn}({d}, {a}, {b})) {hi} = {d}; else {lo} = {c};")
    p.w(f"if ({hi} - {lo} < {_tol(p)}) break;")
    p.close()
    xm = p.name("xmin", "xm")
    p.w(f"{p.T} {xm} = {p.f(0.5)} * ({lo} + {hi});")
    p.finish([(("x_opt", "arg"), xm), (("f_opt", "val"), f"{fn}({xm}, {a}, {b})")],
             vector_ok=False)


def secant(p: Prog) -> None:
    p.func_name("secant", "solve_volume", "vdw_volume", "secant_root")
    p.T = "double"
    P = p.inp(("pressure", "p"), p.u(1e4, 5e4), p.u(1e5, 5e5))
    T = p.inp(("temperature", "T"), p.u(250, 300), p.u(350, 600))
    a, b = p.f(p.u(0.1, 0.5), 4), p.f(p.u(2e-5, 5e-5), 3)
    R = p.const(("R",), 8.314, local=False)
    v0, v1 = p.name("v0", "xa"), p.name("v1", "xb")
    p.w(f"double {v0} = {R} * {T} / {P}, {v1} = {v0} * 1.01;")
    fv = p.name("fval", "g")
    p.helper(f"static double {fv}(double v, double p, double t)\n{{\n"
             f"    return (p + {a} / (v * v)) * (v - {b}) - {R} * t;\n}}")
    it = p.name("it", "k")
    p.open(f"for (int {it} = 0; {it} < {p.c(20, 40)}; {it}++)")
    f0, f1 = p.name("f0", "ga"), p.name("f1", "gb")
    p.w(f"double {f0} = {fv}({v0}, {P}, {T}), {f1} = {fv}({v1}, {P}, {T});")
    p.w(f"if (fabs({f1} - {f0}) < 1e-300) break;")
    v2 = p.name("v2", "xc")
    p.w(f"double {v2} = {v1} - {f1} * ({v1} - {v0}) / ({f1} - {f0});")
    p.w(f"{v0} = {v1};", f"{v1} = {v2};", f"if (fabs({v1} - {v0}) < 1e-12) break;")
    p.close()
    p.finish([(("volume", "v"), v1), (("z_factor", "z"), f"{P} * {v1} / ({R} * {T})")],
             vector_ok=False)


SOLVERS = [newton, bisection, colebrook, fixed_point, linear_iter, golden, secant]
