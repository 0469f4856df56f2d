"""Simulations: Euler/RK4 ODE integration, population models, diffusion, LCG random walks."""

from __future__ import annotations

from nsc_tune.corpus.families._base import Prog


def _lcg(p: Prog) -> str:
    nm = p.name("lcg", "next_rand", "rng_next")
    a, c = p.c((1664525, 1013904223), (22695477, 1), (1103515245, 12345))
    p.helper(f"static unsigned {nm}(unsigned *s)\n{{\n    *s = *s * {a}u + {c}u;\n"
             f"    return *s;\n}}")
    return nm


def oscillator(p: Prog) -> None:
    rk4 = p.p(0.5)
    p.func_name("integrate", "simulate_oscillator", "rk4_step" if rk4 else "euler_sim",
                "damped_motion", "spring_sim")
    k = p.inp(("k", "stiffness", "w2"), p.u(1, 5), p.u(10, 40))
    c = p.inp(("c", "damping", "b"), 0, p.u(0.5, 3))
    x0 = p.inp(("x0", "pos0"), -1, 1)
    v0 = p.inp(("v0", "vel0"), -1, 1)
    steps = p.c(10, 20, 50, 100, 200)
    dt = p.f(p.c(0.01, 0.005, 0.02))
    nl = p.p(0.3)
    acc = p.name("accel", "force", "deriv_v")
    extra = f" - {p.f(p.u(0.5, 3))} * x * x * x" if nl else ""
    p.helper(f"static {p.T} {acc}({p.T} x, {p.T} v, {p.T} k, {p.T} c)\n{{\n"
             f"    return -k * x - c * v{extra};\n}}")
    x, v, i = p.name("x", "pos"), p.name("v", "vel"), p.name("i", "n")
    p.w(f"{p.T} {x} = {x0}, {v} = {v0};", f"const {p.T} h = {dt};")
    p.open(f"for (int {i} = 0; {i} < {steps}; {i}++)")
    if rk4:
        p.w(f"{p.T} k1x = {v}, k1v = {acc}({x}, {v}, {k}, {c});")
        p.w(f"{p.T} k2x = {v} + {p.f(0.5)} * h * k1v, k2v = {acc}({x} + {p.f(0.5)} * h * k1x, "
            f"{v} + {p.f(0.5)} * h * k1v, {k}, {c});")
        p.w(f"{p.T} k3x = {v} + {p.f(0.5)} * h * k2v, k3v = {acc}({x} + {p.f(0.5)} * h * k2x, "
            f"{v} + {p.f(0.5)} * h * k2v, {k}, {c});")
        p.w(f"{p.T} k4x = {v} + h * k3v, k4v = {acc}({x} + h * k3x, {v} + h * k3v, {k}, {c});")
        p.w(f"{x} += h / {p.f(6)} * (k1x + {p.f(2)} * k2x + {p.f(2)} * k3x + k4x);")
        p.w(f"{v} += h / {p.f(6)} * (k1v + {p.f(2)} * k2v + {p.f(2)} * k3v + k4v);")
    elif p.p(0.5):
        p.w(f"{v} += h * {acc}({x}, {v}, {k}, {c});", f"{x} += h * {v};")
    else:
        p.w(f"{p.T} a = {acc}({x}, {v}, {k}, {c});", f"{x} += h * {v};", f"{v} += h * a;")
    p.close()
    p.finish([(("x_final", "x_out"), x), (("v_final", "v_out"), v),
              (("energy", "e"), f"{p.f(0.5)} * ({k} * {x} * {x} + {v} * {v})")],
             vector_ok=False)


