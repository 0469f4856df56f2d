"""2-D geometry: polygon areas, point tests, rotations, barycentric coordinates, distances."""

from __future__ import annotations

from nsc_tune.corpus.families._base import Prog


def polygon_area(p: Prog) -> None:
    p.func_name("polygon_area", "shoelace", "poly_area", "area_centroid")
    n = p.size(3, 32)
    sc = p.u(1, 100)
    two_d = p.p(0.4)
    if two_d:
        pts = p.arr2_in(("pts", "verts", "p"), n, 2, -sc, sc)
        X, Y = (lambda k: f"{pts}[{k}][0]"), (lambda k: f"{pts}[{k}][1]")
    else:
        xs = p.arr_in(("xs", "x", "px"), n, -sc, sc)
        ys = p.arr_in(("ys", "y", "py"), n, -sc, sc)
        X, Y = (lambda k: f"{xs}[{k}]"), (lambda k: f"{ys}[{k}]")
    i, j = p.name("i", "k"), p.name("j", "nxt")
    a, cx, cy = p.name("area", "a", "s"), p.name("cx", "gx"), p.name("cy", "gy")
    per = p.name("perimeter", "per", "len")
    p.w(f"{p.T} {a} = {p.f(0)}, {cx} = {p.f(0)}, {cy} = {p.f(0)}, {per} = {p.f(0)};")
    p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
    if p.p(0.5):
        p.w(f"int {j} = ({i} + 1) % {n};")
    else:
        p.w(f"int {j} = {i} + 1 == {n} ? 0 : {i} + 1;")
    cr = p.name("cross", "c")
    p.w(f"{p.T} {cr} = {X(i)} * {Y(j)} - {X(j)} * {Y(i)};")
    p.w(f"{a} += {cr};", f"{cx} += ({X(i)} + {X(j)}) * {cr};", f"{cy} += ({Y(i)} + {Y(j)}) * {cr};")
    dx, dy = p.name("dx", "ex"), p.name("dy", "ey")
    p.w(f"{p.T} {dx} = {X(j)} - {X(i)}, {dy} = {Y(j)} - {Y(i)};")
    p.w(f"{per} += {p.m('sqrt')}({dx} * {dx} + {dy} * {dy});")
    p.close()
    p.w(f"{a} *= {p.f(0.5)};")
    p.open(f"if ({p.m('fabs')}({a}) > {p.f(1e-9)})")
    p.w(f"{cx} /= {p.f(6)} * {a};", f"{cy} /= {p.f(6)} * {a};")
    p.close()
    outs = [(("area", "a"), f"{p.m('fabs')}({a})"), (("perimeter", "per"), per),
            (("cx",), cx), (("cy",), cy)]
    k = p.i(1, 4) if p.p(0.6) else 4
    p.finish(outs[:k], vector_ok=False)


def point_in_polygon(p: Prog) -> None:
    p.func_name("point_in_polygon", "inside", "pnpoly", "contains")
    n = p.size(3, 24)
    vx = p.arr_in(("vert_x", "vx", "xs"), n, -10, 10)
    vy = p.arr_in(("vert_y", "vy", "ys"), n, -10, 10)
    px, py = p.inp(("px", "x"), -10, 10), p.inp(("py", "y"), -10, 10)
    i, j, c = p.name("i",), p.name("j",), p.name("inside", "c", "in")
    p.w(f"int {c} = 0;")
    p.open(f"for (int {i} = 0, {j} = {n - 1}; {i} < {n}; {j} = {i}++)")
    cond = (f"(({vy}[{i}] > {py}) != ({vy}[{j}] > {py})) && ({px} < ({vx}[{j}] - {vx}[{i}]) * "
            f"({py} - {vy}[{i}]) / ({vy}[{j}] - {vy}[{i}]) + {vx}[{i}])")
    p.open(f"if ({cond})")
    p.w(f"{c} = !{c};")
    p.close()
    p.close()
    if p.p(0.5):
        d = p.name("min_d2", "best")
        p.w(f"{p.T} {d} = {p.f(1e30)};")
        p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
        p.w(f"{p.T} ex = {vx}[{i}] - {px}, ey = {vy}[{i}] - {py};")
        p.w(f"{p.T} dd = ex * ex + ey * ey;", f"if (dd < {d}) {d} = dd;")
        p.close()
        p.finish([(("inside", "flag"), c, "int"), (("nearest", "dist"), f"{p.m('sqrt')}({d})")],
                 vector_ok=False)
    else:
        p.finish([(("inside", "flag"), c, "int")], vector_ok=False)


