"""Colour conversion and tone mapping ("colour"); filters on small image windows ("image_filter").

No 3x3 Sobel/edge-gradient filters (benchmark territory).
"""

from __future__ import annotations

import math

from nsc_tune.corpus.families._base import Prog

_LUMA = {"bt709": (0.2126, 0.7152, 0.0722), "bt601": (0.299, 0.587, 0.114),
         "bt2020": (0.2627, 0.678, 0.0593)}


def _rgb_in(p: Prog, scale255: bool) -> tuple[str, str, str]:
    hi = 255 if scale255 else 1
    ct = p.c("int", "unsigned char", p.T) if scale255 else p.T
    return (p.inp(("red", "r"), 0, hi, ct), p.inp(("green", "g"), 0, hi, ct),
            p.inp(("blue", "b"), 0, hi, ct))


def rgb_to_hsv(p: Prog) -> None:
    p.func_name("rgb_to_hsv", "rgb2hsv", "to_hsv", "hsv_from_rgb")
    s255 = p.p(0.3)
    r, g, b = _rgb_in(p, s255)
    if s255:
        rf, gf, bf = p.name("rf", "rn"), p.name("gf", "gn"), p.name("bf", "bn")
        k = p.f(1 / 255.0, 8)
        p.w(f"{p.T} {rf} = {r} * {k}, {gf} = {g} * {k}, {bf} = {b} * {k};")
        r, g, b = rf, gf, bf
    mx, mn = p.name("cmax", "mx", "hi"), p.name("cmin", "mn", "lo")
    fmax, fmin = p.m("fmax"), p.m("fmin")
    p.w(f"{p.T} {mx} = {fmax}({r}, {fmax}({g}, {b}));",
        f"{p.T} {mn} = {fmin}({r}, {fmin}({g}, {b}));")
    d, h = p.name("delta", "d", "c"), p.name("hue", "h")
    p.w(f"{p.T} {d} = {mx} - {mn};", f"{p.T} {h} = {p.f(0)};")
    p.open(f"if ({d} > {p.f(1e-6)})")
    p.open(f"if ({mx} == {r})")
    p.w(f"{h} = {p.m('fmod')}(({g} - {b}) / {d}, {p.f(6)});")
    p.els(f"else if ({mx} == {g})")
    p.w(f"{h} = ({b} - {r}) / {d} + {p.f(2)};")
    p.els()
    p.w(f"{h} = ({r} - {g}) / {d} + {p.f(4)};")
    p.close()
    p.w(f"{h} *= {p.f(60)};", f"if ({h} < {p.f(0)}) {h} += {p.f(360)};")
    p.close()
    sat = f"{mx} > {p.f(0)} ? {d} / {mx} : {p.f(0)}"
    p.finish([(("hue_out", "h_out"), h), (("saturation", "s"), sat), (("value", "v"), mx)])


