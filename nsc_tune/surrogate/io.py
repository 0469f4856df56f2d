"""Surrogate files: weights as safetensors, with the kernel's source, function and domains as
metadata, so that :func:`load` rebuilds the surrogate and its kernel from the one file (no pickle).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from nsc_tune.errors import NscTuneError
from nsc_tune.kernel import Kernel

FORMAT = "nsc_tune.surrogate/1"


class SurrogateFileError(NscTuneError):
    """A surrogate file is missing, unreadable, or not a surrogate file."""


def kernel_shapes(kernel: Kernel) -> dict[str, list[int]]:
    """The shape of every array or pointer parameter, as ``Kernel(shapes=...)`` takes it."""
    sig = kernel.signature
    return {a.name: list(a.shape) for a in (*sig.inputs, *sig.outputs) if a.param >= 0 and a.shape}


def kernel_metadata(kernel: Kernel) -> dict[str, str]:
    """What rebuilds ``kernel``: source, function, name, flattened domains, array shapes."""
    return {"source": kernel.source, "function": kernel.function, "name": kernel.name,
            "domains": json.dumps(kernel.domains.tolist()),
            "shapes": json.dumps(kernel_shapes(kernel)),
            "max_iterations": str(kernel.max_iterations)}


def kernel_from_metadata(meta: dict[str, str]) -> Kernel:
    """The kernel that :func:`kernel_metadata` describes."""
    return Kernel.from_source(meta["source"], meta["function"], name=meta["name"],
                              domains=json.loads(meta["domains"]),
                              shapes=json.loads(meta["shapes"]),
                              max_iterations=int(meta["max_iterations"]))


def save(surrogate, path: str | Path) -> Path:
    """Write ``surrogate`` (weights, init, kernel) to ``path`` atomically; returns the path."""
    path = Path(path)
    meta = {"format": FORMAT, "init": surrogate.init, "width": str(surrogate.width),
            "depth": str(surrogate.depth),
            "output_stats_from_data": str(bool(surrogate.output_stats_from_data)),
            **kernel_metadata(surrogate.kernel)}
    tensors = {k: v.detach().contiguous().cpu() for k, v in surrogate.state_dict().items()}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    save_file(tensors, str(tmp), metadata=meta)
    os.replace(tmp, path)
    return path


def load(path: str | Path):
    """The surrogate stored at ``path`` by :func:`save`, with its kernel rebuilt from the file.

    Raises:
        SurrogateFileError: the file is missing or is not a surrogate file.
    """
    from nsc_tune.surrogate.model import Surrogate

    path = Path(path)
    if not path.is_file():
        raise SurrogateFileError(f"no surrogate file {path}; write one with `nsc-tune compile "
                                 f"... --out {path.name}` or `Surrogate.save`")
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        tensors = load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise SurrogateFileError(f"{path} is not a readable safetensors file ({exc})") from None
    if meta.get("format") != FORMAT:
        raise SurrogateFileError(f"{path} is not a surrogate file (format "
                                 f"{meta.get('format')!r}, expected {FORMAT!r})")
    kernel = kernel_from_metadata(meta)
    surrogate = Surrogate.random(kernel, width=int(meta["width"]), depth=int(meta["depth"]))
    try:
        surrogate.load_state_dict(tensors)
    except RuntimeError as exc:
        raise SurrogateFileError(f"{path}: weights do not fit the stored kernel ({exc})") from None
    surrogate.init = meta["init"]
    surrogate.output_stats_from_data = meta.get("output_stats_from_data") == "True"
    return surrogate
