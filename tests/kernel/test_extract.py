"""Real C files: local headers, C++ leftovers and code the kernel never calls (kernel.extract).

Ground truth is gcc: each kernel loaded from such a file must agree with its native build, which
compiles the extracted, self-contained C.
"""

from __future__ import annotations

import numpy as np
import pytest

from nsc_tune import Kernel
from nsc_tune.kernel.errors import (
    CSyntaxError,
    IncludeNotSupportedError,
    UnsupportedConstructError,
)
from nsc_tune.surrogate import Surrogate

MIXED = r"""
#include <math.h>
#include <string.h>
#include <fstream>
#include <vector>

#define GAIN 2.5f
typedef float real;

real table_scale = 0.5f;
std::vector<int> history;                     /* C++: the kernel never touches it */

static real squash(real x) { return x / (1.0f + fabsf(x)); }

void record(int v) { history.push_back(v); }   /* C++, never called by the kernel */

#pragma nsc_tune domain(a, -2, 2)
#pragma nsc_tune domain(b, -2, 2)
real response(real a, real b, real *peak)
{
    real y = GAIN * squash(a) + table_scale * b;
    if (y > 10.0f)
        std::cerr << "large response " << y << std::endl;
    *peak = fmaxf(fabsf(a), fabsf(b));
    return y;
}
"""


def closed_response(X: np.ndarray) -> np.ndarray:
    a, b = X[:, 0], X[:, 1]
    return np.stack([2.5 * a / (1 + np.abs(a)) + 0.5 * b, np.maximum(np.abs(a), np.abs(b))], 1)


def _agree(k: Kernel) -> np.ndarray:
    X = k.sample(500, seed=0)
    got = k(X)
    assert np.allclose(got, k.native(X), rtol=1e-6, atol=1e-6)
    return X


def test_only_the_kernels_part_of_a_file_is_parsed(tmp_path) -> None:
    path = tmp_path / "mixed.c"
    path.write_text(MIXED)
    k = Kernel.from_file(path, function="response")
    X = _agree(k)
    assert np.allclose(k(X), closed_response(X), rtol=1e-5, atol=1e-5)
    changes = "\n".join(k.changes)
    assert "dropped `#include <fstream>`" in changes and "removed 1 C++ stream" in changes
    assert "parsed only `response`" in changes
    assert "history" not in k.source and "record" not in k.source  # sliced away
    # a file of the extracted C alone rebuilds the same kernel (surrogate files store it)
    again = Kernel.from_source(k.source, "response")
    assert np.array_equal(again(X), k(X)) and again.signature == k.signature


def test_an_error_in_the_kernel_itself_is_still_reported_at_its_line(tmp_path) -> None:
    bad = MIXED.replace("*peak = fmaxf(fabsf(a), fabsf(b));", "*peak = fmaxf(fabsf(a), ;")
    path = tmp_path / "bad.c"
    path.write_text(bad)
    line = bad.split("\n").index("    *peak = fmaxf(fabsf(a), ;") + 1
    with pytest.raises(CSyntaxError) as info:
        Kernel.from_file(path, function="response")
    assert info.value.line == line


def test_local_headers_are_inlined_from_the_source_folder(tmp_path) -> None:
    (tmp_path / "inc").mkdir()
    (tmp_path / "inc" / "consts.h").write_text("#ifndef CONSTS_H\n#define CONSTS_H\n"
                                              "#define OFFSET 0.25\n#endif\n")
    (tmp_path / "model.h").write_text('#include "inc/consts.h"\n#include "inc/consts.h"\n'
                                      "static double lift(double x) { return x + OFFSET; }\n")
    (tmp_path / "scale.h").write_text("#define SCALE 2.0\n")
    src = ('#include <math.h>\n#include "model.h"\n#include <scale.h>\n'  # <x.h> as with -I
           "#pragma nsc_tune domain(x, 0, 1)\n"
           "double k(double x) { return lift(x) * SCALE; }\n")
    (tmp_path / "k.c").write_text(src)
    k = Kernel.from_file(tmp_path / "k.c")
    X = _agree(k)
    assert np.allclose(k(X)[:, 0], (X[:, 0] + 0.25) * 2.0)
    assert any("inlined `model.h`" in c for c in k.changes)
    assert any("inlined `scale.h`" in c for c in k.changes)
    # the surrogate file holds the self-contained C: it loads with the headers gone
    s = Surrogate.random(k, width=8)
    s.save(tmp_path / "s.safetensors")
    (tmp_path / "model.h").unlink()
    assert np.allclose(Surrogate.load(tmp_path / "s.safetensors").predict(X), s.predict(X))


