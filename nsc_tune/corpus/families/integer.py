"""Integer and bit manipulation ("bits"): hashes, popcount, Gray code, fixed point, digit loops."""

from __future__ import annotations

from nsc_tune.corpus.families._base import Prog


def _u32(p: Prog) -> str:
    return p.c("unsigned", "uint32_t", "unsigned int")


def hash_mix(p: Prog) -> None:
    kind = p.c("fnv", "murmur", "xorshift", "djb2")
    p.func_name(f"{kind}_hash", "hash", "mix", "hash32", f"{kind}")
    u = _u32(p)
    if kind == "fnv":
        n = max(1, min(32, p.n_target))
        data = p.arr_in(("data", "bytes", "buf"), n, 0, 255, p.c("unsigned char", "int", u))
        h, i = p.name("h", "hash"), p.name("i", "k")
        p.w(f"{u} {h} = 2166136261u;")
        p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
        p.w(f"{h} ^= ({u}){data}[{i}];", f"{h} *= 16777619u;")
        p.close()
        p.ret(h, u)
        return
    if kind == "djb2":
        n = max(1, min(32, p.n_target))
        data = p.arr_in(("chars", "s", "key"), n, 32, 126, p.c("char", "int", "unsigned char"))
        h, i = p.name("h", "hash"), p.name("i", "k")
        p.w(f"unsigned long {h} = 5381;")
        p.w(f"for (int {i} = 0; {i} < {n}; {i}++) {h} = (({h} << 5) + {h}) + {data}[{i}];")
        p.ret(f"({u})({h} & 0xffffffffu)", u)
        return
    x = p.inp(("key", "x", "k"), 0, p.c(1000, 65535, 4000000000), u)
    h = p.name("h", "z")
    p.w(f"{u} {h} = {x};")
    if kind == "murmur":
        p.w(f"{h} ^= {h} >> 16;", f"{h} *= 0x85ebca6bu;", f"{h} ^= {h} >> 13;",
            f"{h} *= 0xc2b2ae35u;", f"{h} ^= {h} >> 16;")
    else:
        a, b, c = p.c((13, 17, 5), (7, 9, 8), (5, 3, 11))
        rounds = p.i(1, 3)
        for _ in range(rounds):
            p.w(f"{h} ^= {h} << {a};", f"{h} ^= {h} >> {b};", f"{h} ^= {h} << {c};")
    outs = [(("hash_out", "hv"), h, u)]
    if p.p(0.5):
        m = p.c(7, 10, 16, 100, 1024)
        outs.append((("bucket", "slot"), f"(int)({h} % {m}u)", "int"))
    p.finish(outs, vector_ok=False)


def popcount(p: Prog) -> None:
    kind = p.c("popcount", "parity", "clz", "ctz", "bitrev")
    p.func_name(kind, f"count_{kind}", f"bit_{kind}", "bits")
    u = _u32(p)
    x = p.inp(("x", "v", "word", "mask"), 0, p.c(255, 65535, 1 << 24, 4000000000), u)
    v, c = p.name("v", "t"), p.name("count", "c", "n")
    p.w(f"{u} {v} = {x};", f"int {c} = 0;")
    if kind in ("popcount", "parity"):
        if p.p(0.5):
            p.w(f"while ({v}) {{ {v} &= {v} - 1u; {c}++; }}")
        else:
            p.w(f"for (int i = 0; i < 32; i++) {c} += ({v} >> i) & 1u;")
        res = c if kind == "popcount" else f"{c} & 1"
    elif kind == "clz":
        p.w(f"if ({v} == 0u) return 32;")
        p.w(f"while (!({v} & 0x80000000u)) {{ {v} <<= 1; {c}++; }}")
        res = c
    elif kind == "ctz":
        p.w(f"if ({v} == 0u) return 32;")
        p.w(f"while (!({v} & 1u)) {{ {v} >>= 1; {c}++; }}")
        res = c
    else:
        nb = p.c(8, 16, 32)
        r = p.name("r", "rev")
        p.w(f"{u} {r} = 0u;")
        p.w(f"for ({c} = 0; {c} < {nb}; {c}++) {{ {r} = ({r} << 1) | ({v} & 1u); {v} >>= 1; }}")
        p.ret(r, u)
        return
    p.ret(res, "int")


def gray(p: Prog) -> None:
    dec = p.p(0.5)
    p.func_name("gray_decode" if dec else "gray_encode", "gray_code", "to_gray", "from_gray")
    u = _u32(p)
    x = p.inp(("x", "n", "code"), 0, p.c(255, 1023, 65535), u)
    if not dec:
        p.finish([(("gray", "g"), f"{x} ^ ({x} >> 1)", u)], vector_ok=False)
        return
    r, s = p.name("r", "b"), p.name("shift", "s")
    p.w(f"{u} {r} = {x};")
    p.w(f"for ({u} {s} = 1u; {s} < 32u; {s} <<= 1) {r} ^= {r} >> {s};")
    p.finish([(("binary", "bin"), r, u)], vector_ok=False)


