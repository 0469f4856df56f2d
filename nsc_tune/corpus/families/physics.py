"""Physics formulas: mechanics ("kinematics") and heat, gases, optics, decay ("thermo_optics")."""

from __future__ import annotations

from nsc_tune.corpus.families._base import Prog


# -- kinematics ---------------------------------------------------------------------------------
def projectile(p: Prog) -> None:
    p.func_name("projectile", "projectile_range", "ballistic", "launch", "trajectory")
    p.comment = p.c(None, "projectile motion without air resistance", "ballistics")
    v0 = p.inp(("speed", "v0", "v"), p.u(1, 10), p.u(20, 80))
    deg = p.p(0.4)
    if deg:
        ang = p.inp(("angle_deg", "deg", "a"), p.u(1, 15), p.u(60, 89))
    else:
        ang = p.inp(("angle", "theta", "th"), p.u(0.02, 0.3), p.u(1.2, 1.55))
    g = p.const(("gravity", "g"), p.c(9.81, 9.80665, 9.8, 1.62, 3.71))
    h0 = p.inp(("height", "h0", "h"), 0, p.u(1, 50)) if p.p(0.5) else None
    rad = p.name("rad", "a_rad", "t")
    if deg:
        p.w(f"{p.T} {rad} = {ang} * {p.f(0.0174532925)};")
    else:
        rad = ang
    vx, vy = p.name("vx", "ux"), p.name("vy", "uy")
    p.w(f"{p.T} {vx} = {v0} * {p.m('cos')}({rad});", f"{p.T} {vy} = {v0} * {p.m('sin')}({rad});")
    t = p.name("t_flight", "tof", "t")
    if h0:
        p.w(f"{p.T} {t} = ({vy} + {p.m('sqrt')}({vy} * {vy} + {p.f(2)} * {g} * {h0})) / {g};")
    else:
        p.w(f"{p.T} {t} = {p.f(2)} * {vy} / {g};")
    hmax = f"{vy} * {vy} / ({p.f(2)} * {g})" + (f" + {h0}" if h0 else "")
    p.finish([(("range", "dist", "x"), f"{vx} * {t}"), (("max_height", "h_max", "hm"), hmax),
              (("time", "t_out"), t)])


def drag(p: Prog) -> None:
    p.func_name("drag_force", "drag", "terminal_velocity", "aero_drag")
    v = p.inp(("velocity", "vel", "v"), 0, p.u(10, 90))
    rho = p.inp(("rho", "density", "rho"), p.u(0.9, 1.1), p.u(1.2, 1.4)) if p.p(0.6) else \
        p.const(("rho_air", "rho"), p.c(1.225, 1.204, 1.18))
    cd = p.inp(("cd", "drag_coeff", "cd"), p.u(0.1, 0.4), p.u(0.8, 1.3))
    area = p.inp(("area", "a"), p.u(0.01, 0.1), p.u(0.5, 3.0))
    mass = p.inp(("mass", "m"), p.u(0.5, 5), p.u(50, 120))
    g = p.const(("g", "grav"), 9.81)
    fd = p.name("force", "fd", "f")
    p.w(f"{p.T} {fd} = {p.f(0.5)} * {rho} * {v} * {v} * {cd} * {area};")
    if p.p(0.5):
        re_ = p.name("reynolds", "re")
        L = p.f(p.u(0.1, 2))
        p.w(f"{p.T} {re_} = {rho} * {v} * {L} / {p.f(p.u(1.6e-5, 1.9e-5))};")
        p.open(f"if ({re_} < {p.f(p.c(2000, 1000, 5e4))})")
        p.w(f"{fd} *= {p.f(p.u(1.2, 2))};")
        p.close()
    vt = p.name("v_term", "vt", "terminal")
    p.w(f"{p.T} {vt} = {p.m('sqrt')}({p.f(2)} * {mass} * {g} / ({rho} * {cd} * {area}));")
    acc = p.name("accel", "a_net", "acc")
    p.w(f"{p.T} {acc} = {g} - {fd} / {mass};")
    p.finish([(("force", "f_drag"), fd), (("terminal", "v_t"), vt), (("acceleration", "a"), acc)])