@pytest.mark.parametrize("include, match", [
    ('"../secret.h"', "outside the source's folder"),
    ('"/etc/hostname"', "outside the source's folder"),
    ('"missing.h"', "not found beside the source"),
])
def test_local_headers_stay_inside_the_source_folder(tmp_path, include, match) -> None:
    (tmp_path / "src").mkdir()
    (tmp_path / "secret.h").write_text("#define X 1\n")
    path = tmp_path / "src" / "k.c"
    path.write_text(f"#include {include}\ndouble k(double x) {{ return x; }}\n")
    with pytest.raises(IncludeNotSupportedError, match=match) as info:
        Kernel.from_file(path)
    assert info.value.line == 1


def test_a_local_header_without_a_folder_says_to_load_the_file() -> None:
    with pytest.raises(IncludeNotSupportedError, match="Kernel.from_file"):
        Kernel.from_source('#include "defs.h"\ndouble k(double x) { return x; }\n')


BODY = r"""
#include <math.h>
#pragma nsc_tune domain(p, 0, 1)
#pragma nsc_tune domain(w, -1, 1)
#pragma nsc_tune domain(c->k, 1, 3)
float shade(Pixel *p, Weights w, struct cell *c)
{
    float s = w.v[0] * p->r + w.v[1] * p->g + w.v[2] * p->b;
    p->distance = sqrtf(p->r * p->r + p->g * p->g);   /* written: an output slot */
    c->hist[0] = s * c->k;                            /* written array field */
    c->hist[1] = -s;
    return s + w.bias;
}
"""

HEADER = r"""
typedef struct { float r; float g; float b; int cluster; float distance; } Pixel;
typedef struct { float v[3]; float bias; } Weights;
struct cell { float k; float hist[2]; };
"""


def test_struct_parameters_become_slots_and_gcc_agrees(tmp_path) -> None:
    (tmp_path / "types.h").write_text(HEADER)
    (tmp_path / "shade.c").write_text('#include "types.h"\n' + BODY)
    k = Kernel.from_file(tmp_path / "shade.c", function="shade")
    sig = k.signature
    assert [a.name for a in sig.inputs] == ["p__r", "p__g", "p__b", "w__v", "w__bias", "c__k"]
    assert [a.name for a in sig.outputs] == ["return", "p__distance", "c__hist"]
    assert k.n_inputs == 8 and k.n_outputs == 4  # w.v counts 3 slots, c->hist 2
    assert k.domains[:3].tolist() == [[0, 1]] * 3 and k.domains[-1].tolist() == [1, 3]
    X = _agree(k)  # gcc runs the original function behind a struct-filling wrapper
    r, g, b, v0, v1, v2, bias, ck = X.T
    s = v0 * r + v1 * g + v2 * b
    want = np.stack([s + bias, np.sqrt(r * r + g * g), s * ck, -s], 1)
    assert np.allclose(k(X), want, rtol=1e-5, atol=1e-5)
    assert any("flattened struct parameter(s) `p` (4 of 5 fields used)" in c for c in k.changes)


def test_a_struct_passed_whole_to_a_helper_is_reported() -> None:
    src = HEADER + ("static float f(Pixel *q) { return q->r; }\n"
                    "float k(Pixel *p) { return f(p) + p->g; }\n")
    with pytest.raises(UnsupportedConstructError, match="used other than through its fields"):
        Kernel.from_source(src, "k", domains={"p": (0, 1)})


REGION = r"""
#include <math.h>
double *samples;                                  /* unsized: fine, the region never uses it */
static double gain(double v) { return 2.0 * v; }

void process(int n, double scale)
{
    double dataIn[3];
    double dataOut[2];
    double acc;
    double tmp = 0.0;
    for (int i = 0; i < n; i++) {
        dataIn[0] = samples[3 * i]; dataIn[1] = samples[3 * i + 1]; dataIn[2] = samples[3 * i + 2];
#pragma parrot(input, "mix", [3]dataIn)
        acc = gain(dataIn[0]) + dataIn[1] * dataIn[2];
        tmp = sqrt(dataIn[0] * dataIn[0] + dataIn[1] * dataIn[1]);
        dataOut[0] = acc;
        dataOut[1] = tmp;
#pragma parrot(output, "mix", [2]<-4.0; 4.0>dataOut)
        samples[i] = dataOut[0] * scale;
    }
}

float single(float x, float y)
{
    float r;
#pragma parrot(input, "hyp", x, y)
    r = sqrtf(x * x + y * y);
#pragma parrot(output, "hyp", <0.0; 1.5>r)
    return r;
}

float leaky(float x, float w)
{
    float in[1] = {x};
    float r;
#pragma parrot(input, "leak", [1]in)
    r = in[0] * w;
#pragma parrot(output, "leak", r)
    return r;
}
"""