def fixed_point(p: Prog) -> None:
    q = p.c(8, 12, 16)
    p.func_name(f"q{q}_mul", "fixed_mul", "fix_lerp", "fixed_point_mac", "qmath")
    one = 1 << q
    a = p.inp(("a", "x", "fa"), -8 * one, 8 * one, "int")
    b = p.inp(("b", "y", "fb"), -8 * one, 8 * one, "int")
    kind = p.c("mul", "div", "lerp", "sat")
    r = p.name("r", "res", "acc")
    if kind == "mul":
        p.w(f"long {r} = (long){a} * (long){b};", f"{r} += 1L << {q - 1};", f"{r} >>= {q};")
        res = f"(int){r}"
    elif kind == "div":
        p.w(f"long {r} = {b} != 0 ? ((long){a} << {q}) / {b} : ({a} >= 0 ? {2**31 - 1}L : "
            f"-{2**31}L);")
        p.w(f"if ({r} > {2**31 - 1}L) {r} = {2**31 - 1}L;", f"if ({r} < -{2**31}L) {r} = "
            f"-{2**31}L;")
        res = f"(int){r}"
    elif kind == "lerp":
        t = p.inp(("t", "frac"), 0, one, "int")
        p.w(f"long {r} = (long){a} + ((((long){b} - {a}) * {t}) >> {q});")
        res = f"(int){r}"
    else:
        p.w(f"long {r} = (long){a} + (long){b};")
        lim = (1 << (q + 3)) - 1
        p.w(f"if ({r} > {lim}) {r} = {lim};", f"else if ({r} < -{lim + 1}) {r} = -{lim + 1};")
        res = f"(int){r}"
    outs = [(("q_out", "fx"), res, "int")]
    if p.p(0.5):
        outs.append((("as_float", "real"), f"({p.T}){r} / {p.f(one)}"))
    p.finish(outs, vector_ok=False)


def isqrt_gcd(p: Prog) -> None:
    kind = p.c("isqrt", "gcd", "digits", "collatz", "modpow")
    p.func_name(kind, f"int_{kind}", f"compute_{kind}", "number_theory")
    if kind == "isqrt":
        u = _u32(p)
        n = p.inp(("n", "x", "value"), 0, p.c(10000, 1000000, 4000000000), u)
        r, b = p.name("res", "r"), p.name("bit", "b")
        p.w(f"{u} {r} = 0u, {b} = 1u << 30, v = {n};")
        p.w(f"while ({b} > v) {b} >>= 2;")
        p.open(f"while ({b} != 0u)")
        p.open(f"if (v >= {r} + {b})")
        p.w(f"v -= {r} + {b};", f"{r} = ({r} >> 1) + {b};")
        p.els()
        p.w(f"{r} >>= 1;")
        p.close()
        p.w(f"{b} >>= 2;")
        p.close()
        p.ret(r, u)
    elif kind == "gcd":
        a = p.inp(("a", "m"), 1, p.c(100, 1000, 100000), "int")
        b = p.inp(("b", "n"), 1, p.c(100, 1000, 100000), "int")
        x, y, t = p.name("x", "u"), p.name("y", "w"), p.name("t", "tmp")
        p.w(f"int {x} = {a}, {y} = {b};")
        p.w(f"while ({y} != 0) {{ int {t} = {x} % {y}; {x} = {y}; {y} = {t}; }}")
        p.finish([(("gcd_out", "g"), x, "int"), (("lcm", "l"), f"(long){a} / {x} * {b}", "long")],
                 vector_ok=False)
    elif kind == "digits":
        n = p.inp(("n", "number", "x"), 0, p.c(9999, 999999, 2000000000), "int")
        s, rv, d = p.name("sum", "s"), p.name("rev", "r"), p.name("v", "m")
        base = p.c(10, 10, 2, 8, 16)
        p.w(f"int {s} = 0, {d} = {n};", f"long {rv} = 0;")
        p.w(f"while ({d} > 0) {{ {s} += {d} % {base}; {rv} = {rv} * {base} + {d} % {base}; "
            f"{d} /= {base}; }}")
        p.finish([(("digit_sum", "ds"), s, "int"), (("reversed", "rv_out"), rv, "long")],
                 vector_ok=False)
    elif kind == "collatz":
        n = p.inp(("n", "start", "x"), 1, p.c(1000, 10000, 100000), "long")
        v, k, mx = p.name("v", "x"), p.name("steps", "k"), p.name("peak", "mx")
        p.w(f"long {v} = {n}, {mx} = {n};", f"int {k} = 0;")
        p.open(f"while ({v} != 1 && {k} < {p.c(500, 1000)})")
        p.w(f"{v} = ({v} & 1) ? 3 * {v} + 1 : {v} / 2;", f"if ({v} > {mx}) {mx} = {v};",
            f"{k}++;")
        p.close()
        p.finish([(("steps_out", "count"), k, "int"), (("peak_out", "top"), mx, "long")],
                 vector_ok=False)
    else:
        b = p.inp(("base", "b"), 2, 1000, "long")
        e = p.inp(("exponent", "e_", "k"), 0, 1000, "int")
        m = p.c(1000000007, 65537, 997, 10007)
        r, x, k = p.name("result", "r"), p.name("x", "sq"), p.name("e2", "n")
        p.w(f"long {r} = 1, {x} = {b} % {m};", f"int {k} = {e};")
        p.open(f"while ({k} > 0)")
        p.w(f"if ({k} & 1) {r} = {r} * {x} % {m};", f"{x} = {x} * {x} % {m};", f"{k} >>= 1;")
        p.close()
        p.ret(r, "long")


