"""C tokens for CompNet: identifiers by role, numbers as values, a header describing every slot.

A program becomes::

    [CLS]  ([IN] PARAMk ELEMe NUM(lo) NUM(hi))*n_in  ([OUT] PARAMk|RET ELEMe)*n_out  [SEP]  body

Besides the tokens, every slot carries a range: an input its domain, an output the bounds a static
interval analysis proves for it (``nsc_tune.kernel.ranges``; infinite where unknown). Their
features (``range_features``) are added to the ``[IN]``/``[OUT]`` tokens' value features.

where ``body`` is the macro-expanded source (the user's lines only, not the standard headers) with
identifiers replaced by their role: the kernel's parameters ``PARAMk`` (k = position in the C
parameter list), the kernel itself ``KERNEL``, helper functions ``FNk``, file-scope variables
``GLBk`` and everything else ``LOCk`` by order of first appearance. Keywords, type names, math.h
names and operators are kept. Every numeric literal is one ``NUM`` token carrying its value, so
constants are read as numbers rather than split into word pieces. The encoder's output at each
``[IN]``/``[OUT]`` position is that slot's embedding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from nsc_tune.errors import NscTuneError
from nsc_tune.kernel import Arg, Kernel, Signature
from nsc_tune.kernel import ctype as ct
from nsc_tune.kernel.lexer import KEYWORDS, MATH_NAMES, TYPE_NAMES, tokens
from nsc_tune.kernel.parse import user_lines
from nsc_tune.kernel.translate import float_literal, int_literal

MAX_PARAMS = 64
MAX_ELEMS = 64
MAX_FUNCS = 32
MAX_LOCALS = 256
MAX_GLOBALS = 64

SPECIALS = ["[PAD]", "[CLS]", "[SEP]", "[UNK]", "NUM", "[IN]", "[OUT]", "RET", "KERNEL"]
_OPERATORS = """<<= >>= -> ++ -- << >> <= >= == != && || += -= *= /= %= &= ^= |= + - * / % < > = !
~ & | ^ ? : . ... ( ) [ ] { } , ;""".split()


def _vocabulary() -> list[str]:
    words = list(SPECIALS)
    words += sorted(KEYWORDS) + sorted(TYPE_NAMES) + sorted(MATH_NAMES) + _OPERATORS
    words += [f"PARAM{i}" for i in range(MAX_PARAMS)] + [f"ELEM{i}" for i in range(MAX_ELEMS)]
    words += [f"FN{i}" for i in range(MAX_FUNCS)] + [f"LOC{i}" for i in range(MAX_LOCALS)]
    words += [f"GLB{i}" for i in range(MAX_GLOBALS)]
    seen: dict[str, None] = {}
    for w in words:
        seen.setdefault(w, None)
    return list(seen)


VOCAB: list[str] = _vocabulary()
INDEX: dict[str, int] = {w: i for i, w in enumerate(VOCAB)}
PAD, CLS, SEP, UNK, NUM = (INDEX[w] for w in ("[PAD]", "[CLS]", "[SEP]", "[UNK]", "NUM"))
N_VALUE_FEATURES = 5
N_RANGE_FEATURES = 7
#: Range features are clipped to this magnitude (symlog / log units divided by RANGE_UNIT).
RANGE_CLIP = 8.0
RANGE_UNIT = 4.0


class ProgramTooLongError(NscTuneError):
    """A program has more tokens than the compiler's context."""


@dataclass
class KernelView:
    """What the tokenizer reads of a kernel, without building a ``Kernel`` (e.g. from a corpus
    record): name, function, preprocessed text, signature and domains."""

    name: str
    function: str
    preprocessed: str
    signature: Signature
    domains: np.ndarray

    @classmethod
    def from_record(cls, rec: dict) -> KernelView:
        """From a corpus program record (see ``nsc_tune.corpus.storage``)."""
        def args(rows: list) -> tuple[Arg, ...]:
            return tuple(Arg(n, c, tuple(shape), param) for n, c, shape, param in rows)

        return cls(rec["function"], rec["function"], rec["preprocessed"],
                   Signature(args(rec["inputs"]), args(rec["outputs"])),
                   np.asarray(rec["domains"], dtype=np.float64))


