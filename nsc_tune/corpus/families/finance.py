"""Finance: compound interest, annuities, amortisation, bonds, depreciation, NPV/IRR.

No option pricing (Black-Scholes / normal CDF are benchmark territory).
"""

from __future__ import annotations

from nsc_tune.corpus.families._base import Prog


def compound(p: Prog) -> None:
    p.func_name("compound_interest", "future_value", "grow", "fv")
    P = p.inp(("principal", "pv", "p"), p.u(100, 1000), p.u(5e3, 1e5))
    r = p.inp(("rate", "r", "apr"), p.u(0.001, 0.02), p.u(0.08, 0.2))
    t = p.inp(("years", "t", "n_years"), p.u(0.5, 2), p.u(10, 40))
    kind = p.c("periodic", "continuous", "int_periods")
    fv = p.name("value", "fv", "amount")
    if kind == "periodic":
        m = p.c(1, 2, 4, 12, 52, 365)
        p.w(f"{p.T} {fv} = {P} * {p.m('pow')}({p.f(1)} + {r} / {p.f(m)}, {p.f(m)} * {t});")
        eff = f"{p.m('pow')}({p.f(1)} + {r} / {p.f(m)}, {p.f(m)}) - {p.f(1)}"
    elif kind == "continuous":
        p.w(f"{p.T} {fv} = {P} * {p.m('exp')}({r} * {t});")
        eff = f"{p.m('exp')}({r}) - {p.f(1)}"
    else:
        m = p.inp(("periods_per_year", "m", "freq"), 1, p.c(4, 12, 52), "int")
        p.w(f"{p.T} {fv} = {P} * {p.m('pow')}({p.f(1)} + {r} / {m}, {m} * {t});")
        eff = f"{p.m('pow')}({p.f(1)} + {r} / {m}, ({p.T}){m}) - {p.f(1)}"
    p.finish([(("future", "fv_out"), fv), (("interest", "gain"), f"{fv} - {P}"),
              (("effective_rate", "ear"), eff)])


def annuity(p: Prog) -> None:
    p.func_name("loan_payment", "annuity", "pmt", "mortgage_payment")
    P = p.inp(("principal", "loan", "pv"), p.u(1e3, 2e4), p.u(1e5, 8e5))
    r = p.inp(("annual_rate", "rate", "r"), p.u(0.005, 0.02), p.u(0.06, 0.15))
    n = p.inp(("months", "n_periods", "n"), p.c(6, 12), p.c(120, 240, 360), "int")
    i = p.name("monthly_rate", "i", "rm")
    p.w(f"{p.T} {i} = {r} / {p.f(12)};")
    pay = p.name("payment", "pmt")
    if p.p(0.5):
        p.w(f"{p.T} {pay} = {P} * {i} / ({p.f(1)} - {p.m('pow')}({p.f(1)} + {i}, -{n}));")
    else:
        f = p.name("factor", "q")
        p.w(f"{p.T} {f} = {p.m('pow')}({p.f(1)} + {i}, ({p.T}){n});")
        p.w(f"{p.T} {pay} = {P} * {i} * {f} / ({f} - {p.f(1)});")
    p.finish([(("payment_out", "pay"), pay), (("total_interest", "interest"),
                                               f"{pay} * {n} - {P}")])


def amortise(p: Prog) -> None:
    p.func_name("amortize", "amortisation", "remaining_balance", "payoff_schedule")
    p.T = "double" if p.p(0.8) else p.T
    bal0 = p.inp(("principal", "balance", "b0"), p.u(1e3, 1e4), p.u(5e4, 5e5))
    r = p.inp(("rate", "apr", "r"), p.u(0.01, 0.03), p.u(0.08, 0.2))
    pay = p.inp(("payment", "pmt"), p.u(800, 1500), p.u(3000, 8000))
    extra = p.inp(("extra", "overpay"), 0, p.u(100, 1000)) if p.p(0.4) else None
    cap = p.c(120, 240, 360, 480)
    b, paid, k = p.name("bal", "b"), p.name("interest_paid", "ip", "tot_int"), p.name("month", "k")
    i = p.name("mrate", "i")
    p.w(f"{p.T} {b} = {bal0};", f"{p.T} {paid} = {p.f(0)};", f"{p.T} {i} = {r} / {p.f(12)};")
    p.w(f"int {k} = 0;")
    p.open(f"while ({b} > {p.f(0)} && {k} < {cap})")
    it = p.name("interest", "int_m", "q")
    p.w(f"{p.T} {it} = {b} * {i};", f"{paid} += {it};")
    amt = f"{pay} + {extra}" if extra else pay
    p.w(f"{b} = {b} + {it} - ({amt});", f"{k}++;")
    p.close()
    p.w(f"if ({b} < {p.f(0)}) {b} = {p.f(0)};")
    p.finish([(("months", "n_months"), k, "int"), (("interest_total", "paid"), paid),
              (("balance_left", "rest"), b)], vector_ok=False)


