"""Hostile preprocessor input: no spelling of an include reaches a local file (issue 19)."""

from __future__ import annotations

import numpy as np
import pytest

from nsc_tune import Kernel
from nsc_tune.kernel import directives, parse
from nsc_tune.kernel.errors import IncludeNotSupportedError, SourceTooLargeError

BODY = "double k(double x) { return x; }\n"


@pytest.fixture
def secret(tmp_path):
    """A local file that would make the preprocessor fail loudly, naming its content, if read."""
    path = tmp_path / "secret.h"
    path.write_text("#error SECRET_CONTENT_7f3a\n")
    return str(path)


def _hostile(secret: str) -> dict[str, tuple[str, int]]:
    """Each bypass of a line-based include filter: (source, the line to be named)."""
    return {
        "spliced": (f'#inc\\\nlude "{secret}"\n', 1),
        "comment": (f'#/**/include "{secret}"\n', 1),
        "digraph": (f'%:include "{secret}"\n', 1),
        "comment across lines": (f'int a;\n# /* \n */ include "{secret}"\n', 2),
        "dev zero": ('#include "/dev/zero"\n', 1),
        "import": (f'#import "{secret}"\n', 1),
        "embed": (f'const char d[] = {{\n#embed "{secret}"\n}};\n', 2),
        "has_include": (f'int a;\n#if __has_include("{secret}")\n#endif\n', 2),
        "pragma dependency": (f'#pragma GCC dependency "{secret}"\n', 1),
        "_Pragma": (f'_Pragma("GCC dependency \\"{secret}\\"")\n', 1),
        "pasted _Pragma": ("#define CAT(a, b) a##b\n"
                           f'CAT(_Pra, gma)("GCC dependency \\"{secret}\\"")\n', 2),
        "pasted has_include": ("#define CAT(a, b) a ## b\n#define HI CAT(__has_, include)\n"
                               f'#if HI("{secret}")\n#endif\n', 2),
    }


@pytest.mark.parametrize("case", list(_hostile("/x")))
def test_hostile_include_rejected_before_the_preprocessor_runs(case, secret, monkeypatch):
    src, line = _hostile(secret)[case]

    def no_cpp(*args, **kwargs):
        raise AssertionError(f"the preprocessor ran: {args[0]}")

    monkeypatch.setattr(parse.subprocess, "run", no_cpp)
    with pytest.raises(IncludeNotSupportedError) as exc:
        Kernel.from_source(src + BODY, "k", domains={"x": (0, 1)})
    assert exc.value.line == line
    assert "SECRET_CONTENT" not in str(exc.value)


@pytest.mark.parametrize("include", ['#define H "{}"\n#include H', "#include <{}>",
                                     "#include <../../../../../../../../../..{}>",
                                     '#include_next "{}"'])
def test_unknown_system_and_computed_includes_are_dropped_unread(include, secret):
    """`#include MACRO` and `<unknown>` are dropped before preprocessing (and noted)."""
    k = Kernel.from_source(include.format(secret) + "\n" + BODY, "k", domains={"x": (0, 1)})
    np.testing.assert_allclose(k([[0.25]]), [[0.25]])
    assert any("dropped" in note for note in k.changes)


def test_line_emitted_by_a_macro_is_not_a_directive_for_gcc(secret):
    """A macro that expands to `# include "..."`: text for the parser, and gcc's error search
    runs on preprocessed text, so the file is not read."""
    src = f'#define X # include "{secret}"\ndouble k(double x) {{\nX\nreturn x; }}\n'
    with pytest.raises(Exception) as exc:
        Kernel.from_source(src, "k", domains={"x": (0, 1)})
    assert "SECRET_CONTENT" not in str(exc.value)


def test_ordinary_directives_still_work():
    src = ("#include <math.h> /* sin */\n#include <stdint.h>\n#pragma once\n"
           "#define CAT(a, b) a##b\n#define SQ(v) ((v) * (v))\n#if defined(SQ) && 1\n"
           "#line 40\n#endif\n#ifndef N\n#define N 3\n#endif\n"
           "double CAT(my, k)(double x) { return SQ(sin(x)) + N; }\n")
    k = Kernel.from_source(src, "myk", domains={"x": (0, 1)})
    np.testing.assert_allclose(k([[0.5]]), [[np.sin(0.5) ** 2 + 3]])


def test_logical_lines_follow_c_translation_phases():
    lines = directives.logical_lines('a /* c\nd */ b\n#inc\\\nlude "x//y" // z\n%: define Q 1')
    assert [(ll.line, ll.text.strip()) for ll in lines] == [
        (1, "a   b"), (3, '#include "x//y"'), (5, "%: define Q 1")]
    assert lines[1].code.strip() == '#include "    "'  # string contents blanked


def test_strings_do_not_hide_or_fake_directives():
    directives.check('const char *s = "_Pragma __has_include #include";\n', headers=())
    with pytest.raises(IncludeNotSupportedError):
        directives.check("char c = '\"'; _Pragma(\"x\")\n", headers=())


def test_files_the_preprocessor_entered_are_checked(tmp_path):
    text = f'# 1 "<stdin>"\n# 1 "{parse.INCLUDE_DIR}/math.h" 1\n# 3 "/etc/passwd" 1\n'
    with pytest.raises(IncludeNotSupportedError):
        parse._check_opened(text, str(tmp_path))
    parse._check_opened(text.rsplit("#", 1)[0], str(tmp_path))


def test_macro_bomb_is_bounded(monkeypatch):
    monkeypatch.setattr(parse, "MAX_PREPROCESSED_BYTES", 1 << 20)
    defs = "#define A0 x x x x x x x x x x\n" + "".join(
        f"#define A{i} " + " ".join([f"A{i - 1}"] * 10) + "\n" for i in range(1, 7))
    with pytest.raises(SourceTooLargeError):
        Kernel.from_source(defs + BODY + "int y = (A6);\n", "k", domains={"x": (0, 1)})


def test_native_build_checks_what_gcc_would_read(secret):
    from nsc_tune.kernel import native

    with pytest.raises(IncludeNotSupportedError):
        native.build(f'#include "{secret}"\n' + BODY, "k", "double",
                     Kernel.from_source(BODY, "k", domains={"x": (0, 1)}).signature)
