"""Checkpoints and shipped weights as safetensors (no pickle anywhere).

A training checkpoint holds the model's tensors (``model.*``), the optimizer's state tensors
(``optim.<param index>.<name>``) and, in its metadata, the step, the configs and the optimizer's
hyper-parameters. Shipped weights hold only the model, in float16, with the config.
"""

from __future__ import annotations

import json
import re
import uuid
from pathlib import Path

import torch

from nsc_tune.compiler.model import CompNet, CompNetConfig
from nsc_tune.errors import NscTuneError
from nsc_tune.files import atomic_save_file, fsync_dir, read_safetensors


class WeightsError(NscTuneError):
    """Weights or checkpoint file missing or not of this format."""


class CheckpointError(WeightsError):
    """A checkpoint's parts do not belong together (a torn save) or cannot be read."""


#: Largest checkpoint file; bigger checkpoints are split into parts (files must stay small enough
#: to travel back from a GPU host).
MAX_PART_BYTES = 15 * 2**20


def _split(tensors: dict) -> list[dict]:
    """``tensors`` in groups of at most MAX_PART_BYTES (a bigger tensor gets a group alone)."""
    groups: list[dict] = [{}]
    size = 0
    for key, value in tensors.items():
        nbytes = value.numel() * value.element_size()
        if groups[-1] and size + nbytes > MAX_PART_BYTES:
            groups.append({})
            size = 0
        groups[-1][key] = value
        size += nbytes
    return groups


def part_path(path: Path, save_id: str, k: int) -> Path:
    """The file of part ``k`` (k >= 1) of the save ``save_id`` of the checkpoint ``path``."""
    return path.with_name(f"{path.stem}.{save_id}.part{k}{path.suffix}")


def _leftovers(path: Path, keep: str) -> list[Path]:
    """Part files (and temporary files) of ``path`` from saves other than ``keep``: those of the
    previous save, of saves killed before their head landed, and of the old unnamed layout."""
    part = re.compile(rf"{re.escape(path.stem)}\.(?:([0-9a-f]{{32}})\.)?part\d+"
                      rf"{re.escape(path.suffix)}")
    tmp = re.compile(rf"\.{re.escape(path.stem)}\..*\.tmp")
    found = []
    for p in path.parent.iterdir():
        m = part.fullmatch(p.name)
        if (m and m.group(1) != keep) or tmp.fullmatch(p.name):
            found.append(p)
    return found


def save_checkpoint(path: Path, model: CompNet, optimizer: torch.optim.Optimizer, step: int,
                    train_config: dict) -> None:
    """Write a resumable checkpoint (split into parts of at most MAX_PART_BYTES).

    Each file is written atomically; the parts go to names holding a fresh save id, the head
    (which lists them) last, and the previous save's parts are deleted only after it: a kill at
    any point leaves the previous checkpoint whole.
    """
    path = Path(path)
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    opt = optimizer.state_dict()
    for idx, state in opt["state"].items():
        for name, value in state.items():
            t = value if torch.is_tensor(value) else torch.tensor(value)
            tensors[f"optim.{idx}.{name}"] = t
    groups = _split(tensors)
    save_id = uuid.uuid4().hex
    parts = [part_path(path, save_id, k).name for k in range(1, len(groups))]
    for k, name in enumerate(parts, start=1):
        atomic_save_file(groups[k], path.with_name(name),
                     {"step": str(step), "save_id": save_id, "part": str(k)})
    meta = {"step": str(step), "model_config": json.dumps(model.config.to_dict()),
            "train_config": json.dumps(train_config), "parts": str(len(groups)),
            "param_groups": json.dumps(opt["param_groups"]), "save_id": save_id,
            "part_files": json.dumps(parts)}
    atomic_save_file(groups[0], path, meta)
    for old in _leftovers(path, save_id):
        old.unlink(missing_ok=True)
    fsync_dir(path.parent)


def _read(path: Path) -> tuple[dict[str, str], dict]:
    """``(metadata, tensors)`` of one checkpoint file, or a CheckpointError naming it."""
    if not path.is_file():
        raise CheckpointError(f"checkpoint file {path} is missing: the checkpoint is incomplete; "
                              "delete the run folder's checkpoint files to start afresh")
    return read_safetensors(path, CheckpointError,
                            "delete the run folder's checkpoint files to start afresh")


