"""Control ("control": PID, saturation, hysteresis, Kalman) and everyday formulas ("everyday")."""

from __future__ import annotations

from nsc_tune.corpus.families._base import Prog


def _clamp_helper(p: Prog) -> str:
    nm = p.name("clamp", "clampf", "saturate", "limit")
    if p.p(0.5):
        p.helper(f"static {p.T} {nm}({p.T} v, {p.T} lo, {p.T} hi)\n{{\n"
                 f"    return v < lo ? lo : (v > hi ? hi : v);\n}}")
    else:
        p.helper(f"static {p.T} {nm}({p.T} v, {p.T} lo, {p.T} hi)\n{{\n    if (v < lo)\n"
                 f"        return lo;\n    if (v > hi)\n        return hi;\n    return v;\n}}")
    return nm


def pid_step(p: Prog) -> None:
    p.func_name("pid_step", "pid_update", "controller", "pidStep", "update_pid")
    sp = p.inp(("setpoint", "target", "ref"), p.u(0, 20), p.u(50, 100))
    y = p.inp(("measurement", "meas", "y"), 0, p.u(50, 120))
    integ = p.inp(("integral", "i_state", "acc"), -50, 50)
    prev = p.inp(("prev_error", "e_prev", "last"), -50, 50)
    kp = p.inp(("kp", "gain_p"), p.u(0.1, 0.5), p.u(1, 5)) if p.p(0.6) else p.f(p.u(0.5, 3))
    ki = p.f(p.u(0.01, 0.5))
    kd = p.f(p.u(0.0, 0.2))
    dt = p.inp(("dt", "ts"), p.u(0.001, 0.01), p.u(0.05, 0.1)) if p.p(0.4) else p.f(0.01)
    cl = _clamp_helper(p)
    umax = p.f(p.c(10, 100, 255, 1))
    e, ni, d, u = p.name("err", "e"), p.name("new_int", "i_new"), p.name("deriv", "d"), \
        p.name("u", "out", "cmd")
    p.w(f"{p.T} {e} = {sp} - {y};", f"{p.T} {ni} = {integ} + {e} * {dt};")
    p.w(f"{p.T} {d} = ({e} - {prev}) / {dt};")
    p.w(f"{p.T} {u} = {kp} * {e} + {ki} * {ni} + {kd} * {d};")
    if p.p(0.5):
        p.open(f"if ({u} > {umax} || {u} < -{umax})")
        p.w(f"{ni} = {integ};", f"{u} = {kp} * {e} + {ki} * {ni} + {kd} * {d};")
        p.close()
    p.finish([(("control", "u_out"), f"{cl}({u}, -{umax}, {umax})"), (("integral_out", "i_o"), ni),
              (("error_out", "e_o"), e)], vector_ok=False)


def pid_sim(p: Prog) -> None:
    p.func_name("simulate_loop", "closed_loop", "pid_sim", "step_response")
    kp = p.inp(("kp", "p_gain"), p.u(0.1, 0.5), p.u(2, 8))
    ki = p.inp(("ki", "i_gain"), 0, p.u(0.5, 3))
    tau = p.inp(("tau", "time_const", "T"), p.u(0.2, 1), p.u(2, 5))
    steps = p.c(50, 100, 200)
    dt = p.f(p.c(0.01, 0.02, 0.05))
    y, it, e, pk = p.name("y", "pv"), p.name("integ", "acc"), p.name("e", "err"), \
        p.name("peak", "ymax")
    p.w(f"{p.T} {y} = {p.f(0)}, {it} = {p.f(0)}, {pk} = {p.f(0)};")
    k = p.name("k", "n")
    p.open(f"for (int {k} = 0; {k} < {steps}; {k}++)")
    p.w(f"{p.T} {e} = {p.f(1)} - {y};", f"{it} += {e} * {dt};")
    u = p.name("u", "cmd")
    p.w(f"{p.T} {u} = {kp} * {e} + {ki} * {it};")
    if p.p(0.5):
        p.w(f"if ({u} > {p.f(5)}) {u} = {p.f(5)};", f"if ({u} < {p.f(-5)}) {u} = {p.f(-5)};")
    p.w(f"{y} += {dt} * ({u} - {y}) / {tau};", f"if ({y} > {pk}) {pk} = {y};")
    p.close()
    p.finish([(("final", "y_end"), y), (("overshoot", "os"), f"{pk} - {p.f(1)}")],
             vector_ok=False)


