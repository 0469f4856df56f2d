"""The tutorials' Python snippets run as written, in order, from the repository root."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```python\n(.*?)```", re.S)


@pytest.mark.parametrize("page", ["tutorial_optuna.md"])
def test_tutorial_snippets_run(page: str, tmp_path: Path, monkeypatch) -> None:
    import matplotlib

    matplotlib.use("Agg")
    (tmp_path / "examples").symlink_to(ROOT / "examples")  # paths as from the root; files here
    monkeypatch.chdir(tmp_path)
    blocks = BLOCK.findall((ROOT / "docs" / page).read_text())
    assert len(blocks) >= 4
    scope: dict = {}
    for i, code in enumerate(blocks):
        try:
            exec(compile(code, f"{page}[{i}]", "exec"), scope)  # noqa: S102 - our own docs
        except Exception as exc:  # noqa: BLE001 - name the snippet that failed
            raise AssertionError(f"{page} snippet {i} failed: {exc!r}\n{code}") from exc
    study = scope["study"]
    assert study.best_value < 0.3  # the PID's ISE: a bad controller is > 1
    assert len(scope["worker"].trials) == 3  # a fresh database: created once, then loaded
    print(page, "best", study.best_value, study.best_params)