def spring_damper(p: Prog) -> None:
    p.func_name("spring_damper", "oscillator", "damped_spring", "msd_response")
    k = p.inp(("stiffness", "k"), p.u(1, 20), p.u(50, 400))
    m = p.inp(("mass", "m"), p.u(0.1, 1), p.u(2, 10))
    c = p.inp(("damping", "c", "b"), 0, p.u(1, 30))
    x0 = p.inp(("x0", "amp", "a"), p.u(-0.5, -0.01), p.u(0.01, 0.5))
    t = p.inp(("time", "t"), 0, p.u(1, 10))
    w0, z = p.name("omega0", "w0", "wn"), p.name("zeta", "z")
    sq = p.m("sqrt")
    p.w(f"{p.T} {w0} = {sq}({k} / {m});", f"{p.T} {z} = {c} / ({p.f(2)} * {sq}({k} * {m}));")
    x = p.name("pos", "x")
    p.w(f"{p.T} {x};")
    p.open(f"if ({z} < {p.f(1)})")
    wd = p.name("omega_d", "wd")
    p.w(f"{p.T} {wd} = {w0} * {sq}({p.f(1)} - {z} * {z});")
    p.w(f"{x} = {x0} * {p.m('exp')}(-{z} * {w0} * {t}) * {p.m('cos')}({wd} * {t});")
    p.els()
    p.w(f"{x} = {x0} * ({p.f(1)} + {w0} * {t}) * {p.m('exp')}(-{w0} * {t});")
    p.close()
    e = f"{p.f(0.5)} * {k} * {x} * {x}"
    p.finish([(("position", "x_t"), x), (("energy", "pe", "e"), e), (("zeta_out", "ratio"), z)])


def orbital(p: Prog) -> None:
    p.func_name("orbit", "vis_viva", "orbital_speed", "kepler_period")
    p.T = "double"
    mu = p.const(("mu", "gm", "MU_EARTH"), p.c(398600.4418, 132712440018.0, 4902.8))
    r = p.inp(("radius", "r"), p.u(6500, 7000), p.u(20000, 45000))
    a = p.inp(("semi_major", "a", "sma"), p.u(21000, 23000), p.u(40000, 60000))
    v = p.name("speed", "v")
    p.w(f"double {v} = sqrt({mu} * (2.0 / {r} - 1.0 / {a}));")
    per = p.name("period", "T_orb", "per")
    p.w(f"double {per} = {p.f(2 * 3.14159265358979)} * sqrt({a} * {a} * {a} / {mu});")
    esc = p.name("v_escape", "vesc")
    p.w(f"double {esc} = sqrt(2.0 * {mu} / {r});")
    p.finish([(("speed", "v_out"), v), (("period", "t_p"), per), (("escape", "ve"), esc)])


def pendulum(p: Prog) -> None:
    p.func_name("pendulum_period", "pendulum", "swing_time")
    L = p.inp(("length", "len", "l"), p.u(0.1, 0.5), p.u(1, 5))
    th = p.inp(("theta0", "amplitude", "th"), p.u(0.01, 0.2), p.u(1.0, 2.5))
    g = p.const(("g",), 9.81)
    t0 = p.name("t0", "base")
    p.w(f"{p.T} {t0} = {p.f(6.283185307)} * {p.m('sqrt')}({L} / {g});")
    if p.p(0.5):
        s = p.name("series", "corr", "s")
        p.w(f"{p.T} {s} = {p.f(1)} + {th} * {th} / {p.f(16)} + {p.f(11.0 / 3072, 8)} * {th} * {th} "
            f"* {th} * {th};")
    else:
        n = p.i(3, 8)
        s, term, kk = p.name("sum", "s"), p.name("term", "t"), p.name("k", "i")
        sn = p.name("s2", "sin_half", "q")
        p.w(f"{p.T} {sn} = {p.m('sin')}({th} * {p.f(0.5)});")
        p.w(f"{p.T} {s} = {p.f(1)}, {term} = {p.f(1)};")
        p.open(f"for (int {kk} = 1; {kk} <= {n}; {kk}++)")
        rr = p.name("ratio", "r")
        p.w(f"{p.T} {rr} = ({p.T})(2 * {kk} - 1) / ({p.T})(2 * {kk});")
        p.w(f"{term} *= {rr} * {rr} * {sn} * {sn};", f"{s} += {term};")
        p.close()
    p.finish([(("period", "T"), f"{t0} * {s}"), (("freq", "f"), f"{p.f(1)} / ({t0} * {s})")])