def rotate(p: Prog) -> None:
    p.func_name("rotate_points", "rotate2d", "transform", "rotate_scale")
    ang = p.inp(("angle", "theta", "a"), p.u(-3.14, 0), p.u(0.5, 3.14))
    cx, cy = p.inp(("pivot_x", "cx"), -5, 5), p.inp(("pivot_y", "cy"), -5, 5)
    s = p.inp(("scale", "s"), p.u(0.2, 0.9), p.u(1.1, 3)) if p.p(0.5) else None
    c, sn = p.name("c", "cs", "ca"), p.name("s_", "sn", "sa")
    p.w(f"{p.T} {c} = {p.m('cos')}({ang});", f"{p.T} {sn} = {p.m('sin')}({ang});")
    if s:
        p.w(f"{c} *= {s};", f"{sn} *= {s};")
    if p.n_target > 4:
        n = p.size(2, 32)
        pts = p.arr2_in(("pts", "xy", "p"), n, 2, -20, 20)
        out = p.out_arr(("out", "rotated", "q"), 2 * n)
        i = p.name("i", "k")
        p.open(f"for (int {i} = 0; {i} < {n}; {i}++)")
        dx, dy = p.name("dx", "u"), p.name("dy", "v")
        p.w(f"{p.T} {dx} = {pts}[{i}][0] - {cx};", f"{p.T} {dy} = {pts}[{i}][1] - {cy};")
        p.w(f"{out}[2 * {i}] = {cx} + {c} * {dx} - {sn} * {dy};",
            f"{out}[2 * {i} + 1] = {cy} + {sn} * {dx} + {c} * {dy};")
        p.close()
    else:
        x, y = p.inp(("x", "px"), -20, 20), p.inp(("y", "py"), -20, 20)
        dx, dy = p.name("dx", "u"), p.name("dy", "v")
        p.w(f"{p.T} {dx} = {x} - {cx}, {dy} = {y} - {cy};")
        p.finish([(("xr", "x_out"), f"{cx} + {c} * {dx} - {sn} * {dy}"),
                  (("yr", "y_out"), f"{cy} + {sn} * {dx} + {c} * {dy}")], vector_ok=False)


def barycentric(p: Prog) -> None:
    p.func_name("barycentric", "bary_coords", "tri_weights", "point_in_triangle")
    a = p.arr_in(("a", "v0", "p0"), 2, -10, 10)
    b = p.arr_in(("b", "v1", "p1"), 2, -10, 10)
    c = p.arr_in(("c", "v2", "p2"), 2, -10, 10)
    px, py = p.inp(("px", "x"), -10, 10), p.inp(("py", "y"), -10, 10)
    den = p.name("det", "den", "d")
    p.w(f"{p.T} {den} = ({b}[1] - {c}[1]) * ({a}[0] - {c}[0]) + ({c}[0] - {b}[0]) * "
        f"({a}[1] - {c}[1]);")
    p.open(f"if ({p.m('fabs')}({den}) < {p.f(1e-6)})")
    p.w(f"{den} = {p.f(1e-6)};")
    p.close()
    u, v = p.name("u", "l0", "w0"), p.name("v", "l1", "w1")
    p.w(f"{p.T} {u} = (({b}[1] - {c}[1]) * ({px} - {c}[0]) + ({c}[0] - {b}[0]) * "
        f"({py} - {c}[1])) / {den};")
    p.w(f"{p.T} {v} = (({c}[1] - {a}[1]) * ({px} - {c}[0]) + ({a}[0] - {c}[0]) * "
        f"({py} - {c}[1])) / {den};")
    w = p.name("w", "l2", "w2")
    p.w(f"{p.T} {w} = {p.f(1)} - {u} - {v};")
    ins = p.name("inside", "hit")
    p.w(f"int {ins} = {u} >= {p.f(0)} && {v} >= {p.f(0)} && {w} >= {p.f(0)};")
    outs = [(("u_out", "b0"), u), (("v_out", "b1"), v), (("w_out", "b2"), w),
            (("inside_out", "in"), ins, "int")]
    if p.p(0.3):
        outs = [outs[3]]
    p.finish(outs, vector_ok=False)