def bond(p: Prog) -> None:
    p.func_name("bond_price", "price_bond", "bond_value", "duration")
    p.T = "double" if p.p(0.8) else p.T
    face = p.const(("face", "FACE_VALUE", "par"), p.c(100.0, 1000.0))
    c = p.inp(("coupon_rate", "coupon", "c"), p.u(0, 0.02), p.u(0.05, 0.12))
    y = p.inp(("yield_", "ytm", "y"), p.u(0.005, 0.02), p.u(0.06, 0.15))
    n = p.inp(("periods", "n"), 1, p.c(10, 20, 30, 60), "int")
    freq = p.c(1, 2, 4)
    cf, pv, dur, k = p.name("cf", "cpn"), p.name("price", "pv"), p.name("dur", "wsum"), p.name("t",)
    df = p.name("disc", "df", "v")
    p.w(f"{p.T} {cf} = {face} * {c} / {p.f(freq)};", f"{p.T} {pv} = {p.f(0)}, {dur} = {p.f(0)};")
    p.w(f"{p.T} {df} = {p.f(1)};")
    p.open(f"for (int {k} = 1; {k} <= {n}; {k}++)")
    p.w(f"{df} /= {p.f(1)} + {y} / {p.f(freq)};")
    amt = p.name("amount", "a")
    p.w(f"{p.T} {amt} = {k} == {n} ? {cf} + {face} : {cf};")
    p.w(f"{pv} += {amt} * {df};", f"{dur} += {k} * {amt} * {df};")
    p.close()
    p.finish([(("price_out", "p"), pv), (("macaulay", "d"), f"{dur} / ({pv} * {p.f(freq)})")],
             vector_ok=False)


def depreciation(p: Prog) -> None:
    p.func_name("depreciate", "book_value", "depreciation", "asset_value")
    cost = p.inp(("cost", "c0"), p.u(1e3, 5e3), p.u(2e4, 2e5))
    salv = p.inp(("salvage", "residual", "s"), 0, p.u(100, 900))
    life = p.inp(("life", "n_years", "n"), p.c(3, 5), p.c(10, 20, 30), "int")
    year = p.inp(("year", "t", "k"), 0, p.c(5, 10, 15), "int")
    method = p.inp(("method", "mode", "m"), 0, 2, "int")
    bv, yy, k = p.name("value", "bv"), p.name("y", "yy"), p.name("i", "j")
    p.w(f"{p.T} {bv} = {cost};", f"int {yy} = {year} < {life} ? {year} : {life};")
    p.open(f"switch ({method})")
    p.w("case 0:")
    p.w(f"{p.tab}{bv} = {cost} - ({cost} - {salv}) * {yy} / {life};", f"{p.tab}break;")
    p.w("case 1:")
    rate = p.f(p.c(1.5, 2.0))
    p.w(f"{p.tab}for (int {k} = 0; {k} < {yy}; {k}++) {bv} -= {bv} * {rate} / {life};")
    p.w(f"{p.tab}if ({bv} < {salv}) {bv} = {salv};", f"{p.tab}break;")
    p.w("default:")
    syd = p.name("syd", "digits")
    p.w(f"{p.tab}{{")
    p.w(f"{p.tab}{p.tab}int {syd} = {life} * ({life} + 1) / 2;")
    p.w(f"{p.tab}{p.tab}for (int {k} = 0; {k} < {yy}; {k}++) {bv} -= ({cost} - {salv}) * "
        f"({life} - {k}) / {syd};")
    p.w(f"{p.tab}}}", f"{p.tab}break;")
    p.close()
    p.finish([(("book", "value_out"), bv), (("accumulated", "dep"), f"{cost} - {bv}")],
             vector_ok=False)