def collision(p: Prog) -> None:
    p.func_name("collide", "collision_1d", "impact", "bounce")
    m1, m2 = p.inp(("m1", "mass_a"), 0.1, p.u(5, 20)), p.inp(("m2", "mass_b"), 0.1, p.u(5, 20))
    v1 = p.inp(("v1", "u1"), p.u(-20, -1), p.u(1, 20))
    v2 = p.inp(("v2", "u2"), p.u(-20, -1), p.u(1, 20))
    e = p.inp(("restitution", "e", "cr"), 0, 1) if p.p(0.6) else p.f(p.u(0.3, 0.95))
    mt = p.name("m_total", "mt", "msum")
    p.w(f"{p.T} {mt} = {m1} + {m2};")
    a1, a2 = p.name("v1_after", "w1"), p.name("v2_after", "w2")
    p.w(f"{p.T} {a1} = ({m1} * {v1} + {m2} * {v2} + {m2} * {e} * ({v2} - {v1})) / {mt};")
    p.w(f"{p.T} {a2} = ({m1} * {v1} + {m2} * {v2} + {m1} * {e} * ({v1} - {v2})) / {mt};")
    ke = p.name("ke_loss", "dke", "loss")
    h = p.f(0.5)
    p.w(f"{p.T} {ke} = {h} * {m1} * ({v1} * {v1} - {a1} * {a1}) + {h} * {m2} * "
        f"({v2} * {v2} - {a2} * {a2});")
    p.finish([(("v1_out", "w1o"), a1), (("v2_out", "w2o"), a2), (("energy_lost", "de"), ke)])


def incline(p: Prog) -> None:
    p.func_name("incline", "slide", "ramp_accel", "friction_slope")
    th = p.inp(("slope", "theta", "a"), 0, p.u(0.8, 1.4))
    mu_s = p.inp(("mu_static", "mus"), p.u(0.1, 0.3), p.u(0.5, 0.9))
    mu_k = p.const(("mu_kinetic", "muk"), p.u(0.1, 0.4))
    d = p.inp(("distance", "d", "s"), p.u(0.5, 2), p.u(5, 30))
    g = p.const(("g",), 9.81)
    acc, t = p.name("accel", "a_x", "acc"), p.name("t_slide", "t")
    p.w(f"{p.T} {acc} = {p.f(0)};", f"{p.T} {t} = {p.f(-1)};")
    p.open(f"if ({p.m('tan')}({th}) > {mu_s})")
    p.w(f"{acc} = {g} * ({p.m('sin')}({th}) - {mu_k} * {p.m('cos')}({th}));")
    p.open(f"if ({acc} > {p.f(1e-6)})")
    p.w(f"{t} = {p.m('sqrt')}({p.f(2)} * {d} / {acc});")
    p.close()
    p.close()
    p.finish([(("accel_out", "acc_o"), acc), (("time", "t_out"), t)])