def hsv_to_rgb(p: Prog) -> None:
    p.func_name("hsv_to_rgb", "hsv2rgb", "hsvToRgb", "from_hsv")
    h = p.inp(("hue", "h"), 0, 359.9)
    s = p.inp(("saturation", "sat", "s"), 0, 1)
    v = p.inp(("value", "val", "v"), 0, 1)
    c, hp, x = p.name("chroma", "c"), p.name("h_prime", "hp"), p.name("x", "second")
    p.w(f"{p.T} {c} = {v} * {s};", f"{p.T} {hp} = {h} / {p.f(60)};")
    p.w(f"{p.T} {x} = {c} * ({p.f(1)} - {p.m('fabs')}({p.m('fmod')}({hp}, {p.f(2)}) - {p.f(1)}));")
    r, g, b = p.name("r1", "rr"), p.name("g1", "gg"), p.name("b1", "bb")
    p.w(f"{p.T} {r} = {p.f(0)}, {g} = {p.f(0)}, {b} = {p.f(0)};")
    sec = p.name("sector", "i")
    p.w(f"int {sec} = (int){hp};")
    p.open(f"switch ({sec})")
    for k, (a1, a2, a3) in enumerate([(c, x, "0"), (x, c, "0"), ("0", c, x), ("0", x, c),
                                      (x, "0", c)]):
        vals = [a1, a2, a3]
        p.w(f"case {k}: " + " ".join(f"{nm} = {val if val != '0' else p.f(0)};"
                                     for nm, val in zip((r, g, b), vals, strict=True)) + " break;")
    p.w(f"default: {r} = {c}; {g} = {p.f(0)}; {b} = {x}; break;")
    p.close()
    mm = p.name("m", "base")
    p.w(f"{p.T} {mm} = {v} - {c};")
    if p.p(0.4):
        sc = p.f(255)
        p.finish([(("red", "r"), f"(int)(({r} + {mm}) * {sc} + {p.f(0.5)})", "int"),
                  (("green", "g"), f"(int)(({g} + {mm}) * {sc} + {p.f(0.5)})", "int"),
                  (("blue", "b"), f"(int)(({b} + {mm}) * {sc} + {p.f(0.5)})", "int")])
    else:
        p.finish([(("red", "r"), f"{r} + {mm}"), (("green", "g"), f"{g} + {mm}"),
                  (("blue", "b"), f"{b} + {mm}")])


def rgb_to_yuv(p: Prog) -> None:
    p.func_name("rgb_to_ycbcr", "rgb2yuv", "to_yuv", "rgbToYCbCr", "luma_chroma")
    s255 = p.p(0.5)
    r, g, b = _rgb_in(p, s255)
    std = p.c(*_LUMA)
    kr, kg, kb = _LUMA[std]
    p.comment = p.c(None, f"{std.upper()} luma/chroma", "colour space conversion")
    y = p.name("luma", "y")
    terms = [f"{p.f(kr)} * {r}", f"{p.f(kg)} * {g}", f"{p.f(kb)} * {b}"]
    p.r.shuffle(terms)
    p.w(f"{p.T} {y} = {' + '.join(terms)};")
    off = p.f(128) if s255 else p.f(0)
    cb = f"{off} + ({b} - {y}) * {p.f(0.5 / (1 - kb), 6)}"
    cr = f"{off} + ({r} - {y}) * {p.f(0.5 / (1 - kr), 6)}"
    if s255 and p.p(0.6):
        lo, hi = p.f(0), p.f(255)
        cl = p.name("clamp255", "clampf", "sat")
        p.helper(f"static int {cl}({p.T} v)\n{{\n    if (v < {lo}) return 0;\n"
                 f"    if (v > {hi}) return 255;\n    return (int)(v + {p.f(0.5)});\n}}")
        p.finish([(("y_out", "yy"), f"{cl}({y})", "int"), (("cb", "u"), f"{cl}({cb})", "int"),
                  (("cr", "v"), f"{cl}({cr})", "int")])
    else:
        p.finish([(("y_out", "yy"), y), (("cb", "u"), cb), (("cr", "v"), cr)])


def _srgb_helpers(p: Prog) -> tuple[str, str]:
    lin = p.name("srgb_to_linear", "linearize", "decode_gamma", "to_linear")
    enc = p.name("linear_to_srgb", "encode_gamma", "gamma_encode")
    pw = p.m("pow")
    p.helper(f"static {p.T} {lin}({p.T} c)\n{{\n    if (c <= {p.f(0.04045)})\n"
             f"        return c / {p.f(12.92)};\n"
             f"    return {pw}((c + {p.f(0.055)}) / {p.f(1.055)}, {p.f(2.4)});\n}}")
    p.helper(f"static {p.T} {enc}({p.T} c)\n{{\n    if (c <= {p.f(0.0031308)})\n"
             f"        return {p.f(12.92)} * c;\n"
             f"    return {p.f(1.055)} * {pw}(c, {p.f(1 / 2.4, 7)}) - {p.f(0.055)};\n}}")
    return lin, enc


