"""Leakage check against the benchmark suite: planted and lightly edited copies of every suite
kernel are flagged; ordinary numeric code is not.

``python -m tests.corpus.test_leakage`` prints the score report quoted in docs/leakage.md.
"""

from __future__ import annotations

import hashlib
import re
import time
from pathlib import Path

import pytest

from nsc_tune import suite
from nsc_tune.corpus.leakage import LeakageChecker, ngrams, operand_stream
from nsc_tune.kernel.lexer import MATH_NAMES, tokens

CASES_DIR = Path(__file__).resolve().parents[1] / "kernel" / "cases"

# Ordinary numeric C that is not a suite kernel: physics formulas, loops, polynomials, colour.
UNRELATED: dict[str, str] = {
    "projectile_range": """
#include <math.h>
/* Range and flight time of a projectile over flat ground. */
void projectile(float v0, float angle, float *range, float *flight_time)
{
    const float g = 9.81f;
    float vx = v0 * cosf(angle);
    float vy = v0 * sinf(angle);
    *flight_time = 2.0f * vy / g;
    *range = vx * (*flight_time);
}
""",
    "pendulum_period": """
#include <math.h>
double pendulum_period(double length, double amplitude)
{
    double t0 = 2.0 * M_PI * sqrt(length / 9.80665);
    double a2 = amplitude * amplitude;
    return t0 * (1.0 + a2 / 16.0 + 11.0 * a2 * a2 / 3072.0);
}
""",
    "drag_force": """
float drag_force(float rho, float v, float cd, float area)
{
    return 0.5f * rho * v * v * cd * area;
}
""",
    "gravity": """
#include <math.h>
/* Newtonian gravity between two point masses, softened at short range. */
double gravity(double m1, double m2, double r)
{
    const double G = 6.674e-11;
    const double eps = 1e-3;
    double r2 = r * r + eps * eps;
    return G * m1 * m2 / r2;
}
""",
    "ideal_gas": """
float ideal_gas_pressure(float n, float temperature, float volume)
{
    const float R = 8.314462618f;
    if (volume <= 0.0f)
        return 0.0f;
    return n * R * temperature / volume;
}
""",
    "horner": """
/* Degree-6 polynomial by Horner's rule. */
double poly6(double x, const double c[7])
{
    double acc = c[6];
    for (int i = 5; i >= 0; i--) {
        acc = acc * x + c[i];
    }
    return acc;
}
""",
    "chebyshev": """
float chebyshev(float x, int n)
{
    float t0 = 1.0f, t1 = x;
    if (n == 0) return t0;
    for (int k = 1; k < n; k++) {
        float t2 = 2.0f * x * t1 - t0;
        t0 = t1;
        t1 = t2;
    }
    return t1;
}
""",
    "harmonic_sum": """
double harmonic(int n)
{
    double s = 0.0;
    int k = 1;
    while (k <= n) {
        s += 1.0 / k;
        k++;
    }
    return s;
}
""",
    "rgb_to_hsv": """
#include <math.h>
void rgb_to_hsv(float r, float g, float b, float hsv[3])
{
    float mx = fmaxf(r, fmaxf(g, b));
    float mn = fminf(r, fminf(g, b));
    float d = mx - mn;
    float h = 0.0f;
    if (d > 0.0f) {
        if (mx == r)
            h = fmodf((g - b) / d, 6.0f);
        else if (mx == g)
            h = (b - r) / d + 2.0f;
        else
            h = (r - g) / d + 4.0f;
        h *= 60.0f;
        if (h < 0.0f) h += 360.0f;
    }
    hsv[0] = h;
    hsv[1] = mx > 0.0f ? d / mx : 0.0f;
    hsv[2] = mx;
}
""",
    "rgb_to_ycbcr": """
void rgb_to_ycbcr(float r, float g, float b, float *y, float *cb, float *cr)
{
    *y = 0.299f * r + 0.587f * g + 0.114f * b;
    *cb = 128.0f - 0.168736f * r - 0.331264f * g + 0.5f * b;
    *cr = 128.0f + 0.5f * r - 0.418688f * g - 0.081312f * b;
}
""",
    "polar_to_cartesian": """
#include <math.h>
void polar_to_cartesian(double r, double theta, double *x, double *y)
{
    *x = r * cos(theta);
    *y = r * sin(theta);
}
""",
    "damped_oscillator": """
#include <math.h>
float damped(float t, float omega, float zeta)
{
    float wd = omega * sqrtf(1.0f - zeta * zeta);
    return expf(-zeta * omega * t) * cosf(wd * t);
}
""",
    "trapezoid_integral": """
#include <math.h>
/* Integral of exp(-x^2) over [a, b] by the trapezoidal rule with 64 panels. */
double trapezoid(double a, double b)
{
    const int n = 64;
    double h = (b - a) / n;
    double s = 0.5 * (exp(-a * a) + exp(-b * b));
    for (int i = 1; i < n; i++) {
        double x = a + i * h;
        s += exp(-x * x);
    }
    return s * h;
}
""",
    "logistic_map": """
float logistic(float r, float x0)
{
    float x = x0;
    for (int i = 0; i < 50; ++i)
        x = r * x * (1.0f - x);
    return x;
}
""",
    "smoothstep": """
static float clampf(float v, float lo, float hi)
{
    return v < lo ? lo : (v > hi ? hi : v);
}

float smoothstep(float e0, float e1, float x)
{
    float t = clampf((x - e0) / (e1 - e0), 0.0f, 1.0f);
    return t * t * (3.0f - 2.0f * t);
}
""",
    "bmi_category": """
int bmi_category(float mass, float height)
{
    float bmi = mass / (height * height);
    if (bmi < 18.5f) return 0;
    if (bmi < 25.0f) return 1;
    if (bmi < 30.0f) return 2;
    return 3;
}
""",
}