def npv(p: Prog) -> None:
    p.func_name("npv", "net_present_value", "discounted_cashflow", "irr")
    p.T = "double" if p.p(0.7) else p.T
    n = p.size(3, 40)
    cfl = p.arr_in(("cashflows", "cf", "flows"), n, p.u(-500, -50), p.u(200, 2000))
    inv = p.inp(("investment", "capex", "c0"), p.u(500, 2000), p.u(5e3, 2e4))
    irr_mode = p.p(0.4)
    if irr_mode:
        lo, hi, it, mid = p.name("lo",), p.name("hi",), p.name("iter", "it"), p.name("mid", "r")
        helper = p.name("npv_at", "present_value", "pv")
        p.helper(f"static {p.T} {helper}(const {p.T} *c, int n, {p.T} c0, {p.T} r)\n{{\n"
                 f"    {p.T} s = -c0, d = {p.f(1)};\n"
                 f"    for (int t = 0; t < n; t++) {{\n        d /= {p.f(1)} + r;\n"
                 f"        s += c[t] * d;\n    }}\n    return s;\n}}")
        p.w(f"{p.T} {lo} = {p.f(-0.9)}, {hi} = {p.f(p.c(1.0, 2.0, 5.0))};")
        p.open(f"for (int {it} = 0; {it} < {p.c(40, 60, 100)}; {it}++)")
        p.w(f"{p.T} {mid} = {p.f(0.5)} * ({lo} + {hi});")
        p.w(f"if ({helper}({cfl}, {n}, {inv}, {mid}) > {p.f(0)}) {lo} = {mid};",
            f"else {hi} = {mid};")
        p.close()
        p.finish([(("irr", "rate"), f"{p.f(0.5)} * ({lo} + {hi})")], vector_ok=False)
        return
    r = p.inp(("discount_rate", "rate", "r"), p.u(0.01, 0.04), p.u(0.08, 0.25))
    s, k, d = p.name("total", "s", "acc"), p.name("t", "k"), p.name("factor", "df", "d")
    pb = p.name("payback", "pb")
    p.w(f"{p.T} {s} = -{inv}, {d} = {p.f(1)};", f"int {pb} = -1;")
    p.open(f"for (int {k} = 0; {k} < {n}; {k}++)")
    p.w(f"{d} = {d} / ({p.f(1)} + {r});", f"{s} += {cfl}[{k}] * {d};")
    p.w(f"if ({pb} < 0 && {s} >= {p.f(0)}) {pb} = {k} + 1;")
    p.close()
    p.finish([(("npv_out", "value"), s), (("payback_period", "pbp"), pb, "int")],
             vector_ok=False)


def savings(p: Prog) -> None:
    p.func_name("savings_plan", "retirement", "real_savings", "accumulate")
    dep = p.inp(("deposit", "monthly", "d"), p.u(50, 200), p.u(500, 3000))
    r = p.inp(("return_rate", "mu", "r"), p.u(0.0, 0.02), p.u(0.06, 0.12))
    infl = p.inp(("inflation", "pi"), p.u(0.0, 0.01), p.u(0.03, 0.08))
    yrs = p.inp(("years", "n"), 1, p.c(20, 30, 40), "int")
    bal, real, k = p.name("balance", "b"), p.name("real_value", "rv"), p.name("m", "k")
    p.w(f"{p.T} {bal} = {p.f(0)};")
    p.open(f"for (int {k} = 0; {k} < 12 * {yrs}; {k}++)")
    p.w(f"{bal} = {bal} * ({p.f(1)} + {r} / {p.f(12)}) + {dep};")
    if p.p(0.5):
        p.w(f"if (({k} + 1) % 12 == 0) {bal} -= {p.f(p.u(5, 50))};")
    p.close()
    p.w(f"{p.T} {real} = {bal} / {p.m('pow')}({p.f(1)} + {infl}, ({p.T}){yrs});")
    p.finish([(("nominal", "bal_out"), bal), (("real", "real_out"), real)])


FINANCE = [compound, annuity, amortise, bond, depreciation, npv, savings]