def luminance(p: Prog) -> None:
    p.func_name("luminance", "relative_luminance", "contrast_ratio", "grey_level")
    lin, enc = _srgb_helpers(p)
    kr, kg, kb = _LUMA[p.c("bt709", "bt709", "bt601")]
    r, g, b = _rgb_in(p, False)
    L = p.name("lum", "L", "y")
    p.w(f"{p.T} {L} = {p.f(kr)} * {lin}({r}) + {p.f(kg)} * {lin}({g}) + {p.f(kb)} * {lin}({b});")
    if p.p(0.5):
        bg = p.inp(("bg_lum", "background", "lb"), 0, 1)
        cr = p.name("ratio", "cr")
        p.w(f"{p.T} {cr} = ({p.m('fmax')}({L}, {bg}) + {p.f(0.05)}) / "
            f"({p.m('fmin')}({L}, {bg}) + {p.f(0.05)});")
        p.finish([(("contrast", "c_out"), cr), (("lum_out", "l_out"), L),
                  (("passes", "ok"), f"{cr} >= {p.f(p.c(4.5, 3.0, 7.0))}", "int")])
    else:
        p.finish([(("lum_out", "l"), L), (("grey", "g_out"), f"{enc}({L})")])


def xyz_lab(p: Prog) -> None:
    p.func_name("rgb_to_lab", "srgb2lab", "to_cielab", "lab_from_rgb")
    lin, _ = _srgb_helpers(p)
    r, g, b = _rgb_in(p, False)
    M = [[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
         [0.0193339, 0.1191920, 0.9503041]]
    lab_f = p.name("lab_f", "f_lab", "pivot")
    p.helper(f"static {p.T} {lab_f}({p.T} t)\n{{\n"
             f"    const {p.T} d = {p.f(6.0 / 29.0, 8)};\n"
             f"    return t > d * d * d ? {p.m('cbrt')}(t) : t / ({p.f(3)} * d * d) + "
             f"{p.f(4.0 / 29.0, 8)};\n}}")
    rl, gl, bl = p.name("rl", "lr"), p.name("gl", "lg"), p.name("bl", "lb")
    p.w(f"{p.T} {rl} = {lin}({r}), {gl} = {lin}({g}), {bl} = {lin}({b});")
    if p.p(0.5):
        tab = p.name("RGB2XYZ", "m", "M")
        rows = ",\n".join("    {" + ", ".join(p.f(v, 7) for v in row) + "}" for row in M)
        p.globals.append(f"static const {p.T} {tab}[3][3] = {{\n{rows}\n}};")
        X = [f"{tab}[{k}][0] * {rl} + {tab}[{k}][1] * {gl} + {tab}[{k}][2] * {bl}"
             for k in range(3)]
    else:
        X = [f"{p.f(M[k][0], 7)} * {rl} + {p.f(M[k][1], 7)} * {gl} + {p.f(M[k][2], 7)} * {bl}"
             for k in range(3)]
    wp = (0.95047, 1.0, 1.08883)
    fx, fy, fz = p.name("fx",), p.name("fy",), p.name("fz",)
    for nm, expr, w in zip((fx, fy, fz), X, wp, strict=True):
        p.w(f"{p.T} {nm} = {lab_f}(({expr}) / {p.f(w)});")
    p.finish([(("L", "l_star"), f"{p.f(116)} * {fy} - {p.f(16)}"),
              (("a", "a_star"), f"{p.f(500)} * ({fx} - {fy})"),
              (("b", "b_star"), f"{p.f(200)} * ({fy} - {fz})")])


def tonemap(p: Prog) -> None:
    p.func_name("tonemap", "tone_map", "reinhard", "aces_filmic", "hdr_to_ldr")
    p.T = "float" if p.p(0.8) else p.T
    hdr = p.u(4, 50)
    c = p.inp(("radiance", "hdr", "x"), 0, hdr)
    exp_ = p.inp(("exposure", "ev", "e"), p.u(-3, -1), p.u(1, 3)) if p.p(0.6) else None
    x = p.name("v", "col", "s")
    p.w(f"{p.T} {x} = {c}" + (f" * {p.m('exp2')}({exp_});" if exp_ else ";"))
    op = p.c("reinhard", "ext", "aces", "exp", "uncharted")
    if op == "reinhard":
        p.w(f"{x} = {x} / ({p.f(1)} + {x});")
    elif op == "ext":
        wp = p.f(p.u(2, 12))
        p.w(f"{x} = {x} * ({p.f(1)} + {x} / ({wp} * {wp})) / ({p.f(1)} + {x});")
    elif op == "aces":
        a, b, cc, d, e = (p.f(v) for v in (2.51, 0.03, 2.43, 0.59, 0.14))
        p.w(f"{x} = ({x} * ({a} * {x} + {b})) / ({x} * ({cc} * {x} + {d}) + {e});")
    elif op == "exp":
        p.w(f"{x} = {p.f(1)} - {p.m('exp')}(-{x} * {p.f(p.u(0.5, 2))});")
    else:
        hlp = p.name("hable", "partial", "curve")
        A, B, C, D, E, F = (p.f(v) for v in (0.15, 0.50, 0.10, 0.20, 0.02, 0.30))
        p.helper(f"static {p.T} {hlp}({p.T} x)\n{{\n    return ((x * ({A} * x + {C} * {B}) + {D} * "
                 f"{E}) / (x * ({A} * x + {B}) + {D} * {F})) - {E} / {F};\n}}")
        p.w(f"{x} = {hlp}({x} * {p.f(2)}) / {hlp}({p.f(p.u(8, 12))});")
    p.w(f"{x} = {p.m('fmin')}({p.m('fmax')}({x}, {p.f(0)}), {p.f(1)});")
    gam = p.f(p.c(2.2, 2.4, 1.8))
    out = f"{p.m('pow')}({x}, {p.f(1)} / {gam})"
    if p.p(0.4):
        p.finish([(("pixel", "out8", "q"), f"(int)({out} * {p.f(255)} + {p.f(0.5)})", "int")])
    else:
        p.finish([(("ldr", "out", "y"), out)])


def blend(p: Prog) -> None:
    p.func_name("blend", "blend_mode", "composite", "mix_layers")
    a = p.inp(("base", "dst", "a"), 0, 1)
    b = p.inp(("layer", "src", "b"), 0, 1)
    alpha = p.inp(("alpha", "opacity", "t"), 0, 1)
    mode = p.inp(("mode", "op", "m"), 0, p.c(3, 4, 5), "int")
    r = p.name("res", "mix", "c")
    one = p.f(1)
    p.w(f"{p.T} {r};")
    p.open(f"switch ({mode})")
    cases = [f"{r} = {a} * {b};", f"{r} = {one} - ({one} - {a}) * ({one} - {b});",
             f"{r} = {a} < {p.f(0.5)} ? {p.f(2)} * {a} * {b} : {one} - {p.f(2)} * ({one} - {a}) "
             f"* ({one} - {b});",
             f"{r} = {p.m('fmin')}({a} + {b}, {one});", f"{r} = {p.m('fabs')}({a} - {b});",
             f"{r} = {b} < {p.f(0.5)} ? {a} - ({one} - {p.f(2)} * {b}) * {a} * ({one} - {a}) : "
             f"{a} + ({p.f(2)} * {b} - {one}) * ({p.m('sqrt')}({a}) - {a});"]
    p.r.shuffle(cases)
    nc = p.i(2, 5)
    for k in range(nc):
        p.w(f"case {k}: {cases[k]} break;")
    p.w(f"default: {r} = {b}; break;")
    p.close()
    p.finish([(("out", "result"), f"{a} + ({r} - {a}) * {alpha}")])


def color_temp(p: Prog) -> None:
    p.func_name("kelvin_to_rgb", "color_temperature", "blackbody_rgb", "white_balance")
    k = p.inp(("kelvin", "temp", "t"), p.u(1000, 2000), p.u(12000, 40000))
    t = p.name("t", "tk")
    p.w(f"{p.T} {t} = {k} / {p.f(100)};")
    r, g, b = p.name("red", "r"), p.name("green", "g"), p.name("blue", "b")
    lg, pw = p.m("log"), p.m("pow")
    p.w(f"{p.T} {r}, {g}, {b};")
    p.open(f"if ({t} <= {p.f(66)})")
    p.w(f"{r} = {p.f(255)};", f"{g} = {p.f(99.4708025861)} * {lg}({t}) - {p.f(161.1195681661)};")
    p.w(f"{b} = {t} <= {p.f(19)} ? {p.f(0)} : {p.f(138.5177312231)} * {lg}({t} - {p.f(10)}) - "
        f"{p.f(305.0447927307)};")
    p.els()
    p.w(f"{r} = {p.f(329.698727446)} * {pw}({t} - {p.f(60)}, {p.f(-0.1332047592)});")
    p.w(f"{g} = {p.f(288.1221695283)} * {pw}({t} - {p.f(60)}, {p.f(-0.0755148492)});")
    p.w(f"{b} = {p.f(255)};")
    p.close()
    cl = p.m("fmin")
    mx = p.m("fmax")
    p.finish([(("r_out", "red8"), f"{cl}({mx}({r}, {p.f(0)}), {p.f(255)})"),
              (("g_out", "green8"), f"{cl}({mx}({g}, {p.f(0)}), {p.f(255)})"),
              (("b_out", "blue8"), f"{cl}({mx}({b}, {p.f(0)}), {p.f(255)})")])


def adjust(p: Prog) -> None:
    p.func_name("adjust_color", "saturate", "brightness_contrast", "color_grade")
    r, g, b = _rgb_in(p, False)
    sat = p.inp(("saturation", "sat", "s"), 0, p.u(1.5, 3))
    con = p.inp(("contrast", "con", "c"), p.u(0.3, 0.8), p.u(1.2, 2))
    br = p.inp(("brightness", "bright", "k"), p.u(-0.3, -0.05), p.u(0.05, 0.3))
    kr, kg, kb = _LUMA[p.c(*_LUMA)]
    L = p.name("luma", "y")
    p.w(f"{p.T} {L} = {p.f(kr)} * {r} + {p.f(kg)} * {g} + {p.f(kb)} * {b};")
    cl = p.name("clamp01", "saturatef", "clampf")
    p.helper(f"static {p.T} {cl}({p.T} v)\n{{\n    return v < {p.f(0)} ? {p.f(0)} : "
             f"(v > {p.f(1)} ? {p.f(1)} : v);\n}}")
    outs = []
    for ch, nm in ((r, "r"), (g, "g"), (b, "b")):
        expr = f"{cl}(({L} + ({ch} - {L}) * {sat} - {p.f(0.5)}) * {con} + {p.f(0.5)} + {br})"
        outs.append(((nm + "_out", nm + "o"), expr))
    p.finish(outs)


# -- image filters ----------------------------------------------------------------------------
def box_blur(p: Prog) -> None:
    p.func_name("box_blur", "blur3", "mean_filter", "gaussian_blur", "smooth_pixel")
    k = 3 if p.n_target < 12 else p.c(3, 5)
    hi = p.c(1, 255)
    win = p.arr2_in(("window", "win", "px"), k, k, 0, hi) if p.p(0.6) else None
    flat = None if win else p.arr_in(("pixels", "patch", "w"), k * k, 0, hi)
    at = (lambda i, j: f"{win}[{i}][{j}]") if win else (lambda i, j: f"{flat}[{i} * {k} + {j}]")
    i, j, acc = p.name("i", "y"), p.name("j", "x"), p.name("sum", "acc", "s")
    gauss = p.p(0.5)
    p.w(f"{p.T} {acc} = {p.f(0)};")
    if gauss:
        sig = p.u(0.6, 2.0)
        ws = [math.exp(-((a - k // 2) ** 2 + (b - k // 2) ** 2) / (2 * sig * sig))
              for a in range(k) for b in range(k)]
        tot = sum(ws)
        tab = p.table(("GAUSS", "weights", "kern"), [w / tot for w in ws], sig=5, per_line=k)
        p.open(f"for (int {i} = 0; {i} < {k}; {i}++)")
        p.open(f"for (int {j} = 0; {j} < {k}; {j}++)")
        p.w(f"{acc} += {tab}[{i} * {k} + {j}] * {at(i, j)};")
        p.close()
        p.close()
        res = acc
    else:
        p.open(f"for (int {i} = 0; {i} < {k}; {i}++)")
        p.open(f"for (int {j} = 0; {j} < {k}; {j}++)")
        p.w(f"{acc} += {at(i, j)};")
        p.close()
        p.close()
        res = f"{acc} / {p.f(k * k)}" if p.p(0.5) else f"{acc} * {p.f(1.0 / (k * k), 7)}"
    if p.p(0.3):
        thr = p.inp(("threshold", "thr", "t"), 0.2 * hi, 0.8 * hi)
        p.finish([(("blurred", "out"), res), (("mask", "on"), f"{res} > {thr}", "int")],
                 vector_ok=False)
    else:
        p.finish([(("blurred", "out"), res)], vector_ok=False)


def median_filter(p: Prog) -> None:
    p.func_name("median", "median_filter", "despeckle", "median_of")
    n = p.c(3, 5, 5, 7, 9) if p.n_target < 12 else p.c(9, 15, 25)
    hi = p.c(1, 255)
    src = p.arr_in(("samples", "px", "v"), n, 0, hi)
    buf, i, j, t = p.name("buf", "tmp", "a"), p.name("i",), p.name("j",), p.name("key", "t")
    p.w(f"{p.T} {buf}[{n}];")
    p.w(f"for (int {i} = 0; {i} < {n}; {i}++) {buf}[{i}] = {src}[{i}];")
    if p.p(0.5):
        p.open(f"for (int {i} = 1; {i} < {n}; {i}++)")
        p.w(f"{p.T} {t} = {buf}[{i}];", f"int {j} = {i} - 1;")
        p.open(f"while ({j} >= 0 && {buf}[{j}] > {t})")
        p.w(f"{buf}[{j} + 1] = {buf}[{j}];", f"{j}--;")
        p.close()
        p.w(f"{buf}[{j} + 1] = {t};")
        p.close()
    else:
        sw = p.name("swap_if", "sort2", "cswap")
        p.helper(f"static void {sw}({p.T} *a, {p.T} *b)\n{{\n    if (*a > *b) {{\n"
                 f"        {p.T} t = *a;\n        *a = *b;\n        *b = t;\n    }}\n}}")
        p.open(f"for (int {i} = 0; {i} < {n - 1}; {i}++)")
        p.open(f"for (int {j} = 0; {j} < {n - 1} - {i}; {j}++)")
        p.w(f"{sw}({buf} + {j}, {buf} + {j} + 1);")
        p.close()
        p.close()
    outs = [(("med", "median_out"), f"{buf}[{n // 2}]")]
    if p.p(0.5):
        outs += [(("range", "spread"), f"{buf}[{n - 1}] - {buf}[0]")]
    p.finish(outs, vector_ok=False)


def threshold(p: Prog) -> None:
    p.func_name("threshold", "binarize", "adaptive_threshold", "mask_pixels")
    n = p.size(4, 63)
    ints = p.p(0.5)
    ct = p.c("int", "unsigned char") if ints else p.T
    hi = 255 if ints else 1
    px = p.arr_in(("pixels", "img", "src"), n, 0, hi, ct)
    off = p.inp(("offset", "c", "bias"), -0.1 * hi, 0.1 * hi, "int" if ints else p.T)
    out = p.out_arr(("mask", "dst", "out"), n, "int" if ints else p.T)
    mean, i = p.name("mean", "avg", "mu"), p.name("i", "k")
    p.w(f"{p.T} {mean} = {p.f(0)};")
    p.w(f"for (int {i} = 0; {i} < {n}; {i}++) {mean} += {px}[{i}];")
    p.w(f"{mean} /= {p.f(n)};")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    on = "255" if ints else p.f(1)
    of = "0" if ints else p.f(0)
    if p.p(0.5):
        p.w(f"{out}[{i}] = {px}[{i}] > {mean} - {off} ? {on} : {of};")
    else:
        p.open(f"if ({px}[{i}] > {mean} - {off})")
        p.w(f"{out}[{i}] = {on};")
        p.els()
        p.w(f"{out}[{i}] = {of};")
        p.close()
    p.close()
    if p.p(0.5):
        p.ret(mean)


def bilinear(p: Prog) -> None:
    p.func_name("bilinear", "sample_bilinear", "interp2d", "texture_fetch")
    if p.n_target <= 6:
        q = [p.inp((nm, nm), 0, 255 if p.p(0.3) else 1) for nm in ("q00", "q10", "q01", "q11")]
        fx, fy = p.inp(("fx", "tx", "u"), 0, 1), p.inp(("fy", "ty", "v"), 0, 1)
        a, b = p.name("top", "a"), p.name("bottom", "b")
        p.w(f"{p.T} {a} = {q[0]} + ({q[1]} - {q[0]}) * {fx};",
            f"{p.T} {b} = {q[2]} + ({q[3]} - {q[2]}) * {fx};")
        p.finish([(("value", "out"), f"{a} + ({b} - {a}) * {fy}")])
        return
    h = p.c(2, 3, 4, 5, 6, 8)
    w = max(2, min(8, p.n_target // h))
    img = p.arr2_in(("img", "tex", "grid"), h, w, 0, p.c(1, 255))
    x, y = p.inp(("x", "u", "px"), 0, w - 1), p.inp(("y", "v", "py"), 0, h - 1)
    x0, y0 = p.name("x0", "ix"), p.name("y0", "iy")
    p.w(f"int {x0} = (int){p.m('floor')}({x}), {y0} = (int){p.m('floor')}({y});")
    p.w(f"if ({x0} > {w - 2}) {x0} = {w - 2};", f"if ({y0} > {h - 2}) {y0} = {h - 2};")
    p.w(f"if ({x0} < 0) {x0} = 0;", f"if ({y0} < 0) {y0} = 0;")
    tx, ty = p.name("tx", "fx"), p.name("ty", "fy")
    p.w(f"{p.T} {tx} = {x} - {x0}, {ty} = {y} - {y0};")
    t, b = p.name("top", "a"), p.name("bot", "b")
    p.w(f"{p.T} {t} = {img}[{y0}][{x0}] * ({p.f(1)} - {tx}) + {img}[{y0}][{x0} + 1] * {tx};")
    p.w(f"{p.T} {b} = {img}[{y0} + 1][{x0}] * ({p.f(1)} - {tx}) + "
        f"{img}[{y0} + 1][{x0} + 1] * {tx};")
    p.finish([(("value", "out", "s"), f"{t} * ({p.f(1)} - {ty}) + {b} * {ty}")], vector_ok=False)


def unsharp(p: Prog) -> None:
    p.func_name("unsharp_mask", "sharpen", "unsharp", "detail_boost")
    hi = p.c(1, 255)
    win = p.arr_in(("nbhd", "win", "px"), 9, 0, hi)
    amt = p.inp(("amount", "strength", "k"), 0, p.u(1, 3))
    thr = p.inp(("threshold", "thr"), 0, 0.1 * hi) if p.p(0.5) else None
    blur = p.name("blur", "soft", "b")
    wts = p.c((1, 2, 1, 2, 4, 2, 1, 2, 1), (1, 1, 1, 1, 1, 1, 1, 1, 1), (1, 2, 1, 2, 8, 2, 1, 2, 1))
    tot = sum(wts)
    terms = " + ".join((f"{p.f(w)} * " if w != 1 else "") + f"{win}[{k}]"
                       for k, w in enumerate(wts))
    p.w(f"{p.T} {blur} = ({terms}) / {p.f(tot)};")
    d = p.name("detail", "d", "diff")
    p.w(f"{p.T} {d} = {win}[4] - {blur};")
    if thr:
        p.w(f"if ({p.m('fabs')}({d}) < {thr}) {d} = {p.f(0)};")
    res = p.name("sharp", "out", "r")
    p.w(f"{p.T} {res} = {win}[4] + {amt} * {d};")
    p.w(f"{res} = {res} < {p.f(0)} ? {p.f(0)} : ({res} > {p.f(hi)} ? {p.f(hi)} : {res});")
    p.finish([(("result", "y"), res)], vector_ok=False)


def morphology(p: Prog) -> None:
    p.func_name("dilate", "erode", "morph_gradient", "min_max_filter")
    n = p.size(3, 8)
    src = p.arr2_in(("img", "src", "a"), n, n, 0, p.c(1, 255))
    out = p.out_arr(("dst", "out"), n * n)
    i, j, di, dj = p.name("i", "y"), p.name("j", "x"), p.name("di", "dy"), p.name("dj", "dx")
    op = p.c("max", "min", "grad")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    p.open(f"for (int {j} = 0; {j} < {n}; {j}++)")
    mx, mn = p.name("hi", "mx"), p.name("lo", "mn")
    p.w(f"{p.T} {mx} = {src}[{i}][{j}], {mn} = {src}[{i}][{j}];")
    p.open(f"for (int {di} = -1; {di} <= 1; {di}++)")
    p.open(f"for (int {dj} = -1; {dj} <= 1; {dj}++)")
    yy, xx = p.name("yy", "r"), p.name("xx", "c")
    p.w(f"int {yy} = {i} + {di}, {xx} = {j} + {dj};")
    p.w(f"if ({yy} < 0 || {yy} >= {n} || {xx} < 0 || {xx} >= {n}) continue;")
    p.w(f"if ({src}[{yy}][{xx}] > {mx}) {mx} = {src}[{yy}][{xx}];",
        f"if ({src}[{yy}][{xx}] < {mn}) {mn} = {src}[{yy}][{xx}];")
    p.close()
    p.close()
    val = {"max": mx, "min": mn, "grad": f"{mx} - {mn}"}[op]
    p.w(f"{out}[{i} * {n} + {j}] = {val};")
    p.close()
    p.close()


def contrast_stretch(p: Prog) -> None:
    p.func_name("contrast_stretch", "normalize_levels", "auto_levels", "gamma_lut")
    n = p.size(4, 64)
    px = p.arr_in(("pixels", "src", "v"), n, 0, 1)
    gam = p.inp(("gamma", "g"), p.u(0.3, 0.8), p.u(1.2, 3))
    out = p.out_arr(("dst", "out"), n)
    lo, hi, i = p.name("lo", "vmin"), p.name("hi", "vmax"), p.name("i", "k")
    p.w(f"{p.T} {lo} = {px}[0], {hi} = {px}[0];")
    p.open(f"for (int {i} = 1; {i} < {n}; {i}++)")
    p.w(f"{lo} = {p.m('fmin')}({lo}, {px}[{i}]);", f"{hi} = {p.m('fmax')}({hi}, {px}[{i}]);")
    p.close()
    sp = p.name("span", "range")
    p.w(f"{p.T} {sp} = {hi} - {lo} > {p.f(1e-6)} ? {hi} - {lo} : {p.f(1)};")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    p.w(f"{out}[{i}] = {p.m('pow')}(({px}[{i}] - {lo}) / {sp}, {gam});")
    p.close()


COLOUR = [rgb_to_hsv, hsv_to_rgb, rgb_to_yuv, luminance, xyz_lab, tonemap, blend, color_temp,
          adjust]
IMAGE_FILTER = [box_blur, median_filter, threshold, bilinear, unsharp, morphology,
                contrast_stretch]