def work_energy(p: Prog) -> None:
    p.func_name("kinetic_energy", "work_done", "power_output", "energy_budget")
    m = p.inp(("mass", "m"), p.u(0.5, 5), p.u(100, 2000))
    v = p.inp(("speed", "v"), 0, p.u(5, 50))
    h = p.inp(("height", "h", "z"), 0, p.u(5, 100))
    t = p.inp(("duration", "dt", "t"), p.u(0.5, 2), p.u(5, 60))
    eff = p.f(p.u(0.6, 0.95))
    ke, pe = p.name("kinetic", "ke"), p.name("potential", "pe")
    p.w(f"{p.T} {ke} = {p.f(0.5)} * {m} * {v} * {v};", f"{p.T} {pe} = {m} * {p.f(9.81)} * {h};")
    pw = p.name("power", "pw", "p")
    p.w(f"{p.T} {pw} = ({ke} + {pe}) / ({t} * {eff});")
    p.finish([(("total", "e"), f"{ke} + {pe}"), (("power", "p_out"), pw),
              (("ratio", "r"), f"{ke} / ({ke} + {pe} + {p.f(1)})")])


# -- thermo / optics ----------------------------------------------------------------------------
def ideal_gas(p: Prog) -> None:
    p.func_name("gas_pressure", "ideal_gas", "van_der_waals", "pressure")
    n = p.inp(("moles", "n"), p.u(0.1, 1), p.u(2, 10))
    T = p.inp(("temperature", "temp", "T"), p.u(200, 280), p.u(320, 600))
    V = p.inp(("volume", "vol", "V"), p.u(0.05, 0.1), p.u(0.5, 2))
    R = p.const(("R", "R_GAS"), 8.314)
    P = p.name("pressure", "P")
    if p.p(0.5):
        a, b = p.f(p.u(0.1, 0.6)), p.f(p.u(2e-5, 5e-5), 3)
        p.w(f"{p.T} {P} = {n} * {R} * {T} / ({V} - {n} * {b}) - {a} * {n} * {n} / ({V} * {V});")
    else:
        p.w(f"{p.T} {P} = {n} * {R} * {T} / {V};")
    dens = p.name("density", "rho")
    p.w(f"{p.T} {dens} = {n} * {p.f(p.u(0.002, 0.044), 4)} / {V};")
    p.finish([(("pressure_out", "p"), P), (("density", "rho_o"), dens),
              (("pv", "z"), f"{P} * {V} / ({n} * {R} * {T})")])


def heat_wall(p: Prog) -> None:
    p.func_name("heat_flux", "wall_loss", "conduction", "thermal_resistance")
    nl = p.i(1, 4)
    t_in = p.inp(("t_inside", "t_in", "ti"), p.u(15, 20), p.u(22, 30))
    t_out = p.inp(("t_outside", "t_out", "to"), p.u(-30, -10), p.u(5, 12))
    area = p.inp(("area", "a"), p.u(1, 5), p.u(20, 100))
    r = p.name("r_total", "rsum", "r")
    p.w(f"{p.T} {r} = {p.f(p.u(0.04, 0.17))};")
    for k in range(nl):
        th = p.inp((f"thick{k + 1}", f"d{k + 1}"), p.u(0.005, 0.02), p.u(0.05, 0.3))
        kc = p.f(p.u(0.03, 1.5), 3)
        p.w(f"{r} += {th} / {kc};")
    q = p.name("flux", "q")
    p.w(f"{p.T} {q} = ({t_in} - {t_out}) / {r};")
    p.finish([(("power", "w"), f"{q} * {area}"), (("flux_out", "qo"), q),
              (("u_value", "u"), f"{p.f(1)} / {r}")])