def rate_limit(p: Prog) -> None:
    p.func_name("rate_limiter", "slew", "deadband_sat", "shape_command", "actuator")
    cmd = p.inp(("command", "cmd", "u"), p.u(-100, -10), p.u(10, 100))
    prev = p.inp(("previous", "prev", "last"), -50, 50)
    rate = p.inp(("max_rate", "slew", "r"), p.u(0.5, 2), p.u(5, 20))
    db = p.f(p.u(0.5, 5))
    lim = p.f(p.u(20, 60))
    v = p.name("v", "x")
    p.w(f"{p.T} {v} = {cmd};")
    p.w(f"if ({p.m('fabs')}({v}) < {db}) {v} = {p.f(0)};")
    p.w(f"else {v} = {v} > {p.f(0)} ? {v} - {db} : {v} + {db};")
    dv = p.name("dv", "delta")
    p.w(f"{p.T} {dv} = {v} - {prev};")
    p.w(f"if ({dv} > {rate}) {dv} = {rate};", f"else if ({dv} < -{rate}) {dv} = -{rate};")
    p.w(f"{v} = {prev} + {dv};", f"{v} = {p.m('fmax')}(-{lim}, {p.m('fmin')}({lim}, {v}));")
    p.finish([(("out", "y"), v), (("limited", "sat"), f"{v} != {cmd}", "int")])


def thermostat(p: Prog) -> None:
    p.func_name("thermostat", "hysteresis", "bang_bang", "heater_control")
    t0 = p.inp(("t_start", "temp0"), p.u(5, 12), p.u(15, 25))
    sp = p.inp(("setpoint", "target"), p.u(18, 20), p.u(21, 24))
    band = p.inp(("band", "hyst", "h"), p.u(0.1, 0.3), p.u(0.5, 2))
    steps = p.c(60, 120, 240)
    T, on, cyc, i = p.name("temp", "t"), p.name("on", "state"), p.name("switches", "cycles"), \
        p.name("i", "minute")
    p.w(f"{p.T} {T} = {t0};", f"int {on} = 0, {cyc} = 0;")
    p.open(f"for (int {i} = 0; {i} < {steps}; {i}++)")
    p.open(f"if (!{on} && {T} < {sp} - {band})")
    p.w(f"{on} = 1;", f"{cyc}++;")
    p.els(f"else if ({on} && {T} > {sp} + {band})")
    p.w(f"{on} = 0;")
    p.close()
    p.w(f"{T} += ({on} ? {p.f(p.u(0.1, 0.5))} : {p.f(0)}) - {p.f(p.u(0.005, 0.03))} * ({T} - "
        f"{p.f(p.u(0, 10))});")
    p.close()
    p.finish([(("final_temp", "t_end"), T), (("cycles_out", "n_sw"), cyc, "int")],
             vector_ok=False)


def kalman(p: Prog) -> None:
    p.func_name("kalman_update", "kalman1d", "kf_step", "fuse_measurement")
    x = p.inp(("x_est", "x", "state"), -10, 10)
    P = p.inp(("p_est", "P", "var"), p.u(0.01, 0.1), p.u(1, 10))
    z = p.inp(("z", "meas", "obs"), -10, 10)
    q = p.inp(("q", "proc_noise"), p.u(1e-4, 1e-3), p.u(0.01, 0.1))
    r = p.inp(("r", "meas_noise"), p.u(0.01, 0.1), p.u(0.5, 2))
    pp, k = p.name("p_pred", "pp"), p.name("gain", "K", "k")
    p.w(f"{p.T} {pp} = {P} + {q};", f"{p.T} {k} = {pp} / ({pp} + {r});")
    p.finish([(("x_new", "xo"), f"{x} + {k} * ({z} - {x})"),
              (("p_new", "po"), f"({p.f(1)} - {k}) * {pp}"), (("gain_out", "ko"), k)])