# Heavier hand edits: a helper inlined (twice), macros expanded, a clamp rewritten.
_BLACKSCHOLES_INLINED = """
#include <math.h>
float price_option(float s, float k, float r, float v, float t, int put)
{
    float sq = sqrtf(t);
    float sp = v * sq;
    float d1 = (logf(s / k) + (r + 0.5f * v * v) * t) / sp;
    float d2 = d1 - sp;
    float dk = k * expf(-r * t);
    float n1, n2;
    {
        float x = d1; int neg = 0;
        if (x < 0.0f) { x = -x; neg = 1; }
        float dens = 0.3989422804f * expf(-0.5f * x * x);
        float q = 1.0f / (1.0f + 0.2316419f * x);
        float p = q * (0.319381530f + q * (-0.356563782f + q * (1.781477937f
                  + q * (-1.821255978f + q * 1.330274429f))));
        float up = 1.0f - dens * p;
        n1 = neg ? 1.0f - up : up;
    }
    {
        float x = d2; int neg = 0;
        if (x < 0.0f) { x = -x; neg = 1; }
        float dens = 0.3989422804f * expf(-0.5f * x * x);
        float q = 1.0f / (1.0f + 0.2316419f * x);
        float p = q * (0.319381530f + q * (-0.356563782f + q * (1.781477937f
                  + q * (-1.821255978f + q * 1.330274429f))));
        float up = 1.0f - dens * p;
        n2 = neg ? 1.0f - up : up;
    }
    if (put == 0)
        return s * n1 - dk * n2;
    return dk * (1.0f - n2) - s * (1.0f - n1);
}
"""