def segment_distance(p: Prog) -> None:
    p.func_name("point_segment_distance", "seg_dist", "dist_to_line", "closest_point")
    ax, ay = p.inp(("ax", "x1"), -10, 10), p.inp(("ay", "y1"), -10, 10)
    bx, by = p.inp(("bx", "x2"), -10, 10), p.inp(("by", "y2"), -10, 10)
    px, py = p.inp(("px", "x"), -10, 10), p.inp(("py", "y"), -10, 10)
    dx, dy = p.name("dx", "ux"), p.name("dy", "uy")
    p.w(f"{p.T} {dx} = {bx} - {ax}, {dy} = {by} - {ay};")
    l2, t = p.name("len2", "l2"), p.name("t", "s")
    p.w(f"{p.T} {l2} = {dx} * {dx} + {dy} * {dy};", f"{p.T} {t} = {p.f(0)};")
    p.open(f"if ({l2} > {p.f(1e-12)})")
    p.w(f"{t} = (({px} - {ax}) * {dx} + ({py} - {ay}) * {dy}) / {l2};")
    if p.p(0.5):
        p.w(f"{t} = {p.m('fmax')}({p.f(0)}, {p.m('fmin')}({p.f(1)}, {t}));")
    else:
        p.w(f"if ({t} < {p.f(0)}) {t} = {p.f(0)};", f"else if ({t} > {p.f(1)}) {t} = {p.f(1)};")
    p.close()
    qx, qy = p.name("qx", "cx"), p.name("qy", "cy")
    p.w(f"{p.T} {qx} = {ax} + {t} * {dx}, {qy} = {ay} + {t} * {dy};")
    dist = f"{p.m('hypot')}({px} - {qx}, {py} - {qy})" if p.p(0.5) else \
        f"{p.m('sqrt')}(({px} - {qx}) * ({px} - {qx}) + ({py} - {qy}) * ({py} - {qy}))"
    p.finish([(("distance", "d"), dist), (("param", "t_out"), t), (("qx_out", "cx_o"), qx),
              (("qy_out", "cy_o"), qy)], vector_ok=False)


def circle_ray(p: Prog) -> None:
    p.func_name("ray_circle", "circle_hit", "intersect_circle", "raycast")
    ox, oy = p.inp(("ox", "origin_x"), -10, 10), p.inp(("oy", "origin_y"), -10, 10)
    ang = p.inp(("heading", "angle", "a"), 0, 6.28)
    cx, cy = p.inp(("cx", "center_x"), -5, 5), p.inp(("cy", "center_y"), -5, 5)
    r = p.inp(("radius", "r"), p.u(0.5, 2), p.u(3, 8))
    dx, dy = p.name("dx", "dirx"), p.name("dy", "diry")
    p.w(f"{p.T} {dx} = {p.m('cos')}({ang}), {dy} = {p.m('sin')}({ang});")
    fx, fy = p.name("fx", "lx"), p.name("fy", "ly")
    p.w(f"{p.T} {fx} = {ox} - {cx}, {fy} = {oy} - {cy};")
    b, c = p.name("b", "half_b"), p.name("c", "cc")
    p.w(f"{p.T} {b} = {fx} * {dx} + {fy} * {dy};", f"{p.T} {c} = {fx} * {fx} + {fy} * {fy} - "
        f"{r} * {r};")
    disc, t, hits = p.name("disc", "delta"), p.name("t_hit", "t"), p.name("hits", "n_hit")
    p.w(f"{p.T} {disc} = {b} * {b} - {c};", f"{p.T} {t} = {p.f(-1)};", f"int {hits} = 0;")
    p.open(f"if ({disc} >= {p.f(0)})")
    sq = p.name("sq", "root")
    p.w(f"{p.T} {sq} = {p.m('sqrt')}({disc});")
    p.w(f"{p.T} t0 = -{b} - {sq}, t1 = -{b} + {sq};")
    p.w(f"if (t0 >= {p.f(0)}) {{ {t} = t0; {hits} = 2; }}")
    p.w(f"else if (t1 >= {p.f(0)}) {{ {t} = t1; {hits} = 1; }}")
    p.close()
    p.finish([(("t_out", "dist"), t), (("hits_out", "count"), hits, "int")], vector_ok=False)


