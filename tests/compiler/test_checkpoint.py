"""Checkpoints survive a kill at any write: the previous save stays whole and loadable, and a
part from another save is refused instead of being mixed in."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import torch
from safetensors import safe_open
from safetensors.torch import load_file, save_file

from nsc_tune.compiler import checkpoint
from nsc_tune.compiler.checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from nsc_tune.compiler.model import CompNet, CompNetConfig

TINY = {"d_model": 32, "layers": 1, "heads": 2, "ff": 64, "width": 16, "max_len": 1024}


class Killed(Exception):
    """Stands for the process dying at a write."""


@pytest.fixture(autouse=True)
def small_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Parts of 100 kB, so the tiny model's checkpoint spans several files."""
    monkeypatch.setattr(checkpoint, "MAX_PART_BYTES", 100_000)


def _fresh() -> tuple[CompNet, torch.optim.Optimizer]:
    torch.manual_seed(0)
    model = CompNet(CompNetConfig(**TINY))
    return model, torch.optim.AdamW(model.parameters(), lr=1e-2)


def _train(model: CompNet, optimizer: torch.optim.Optimizer, steps: int) -> None:
    """A few optimizer steps on a dummy loss: changes weights and the optimizer's state."""
    for _ in range(steps):
        optimizer.zero_grad()
        sum((p.float() - 0.1).pow(2).sum() for p in model.parameters()).backward()
        optimizer.step()


def _snapshot(model: CompNet, optimizer: torch.optim.Optimizer) -> dict[str, torch.Tensor]:
    out = {f"model.{k}": v.clone() for k, v in model.state_dict().items()}
    for idx, state in optimizer.state_dict()["state"].items():
        out |= {f"optim.{idx}.{k}": torch.as_tensor(v).clone() for k, v in state.items()}
    return out


def _loaded(path: Path) -> tuple[int, dict[str, torch.Tensor]]:
    model, optimizer = _fresh()
    step = load_checkpoint(path, model, optimizer)
    return step, _snapshot(model, optimizer)


def _assert_same(a: dict[str, torch.Tensor], b: dict[str, torch.Tensor]) -> None:
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def _kill_after(monkeypatch: pytest.MonkeyPatch, k: int) -> None:
    """Let ``k`` file writes of a checkpoint succeed, then die."""
    real, done = checkpoint.atomic_save_file, [0]

    def write(tensors, path, metadata):
        if done[0] == k:
            raise Killed(f"killed before writing {path.name}")
        real(tensors, path, metadata)
        done[0] += 1

    monkeypatch.setattr(checkpoint, "atomic_save_file", write)