def test_a_parrot_region_loads_as_a_kernel() -> None:
    k = Kernel.from_source(REGION, "mix", domains={"dataIn": (-1, 1)})
    assert [a.name for a in k.signature.inputs] == ["dataIn"] and k.n_inputs == 3
    assert [a.name for a in k.signature.outputs] == ["dataOut"] and k.n_outputs == 2
    assert k.declared_bounds == {"dataOut": (-4.0, 4.0)}
    X = _agree(k)
    want = np.stack([2 * X[:, 0] + X[:, 1] * X[:, 2], np.hypot(X[:, 0], X[:, 1])], 1)
    assert np.allclose(k(X), want)
    # one scalar output is returned; scalar inputs are parameters
    h = Kernel.from_source(REGION, "hyp", domains={"x": (0, 1), "y": (0, 1)})
    assert h.n_inputs == 2 and [a.name for a in h.signature.outputs] == ["return"]
    assert h.declared_bounds == {"r": (0.0, 1.5)}
    Xh = _agree(h)
    assert np.allclose(h(Xh)[:, 0], np.hypot(Xh[:, 0], Xh[:, 1]), rtol=1e-6)


def test_a_parrot_region_reading_other_parameters_is_reported() -> None:
    with pytest.raises(UnsupportedConstructError, match="reads `w`, a parameter of `leaky`"):
        Kernel.from_source(REGION, "leak")


def test_errors_after_a_long_comment_in_a_sliced_kernel_keep_their_line(tmp_path) -> None:
    # cpp replaces the comment's lines by a line marker inside the function; the slice keeps it
    comment = "    /*\n" + "     * text\n" * 12 + "     */\n"
    src = ("struct broken { int x } ;\n"  # a syntax error elsewhere: the kernel is sliced
           "double k(double x)\n{\n    double y = x;\n" + comment + "    y = y + ;\n"
           "    return y;\n}\n")
    path = tmp_path / "k.c"
    path.write_text(src)
    with pytest.raises(CSyntaxError) as info:
        Kernel.from_file(path, function="k")
    assert info.value.line == src.split("\n").index("    y = y + ;") + 1


def test_least_and_fast_integer_types_match_gcc() -> None:
    k = Kernel.from_source(
        "#include <stdint.h>\n#pragma nsc_tune domain(x, 0, 300)\n"
        "int k(int x) { uint_fast8_t a = (uint_fast8_t)x; int_least16_t b = (int_least16_t)"
        "(x * 300); uint_fast32_t c = (uint_fast32_t)x * 3000000000u; intmax_t d = -x;\n"
        "  return a + b + (int)(c >> 20) + (int)d; }\n")
    X = k.sample(500, seed=0)
    assert np.array_equal(k(X), k.native(X))
    assert len(np.unique(k(X))) > 100  # the wrap-arounds are exercised, not a constant


def test_a_rewritten_file_with_its_own_main_builds_natively(tmp_path) -> None:
    # the whole file parses once <iostream> is dropped, but gcc must not see its `main` (nor the
    # unsized global): a source rewritten anyway holds only the kernel's part
    src = ("#include <iostream>\n#include <math.h>\ndouble *buffer;\n"
           "#pragma nsc_tune domain(x, 0, 2)\ndouble k(double x) { return sqrt(x) + 1.0; }\n"
           "int main(void) { return (int)k(buffer[0]); }\n")
    path = tmp_path / "app.c"
    path.write_text(src)
    k = Kernel.from_file(path, function="k")
    assert "int main" not in k.source and "buffer" not in k.source
    X = _agree(k)
    assert np.allclose(k(X)[:, 0], np.sqrt(X[:, 0]) + 1.0)