def motor(p: Prog) -> None:
    p.func_name("motor_step", "dc_motor", "pwm_duty", "motor_model")
    v = p.inp(("voltage", "v_cmd", "v"), -12, 12)
    w = p.inp(("omega", "speed", "w"), -300, 300)
    vb = p.inp(("v_battery", "vbat"), p.u(9, 11), p.u(12, 14))
    R, ke, J = p.f(p.u(0.5, 3)), p.f(p.u(0.01, 0.05), 3), p.f(p.u(1e-4, 1e-3), 3)
    duty = p.name("duty", "d")
    p.w(f"{p.T} {duty} = {v} / {vb};")
    p.w(f"if ({duty} > {p.f(1)}) {duty} = {p.f(1)};", f"if ({duty} < {p.f(-1)}) {duty} = "
        f"{p.f(-1)};")
    cur = p.name("current", "i_a")
    p.w(f"{p.T} {cur} = ({duty} * {vb} - {ke} * {w}) / {R};")
    tq = p.name("torque", "tau")
    p.w(f"{p.T} {tq} = {ke} * {cur};")
    p.finish([(("duty_out", "pwm"), duty), (("current_out", "ia"), cur),
              (("omega_next", "w_next"), f"{w} + {p.f(0.001)} * {tq} / {J}")])


# -- everyday formulas -------------------------------------------------------------------------
def haversine(p: Prog) -> None:
    p.func_name("haversine", "great_circle", "geo_distance", "distance_km")
    p.T = "double" if p.p(0.7) else p.T
    la1, lo1 = p.inp(("lat1", "phi1"), -80, 80), p.inp(("lon1", "lambda1"), -180, 180)
    la2, lo2 = p.inp(("lat2", "phi2"), -80, 80), p.inp(("lon2", "lambda2"), -180, 180)
    d2r = p.const(("DEG2RAD", "deg", "k"), 0.017453292519943295, 12)
    R = p.const(("EARTH_RADIUS", "R"), p.c(6371.0, 6371.0088, 3958.8))
    p1, p2 = p.name("p1", "f1"), p.name("p2", "f2")
    p.w(f"{p.T} {p1} = {la1} * {d2r}, {p2} = {la2} * {d2r};")
    dp, dl = p.name("dphi", "dlat"), p.name("dlam", "dlon")
    p.w(f"{p.T} {dp} = {p2} - {p1}, {dl} = ({lo2} - {lo1}) * {d2r};")
    a = p.name("a", "h")
    s, c = p.m("sin"), p.m("cos")
    p.w(f"{p.T} {a} = {s}({dp} / {p.f(2)}) * {s}({dp} / {p.f(2)}) + {c}({p1}) * {c}({p2}) * "
        f"{s}({dl} / {p.f(2)}) * {s}({dl} / {p.f(2)});")
    p.w(f"if ({a} > {p.f(1)}) {a} = {p.f(1)};")
    dist = f"{p.f(2)} * {R} * {p.m('atan2')}({p.m('sqrt')}({a}), {p.m('sqrt')}({p.f(1)} - {a}))"
    outs = [(("distance", "d"), dist)]
    if p.p(0.5):
        brg = (f"{p.m('atan2')}({s}({dl}) * {c}({p2}), {c}({p1}) * {s}({p2}) - {s}({p1}) * "
               f"{c}({p2}) * {c}({dl}))")
        outs.append((("bearing", "theta"), brg))
    p.finish(outs, vector_ok=False)