def radiation(p: Prog) -> None:
    p.func_name("radiated_power", "stefan_boltzmann", "blackbody", "radiative_loss")
    T = p.inp(("temperature", "temp", "T"), p.u(250, 400), p.u(500, 1500))
    te = p.inp(("t_env", "ambient", "te"), p.u(200, 260), p.u(280, 320))
    eps = p.inp(("emissivity", "eps"), p.u(0.05, 0.3), p.u(0.8, 1.0))
    A = p.inp(("area", "a"), p.u(0.01, 0.1), p.u(1, 4))
    sig = p.const(("SIGMA", "sigma"), 5.670374e-8)
    t4 = p.name("t4", "q4")
    if p.p(0.5):
        p.w(f"{p.T} {t4} = {T} * {T} * {T} * {T} - {te} * {te} * {te} * {te};")
    else:
        p.w(f"{p.T} {t4} = {p.m('pow')}({T}, {p.f(4)}) - {p.m('pow')}({te}, {p.f(4)});")
    lam = p.name("peak_wavelength", "lam_max", "lam")
    p.w(f"{p.T} {lam} = {p.f(2.897771955e-3)} / {T} * {p.f(1e6)};")
    p.finish([(("power", "p"), f"{eps} * {sig} * {A} * {t4}"), (("wavelength_um", "wl"), lam)])


def thin_lens(p: Prog) -> None:
    p.func_name("thin_lens", "image_distance", "lens", "lensmaker")
    if p.p(0.5):
        nidx = p.inp(("n_glass", "n", "ior"), p.u(1.3, 1.45), p.u(1.6, 1.9))
        r1 = p.inp(("r1", "radius1"), p.u(0.05, 0.1), p.u(0.3, 1))
        r2 = p.inp(("r2", "radius2"), p.u(-1, -0.3), p.u(-0.1, -0.05))
        f = p.name("focal", "f")
        p.w(f"{p.T} {f} = {p.f(1)} / (({nidx} - {p.f(1)}) * ({p.f(1)} / {r1} - {p.f(1)} / {r2}));")
        lo = 2.5
    else:
        f = p.inp(("focal_length", "focal", "f"), p.u(0.05, 0.1), p.u(0.2, 0.5))
        lo = 1.0
    do = p.inp(("object_dist", "d_obj", "u"), p.u(1.0, 1.5) * lo, p.u(3, 10) * lo)
    den = p.name("denom", "den")
    p.w(f"{p.T} {den} = {do} - {f};")
    p.open(f"if ({p.m('fabs')}({den}) < {p.f(1e-6)})")
    p.w(f"{den} = {p.f(1e-6)};")
    p.close()
    di = p.name("image_dist", "di", "v")
    p.w(f"{p.T} {di} = {f} * {do} / {den};")
    p.finish([(("image", "di_out"), di), (("magnification", "mag", "m"), f"-{di} / {do}"),
              (("power", "diopt"), f"{p.f(1)} / {f}")])


def snell(p: Prog) -> None:
    p.func_name("refract", "snell", "fresnel", "refraction_angle")
    n1 = p.inp(("n1", "n_in"), 1.0, p.u(1.3, 1.6))
    n2 = p.inp(("n2", "n_out"), 1.0, p.u(1.3, 2.4))
    th = p.inp(("incidence", "theta_i", "ti"), 0, p.u(1.2, 1.55))
    s = p.name("sin_t", "st")
    p.w(f"{p.T} {s} = {n1} / {n2} * {p.m('sin')}({th});")
    tt, R = p.name("theta_t", "tt"), p.name("reflectance", "refl", "r")
    p.w(f"{p.T} {tt}, {R};")
    p.open(f"if ({s} >= {p.f(1)})")
    p.w(f"{tt} = {p.f(1.5707963)};", f"{R} = {p.f(1)};")
    p.els()
    p.w(f"{tt} = {p.m('asin')}({s});")
    r0 = p.name("r0", "base")
    p.w(f"{p.T} {r0} = ({n1} - {n2}) / ({n1} + {n2});", f"{r0} = {r0} * {r0};")
    c = p.name("c", "one_minus_cos")
    p.w(f"{p.T} {c} = {p.f(1)} - {p.m('cos')}({th});")
    p.w(f"{R} = {r0} + ({p.f(1)} - {r0}) * {c} * {c} * {c} * {c} * {c};")
    p.close()
    p.finish([(("angle_out", "theta_o"), tt), (("refl", "R_out"), R)])