@dataclass
class TokenizedProgram:
    """Token ids, numeric values, and the positions of the slot tokens."""

    ids: np.ndarray  # int64 [L]
    values: np.ndarray  # float64 [L]: the value of NUM tokens, 0 elsewhere
    in_pos: np.ndarray  # int64 [n_inputs]
    out_pos: np.ndarray  # int64 [n_outputs]
    in_ranges: np.ndarray | None = None  # float64 [n_inputs, 2]: the domains
    out_ranges: np.ndarray | None = None  # float64 [n_outputs, 2]: static bounds (inf: unknown)

    def __len__(self) -> int:
        return int(self.ids.shape[0])


def value_features(values: np.ndarray) -> np.ndarray:
    """Features of a number that keep sign, magnitude and integrality: [L] -> [L, 5]."""
    v = np.asarray(values, dtype=np.float64)
    mag = np.log10(np.abs(v) + 1e-30)
    mag = np.where(np.abs(v) > 0, np.clip(mag, -30, 30), -31.0) / 10.0
    frac = v - np.trunc(v)
    with np.errstate(invalid="ignore", over="ignore"):
        feats = np.stack([
            np.sign(v),
            mag,
            np.tanh(v),
            (np.isfinite(v) & (frac == 0)).astype(np.float64),
            np.tanh(v / 100.0),
        ], axis=-1)
    return np.nan_to_num(feats).astype(np.float32)


def range_features(ranges: np.ndarray) -> np.ndarray:
    """Features of slot ranges ``[n, 2]`` (lo, hi; infinite where unknown) -> ``[n, 7]``:
    known, symlog(midpoint), log(half-width), symlog(lo), symlog(hi), lo known, hi known.

    The midpoint and half-width are in the units of the surrogate's output location (symlog) and
    scale (log), so CompNet can read a location and a scale off them.
    """
    r = np.asarray(ranges, dtype=np.float64).reshape(-1, 2)
    lo, hi = r[:, 0], r[:, 1]
    lo_ok, hi_ok = np.isfinite(lo), np.isfinite(hi)
    known = lo_ok & hi_ok

    def symlog(x: np.ndarray) -> np.ndarray:
        return np.sign(x) * np.log1p(np.abs(x))

    with np.errstate(all="ignore"):
        mid = np.where(known, (lo + hi) / 2.0, 0.0)
        half = np.where(known, (hi - lo) / 2.0, 1.0)
        feats = np.stack([
            known.astype(np.float64),
            np.where(known, symlog(mid), 0.0),
            np.where(known, np.log(half + 1e-6 * (np.abs(mid) + 1.0)), 0.0),
            np.where(lo_ok, symlog(np.where(lo_ok, lo, 0.0)), 0.0),
            np.where(hi_ok, symlog(np.where(hi_ok, hi, 0.0)), 0.0),
            lo_ok.astype(np.float64),
            hi_ok.astype(np.float64),
        ], axis=-1)
    feats[:, 1:5] = np.clip(feats[:, 1:5] / RANGE_UNIT, -RANGE_CLIP, RANGE_CLIP)
    return np.nan_to_num(feats).astype(np.float32)


def _number(text: str) -> float:
    """The value of a C numeric literal (0.0 for anything malformed)."""
    low = text.lower()
    hexa = low.startswith("0x")
    is_float = ("p" in low) if hexa else ("." in low or "e" in low)
    try:
        if is_float:
            return float_literal(text, ct.FLOAT if low.endswith("f") else ct.DOUBLE)
        return float(int_literal(text)[0])
    except (ValueError, ZeroDivisionError, OverflowError):
        return 0.0