def weather(p: Prog) -> None:
    kind = p.c("dew", "heat", "chill")
    p.func_name({"dew": "dew_point", "heat": "heat_index", "chill": "wind_chill"}[kind],
                "apparent_temp", "feels_like", "weather_index")
    if kind == "dew":
        t = p.inp(("temp_c", "t", "temperature"), p.u(-20, 0), p.u(25, 45))
        rh = p.inp(("humidity", "rh"), p.u(1, 10), 100)
        a, b = p.c((17.27, 237.7), (17.625, 243.04), (17.62, 243.12))
        g = p.name("gamma_", "g", "alpha")
        p.w(f"{p.T} {g} = {p.m('log')}({rh} / {p.f(100)}) + {p.f(a)} * {t} / ({p.f(b)} + {t});")
        p.finish([(("dew_point", "td"), f"{p.f(b)} * {g} / ({p.f(a)} - {g})"),
                  (("spread", "dt"), f"{t} - {p.f(b)} * {g} / ({p.f(a)} - {g})")])
    elif kind == "heat":
        t = p.inp(("temp_f", "t", "T"), p.u(70, 80), p.u(100, 115))
        rh = p.inp(("humidity", "rh", "R"), p.u(5, 30), 100)
        hi = p.name("hi", "idx")
        cs = [-42.379, 2.04901523, 10.14333127, -0.22475541, -0.00683783, -0.05481717,
              0.00122874, 0.00085282, -0.00000199]
        p.w(f"{p.T} {hi} = {p.f(cs[0])} + {p.f(cs[1])} * {t} + {p.f(cs[2])} * {rh} + "
            f"{p.f(cs[3])} * {t} * {rh}")
        p.w(f"{p.tab}+ {p.f(cs[4])} * {t} * {t} + {p.f(cs[5])} * {rh} * {rh} + {p.f(cs[6])} * "
            f"{t} * {t} * {rh}")
        p.w(f"{p.tab}+ {p.f(cs[7])} * {t} * {rh} * {rh} + {p.f(cs[8])} * {t} * {t} * {rh} * "
            f"{rh};")
        p.w(f"if ({t} < {p.f(80)}) {hi} = {p.f(0.5)} * ({t} + {p.f(61)} + ({t} - {p.f(68)}) * "
            f"{p.f(1.2)} + {rh} * {p.f(0.094)});")
        p.finish([(("heat_index", "hi_out"), hi)])
    else:
        t = p.inp(("temp_c", "t", "air"), p.u(-40, -20), p.u(5, 10))
        v = p.inp(("wind_kmh", "v", "wind"), p.u(0, 5), p.u(40, 100))
        vp = p.name("vp", "v16")
        p.w(f"{p.T} {vp} = {p.m('pow')}({v}, {p.f(0.16)});")
        wc = (f"{p.f(13.12)} + {p.f(0.6215)} * {t} - {p.f(11.37)} * {vp} + {p.f(0.3965)} * {t} "
              f"* {vp}")
        p.finish([(("wind_chill", "wci"), f"{v} > {p.f(4.8)} ? {wc} : {t}")])


def calendar(p: Prog) -> None:
    p.func_name("day_of_week", "day_of_year", "zeller", "date_info", "calendar")
    y = p.inp(("year", "y"), p.c(1900, 1970), p.c(2100, 2400), "int")
    m = p.inp(("month", "m"), 1, 12, "int")
    d = p.inp(("day", "d"), 1, 28, "int")
    leap = p.name("leap", "is_leap")
    p.w(f"int {leap} = ({y} % 4 == 0 && {y} % 100 != 0) || {y} % 400 == 0;")
    if p.p(0.5):
        cum = p.table(("CUM_DAYS", "cumdays", "offs"), [0, 31, 59, 90, 120, 151, 181, 212, 243,
                                                        273, 304, 334], "int")
        doy = p.name("doy", "yday")
        p.w(f"int {doy} = {cum}[{m} - 1] + {d} + ({m} > 2 ? {leap} : 0);")
        p.finish([(("day_of_year", "n"), doy, "int"), (("leap_out", "lp"), leap, "int")],
                 vector_ok=False)
    else:
        mm, yy = p.name("mm", "q"), p.name("yy", "k")
        p.w(f"int {mm} = {m}, {yy} = {y};", f"if ({mm} < 3) {{ {mm} += 12; {yy} -= 1; }}")
        h = p.name("h", "dow")
        p.w(f"int {h} = ({d} + 13 * ({mm} + 1) / 5 + {yy} + {yy} / 4 - {yy} / 100 + {yy} / 400) "
            f"% 7;")
        p.finish([(("weekday", "wd"), f"({h} + 6) % 7", "int"), (("leap_out", "lp"), leap, "int")],
                 vector_ok=False)


