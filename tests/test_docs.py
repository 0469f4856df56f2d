"""The documentation: the generated API reference is current, links resolve, pages are linked."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def _gen_api():
    spec = importlib.util.spec_from_file_location("gen_api", DOCS / "gen_api.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _links(page: Path) -> list[str]:
    return [m for m in LINK.findall(page.read_text()) if "://" not in m and not
            m.startswith("#")]


def test_api_reference_is_generated_from_the_current_docstrings() -> None:
    gen = _gen_api()
    assert (DOCS / "api.md").read_text() == gen.render(), "run: python docs/gen_api.py"
    text = gen.render()
    for name in ("nsc_tune.compile", "nsc_tune.Surrogate", "nsc_tune.tune.minimize",
                 "nsc_tune.tune.refine", "nsc_tune.accelerate.Accelerated",
                 "nsc_tune.integrations.optuna.SurrogateSampler", "nsc_tune.surrogate.io.load"):
        assert f"### `{name}`" in text, name
    assert " at 0x" not in text


def test_relative_links_resolve() -> None:
    pages = [ROOT / "README.md", *DOCS.glob("*.md")]
    broken = [(p.name, link) for p in pages for link in _links(p)
              if not (p.parent / link.split("#")[0]).exists()]
    assert not broken, broken


def test_index_links_every_page_and_names_every_example() -> None:
    index = DOCS / "index.md"
    linked = {(DOCS / link.split("#")[0]).resolve() for link in _links(index)}
    pages = {p.resolve() for p in [*DOCS.glob("*.md"), *DOCS.glob("results/*.md")]} - {
        index.resolve()}
    assert not pages - linked, sorted(p.name for p in pages - linked)
    text = index.read_text()
    for script in (ROOT / "examples").glob("*.py"):
        assert f"examples/{script.name}" in text, script.name


def test_cli_page_covers_every_subcommand() -> None:
    from nsc_tune.cli import build_parser

    commands = build_parser()._subparsers._group_actions[0].choices  # noqa: SLF001
    text = (DOCS / "cli.md").read_text()
    for name in commands:
        assert f"`{name}" in text, name


def test_readme_quick_start_is_two_commands() -> None:
    text = (ROOT / "README.md").read_text()
    block = text.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]
