"""``nsc-tune corpus mine`` on a small tree of C files written for the test: macros, a local
header, a struct parameter, code the frontend cannot take, a duplicate, and a copy of a suite
kernel that the leak check must drop."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from nsc_tune import Kernel, suite
from nsc_tune.corpus.mine import licence_of, load_candidates, mine
from nsc_tune.corpus.storage import Corpus

MIT = "Permission is hereby granted, free of charge, to any person obtaining a copy ..."

PHYSICS = r"""
#include <math.h>
#include "consts.h"

static double drag(double v) { return DRAG * v * fabs(v); }

double fall_speed(double v0, double t)
{
    double v = v0;
    for (int i = 0; i < STEPS; i++)
        v += (GRAVITY - drag(v)) * (t / STEPS);
    return v;
}

void spring(double k, double x, double *force, double *energy)
{
    *force = -k * x;
    *energy = 0.5 * k * x * x;
}
"""

STRUCTS = r"""
typedef struct { float x; float y; } vec2;
float dot2(vec2 *a, vec2 *b) { return a->x * b->x + a->y * b->y; }
"""

UNSUPPORTED = r"""
#include <stdlib.h>
double *make(int n) { return malloc(n * sizeof(double)); }
int jump(int x) { if (x) goto done; x = 1; done: return x; }
"""


def _tree(root: Path) -> Path:
    src = root / "src"
    (src / "util").mkdir(parents=True)
    (src / "LICENSE").write_text(MIT)
    (src / "consts.h").write_text("#define GRAVITY 9.81\n#define DRAG 0.1\n#define STEPS 20\n")
    (src / "physics.c").write_text(PHYSICS)
    (src / "util" / "copy_of_physics.c").write_text(PHYSICS.replace('"consts.h"',
                                                                    '"../consts.h"'))
    (src / "util" / "geom.c").write_text(STRUCTS)
    (src / "bad.c").write_text(UNSUPPORTED)
    (src / "leak.c").write_text(suite.source("inversek2j"))
    (src / "spring_twin.c").write_text(PHYSICS.split("void spring")[0].split('#include "')[0]
                                       + "void spring" + PHYSICS.split("void spring")[1])
    return src


def test_mine_extracts_filters_dedups_and_drops_the_leak(tmp_path) -> None:
    src = _tree(tmp_path)
    assert licence_of(src) == "MIT"
    path, counts = mine([src], tmp_path / "out")
    got = {(c.origin, c.function) for c in load_candidates(path)}
    # physics.c: both functions (helper `drag` too: static functions are candidates as well);
    # the copy reaches consts.h through "../": inside the mined tree, so it is read
    assert ("physics.c", "fall_speed") in got and ("physics.c", "spring") in got
    assert ("util/copy_of_physics.c", "fall_speed") in got  # the build's dedup drops it
    assert ("util/geom.c", "dot2") in got  # struct parameters flattened
    assert ("leak.c", "inversek2j") in got  # extracted; the build's leak check drops it
    assert not any(o == "bad.c" for o, _ in got)
    assert counts["frontend:HeapAllocationError"] == 1
    assert counts["frontend:GotoNotSupportedError"] == 1
    assert counts["file:IncludeNotSupportedError"] == 0  # ../consts.h is inside src/
    for c in load_candidates(path):  # each candidate is self-contained C with its domains
        k = Kernel.from_source(c.source, c.function)
        assert c.licence == "MIT" and k.n_outputs >= 1
    out = subprocess.run([sys.executable, "-m", "nsc_tune.cli", "corpus", "mine", str(src), "--out",
                          str(tmp_path / "corpus"), "--rows", "64", "--workers", "1", "--json"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-3000:]
    report = json.loads(out.stdout)
    assert report["rejected"].get("leak", 0) >= 1  # the suite kernel's copy
    dropped = report["rejected"]
    assert dropped.get("duplicate", 0) + dropped.get("near_duplicate", 0) >= 1  # spring_twin.c
    corpus = Corpus(tmp_path / "corpus")
    kept = {p.function for p in corpus.programs()}
    assert {"fall_speed", "spring", "dot2"} <= kept and "inversek2j" not in kept
    manifest = json.loads((tmp_path / "corpus" / "manifest.json").read_text())
    assert all(p["licence"] == "MIT" and p["origin"] for p in manifest["programs"])


FIXED_H = r"""
#ifndef FIXED_H
#define FIXED_H
#include <stdint.h>
typedef int32_t fixed;
extern fixed fx_mul(fixed a, fixed b) __attribute__((const));
static inline fixed fx_from(double a) { return (fixed)(a * 256.0); }
#endif
"""


def test_a_function_defined_in_another_file_of_the_tree_is_linked(tmp_path) -> None:
    src = tmp_path / "lib"
    (src / "include").mkdir(parents=True)
    (src / "core").mkdir()
    (src / "LICENSE").write_text(MIT)
    (src / "include" / "fixed.h").write_text(FIXED_H)
    (src / "core" / "fixed.c").write_text('#include "fixed.h"\nstatic fixed round_(fixed v) '
                                          "{ return v + 128; }\nfixed fx_mul(fixed a, fixed b) "
                                          "{ return round_(a * b) >> 8; }\n")
    (src / "area.c").write_text('#include "include/fixed.h"\n'  # one header, two names
                                "fixed fx_area(double w, double h) "
                                "{ return fx_mul(fx_from(w), fx_from(h)); }\n")
    path, counts = mine([src], tmp_path / "out")
    got = {c.function: c for c in load_candidates(path)}
    assert {"fx_area", "fx_mul", "round_"} == set(got), counts
    area = got["fx_area"]
    assert area.origin == "area.c" and "round_(a * b)" in area.source  # linked from core/
    k = Kernel.from_source(area.source, "fx_area")
    X = k.sample(300, seed=1)
    assert np.array_equal(k(X), k.native(X))
    a, b = np.trunc(X * 256.0).astype(np.int64).T
    assert np.array_equal(k(X)[:, 0], (a * b + 128) >> 8)


def test_batched_programs_keep_null_for_the_prelude() -> None:
    # mined code has NULL in initialisers the kernel never runs; no stand-in defines it, so the
    # batched executor must leave it to the prelude's <stddef.h> instead of renaming it
    from types import SimpleNamespace

    from nsc_tune.corpus.execute import renamed

    text = renamed(SimpleNamespace(preprocessed="static int *none = NULL;\n", native_extra=""), 3)
    assert "= NULL" in text and "p3_none" in text


def test_a_subfolder_finds_the_repository_headers_and_comments_before_a_body(tmp_path) -> None:
    # mining only src/ of a repository: its macros live in the repository's include/; a
    # comment between the declarator and `{` leaves a line marker there after cpp
    repo = tmp_path / "repo"
    (repo / "include").mkdir(parents=True)
    (repo / "src").mkdir()
    (repo / "LICENSE").write_text("The code in this repository is public domain software.\n")
    (repo / "include" / "api.h").write_text("#define EXPORT\n#define TWO_PI 6.283185307179586\n")
    (repo / "src" / "angle.c").write_text(
        '#include <math.h>\n#include "api.h"\n\nEXPORT double wrap_angle(double a)\n/*\n'
        + "** Wrap an angle into [0, 2pi).\n" * 8 + "*/\n{\n    double w = fmod(a, TWO_PI);\n"
        "    if (w < 0) w += TWO_PI;\n    return w;\n}\n")
    git = ["git", "-C", str(repo), "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    subprocess.run([*git, "add", "."], check=True)
    subprocess.run([*git, "commit", "-qm", "tree"], check=True)
    path, counts = mine([repo / "src"], tmp_path / "out")
    got = {c.function: c for c in load_candidates(path)}
    assert set(got) == {"wrap_angle"}, counts
    c = got["wrap_angle"]
    assert c.licence == "public-domain" and len(c.commit) == 40
    k = Kernel.from_source(c.source, "wrap_angle")
    X = k.sample(200, seed=0)
    assert np.allclose(k(X)[:, 0], np.mod(X[:, 0], 6.283185307179586))


def test_licence_files_by_other_names(tmp_path) -> None:
    texts = {"COPYRIGHT": MIT, "LICENSE-ISC.txt": "Permission to use, copy, modify, and/or "
             "distribute this software for any purpose", "BSD-LICENSE": "Redistribution and use "
             "in source and binary forms, with or without", "LICENSE": 'This software is provided '
             '"as-is", without any express or implied warranty.', "NOTICE": MIT}
    want = {"COPYRIGHT": "MIT", "LICENSE-ISC.txt": "ISC", "BSD-LICENSE": "BSD", "LICENSE": "Zlib",
            "NOTICE": "unknown"}
    for name, text in texts.items():
        (tmp_path / name).mkdir()
        (tmp_path / name / name).write_text(text)
        assert licence_of(tmp_path / name) == want[name], name


def test_header_only_functions_are_mined_with_headers(tmp_path) -> None:
    src = tmp_path / "lib"
    (src / "include").mkdir(parents=True)
    (src / "LICENSE").write_text(MIT)
    (src / "include" / "easing.h").write_text(
        "#pragma once\n#include <math.h>\n"
        "static inline float ease_in_out(float t) { return t < 0.5f ? 2 * t * t "
        ": 1 - powf(-2 * t + 2, 2) / 2; }\n"
        "static inline float ease_out(float t) { return 1 - (1 - t) * (1 - t); }\n")
    (src / "use.c").write_text('#include "easing.h"\nfloat both(float t) '
                               "{ return ease_out(ease_in_out(t)); }\n")
    path, _ = mine([src], tmp_path / "plain")
    assert {c.function for c in load_candidates(path)} == {"both"}  # .c files only
    path, counts = mine([src], tmp_path / "out", headers=True)
    got = {c.function: c for c in load_candidates(path)}
    assert set(got) == {"both", "ease_in_out", "ease_out"}, counts
    assert got["ease_out"].origin == "include/easing.h"
    k = Kernel.from_source(got["ease_out"].source, "ease_out")
    X = k.sample(100, seed=0)
    assert np.allclose(k(X), k.native(X))