def hand_edits() -> dict[str, str]:
    """Hand-made heavier edits of three suite kernels: ``{kernel: edited source}``."""
    jpeg = suite.source("jpeg")
    q = "acc / (float)QUANT[8 * v + u]"
    jpeg = jpeg.replace(f"round_half_away({q})",
                        f"(float)(int)({q} >= 0.0f ? {q} + 0.5f : {q} - 0.5f)")
    jpeg = re.sub(r"/\* Round half.*?\n}\n", "", jpeg, flags=re.S)
    ik = expand_macros(suite.source("inversek2j"))
    ik = ik.replace("acosf(c2)", "acosf(fminf(1.0f, fmaxf(-1.0f, c2)))")
    ik = re.sub(r"    if \(c2 > 1.0f\).*?\n    }\n", "", ik, flags=re.S)
    return {"blackscholes": _BLACKSCHOLES_INLINED, "jpeg": jpeg, "inversek2j": ik}


# ---- programmatic light edits -------------------------------------------------------------------

def strip_comments(src: str) -> str:
    """Remove C comments."""
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", src, flags=re.S)


def rename(src: str) -> str:
    """Rename every identifier that is not a math.h name (found with the lexer)."""
    names = {t.text for t in tokens(src) if t.kind == "ident" and t.text not in MATH_NAMES}

    def sub(m: re.Match) -> str:
        w = m.group()
        return "v" + hashlib.md5(w.encode()).hexdigest()[:6] if w in names else w

    return re.sub(r"\b[A-Za-z_]\w*\b", sub, src)


_NUM = re.compile(r"(?<![\w.])(\d+\.\d*|\.\d+|\d+)([eE][+-]?\d+)?([fFlLuU]*)(?![\w.])")


def perturb(src: str, factor: float = 1.1) -> str:
    """Scale numeric literals alternately by ``factor`` and ``2 - factor`` (+-10% by default),
    including ``#define`` values, but not ``#pragma``/``#include`` lines."""
    count = [0]

    def sub(m: re.Match) -> str:
        count[0] += 1
        f = factor if count[0] % 2 else 2.0 - factor
        mant, exp, suffix = m.group(1), m.group(2) or "", m.group(3)
        if "." in mant or exp:
            return repr(float(mant + exp) * f) + suffix
        v = int(mant)
        return str(round(v * f) if v > 5 else v + 1) + suffix

    out = []
    for line in src.split("\n"):
        s = line.lstrip()
        keep = s.startswith("#") and not s.startswith("#define")
        out.append(line if keep else _NUM.sub(sub, line))
    return "\n".join(out)


def statement_lines(src: str) -> list[int]:
    """Indices of lines holding one simple statement (ending with ';')."""
    out = []
    for i, line in enumerate(src.split("\n")):
        s = line.strip()
        if not s.endswith(";") or s.startswith(("*", "/*", "//", "#")) or s.count(";") != 1:
            continue
        out.append(i)
    return out


def delete_line(src: str, i: int) -> str:
    """Remove line ``i``."""
    lines = src.split("\n")
    return "\n".join(lines[:i] + lines[i + 1:])


def insert_after(src: str, i: int, stmt: str = "    volatile float pad_ = 0.0f;") -> str:
    """Insert a dummy statement after line ``i``."""
    lines = src.split("\n")
    return "\n".join(lines[: i + 1] + [stmt] + lines[i + 1:])


def collapse_whitespace(src: str) -> str:
    """Strip comments and put all code on one line (preprocessor lines stay on their own)."""
    src = strip_comments(src)
    lines = src.split("\n")
    pp = [ln for ln in lines if ln.lstrip().startswith("#")]
    code = " ".join(ln for ln in lines if not ln.lstrip().startswith("#"))
    return "\n".join([*pp, re.sub(r"\s+", " ", code).strip()])


def expand_macros(src: str) -> str:
    """Replace object-like ``#define NAME value`` macros by their value and drop the defines."""
    defs = dict(re.findall(r"^\s*#define\s+(\w+)\s+([^\s/]+)", src, flags=re.M))
    body = re.sub(r"^\s*#define.*$", "", src, flags=re.M)
    return re.sub(r"\b\w+\b", lambda m: defs.get(m.group(), m.group()), body)