def _part_files(path: Path, meta: dict[str, str]) -> list[Path]:
    """The part files the head ``meta`` lists (old heads: the unnamed layout)."""
    n = int(meta.get("parts", "1"))
    if "part_files" not in meta:
        return [path.with_name(f"{path.stem}.part{k}{path.suffix}") for k in range(1, n)]
    names = json.loads(meta["part_files"])
    if len(names) != n - 1 or any(Path(name).name != name for name in names):
        raise CheckpointError(f"checkpoint head {path} lists parts {names} for {n} files: the "
                              "head is damaged; delete the checkpoint files to start afresh")
    return [path.with_name(name) for name in names]


def _check_part(part: Path, k: int, meta: dict[str, str], head: dict[str, str]) -> None:
    """Raise CheckpointError unless ``part`` is part ``k`` of the save the ``head`` describes."""
    want = {"step": head.get("step")}
    if "save_id" in head:
        want |= {"save_id": head["save_id"], "part": str(k)}
    got = {key: meta.get(key) for key in want}
    if got != want:
        raise CheckpointError(
            f"checkpoint part {part} belongs to another save ({got}) than its head "
            f"(step {head.get('step')}, save {head.get('save_id')}, part {k}): the checkpoint "
            "was torn by an interrupted save; delete the checkpoint files to start afresh")


def load_checkpoint(path: Path, model: CompNet, optimizer: torch.optim.Optimizer) -> int:
    """Restore model and optimizer from ``path``; returns the step to continue from.

    Raises:
        CheckpointError: a file is missing or unreadable, or a part is not from the head's save.
    """
    path = Path(path)
    meta, tensors = _read(path)
    for k, part in enumerate(_part_files(path, meta), start=1):
        part_meta, part_tensors = _read(part)
        _check_part(part, k, part_meta, meta)
        tensors.update(part_tensors)
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    state: dict[int, dict] = {}
    for key, value in tensors.items():
        if key.startswith("optim."):
            _, idx, name = key.split(".", 2)
            state.setdefault(int(idx), {})[name] = value
    optimizer.load_state_dict({"state": state, "param_groups": json.loads(meta["param_groups"])})
    return int(meta["step"])


def export_weights(model: CompNet, path: Path, info: dict | None = None) -> Path:
    """Write the model's weights (float16) for shipping."""
    tensors = {k: v.half() if v.is_floating_point() else v
               for k, v in model.state_dict().items()}
    meta = {"format": "nsc_tune.compnet/1", "config": json.dumps(model.config.to_dict()),
            "info": json.dumps(info or {})}
    atomic_save_file(tensors, Path(path), meta)
    return Path(path)


def warm_start(model: CompNet, source: CompNet) -> None:
    """Copy ``source``'s weights into ``model``; parameters ``model`` has and ``source`` lacks
    keep their (zero) initialisation, and an input layer that grew (new feature columns) gets the
    old columns, so the warm model computes what ``source`` did."""
    own = model.state_dict()
    for key, value in source.state_dict().items():
        if key not in own:
            continue
        target = own[key]
        if target.shape == value.shape:
            target.copy_(value)
        elif target.dim() == value.dim() and target.shape[:-1] == value.shape[:-1] \
                and target.shape[-1] > value.shape[-1]:
            target[..., : value.shape[-1]].copy_(value)
        else:
            raise WeightsError(f"cannot start from these weights: {key} is {tuple(value.shape)}, "
                               f"the model wants {tuple(target.shape)}")
    model.load_state_dict(own)


def load_weights(path: str | Path) -> tuple[CompNet, dict]:
    """A CompNet (float32, eval mode) from shipped weights, and the info stored with them."""
    path = Path(path)
    if not path.exists():
        raise WeightsError(f"compiler weights not found at {path}")
    meta, tensors = read_safetensors(path, WeightsError, "pass the shipped weights or a run's "
                                     "weights.safetensors (nsc-tune pretrain)")
    if meta.get("format") != "nsc_tune.compnet/1":
        raise WeightsError(f"{path} is not an nsc_tune CompNet weights file")
    try:
        model = CompNet(CompNetConfig.from_dict(json.loads(meta["config"])))
        wanted = model.state_dict()
        # Files from before the text-agnostic branch had its own parameters carry unused extras.
        state = {k: v.float() if v.is_floating_point() else v
                 for k, v in tensors.items() if k in wanted}
        model.load_state_dict(state)
        info = json.loads(meta.get("info", "{}"))
    except (KeyError, TypeError, ValueError, RuntimeError) as exc:
        raise WeightsError(f"{path} is a damaged CompNet weights file ({type(exc).__name__}: "
                           f"{str(exc)[:200]}); pass the shipped weights or pretrain "
                           "again") from None
    model.eval()
    return model, info