def _checkpoint_files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def test_a_kill_at_any_write_leaves_the_previous_checkpoint(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model, optimizer = _fresh()
    _train(model, optimizer, 2)
    path = tmp_path / "checkpoint.safetensors"
    save_checkpoint(path, model, optimizer, 2, {"run": "a"})
    before = _snapshot(model, optimizer)
    n_files = len(list(tmp_path.iterdir()))
    assert n_files >= 3  # a head and several parts
    _train(model, optimizer, 3)
    after = _snapshot(model, optimizer)

    for k in range(n_files):  # die before the 1st part, ..., before the head
        with monkeypatch.context() as m:
            _kill_after(m, k)
            with pytest.raises(Killed):
                save_checkpoint(path, model, optimizer, 5, {"run": "a"})
        step, state = _loaded(path)
        assert step == 2, k
        _assert_same(state, before)

    with monkeypatch.context() as m:  # the head landed, the old parts not yet deleted
        m.setattr(checkpoint, "_leftovers", lambda *a: (_ for _ in ()).throw(Killed()))
        with pytest.raises(Killed):
            save_checkpoint(path, model, optimizer, 5, {"run": "a"})
    step, state = _loaded(path)
    assert step == 5
    _assert_same(state, after)

    save_checkpoint(path, model, optimizer, 5, {"run": "a"})  # a whole save tidies up
    assert len(list(tmp_path.iterdir())) == n_files
    step, state = _loaded(path)
    assert step == 5
    _assert_same(state, after)


def test_a_part_from_another_save_is_refused(tmp_path: Path) -> None:
    model, optimizer = _fresh()
    _train(model, optimizer, 1)
    save_checkpoint(tmp_path / "a" / "checkpoint.safetensors", model, optimizer, 1, {})
    _train(model, optimizer, 1)
    save_checkpoint(tmp_path / "b" / "checkpoint.safetensors", model, optimizer, 2, {})
    a_part = sorted((tmp_path / "a").glob("checkpoint.*.part2.safetensors"))[0]
    b_part = sorted((tmp_path / "b").glob("checkpoint.*.part2.safetensors"))[0]
    shutil.copyfile(b_part, a_part)  # same name as a's part, content of b's
    with pytest.raises(CheckpointError, match=rf"{a_part.name}.*another save"):
        _loaded(tmp_path / "a" / "checkpoint.safetensors")
    a_part.unlink()
    with pytest.raises(CheckpointError, match=rf"{a_part.name} is missing"):
        _loaded(tmp_path / "a" / "checkpoint.safetensors")


def _as_old_layout(path: Path) -> None:
    """Rewrite a checkpoint as saved before save ids: parts ``stem.partK`` with only a step."""
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    for k, name in enumerate(sorted(path.parent.glob(f"{path.stem}.*.part*{path.suffix}"),
                                    key=lambda p: int(p.name.split(".part")[1].split(".")[0])),
                             start=1):
        save_file(load_file(str(name)), str(path.with_name(f"{path.stem}.part{k}{path.suffix}")),
                  metadata={"step": meta["step"]})
        name.unlink()
    old = {k: v for k, v in meta.items() if k not in ("save_id", "part_files")}
    save_file(load_file(str(path)), str(path), metadata=old)


def test_checkpoints_of_the_old_layout_still_load(tmp_path: Path) -> None:
    model, optimizer = _fresh()
    _train(model, optimizer, 1)
    want = _snapshot(model, optimizer)
    one = tmp_path / "one" / "checkpoint.safetensors"
    with pytest.MonkeyPatch.context() as m:  # one file, no parts
        m.setattr(checkpoint, "MAX_PART_BYTES", 2**30)
        save_checkpoint(one, model, optimizer, 1, {})
    _as_old_layout(one)
    assert _checkpoint_files(one.parent) == ["checkpoint.safetensors"]
    assert _loaded(one)[0] == 1
    _assert_same(_loaded(one)[1], want)

    many = tmp_path / "many" / "checkpoint.safetensors"
    save_checkpoint(many, model, optimizer, 1, {})
    _as_old_layout(many)
    step, state = _loaded(many)
    assert step == 1
    _assert_same(state, want)
    # A new save replaces the old layout's parts.
    save_checkpoint(many, model, optimizer, 1, {})
    assert not list(many.parent.glob("checkpoint.part*.safetensors"))
    assert _loaded(many)[0] == 1


def test_an_old_layout_part_of_another_step_is_refused(tmp_path: Path) -> None:
    model, optimizer = _fresh()
    path = tmp_path / "checkpoint.safetensors"
    _train(model, optimizer, 1)
    save_checkpoint(path, model, optimizer, 1, {})
    _as_old_layout(path)
    part1 = path.with_name("checkpoint.part1.safetensors")
    stale = load_file(str(part1))
    _train(model, optimizer, 1)
    save_checkpoint(tmp_path / "new" / "checkpoint.safetensors", model, optimizer, 2, {})
    _as_old_layout(tmp_path / "new" / "checkpoint.safetensors")
    shutil.copyfile(tmp_path / "new" / "checkpoint.safetensors", path)  # the head of step 2...
    save_file(stale, str(part1), metadata={"step": "1"})  # ...with a part of step 1
    with pytest.raises(CheckpointError, match="checkpoint.part1.safetensors"):
        _loaded(path)


def test_stray_temporary_files_are_ignored_then_removed(tmp_path: Path) -> None:
    model, optimizer = _fresh()
    path = tmp_path / "checkpoint.safetensors"
    save_checkpoint(path, model, optimizer, 1, {})
    files = _checkpoint_files(tmp_path)
    (tmp_path / ".checkpoint.safetensors.x1y2.tmp").write_bytes(b"half a file")
    assert _loaded(path)[0] == 1
    save_checkpoint(path, model, optimizer, 1, {})
    assert len(_checkpoint_files(tmp_path)) == len(files)
    assert not list(tmp_path.glob(".*.tmp"))


def test_an_unreadable_head_is_a_checkpoint_error(tmp_path: Path) -> None:
    path = tmp_path / "checkpoint.safetensors"
    path.write_bytes(b"garbage")
    with pytest.raises(CheckpointError, match="checkpoint.safetensors is not a readable"):
        _loaded(path)