def population(p: Prog) -> None:
    kind = p.c("logistic", "lotka", "sir")
    p.func_name(f"{kind}_model", "population", f"simulate_{kind}", "epidemic" if kind == "sir"
                else "growth", "step_model")
    steps = p.c(20, 50, 100, 365)
    dt = p.f(p.c(0.1, 0.05, 0.01, 1.0) if kind != "lotka" else p.c(0.01, 0.02, 0.05))
    i = p.name("t", "day", "i")
    if kind == "logistic":
        r = p.inp(("growth_rate", "r"), p.u(0.01, 0.1), p.u(0.2, 0.8))
        K = p.inp(("capacity", "K", "cap"), p.u(100, 500), p.u(1e3, 1e4))
        n0 = p.inp(("n0", "initial", "pop"), p.u(1, 10), p.u(50, 100))
        harvest = p.f(p.u(0, 0.05)) if p.p(0.4) else None
        n = p.name("n", "pop_t", "x")
        p.w(f"{p.T} {n} = {n0};")
        p.open(f"for (int {i} = 0; {i} < {steps}; {i}++)")
        hv = f" - {harvest} * {n}" if harvest else ""
        p.w(f"{n} += {dt} * ({r} * {n} * ({p.f(1)} - {n} / {K}){hv});")
        p.w(f"if ({n} < {p.f(0)}) {n} = {p.f(0)};")
        p.close()
        p.finish([(("final", "n_out"), n), (("fraction", "ratio"), f"{n} / {K}")],
                 vector_ok=False)
    elif kind == "lotka":
        a = p.inp(("alpha", "a"), p.u(0.5, 1), p.u(1.2, 2))
        b = p.inp(("beta", "b"), p.u(0.01, 0.05), p.u(0.08, 0.2))
        g = p.inp(("gamma", "g", "c"), p.u(0.5, 1), p.u(1.2, 2))
        d = p.inp(("delta", "d"), p.u(0.01, 0.05), p.u(0.08, 0.2))
        prey, pred = p.name("prey", "x"), p.name("predators", "y")
        p.w(f"{p.T} {prey} = {p.f(p.u(10, 40))}, {pred} = {p.f(p.u(2, 10))};")
        p.open(f"for (int {i} = 0; {i} < {steps}; {i}++)")
        dx, dy = p.name("dx", "dprey"), p.name("dy", "dpred")
        p.w(f"{p.T} {dx} = {a} * {prey} - {b} * {prey} * {pred};",
            f"{p.T} {dy} = {d} * {prey} * {pred} - {g} * {pred};")
        p.w(f"{prey} += {dt} * {dx};", f"{pred} += {dt} * {dy};")
        p.w(f"if ({prey} < {p.f(0)}) {prey} = {p.f(0)};", f"if ({pred} < {p.f(0)}) {pred} = "
            f"{p.f(0)};")
        p.close()
        p.finish([(("prey_out", "x_end"), prey), (("pred_out", "y_end"), pred)], vector_ok=False)
    else:
        beta = p.inp(("beta", "contact_rate", "b"), p.u(0.1, 0.3), p.u(0.5, 1.0))
        gam = p.inp(("gamma", "recovery", "g"), p.u(0.05, 0.1), p.u(0.2, 0.5))
        i0 = p.inp(("i0", "infected0"), 0.0001, p.u(0.01, 0.05))
        s, inf, rec = p.name("s", "sus"), p.name("inf", "i_t"), p.name("rec", "r_t")
        peak = p.name("peak", "i_max")
        p.w(f"{p.T} {s} = {p.f(1)} - {i0}, {inf} = {i0}, {rec} = {p.f(0)}, {peak} = {i0};")
        p.open(f"for (int {i} = 0; {i} < {steps}; {i}++)")
        ni, nr = p.name("new_inf", "ni"), p.name("new_rec", "nr")
        p.w(f"{p.T} {ni} = {beta} * {s} * {inf} * {dt}, {nr} = {gam} * {inf} * {dt};")
        p.w(f"{s} -= {ni};", f"{inf} += {ni} - {nr};", f"{rec} += {nr};")
        p.w(f"if ({inf} > {peak}) {peak} = {inf};")
        p.close()
        p.finish([(("susceptible", "s_end"), s), (("recovered", "r_end"), rec),
                  (("peak_out", "pk"), peak)], vector_ok=False)


