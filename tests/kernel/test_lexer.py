"""The analysis lexer: token kinds, dropped text, normalisation, exact-dedup keys."""

from __future__ import annotations

from nsc_tune.kernel.lexer import Token, normalized, raw_key, texts, tokens


def _pairs(src: str) -> list[tuple[str, str]]:
    return [(t.kind, t.text) for t in tokens(src)]


def test_kinds_of_a_small_function() -> None:
    src = "static float f(const float *p, int32_t n) { return p[0] * 2.5f; }"
    assert _pairs(src) == [
        ("keyword", "static"), ("type", "float"), ("ident", "f"), ("punct", "("),
        ("keyword", "const"), ("type", "float"), ("op", "*"), ("ident", "p"), ("punct", ","),
        ("type", "int32_t"), ("ident", "n"), ("punct", ")"), ("punct", "{"),
        ("keyword", "return"), ("ident", "p"), ("punct", "["), ("number", "0"), ("punct", "]"),
        ("op", "*"), ("number", "2.5f"), ("punct", ";"), ("punct", "}"),
    ]


def test_number_literals() -> None:
    src = "0x1Fu 017 0 1e10 1.5e-3f .5 3. 2.0L 0x1.8p3 0b101 10UL 1'000 1E+5"
    assert _pairs(src) == [("number", t) for t in src.split()]
    # a sign is an operator, not part of the literal; the exponent sign is
    assert texts("x-1e-3") == ["x", "-", "1e-3"]
    assert texts("a.b+.5") == ["a", ".", "b", "+", ".5"]


def test_char_and_string_literals() -> None:
    src = r"""c = 'a'; d = '\''; e = L'\n'; s = "x\"y // not a comment";"""
    assert [t for t in tokens(src) if t.kind in ("char", "string")] == [
        Token("char", "'a'", 1), Token("char", r"'\''", 1), Token("char", r"L'\n'", 1),
        Token("string", r'"x\"y // not a comment"', 1),
    ]


def test_multi_character_operators() -> None:
    src = "a <<= b >>= c -> d ++ -- e << f >> g <= h >= i == j != k && l || m += n ... o ? p : q"
    ops = [t.text for t in tokens(src) if t.kind in ("op", "punct")]
    assert ops == ["<<=", ">>=", "->", "++", "--", "<<", ">>", "<=", ">=", "==", "!=", "&&",
                   "||", "+=", "...", "?", ":"]
    assert texts("a+++b") == ["a", "++", "+", "b"]
    assert texts("x--->y") == ["x", "--", "->", "y"]


def test_comments_preprocessor_and_lines() -> None:
    src = (
        "#include <math.h>\n"
        "  #define SQ(x) \\\n"
        "      ((x) * (x))\n"
        "#pragma nsc_tune domain(x, 0, 1)\n"
        "/* block\n"
        "   comment */ float f(float x) // line comment\n"
        "{\n"
        "    return SQ(x) / 2; /* # not a directive */\n"
        "}\n"
    )
    toks = tokens(src)
    assert [t.text for t in toks] == ["float", "f", "(", "float", "x", ")", "{", "return", "SQ",
                                      "(", "x", ")", "/", "2", ";", "}"]
    assert [t.line for t in toks] == [6, 6, 6, 6, 6, 6, 7, 8, 8, 8, 8, 8, 8, 8, 8, 9]


def test_never_fails_on_odd_text() -> None:
    assert [t.kind for t in tokens("a @ b $c `")] == ["ident", "other", "ident", "ident", "other"]
    assert texts("x /* unterminated") == ["x"]
    assert texts('s = "unterminated\nnext') == ["s", "=", '"unterminated', "next"]
    assert tokens("") == []


def test_normalized_hand_worked() -> None:
    src = "float dist(float ax, float bx) { float d = ax - bx; return sqrtf(d * d) + 1.0f; }"
    assert normalized(src) == [
        "float", "ID0", "(", "float", "ID1", ",", "float", "ID2", ")", "{", "float", "ID3", "=",
        "ID1", "-", "ID2", ";", "return", "sqrtf", "(", "ID3", "*", "ID3", ")", "+", "NUM", ";",
        "}",
    ]
    assert normalized(src, keep_numbers=True)[-3] == "1.0f"
    renamed = "float g(float p,float q){float z=p-q;return sqrtf(z*z)+7.5f;}"
    assert normalized(renamed) == normalized(src)
    # keywords, type names and math.h names are kept; strings and chars are abstracted
    assert normalized('uint8_t k = abs(c) + \'a\'; puts("hi");') == [
        "uint8_t", "ID0", "=", "abs", "(", "ID1", ")", "+", "NUM", ";", "ID2", "(", "STR", ")",
        ";"]


def test_raw_key() -> None:
    a = "float f(float x) { return x * 2.0f; }"
    b = "/* doc */\n#include <math.h>\nfloat   f( float x )\n{\n  return x*2.0f;  // twice\n}\n"
    assert raw_key(a) == raw_key(b)
    assert len(raw_key(a)) == 32 and int(raw_key(a), 16) >= 0
    assert raw_key(a) != raw_key(a.replace("2.0f", "2.0"))
    assert raw_key(a) != raw_key(a.replace("x", "y"))
    assert raw_key("int a b;") != raw_key("int ab;")