# -- real headers: GNU spellings, #if around includes, typedef chains, enums ----------------
GNU_HEADER = r"""
#ifndef QMATH_H
#define QMATH_H
#include <stdint.h>
#define QMATH_ATTRS __attribute__((leaf, nothrow, const))
typedef int32_t q16_t;
typedef q16_t angle_t;                                   /* a typedef chain */
__extension__ typedef long long q_wide_t;
_Static_assert(sizeof(q16_t) == 4, "q16_t is 32 bits");
extern q16_t q_mul(q16_t a, q16_t b) QMATH_ATTRS;
static __inline__ q16_t q_from_dbl(double a) { return (q16_t)(a * 65536.0); }
static inline double q_to_dbl(q16_t a) { return (double)a / 65536.0; }
static __forceinline q16_t q_abs(q16_t x) { return x < 0 ? -x : x; }
__declspec(dllexport) double q_scale(const double *__restrict v, int n);
enum q_mode { Q_FAST, Q_EXACT };
typedef struct { enum q_mode mode; double gain; } q_cfg;   /* reached through its enum */
#endif
"""

GNU_SOURCE = r"""
#include <math.h>
#include "qmath.h"
#if defined(QMATH_USE_LUT)
#include "lut/qmath_lut.h"              /* off: its lines must not shift the ones below */
#endif
#ifdef QMATH_NO_WIDE
#error "never defined here"
#endif
q16_t q_mul(q16_t a, q16_t b) { return (q16_t)(((q_wide_t)a * b) >> 16); }

static __inline double __attribute__((always_inline)) twice(double x) { return 2.0 * x; }

#pragma nsc_tune domain(x, -4, 4)
#pragma nsc_tune domain(y, -4, 4)
double qmix(double x, double y)
{
    angle_t a = q_from_dbl(x), b = q_from_dbl(y);
    q_cfg cfg = {.gain = 2.0};
    if (x > 1e300)
        return INFINITY;                /* the stand-in's INFINITY, compiled by gcc too */
    return cfg.gain * q_to_dbl(q_abs(q_mul(a, b))) + twice(0.0);
}
"""


def _gnu_tree(tmp_path):
    (tmp_path / "include").mkdir()
    (tmp_path / "src" / "lut").mkdir(parents=True)
    (tmp_path / "include" / "qmath.h").write_text(GNU_HEADER)
    (tmp_path / "src" / "lut" / "qmath_lut.h").write_text("static const int lut[] = {\n"
                                                         + "  1,\n" * 400 + "};\n")
    (tmp_path / "src" / "qmix.c").write_text(GNU_SOURCE)
    return tmp_path / "src" / "qmix.c"


def test_gnu_extensions_and_typedef_chains_of_a_header_in_another_folder(tmp_path) -> None:
    path = _gnu_tree(tmp_path)
    k = Kernel.from_file(path, "qmix", base_dir=[path.parent, tmp_path / "include"])
    X = _agree(k)
    q = np.trunc(X * 65536.0).astype(np.int64)
    want = 2.0 * np.abs((q[:, 0] * q[:, 1]) >> 16) / 65536.0
    assert np.allclose(k(X)[:, 0], want)
    assert "__attribute__" not in k.source and "__inline" not in k.source


def test_an_include_switched_off_by_if_keeps_the_lines_below_it(tmp_path) -> None:
    path = _gnu_tree(tmp_path)
    bad = GNU_SOURCE.replace("+ twice(0.0);", "+ twice(;")
    path.write_text(bad)
    with pytest.raises(CSyntaxError) as info:
        Kernel.from_file(path, "qmix", base_dir=[path.parent, tmp_path / "include"])
    assert info.value.line == bad.split("\n").index("    return cfg.gain * q_to_dbl(q_abs("
                                                    "q_mul(a, b))) + twice(;") + 1


def test_enum_constants_and_enum_typedefs_match_gcc() -> None:
    src = r"""
typedef enum { LOW, MID = 4, HIGH } level;
enum mode { FAST = 1 << 1, SLOW };
static const double weights[2] = {0.5, 1.5};
#pragma nsc_tune domain(x, -3, 3)
#pragma nsc_tune domain(m, -2, 2)
double pick(double x, int m)
{
    level l = x < -1 ? LOW : x > 1 ? HIGH : MID;
    enum mode md = m > 0 ? FAST : SLOW;
    return l * x + md + weights[l == MID];
}
"""
    k = Kernel.from_source(src, "pick")
    X = _agree(k)
    level = np.where(X[:, 0] < -1, 0, np.where(X[:, 0] > 1, 5, 4))
    want = level * X[:, 0] + np.where(X[:, 1] > 0, 2, 3) + np.where(level == 4, 1.5, 0.5)
    assert np.allclose(k(X)[:, 0], want)