def random_walk(p: Prog) -> None:
    p.func_name("random_walk", "walk", "brownian", "drunkard", "mc_walk")
    lcg = _lcg(p)
    seed = p.inp(("seed", "s0"), 1, p.c(1000, 65535, 1000000), "unsigned")
    n = p.inp(("n_steps", "steps", "n"), 1, p.c(50, 100, 256), "int")
    step = p.inp(("step", "sigma", "h"), p.u(0.1, 0.5), p.u(1, 3))
    bias = p.inp(("drift", "bias", "mu"), p.u(-0.3, -0.05), p.u(0.05, 0.3)) if p.p(0.5) else None
    st, x, mx, i = p.name("state", "st"), p.name("pos", "x"), p.name("max_dist", "far"), \
        p.name("i", "k")
    p.w(f"unsigned {st} = {seed};", f"{p.T} {x} = {p.f(0)}, {mx} = {p.f(0)};")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    u = p.name("u", "r01")
    p.w(f"{p.T} {u} = ({p.T})({lcg}(&{st}) >> 8) * {p.f(1.0 / 16777216.0, 10)};")
    if p.p(0.5):
        p.w(f"{x} += ({u} < {p.f(0.5)} ? -{step} : {step})" + (f" + {bias};" if bias else ";"))
    else:
        p.w(f"{x} += {step} * ({p.f(2)} * {u} - {p.f(1)})" + (f" + {bias};" if bias else ";"))
    p.w(f"if ({p.m('fabs')}({x}) > {mx}) {mx} = {p.m('fabs')}({x});")
    p.close()
    p.finish([(("final_pos", "x_end"), x), (("max_out", "far_out"), mx)], vector_ok=False)


def monte_carlo(p: Prog) -> None:
    p.func_name("monte_carlo", "mc_estimate", "estimate_area", "sample_hits")
    lcg = _lcg(p)
    seed = p.inp(("seed", "s"), 1, 100000, "unsigned")
    n = p.inp(("samples", "n"), p.c(10, 32), p.c(200, 500), "int")
    a = p.inp(("a", "radius", "k"), p.u(0.2, 0.5), p.u(0.8, 1))
    st, hits, i = p.name("rng", "state"), p.name("hits", "count", "inside"), p.name("i",)
    p.w(f"unsigned {st} = {seed} * 2654435761u;", f"int {hits} = 0;")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    x, y = p.name("x", "u"), p.name("y", "v")
    sc = p.f(1.0 / 4294967296.0, 10)
    p.w(f"{p.T} {x} = ({p.T}){lcg}(&{st}) * {sc};", f"{p.T} {y} = ({p.T}){lcg}(&{st}) * {sc};")
    cond = p.c(f"{x} * {x} + {y} * {y} < {a} * {a}", f"{y} < {a} * {x} * {x}",
               f"{y} < {p.m('exp')}(-{a} * {x})")
    p.w(f"if ({cond}) {hits}++;")
    p.close()
    p.finish([(("estimate", "frac"), f"({p.T}){hits} / ({p.T}){n}"),
              (("hits_out", "cnt"), hits, "int")], vector_ok=False)