def light_edits(src: str) -> dict[str, str]:
    """Programmatic light edits of a kernel: ``{edit name: edited source}``.

    Every single-statement deletion and every dummy-statement insertion is included.
    """
    out = {
        "identical": src,
        "rename": rename(src),
        "perturb": perturb(src),
        "perturb_down": perturb(src, 0.9),
        "strip_comments": strip_comments(src),
        "collapse_ws": collapse_whitespace(src),
        "expand_macros": expand_macros(src),
        "embedded": UNRELATED["horner"] + "\n" + src + "\n" + UNRELATED["rgb_to_hsv"],
    }
    lines = statement_lines(src)
    for i in lines:
        out[f"delete_line_{i + 1}"] = delete_line(src, i)
        out[f"insert_after_{i + 1}"] = insert_after(src, i)
    mid = lines[len(lines) // 2]
    out["combined"] = collapse_whitespace(perturb(rename(delete_line(src, mid))))
    return out


def kernel_cases() -> dict[str, str]:
    """The construct kernels of tests/kernel/cases (none is a suite kernel)."""
    return {p.name: p.read_text() for p in sorted(CASES_DIR.glob("*.c"))}


# ---- tests --------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def checker() -> LeakageChecker:
    return LeakageChecker()


@pytest.mark.parametrize("name", suite.names())
def test_planted_copy_scores_one(checker: LeakageChecker, name: str) -> None:
    assert checker.score(suite.source(name)) == (name, 1.0)
    assert checker.is_leak(suite.source(name))


@pytest.mark.parametrize("name", suite.names())
def test_light_edits_flagged(checker: LeakageChecker, name: str) -> None:
    edits = light_edits(suite.source(name))
    assert len(edits) >= 10
    missed = {}
    for edit, src in edits.items():
        best, score = checker.score(src)
        if best != name or score < checker.threshold:
            missed[edit] = (best, round(score, 3))
    assert not missed, missed


@pytest.mark.parametrize("name", ["blackscholes", "jpeg", "inversek2j"])
def test_hand_edits_flagged(checker: LeakageChecker, name: str) -> None:
    best, score = checker.score(hand_edits()[name])
    assert best == name and score >= checker.threshold, (best, score)


@pytest.mark.parametrize("name", sorted(UNRELATED))
def test_unrelated_numeric_code_passes(checker: LeakageChecker, name: str) -> None:
    assert len(UNRELATED) >= 12
    assert not checker.is_leak(UNRELATED[name]), checker.score(UNRELATED[name])


def test_kernel_cases_pass(checker: LeakageChecker) -> None:
    cases = kernel_cases()
    assert len(cases) >= 39
    flagged = {n: checker.score(s) for n, s in cases.items() if checker.is_leak(s)}
    assert not flagged, flagged


def test_suite_kernels_are_apart(checker: LeakageChecker) -> None:
    """Each suite kernel is far from every other one (the measure is not trivially high)."""
    for name in suite.names():
        others = {k: v for k, v in checker.scores(suite.source(name)).items() if k != name}
        assert max(others.values()) < checker.threshold, (name, others)


def test_custom_sources_and_threshold() -> None:
    src = UNRELATED["horner"]
    c = LeakageChecker({"horner": src}, threshold=0.9)
    assert c.names == ["horner"]
    assert c.score(rename(src)) == ("horner", 1.0)
    assert not c.is_leak(UNRELATED["gravity"])
    assert c.score("") == ("horner", 0.0)
    with pytest.raises(ValueError):
        LeakageChecker({"tiny": "int x;"})


def test_operand_stream_abstracts_names_literals_and_parameters() -> None:
    a = "float f(float a, float b, float c) { return sqrtf(a * 2.0f + b - c); } // x"
    b = "#define K 3\nfloat g(float x, float y) {\n  return sqrtf(x * K + y - x);\n}"
    assert operand_stream(a) == operand_stream(b) == [
        "float", "V", "(", "float", "V", ")", "{", "return", "sqrtf", "(", "V", "*", "V", "+",
        "V", "-", "V", ")", ";", "}",
    ]
    assert ngrams(a, 19) == ngrams(b, 19) and len(ngrams(a, 19)) == 2
    assert ngrams("int x;", 8) == set()


# ---- report (docs/leakage.md) -------------------------------------------------------------------

def _quantiles(vals: list[float]) -> str:
    import numpy as np

    v = np.asarray(vals)
    return (f"n={len(v)} median {np.median(v):.3f} p90 {np.quantile(v, 0.9):.3f} "
            f"p99 {np.quantile(v, 0.99):.3f} max {v.max():.3f}")


def report(corpus: int = 5000) -> None:
    """Print the measurements behind DEFAULT_N and THRESHOLD."""
    unrelated = {**UNRELATED, **kernel_cases()}
    generated: dict[str, str] = {}
    try:
        from nsc_tune.corpus.generate import generate

        for i in range(corpus):
            p = generate(0, i)
            generated[f"gen{i}:{p.family}"] = p.source
    except Exception as exc:  # the generator may not exist yet
        print("no generated corpus:", exc)
    positives = {(k, e): s for k in suite.names() for e, s in light_edits(suite.source(k)).items()}
    positives.update({(k, "hand"): s for k, s in hand_edits().items()})
    print("## sweep over n: positives' min score vs negatives' max score")
    for n in (4, 5, 6, 7, 8, 10, 12):
        c = LeakageChecker(n=n)
        pos = min((c.scores(s)[k], k, e) for (k, e), s in positives.items())
        neg = max((c.score(s)[1], name) for name, s in unrelated.items())
        gen = max((c.score(s)[1], name) for name, s in generated.items()) if generated else None
        print(f"n={n:2d} positives min {pos[0]:.3f} ({pos[1]}/{pos[2]}); hand-written+cases max "
              f"{neg[0]:.3f} ({neg[1]}); generated max {gen[0] if gen else float('nan'):.3f}")
    c = LeakageChecker()
    print(f"\n## n={c.n}, threshold {c.threshold}: per suite kernel, lowest edited-copy scores")
    for k in suite.names():
        rows = sorted((round(c.scores(s)[k], 3), e) for (kk, e), s in positives.items() if kk == k)
        print(f"{k:13s} {len(rows):3d} edits, min {rows[0][0]:.3f}; lowest: {rows[:4]}")
    print("\n## negatives")
    hand = [c.score(s)[1] for s in UNRELATED.values()]
    cases = [c.score(s)[1] for s in kernel_cases().values()]
    print("hand-written unrelated:", _quantiles(hand))
    print("tests/kernel/cases:    ", _quantiles(cases))
    top = sorted(((round(c.score(s)[1], 3), c.score(s)[0], n) for n, s in unrelated.items()),
                 reverse=True)[:5]
    print("top 5:", top)
    cross = [max(v for k2, v in c.scores(suite.source(k)).items() if k2 != k)
             for k in suite.names()]
    print("suite kernel vs the other suite kernels:", _quantiles(cross))
    if generated:
        scores = [c.score(s) for s in generated.values()]
        print(f"generated corpus (generate(0, i), i < {corpus}):",
              _quantiles([s[1] for s in scores]),
              f"flagged {sum(s[1] >= c.threshold for s in scores)}")
        top = sorted(zip(scores, generated, strict=True), key=lambda x: -x[0][1])[:5]
        print("top 5:", [(round(s[1], 3), s[0], n) for s, n in top])
    progs = list(generated.values()) or list(unrelated.values()) * 50
    t = time.perf_counter()
    for src in progs:
        c.scores(src + " ")
    dt = time.perf_counter() - t
    chars = sum(map(len, progs)) / len(progs)
    print(f"\n## speed: {len(progs) / dt:,.0f} programs/s on one core (mean {chars:.0f} chars)")


if __name__ == "__main__":
    report()
