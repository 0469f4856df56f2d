"""Checkpoints and shipped weights as safetensors (no pickle anywhere).

A training checkpoint holds the model's tensors (``model.*``), the optimizer's state tensors
(``optim.<param index>.<name>``) and, in its metadata, the step, the configs and the optimizer's
hyper-parameters. Shipped weights hold only the model, in float16, with the config.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file

from nsc_tune.compiler.model import CompNet, CompNetConfig
from nsc_tune.errors import NscTuneError


class WeightsError(NscTuneError):
    """Weights or checkpoint file missing or not of this format."""


def _atomic_save(tensors: dict, path: Path, metadata: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, str(tmp),
              metadata=metadata)
    os.replace(tmp, path)


#: Largest checkpoint file; bigger checkpoints are split into parts (files must stay small enough
#: to travel back from a GPU host).
MAX_PART_BYTES = 15 * 2**20


def save_checkpoint(path: Path, model: CompNet, optimizer: torch.optim.Optimizer, step: int,
                    train_config: dict) -> None:
    """Write a resumable checkpoint (split into parts of at most MAX_PART_BYTES)."""
    tensors = {f"model.{k}": v for k, v in model.state_dict().items()}
    opt = optimizer.state_dict()
    for idx, state in opt["state"].items():
        for name, value in state.items():
            t = value if torch.is_tensor(value) else torch.tensor(value)
            tensors[f"optim.{idx}.{name}"] = t
    groups: list[dict] = [{}]
    size = 0
    for key, value in tensors.items():
        nbytes = value.numel() * value.element_size()
        if groups[-1] and size + nbytes > MAX_PART_BYTES:
            groups.append({})
            size = 0
        groups[-1][key] = value
        size += nbytes
    meta = {"step": str(step), "model_config": json.dumps(model.config.to_dict()),
            "train_config": json.dumps(train_config), "parts": str(len(groups)),
            "param_groups": json.dumps(opt["param_groups"])}
    for k in range(len(groups) - 1, 0, -1):  # parts first, the head (with metadata) last
        _atomic_save(groups[k], path.with_name(f"{path.stem}.part{k}{path.suffix}"),
                     {"step": str(step)})
    _atomic_save(groups[0], path, meta)


def load_checkpoint(path: Path, model: CompNet, optimizer: torch.optim.Optimizer) -> int:
    """Restore model and optimizer from ``path``; returns the step to continue from."""
    from safetensors import safe_open

    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata()
    tensors: dict = {}
    for k in range(int(meta.get("parts", "1"))):
        part = path if k == 0 else path.with_name(f"{path.stem}.part{k}{path.suffix}")
        tensors.update(load_file(str(part)))
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
    _atomic_save(tensors, Path(path), meta)
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
    from safetensors import safe_open

    path = Path(path)
    if not path.exists():
        raise WeightsError(f"compiler weights not found at {path}")
    with safe_open(str(path), framework="pt") as f:
        meta = f.metadata() or {}
    if meta.get("format") != "nsc_tune.compnet/1":
        raise WeightsError(f"{path} is not an nsc_tune CompNet weights file")
    model = CompNet(CompNetConfig.from_dict(json.loads(meta["config"])))
    wanted = model.state_dict()
    # Files from before the text-agnostic branch had its own parameters carry unused extras.
    state = {k: v.float() if v.is_floating_point() else v
             for k, v in load_file(str(path)).items() if k in wanted}
    model.load_state_dict(state)
    model.eval()
    return model, json.loads(meta.get("info", "{}"))