def test_a_function_using_file_is_rejected_for_its_io() -> None:
    from nsc_tune.kernel.errors import IOCallError

    src = ("#include <stdio.h>\n"
           "double dump(double x) { FILE *f = stdout; fprintf(f, \"%g\", x); return x; }\n")
    with pytest.raises(IOCallError):
        Kernel.from_source(src, "dump")


def test_struct_fields_the_kernel_never_mentions_may_be_pointers(tmp_path) -> None:
    src = r"""
struct space;
typedef struct body { struct space *space; double m; double v[2]; void *data; } body;
#pragma nsc_tune domain(b, -1, 1)
double energy(const body *b) { return 0.5 * b->m * (b->v[0] * b->v[0] + b->v[1] * b->v[1]); }
"""
    k = Kernel.from_source(src, "energy")
    X = _agree(k)
    assert k.n_inputs == 3
    assert np.allclose(k(X)[:, 0], 0.5 * X[:, 0] * (X[:, 1] ** 2 + X[:, 2] ** 2))


def test_a_computed_include_is_dropped_not_followed(tmp_path) -> None:
    (tmp_path / "k.c").write_text('#define CONFIG "/etc/hostname"\n#include CONFIG\n'
                                  "#pragma nsc_tune domain(x, 0, 1)\n"
                                  "double k(double x) { return x + 1.0; }\n")
    k = Kernel.from_file(tmp_path / "k.c", "k")
    assert any("not a plain include" in c for c in k.changes)
    _agree(k)


LOCAL_STRUCTS = r"""
#include <math.h>
typedef struct { double x, y; } vec;
struct stats { double sum; int n; double hist[2]; };
static double norm2(double x, double y) { vec v = {x, y}; return v.x * v.x + v.y * v.y; }
#pragma nsc_tune domain(a, -2, 2)
#pragma nsc_tune domain(b, -2, 2)
double walk(double a, double b)
{
    vec p = {.y = b, .x = a}, q;
    struct stats s = {0};
    q = p;
    for (int i = 0; i < 4; i++) {
        vec step = {cos(q.x), sin(q.y)};
        q.x += 0.5 * step.y;
        q.y -= 0.25 * step.x;
        s.sum += norm2(q.x, q.y);
        s.hist[i % 2] += q.x;
        s.n++;
    }
    return s.sum / s.n + s.hist[1] - p.x;
}
"""


def closed_walk(X: np.ndarray) -> np.ndarray:
    x, y = X[:, 0].copy(), X[:, 1].copy()
    total, hist1 = 0.0, 0.0
    for i in range(4):
        sx, sy = np.cos(x), np.sin(y)
        x, y = x + 0.5 * sy, y - 0.25 * sx
        total = total + x * x + y * y
        hist1 = hist1 + (x if i % 2 else 0.0)
    return total / 4 + hist1 - X[:, 0]


def test_local_structs_of_a_scalar_kernel_are_split_into_fields() -> None:
    k = Kernel.from_source(LOCAL_STRUCTS, "walk")
    X = _agree(k)
    assert np.allclose(k(X)[:, 0], closed_walk(X))


def test_a_local_struct_passed_whole_is_still_reported() -> None:
    src = LOCAL_STRUCTS.replace("static double norm2(double x, double y) { vec v = {x, y}; "
                                "return v.x * v.x + v.y * v.y; }",
                                "static double norm2(vec v) { return v.x * v.x + v.y * v.y; }")
    src = src.replace("norm2(q.x, q.y)", "norm2(q)")
    with pytest.raises(UnsupportedConstructError, match="struct"):
        Kernel.from_source(src, "walk")


def test_a_zeroed_global_table_loads_and_a_huge_one_is_reported() -> None:
    src = ("static double hist[4096];\n#pragma nsc_tune domain(x, 0, 1)\n"
           "double k(double x) { int i = (int)(x * 4095); return hist[i] + x; }\n")
    k = Kernel.from_source(src, "k")
    assert "np.zeros((4096,)" in k.numba_source
    X = k.sample(50, seed=0)
    assert np.allclose(k(X), k.native(X)) and np.allclose(k(X)[:, 0], X[:, 0])
    with pytest.raises(UnsupportedConstructError, match="more than 65,536 elements"):
        Kernel.from_source(src.replace("4096]", "1 << 20]"), "k")
