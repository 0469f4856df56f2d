"""Generate docs/api.md from the package's docstrings: every public name, its signature and the
first line of its docstring.

    python docs/gen_api.py            # rewrite docs/api.md
    python docs/gen_api.py --check    # exit 1 if docs/api.md is out of date (CI)
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import re
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent / "api.md"

#: (module, names) in reading order; None: the module's ``__all__``.
SECTIONS: list[tuple[str, list[str] | None]] = [
    ("nsc_tune", ["Kernel", "compile", "fit", "Surrogate", "GPSurrogate", "validate", "accelerate",
                  "NscTuneError"]),
    ("nsc_tune.kernel", ["Kernel", "Signature", "Arg", "KernelError", "DomainWarning"]),
    ("nsc_tune.surrogate", ["compile", "fit", "Surrogate", "GPSurrogate", "fit_gp", "Choice",
                            "FitError"]),
    ("nsc_tune.surrogate.choose", ["fit_best", "KINDS", "CV_BELOW"]),
    ("nsc_tune.surrogate.fit", ["fit_surrogate", "fit_auto", "race", "FitResult", "draw", "split",
                                "FitError"]),
    ("nsc_tune.surrogate.io", ["save", "load", "kernel_shapes", "SurrogateFileError"]),
    ("nsc_tune.surrogate.export", ["export_c", "ExportError"]),
    ("nsc_tune.evaluate", None),
    ("nsc_tune.evaluate.protocol", ["ProtocolConfig", "data_efficiency", "reusable_rows", "epochs_to_target",
                                    "markdown"]),
    ("nsc_tune.tune", ["bayes_minimize", "PriorGP", "Space", "targets", "minimise", "maximise",
                       "minimize", "refine", "TuneResult", "resolve_bounds", "verify",
                       "TuneError"]),
    ("nsc_tune.integrations.optuna", ["PriorGPSampler", "SurrogateSampler", "enqueue_best"]),
    ("nsc_tune.integrations.scipy", ["surrogate_objective"]),
    ("nsc_tune.accelerate", ["accelerate", "Accelerated", "FitSettings", "Gate", "Stats",
                             "SpeedReport", "ROUTES", "AccelerateError", "AccelerationWarning"]),
    ("nsc_tune.suite", ["names", "info", "load", "source", "score", "SuiteKernel",
                        "UnknownKernelError"]),
    ("nsc_tune.compiler.compiler", ["Compiler", "default_compiler"]),
    ("nsc_tune.compiler.pretrain", ["PretrainConfig", "pretrain"]),
    ("nsc_tune.corpus.build", ["BuildConfig", "build"]),
    ("nsc_tune.kernel.compare", ["agreement", "compare_outputs", "ulp_distance"]),
    ("nsc_tune.report", ["write_demo_report"]),
    ("nsc_tune.cli", ["main", "build_parser"]),
]


def first_line(obj: object) -> str:
    """The first sentence-line of ``obj``'s docstring ("" when it has none)."""
    doc = inspect.getdoc(obj) or ""
    return doc.strip().split("\n\n")[0].replace("\n", " ").strip()


class _Raw(str):
    """An annotation string shown as written (``int``, not ``'int'``)."""

    def __repr__(self) -> str:
        return str(self)


def _raw(annotation: object) -> object:
    return _Raw(annotation) if isinstance(annotation, str) else annotation


def signature(obj: object, method: bool = False) -> str:
    """``(args) -> ret`` as written in the source, without ``self``/``cls`` for methods and
    without memory addresses (stable from run to run)."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return "(...)"
    params = list(sig.parameters.values())
    if method and params and params[0].name in ("self", "cls"):
        params = params[1:]
    sig = sig.replace(parameters=[p.replace(annotation=_raw(p.annotation)) for p in params],
                      return_annotation=_raw(sig.return_annotation))
    return re.sub(r" at 0x[0-9a-f]+", "", str(sig))


def members(cls: type) -> list[tuple[str, object]]:
    """Public methods and properties defined on ``cls`` itself, in source order."""
    out = []
    for name, value in vars(cls).items():
        if name.startswith("_") and name != "__call__":
            continue
        if isinstance(value, classmethod | staticmethod):
            value = value.__func__
        if isinstance(value, property) or inspect.isfunction(value):
            out.append((name, value))
    return out


def anchor(heading: str) -> str:
    """GitHub's anchor of a Markdown heading."""
    return re.sub(r"[^a-z0-9_ -]", "", heading.lower()).replace(" ", "-")


def entry(module: str, name: str, obj: object, seen: dict[int, str]) -> list[str]:
    """The Markdown of one public name (a link back when ``obj`` was documented above)."""
    qualified = f"{module}.{name}"
    if id(obj) in seen and not isinstance(obj, str | int | float | tuple):
        first = seen[id(obj)]
        return [f"### `{qualified}`", "", f"The same object as [`{first}`](#{anchor(first)}).",
                ""]
    seen[id(obj)] = qualified
    if inspect.ismodule(obj):
        return [f"### `{module}.{name}` (module)", "", first_line(obj), ""]
    if not (inspect.isclass(obj) or callable(obj)):
        return [f"### `{module}.{name}`", "", f"`{obj!r}`", ""]
    kind, sig = ("class ", signature(obj).removesuffix(" -> None")) if inspect.isclass(obj) \
        else ("", signature(obj))
    lines = [f"### `{module}.{name}`", "", "```python", f"{kind}{name}{sig}", "```",
             "", first_line(obj), ""]
    if inspect.isclass(obj) and not issubclass(obj, BaseException | Warning):
        for mname, member in members(obj):
            if isinstance(member, property):
                lines.append(f"- `.{mname}` (property): {first_line(member) or '-'}")
            elif member.__doc__ or mname != "__call__":  # own docstrings only
                own = inspect.cleandoc(member.__doc__ or "").split("\n\n")[0].replace("\n", " ")
                lines.append(f"- `.{mname}{signature(member, method=True)}`: {own or '-'}")
        if lines[-1] != "":
            lines.append("")
    return lines


def render() -> str:
    """The whole of api.md."""
    lines = ["# API reference", "",
             "Generated from the docstrings by `python docs/gen_api.py` (do not edit by hand; "
             "`tests/test_docs.py` checks it is current). Concepts: [index.md](index.md).", ""]
    toc, body, seen = [], [], {}
    for module_name, names in SECTIONS:
        module = importlib.import_module(module_name)
        names = names if names is not None else list(module.__all__)
        heading = f"Module {module_name}"
        toc.append(f"- [`{module_name}`](#{anchor(heading)}): {first_line(module)}")
        body += [f"## {heading}", "", first_line(module), ""]
        for name in names:
            body += entry(module_name, name, getattr(module, name), seen)
    return "\n".join(lines + toc + [""] + body).rstrip() + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if api.md is out of date")
    args = ap.parse_args(argv)
    text = render()
    if args.check:
        current = OUT.read_text() if OUT.exists() else ""
        if current != text:
            print(f"{OUT} is out of date: run python docs/gen_api.py", file=sys.stderr)
            return 1
        return 0
    OUT.write_text(text)
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