def falling(p: Prog) -> None:
    p.func_name("fall_time", "skydive", "drop_sim", "time_to_ground")
    h = p.inp(("height", "h0", "h"), p.u(5, 20), p.u(100, 1000))
    m = p.inp(("mass", "m"), p.u(0.1, 1), p.u(5, 100))
    k = p.inp(("drag_k", "k", "c"), p.u(0.001, 0.01), p.u(0.1, 0.5))
    dt = p.f(p.c(0.01, 0.02, 0.05))
    y, v, t, it = p.name("y", "alt"), p.name("v", "vel"), p.name("t", "time"), p.name("it", "n")
    p.w(f"{p.T} {y} = {h}, {v} = {p.f(0)}, {t} = {p.f(0)};", f"int {it} = 0;")
    p.open(f"while ({y} > {p.f(0)} && {it} < {p.c(5000, 10000, 20000)})")
    a = p.name("a", "acc")
    p.w(f"{p.T} {a} = {p.f(9.81)} - {k} / {m} * {v} * {v};")
    p.w(f"{v} += {a} * {dt};", f"{y} -= {v} * {dt};", f"{t} += {dt};", f"{it}++;")
    p.close()
    p.finish([(("t_ground", "t_out"), t), (("impact_speed", "v_out"), v)], vector_ok=False)


def diffusion(p: Prog) -> None:
    p.func_name("heat_diffusion", "diffuse", "heat_equation", "smooth_rod")
    n = p.size(4, 32)
    u0 = p.arr_in(("u0", "temps", "init"), n, p.u(0, 20), p.u(50, 100))
    alpha = p.inp(("alpha", "kappa", "r"), 0.05, p.u(0.3, 0.49))
    steps = p.c(5, 10, 20, 50)
    out = p.out_arr(("u", "out", "temp_out"), n)
    tmp, i, s = p.name("tmp", "nxt", "un"), p.name("i", "j"), p.name("s", "step")
    p.w(f"{p.T} {tmp}[{n}];")
    p.w(f"for (int {i} = 0; {i} < {n}; {i}++) {out}[{i}] = {u0}[{i}];")
    p.open(f"for (int {s} = 0; {s} < {steps}; {s}++)")
    p.open(f"for (int {i} = 1; {i} < {n - 1}; {i}++)")
    p.w(f"{tmp}[{i}] = {out}[{i}] + {alpha} * ({out}[{i} - 1] - {p.f(2)} * {out}[{i}] + "
        f"{out}[{i} + 1]);")
    p.close()
    if p.p(0.5):
        p.w(f"{tmp}[0] = {out}[0];", f"{tmp}[{n - 1}] = {out}[{n - 1}];")
    else:
        p.w(f"{tmp}[0] = {tmp}[1];", f"{tmp}[{n - 1}] = {tmp}[{n - 2}];")
    p.w(f"for (int {i} = 0; {i} < {n}; {i}++) {out}[{i}] = {tmp}[{i}];")
    p.close()


def cooling(p: Prog) -> None:
    p.func_name("newton_cooling", "cool_down", "thermal_sim", "rc_sim")
    T0 = p.inp(("t_initial", "temp0", "T0"), p.u(60, 80), p.u(90, 200))
    Ta = p.inp(("t_ambient", "t_env", "Ta"), p.u(-10, 10), p.u(20, 35))
    k = p.inp(("k", "coeff", "h"), p.u(0.001, 0.01), p.u(0.05, 0.2))
    steps = p.c(30, 60, 120, 240)
    T, i = p.name("temp", "T"), p.name("minute", "i")
    p.w(f"{p.T} {T} = {T0};")
    heater = p.p(0.5)
    if heater:
        thr = p.f(p.u(40, 60))
        on = p.name("heater_on", "on")
        p.w(f"int {on} = 0;")
    p.open(f"for (int {i} = 0; {i} < {steps}; {i}++)")
    p.w(f"{T} += -{k} * ({T} - {Ta});")
    if heater:
        p.w(f"if ({T} < {thr}) {on} = 1;", f"if ({T} > {thr} + {p.f(5)}) {on} = 0;")
        p.w(f"if ({on}) {T} += {p.f(p.u(0.5, 2))};")
    p.close()
    p.finish([(("final_temp", "t_end"), T),
              (("analytic", "exact"), f"{Ta} + ({T0} - {Ta}) * {p.m('exp')}(-{k} * {p.f(steps)})")],
             vector_ok=False)


SIMULATION = [oscillator, population, random_walk, monte_carlo, falling, diffusion, cooling]