def decay(p: Prog) -> None:
    p.func_name("decay", "half_life", "activity", "rc_charge", "discharge")
    if p.p(0.5):
        n0 = p.inp(("n0", "initial", "q0"), p.u(10, 100), p.u(1e3, 1e5))
        hl = p.inp(("half_life", "t_half", "th"), p.u(0.5, 5), p.u(10, 100))
        t = p.inp(("time", "t"), 0, p.u(50, 300))
        lam = p.name("lambda_", "k_decay", "lam")
        p.w(f"{p.T} {lam} = {p.f(0.69314718)} / {hl};")
        n = p.name("remaining", "n_t", "n")
        p.w(f"{p.T} {n} = {n0} * {p.m('exp')}(-{lam} * {t});")
        p.finish([(("remaining", "n_out"), n), (("activity", "a"), f"{lam} * {n}"),
                  (("decayed", "d"), f"{n0} - {n}")])
    else:
        v0 = p.inp(("v_supply", "vs", "v0"), p.u(1, 5), p.u(9, 24))
        R = p.inp(("resistance", "r"), p.u(100, 1000), p.u(5e3, 1e5))
        C = p.inp(("capacitance", "cap", "c"), p.u(1e-7, 1e-6), p.u(1e-5, 1e-4))
        t = p.inp(("time", "t"), 0, p.u(0.5, 2))
        tau = p.name("tau", "rc")
        p.w(f"{p.T} {tau} = {R} * {C};")
        vc = p.name("v_cap", "vc")
        p.w(f"{p.T} {vc} = {v0} * ({p.f(1)} - {p.m('exp')}(-{t} / {tau}));")
        p.finish([(("voltage", "v"), vc), (("current", "i"), f"({v0} - {vc}) / {R}"),
                  (("energy", "e"), f"{p.f(0.5)} * {C} * {vc} * {vc}")])


def doppler(p: Prog) -> None:
    p.func_name("doppler", "doppler_shift", "observed_freq")
    f0 = p.inp(("frequency", "f_src", "f0"), p.u(100, 500), p.u(1000, 5000))
    vs = p.inp(("v_source", "vs"), p.u(-60, -10), p.u(10, 60))
    vo = p.inp(("v_observer", "vo"), p.u(-30, -5), p.u(5, 30))
    c = p.const(("c_sound", "c"), p.c(343.0, 340.3, 1481.0))
    fo = p.name("f_obs", "fo")
    p.w(f"{p.T} {fo} = {f0} * ({c} + {vo}) / ({c} - {vs});")
    closing = p.name("approaching", "closing")
    p.w(f"int {closing} = ({vo} + {vs}) > {p.f(0)};")
    p.finish([(("observed", "f_out"), fo), (("shift", "df"), f"{fo} - {f0}"),
              (("closing_out", "appr"), closing, "int")])


def heat_engine(p: Prog) -> None:
    p.func_name("carnot", "efficiency", "heat_engine", "cop")
    th = p.inp(("t_hot", "th"), p.u(400, 500), p.u(700, 1200))
    tc = p.inp(("t_cold", "tc"), p.u(250, 280), p.u(300, 380))
    q = p.inp(("heat_in", "q_in", "q"), p.u(100, 1000), p.u(5e3, 2e4))
    eta = p.name("eta", "eff")
    p.w(f"{p.T} {eta} = {p.f(1)} - {tc} / {th};")
    real = p.f(p.u(0.4, 0.8))
    w = p.name("work", "w")
    p.w(f"{p.T} {w} = {real} * {eta} * {q};")
    cop = p.name("cop_hp", "cop")
    p.w(f"{p.T} {cop} = {th} / ({th} - {tc});")
    p.finish([(("work_out", "w_o"), w), (("eta_out", "e"), eta), (("cop_out", "c"), cop),
              (("rejected", "q_c"), f"{q} - {w}")])


KINEMATICS = [projectile, drag, spring_damper, orbital, pendulum, collision, incline,
              work_energy]
THERMO_OPTICS = [ideal_gas, heat_wall, radiation, thin_lens, snell, decay, doppler, heat_engine]