def rect_overlap(p: Prog) -> None:
    p.func_name("iou", "rect_overlap", "box_intersection", "overlap_area")
    vals = [p.inp((nm, nm[-2:]), lo, hi) for nm, lo, hi in (
        ("ax0", 0, 50), ("ay0", 0, 50), ("aw", 1, 40), ("ah", 1, 40),
        ("bx0", 0, 50), ("by0", 0, 50), ("bw", 1, 40), ("bh", 1, 40))]
    ax, ay, aw, ah, bx, by, bw, bh = vals
    fmin, fmax = p.m("fmin"), p.m("fmax")
    iw, ih = p.name("iw", "ow"), p.name("ih", "oh")
    p.w(f"{p.T} {iw} = {fmin}({ax} + {aw}, {bx} + {bw}) - {fmax}({ax}, {bx});")
    p.w(f"{p.T} {ih} = {fmin}({ay} + {ah}, {by} + {bh}) - {fmax}({ay}, {by});")
    inter = p.name("inter", "overlap")
    p.w(f"{p.T} {inter} = ({iw} > {p.f(0)} && {ih} > {p.f(0)}) ? {iw} * {ih} : {p.f(0)};")
    un = p.name("union_area", "uni")
    p.w(f"{p.T} {un} = {aw} * {ah} + {bw} * {bh} - {inter};")
    p.finish([(("iou", "ratio"), f"{inter} / {un}"), (("inter_out", "ia"), inter)],
             vector_ok=False)


def heron(p: Prog) -> None:
    p.func_name("triangle_area", "heron", "tri_props", "triangle_metrics")
    a = p.inp(("side_a", "a"), p.u(2, 5), p.u(6, 10))
    b = p.inp(("side_b", "b"), p.u(2, 5), p.u(6, 10))
    c = p.inp(("side_c", "c"), p.u(1, 3), p.u(4, 7))
    s, q = p.name("semi", "s"), p.name("q", "prod")
    p.w(f"{p.T} {s} = ({a} + {b} + {c}) * {p.f(0.5)};")
    p.w(f"{p.T} {q} = {s} * ({s} - {a}) * ({s} - {b}) * ({s} - {c});")
    area = p.name("area", "A")
    p.w(f"{p.T} {area} = {q} > {p.f(0)} ? {p.m('sqrt')}({q}) : {p.f(0)};")
    outs = [(("area_out", "ar"), area), (("inradius", "r_in"), f"{area} / {s}"),
            (("circumradius", "r_out"),
             f"{area} > {p.f(1e-6)} ? {a} * {b} * {c} / ({p.f(4)} * {area}) : {p.f(0)}")]
    p.finish(outs)


def polar(p: Prog) -> None:
    p.func_name("to_polar", "cart2polar", "polar_coords", "angle_of")
    x = p.inp(("x", "px"), p.u(-20, -1), p.u(1, 20))
    y = p.inp(("y", "py"), p.u(-20, -1), p.u(1, 20))
    r = p.name("radius", "r", "rho")
    p.w(f"{p.T} {r} = {p.m('sqrt')}({x} * {x} + {y} * {y});")
    th = p.name("theta", "phi", "a")
    p.w(f"{p.T} {th} = {p.m('atan2')}({y}, {x});")
    if p.p(0.5):
        p.open(f"if ({th} < {p.f(0)})")
        p.w(f"{th} += {p.f(6.283185307)};")
        p.close()
    if p.p(0.4):
        p.w(f"{th} *= {p.f(57.29577951)};")
        step = p.c(45.0, 90.0, 30.0)
    else:
        step = p.c(0.785398, 1.570796, 0.523599)
    sector = p.name("sector", "quadrant", "q")
    p.w(f"int {sector} = (int)({th} / {p.f(step)});")
    p.finish([(("r_out", "mag"), r), (("theta_out", "ang"), th),
              (("sector_out", "oct"), sector, "int")])


GEOMETRY = [polygon_area, point_in_polygon, rotate, barycentric, segment_distance, circle_ray,
            rect_overlap, heron, polar]
