"""Durable, atomic safetensors files, shared by surrogate files, caches and checkpoints."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file
from safetensors.torch import save as safetensors_bytes

from nsc_tune.errors import NscTuneError


def atomic_save_file(tensors: dict, path: str | Path, metadata: dict[str, str]) -> None:
    """Write a safetensors file durably and atomically: a temporary file in the same folder,
    flushed and fsync'ed, renamed over ``path``, then the folder fsync'ed. A crash leaves either
    the old file or the new one, never a torn one."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    blob = safetensors_bytes({k: v.detach().contiguous().cpu() for k, v in tensors.items()},
                             metadata=metadata)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(blob)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    fsync_dir(path.parent)


def fsync_dir(directory: Path) -> None:
    """Make renames and deletions in ``directory`` durable (POSIX; a no-op elsewhere)."""
    if os.name != "posix":
        return
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def read_safetensors(path: Path, error: type[NscTuneError],
                     fix: str) -> tuple[dict[str, str], dict]:
    """``(metadata, tensors)`` of the safetensors file at ``path``; ``error`` (with ``fix``, what to
    do) when it is missing, garbage or truncated."""
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        return meta, load_file(str(path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise error(f"{path} is not a readable safetensors file ({exc}); it is damaged or "
                    f"truncated: {fix}") from None