def health(p: Prog) -> None:
    p.func_name("bmi", "body_metrics", "bmr", "health_index", "calories")
    w = p.inp(("weight_kg", "weight", "w"), p.u(30, 50), p.u(100, 160))
    h = p.inp(("height_m", "height", "h"), p.u(1.3, 1.5), p.u(1.8, 2.1))
    age = p.inp(("age", "years", "a"), p.c(18, 20), p.c(70, 90), "int")
    male = p.inp(("is_male", "male", "sex"), 0, 1, p.c("int", "bool"))
    bmi = p.name("bmi_val", "index", "b")
    p.w(f"{p.T} {bmi} = {w} / ({h} * {h});")
    cat = p.name("category", "cat")
    p.w(f"int {cat};")
    p.w(f"if ({bmi} < {p.f(18.5)}) {cat} = 0;", f"else if ({bmi} < {p.f(25)}) {cat} = 1;",
        f"else if ({bmi} < {p.f(30)}) {cat} = 2;", f"else {cat} = 3;")
    bmr = p.name("bmr_val", "kcal")
    p.w(f"{p.T} {bmr} = {p.f(10)} * {w} + {p.f(625)} * {h} - {p.f(5)} * {age} + ({male} ? "
        f"{p.f(5)} : {p.f(-161)});")
    p.finish([(("bmi_out", "bm"), bmi), (("category_out", "c"), cat, "int"),
              (("bmr_out", "energy"), bmr)], vector_ok=False)


def pace(p: Prog) -> None:
    p.func_name("pace", "running_pace", "trip_stats", "fuel_economy")
    dist = p.inp(("distance_km", "dist", "d"), p.u(1, 5), p.u(20, 500))
    t = p.inp(("minutes", "time_min", "t"), p.u(5, 20), p.u(200, 600))
    fuel = p.inp(("fuel_l", "litres", "f"), p.u(0.5, 2), p.u(20, 60)) if p.p(0.5) else None
    sp = p.name("speed", "kmh", "v")
    p.w(f"{p.T} {sp} = {dist} / ({t} / {p.f(60)});")
    pc = p.name("pace_val", "min_per_km")
    p.w(f"{p.T} {pc} = {t} / {dist};")
    mins = p.name("whole_min", "mm")
    p.w(f"int {mins} = (int){pc};")
    outs = [(("speed_out", "v_o"), sp), (("pace_out", "p_o"), pc),
            (("seconds", "ss"), f"(int)(({pc} - {mins}) * {p.f(60)})", "int")]
    if fuel:
        outs.append((("l_per_100km", "cons"), f"{fuel} / {dist} * {p.f(100)}"))
    p.finish(outs)


def grades(p: Prog) -> None:
    p.func_name("final_grade", "grade", "course_score", "letter_grade")
    n = max(2, min(12, p.n_target))
    sc = p.arr_in(("scores", "marks", "s"), n, 0, 100)
    ws = [p.r.uniform(0.5, 3) for _ in range(n)]
    tot = sum(ws)
    wt = p.table(("WEIGHTS", "weights", "w"), [w / tot for w in ws], sig=4)
    i, avg = p.name("i", "k"), p.name("avg", "total")
    p.w(f"{p.T} {avg} = {p.f(0)};", f"for (int {i} = 0; {i} < {n}; {i}++) {avg} += {wt}[{i}] * "
        f"{sc}[{i}];")
    g = p.name("letter", "grade_pt", "g")
    cut = sorted([p.i(85, 93), p.i(75, 84), p.i(65, 74), p.i(50, 64)], reverse=True)
    p.w(f"int {g};")
    p.w(f"if ({avg} >= {p.f(cut[0])}) {g} = 4;", f"else if ({avg} >= {p.f(cut[1])}) {g} = 3;",
        f"else if ({avg} >= {p.f(cut[2])}) {g} = 2;", f"else if ({avg} >= {p.f(cut[3])}) {g} = 1;",
        f"else {g} = 0;")
    p.finish([(("average", "mean"), avg), (("grade_out", "gp"), g, "int")], vector_ok=False)


CONTROL = [pid_step, pid_sim, rate_limit, thermostat, kalman, motor]
EVERYDAY = [haversine, weather, calendar, health, pace, grades]