def tokenize(kernel: Kernel | KernelView, max_len: int | None = None,
             ranges: bool = True) -> TokenizedProgram:
    """Tokenize a kernel (its preprocessed text, signature and domains) for CompNet.

    Arguments:
        kernel: the kernel (or a corpus record's ``KernelView``).
        max_len: raise ``ProgramTooLongError`` above this many tokens.
        ranges: run the static range analysis for the output slots (False: all unknown).
    """
    ids: list[int] = [CLS]
    values: list[float] = [0.0]
    in_pos, out_pos = [], []
    params = _param_names(kernel)
    for arg, (lo, hi) in zip(_flat(kernel.signature.inputs), kernel.domains, strict=True):
        name, elem = arg
        in_pos.append(len(ids))
        ids += [INDEX["[IN]"], INDEX[f"PARAM{min(params.index(name), MAX_PARAMS - 1)}"],
                INDEX[f"ELEM{min(elem, MAX_ELEMS - 1)}"], NUM, NUM]
        values += [0.0, 0.0, 0.0, float(lo), float(hi)]
    for name, elem in _flat(kernel.signature.outputs):
        out_pos.append(len(ids))
        role = "RET" if name == "return" else f"PARAM{min(params.index(name), MAX_PARAMS - 1)}"
        ids += [INDEX["[OUT]"], INDEX[role], INDEX[f"ELEM{min(elem, MAX_ELEMS - 1)}"]]
        values += [0.0, 0.0, 0.0]
    ids.append(SEP)
    values.append(0.0)
    body_ids, body_values = _body(kernel, params)
    ids += body_ids
    values += body_values
    if max_len is not None and len(ids) > max_len:
        raise ProgramTooLongError(
            f"{kernel.name} has {len(ids)} tokens; the compiler reads at most {max_len}")
    n_out = len(out_pos)
    if ranges:
        from nsc_tune.kernel.ranges import output_ranges

        out_ranges = output_ranges(kernel)
    else:
        out_ranges = np.tile([-np.inf, np.inf], (n_out, 1))
    return TokenizedProgram(np.array(ids, dtype=np.int64), np.array(values, dtype=np.float64),
                            np.array(in_pos, dtype=np.int64), np.array(out_pos, dtype=np.int64),
                            np.asarray(kernel.domains, dtype=np.float64).reshape(-1, 2),
                            out_ranges)


def _flat(args) -> list[tuple[str, int]]:
    return [(a.name, e) for a in args for e in range(a.size)]


def _param_names(kernel: Kernel) -> list[str]:
    by_pos = {a.param: a.name for a in (*kernel.signature.inputs, *kernel.signature.outputs)
              if a.param >= 0}
    return [by_pos[i] for i in sorted(by_pos)]


def _body(kernel: Kernel, params: list[str]) -> tuple[list[int], list[float]]:
    toks = tokens(user_lines(kernel.preprocessed))
    roles: dict[str, str] = {}
    counts = {"FN": 0, "LOC": 0, "GLB": 0}
    caps = {"FN": MAX_FUNCS, "LOC": MAX_LOCALS, "GLB": MAX_GLOBALS}
    depth, paren, current = 0, 0, None
    ids: list[int] = []
    values: list[float] = []

    def new_role(kind: str, name: str) -> str:
        k = counts[kind]
        counts[kind] += 1
        roles[name] = f"{kind}{min(k, caps[kind] - 1)}"
        return roles[name]

    for i, tok in enumerate(toks):
        kind, text = tok.kind, tok.text
        if text == "{":
            depth += 1
        elif text == "}":
            depth -= 1
            if depth == 0:
                current = None
        elif text == "(":
            paren += 1
        elif text == ")":
            paren -= 1
        if kind in ("number", "char"):
            ids.append(NUM)
            values.append(_number(text) if kind == "number" else float(int_literal(text)[0]))
            continue
        if kind != "ident" or text in MATH_NAMES:
            ids.append(INDEX.get(text, UNK))
            values.append(0.0)
            continue
        nxt = toks[i + 1].text if i + 1 < len(toks) else ""
        if depth == 0 and paren == 0 and nxt == "(":
            current = text  # a function definition or declaration starts
        if text == kernel.function:
            role = "KERNEL"
        elif current == kernel.function and text in params and (depth > 0 or paren > 0):
            role = f"PARAM{min(params.index(text), MAX_PARAMS - 1)}"
        elif text in roles:
            role = roles[text]
        elif nxt == "(":
            role = new_role("FN", text)
        elif depth == 0 and paren == 0:
            role = new_role("GLB", text)
        else:
            role = new_role("LOC", text)
        ids.append(INDEX[role])
        values.append(0.0)
    return ids, values


def vocab_size() -> int:
    return len(VOCAB)


def describe(program: TokenizedProgram) -> str:
    """The token texts, with numbers shown by value (for debugging)."""
    out = []
    for i, v in zip(program.ids, program.values, strict=True):
        w = VOCAB[int(i)]
        out.append(f"{v:g}" if w == "NUM" and math.isfinite(v) else w)
    return " ".join(out)