def crc_table(p: Prog) -> None:
    p.func_name("crc8", "checksum", "crc_nibble", "crc16_ccitt", "adler")
    poly = p.c(0x07, 0x31, 0x1D, 0x9B)
    tab = []
    for i in range(16):
        c = i << 4
        for _ in range(4):
            c = ((c << 1) ^ poly) & 0xFF if c & 0x80 else (c << 1) & 0xFF
        tab.append(c)
    t = p.table(("CRC_TABLE", "crc_tab", "T"), tab, "unsigned char", per_line=8)
    n = max(1, min(32, p.n_target))
    data = p.arr_in(("data", "msg", "bytes"), n, 0, 255, p.c("unsigned char", "int"))
    crc, i = p.name("crc", "c"), p.name("i", "k")
    init = p.c(0, 0xFF)
    p.w(f"unsigned char {crc} = {init};")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    p.w(f"{crc} ^= (unsigned char){data}[{i}];")
    p.w(f"{crc} = (unsigned char)(({crc} << 4) ^ {t}[{crc} >> 4]);")
    p.w(f"{crc} = (unsigned char)(({crc} << 4) ^ {t}[{crc} >> 4]);")
    p.close()
    p.ret(crc, "int")


def pack(p: Prog) -> None:
    unpack = p.p(0.5)
    p.func_name("unpack_rgb565" if unpack else "pack_rgb565", "rgb565", "pack_bits", "bitfield")
    if unpack:
        v = p.inp(("pixel", "v", "word"), 0, 65535, p.c("unsigned short", "int", "uint16_t"))
        r, g, b = p.name("r",), p.name("g",), p.name("b",)
        p.w(f"int {r} = ({v} >> 11) & 0x1f, {g} = ({v} >> 5) & 0x3f, {b} = {v} & 0x1f;")
        p.finish([(("red", "r8"), f"({r} << 3) | ({r} >> 2)", "int"),
                  (("green", "g8"), f"({g} << 2) | ({g} >> 4)", "int"),
                  (("blue", "b8"), f"({b} << 3) | ({b} >> 2)", "int")], vector_ok=False)
    else:
        ct = p.c("int", "unsigned char", "short")
        r, g, b = (p.inp((c, c[0]), 0, 255, ct) for c in ("red", "green", "blue"))
        p.finish([(("packed", "word"),
                   f"(unsigned short)((({r} >> 3) << 11) | (({g} >> 2) << 5) | ({b} >> 3))",
                   "unsigned short")], vector_ok=False)


def clamp_mix(p: Prog) -> None:
    p.func_name("saturate_add", "clamp_u8", "mix_types", "scale_int", "quantize_sample")
    x = p.inp(("sample", "x", "s"), -40000, 40000, "int")
    g = p.inp(("gain_q8", "gain", "g"), 0, 1024, p.c("short", "int"))
    sh = p.c(6, 7, 8, 9)
    v = p.name("v", "acc")
    p.w(f"long {v} = ((long){x} * {g}) >> {sh};")
    lim = p.c(127, 32767, 255)
    lo = 0 if lim == 255 else -lim - 1
    ct = {127: "signed char", 32767: "short", 255: "unsigned char"}[lim]
    p.w(f"if ({v} > {lim}) {v} = {lim};", f"if ({v} < {lo}) {v} = {lo};")
    c = p.name("out8", "narrow", "q")
    p.w(f"{ct} {c} = ({ct}){v};")
    p.finish([(("clamped", "y"), c, "int"), (("clipped", "sat_flag"),
                                             f"{v} == {lim} || {v} == {lo}", "int")],
             vector_ok=False)


BITS = [hash_mix, popcount, gray, fixed_point, isqrt_gcd, crc_table, pack, clamp_mix]
