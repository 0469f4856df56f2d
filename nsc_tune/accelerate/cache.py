"""The disk cache of fitted surrogates and gates: one safetensors file per key (no pickle).

The key hashes the kernel's source, function and resolved domains with every ``FitSettings``
field, so any change to them fits afresh. Files live under ``$NSC_TUNE_CACHE/accelerate``
(default ``~/.cache/nsc_tune/accelerate``).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import load_file, save_file

from nsc_tune.accelerate.build import Built, build
from nsc_tune.accelerate.errors import warn
from nsc_tune.accelerate.gate import ErrorPredictor, Gate
from nsc_tune.accelerate.settings import FitSettings
from nsc_tune.kernel import Kernel
from nsc_tune.kernel.numba_backend import cache_dir
from nsc_tune.surrogate.io import SurrogateFileError, from_record, record

FORMAT = "nsc_tune.accelerate/2"  # 2: the surrogate as surrogate.io records it (MLP or GP)


def default_dir() -> Path:
    """``$NSC_TUNE_CACHE/accelerate`` (default ``~/.cache/nsc_tune/accelerate``)."""
    return cache_dir() / "accelerate"


def key(kernel: Kernel, settings: FitSettings) -> str:
    """Hex digest naming the fit of ``kernel`` under ``settings``."""
    blob = json.dumps({"format": FORMAT, "source": kernel.source, "function": kernel.function,
                       "domains": kernel.domains.tolist(),
                       "settings": dataclasses.asdict(settings)}, sort_keys=True)
    return hashlib.sha256(blob.encode()).hexdigest()[:32]


def path_for(directory: Path, kernel: Kernel, settings: FitSettings) -> Path:
    """The cache file of ``kernel`` under ``settings`` in ``directory``."""
    return Path(directory) / f"{kernel.function}-{key(kernel, settings)}.safetensors"


def save(path: Path, built: Built) -> None:
    """Write ``built`` atomically (a temporary file, then a rename)."""
    s, g = built.surrogate, built.gate
    s_tensors, s_meta = record(s)
    tensors = {f"surrogate.{k}": v for k, v in s_tensors.items()}
    tensors |= {f"gate.{k}": v for k, v in g.predictor.state_dict().items()}
    tensors |= {"tolerance": torch.as_tensor(g.tolerance),
                "cal_scores": torch.as_tensor(g.cal_scores),
                "cal_violated": torch.as_tensor(g.cal_violated, dtype=torch.uint8)}
    meta = {"format": FORMAT, "surrogate": json.dumps(s_meta),
            "gate_width": str(g.predictor.out.in_features),
            "gate_depth": str(len(g.predictor.hidden)), "threshold": repr(g.threshold),
            "info": json.dumps(built.info)}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f"{path.name}.tmp{os.getpid()}")
    save_file({k: v.detach().contiguous().cpu() for k, v in tensors.items()}, str(tmp),
              metadata=meta)
    os.replace(tmp, path)


def load(path: Path, kernel: Kernel) -> Built | None:
    """The cached fit at ``path``, or None when absent; an unreadable file is reported with an
    AccelerationWarning and treated as absent (it is then fitted and overwritten)."""
    if not path.exists():
        return None
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = f.metadata() or {}
        if meta.get("format") != FORMAT:
            raise ValueError(f"format {meta.get('format')!r}, expected {FORMAT!r}")
        t = load_file(str(path))
        surrogate = from_record(kernel, json.loads(meta["surrogate"]), _strip(t, "surrogate."),
                                path)
        predictor = ErrorPredictor(kernel.domains, width=int(meta["gate_width"]),
                                   depth=int(meta["gate_depth"]))
        predictor.load_state_dict(_strip(t, "gate."))
    except (OSError, ValueError, KeyError, RuntimeError, SafetensorError,
            SurrogateFileError) as exc:
        warn(f"accelerate: ignoring unreadable cache file {path} ({exc}); fitting afresh")
        return None
    surrogate.eval()
    predictor.eval()
    gate = Gate(predictor, t["tolerance"].numpy().astype(np.float64), float(meta["threshold"]),
                t["cal_scores"].numpy(), t["cal_violated"].numpy().astype(bool))
    return Built(surrogate, gate, json.loads(meta["info"]))


def _strip(tensors: dict, prefix: str) -> dict:
    return {k[len(prefix):]: v for k, v in tensors.items() if k.startswith(prefix)}


def obtain(kernel: Kernel, settings: FitSettings, directory: Path | None
           ) -> tuple[Built, str]:
    """The fit for ``kernel`` from the cache, else fitted (and cached when ``directory`` is set).

    Returns:
        ``(built, status)`` with status "hit", "miss" (fitted and stored) or "off" (no cache).
    """
    if directory is None:
        return build(kernel, settings), "off"
    path = path_for(directory, kernel, settings)
    built = load(path, kernel)
    if built is not None:
        return built, "hit"
    built = build(kernel, settings)
    save(path, built)
    return built, "miss"
