"""The disk cache of fitted surrogates and gates: one safetensors file per key (no pickle).

The key hashes the kernel's source, function and resolved domains with every ``FitSettings``
field, so any change to them fits afresh. Files live under ``$NSC_TUNE_CACHE/accelerate``
(default ``~/.cache/nsc_tune/accelerate``). Each file carries integrity digests (as surrogate
files do); on load they are checked, and so are the gate's values (finite positive tolerances,
calibration arrays of one length, a threshold the stored calibration gives), so a damaged file is
fitted afresh instead of accelerating with a broken gate.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
from pathlib import Path

import numpy as np
import torch
from safetensors import SafetensorError

from nsc_tune.accelerate.build import Built, build
from nsc_tune.accelerate.errors import warn
from nsc_tune.accelerate.gate import ErrorPredictor, Gate, calibrate
from nsc_tune.accelerate.settings import FitSettings
from nsc_tune.errors import NscTuneError
from nsc_tune.files import atomic_save_file
from nsc_tune.kernel import Kernel
from nsc_tune.kernel.numba_backend import cache_dir
from nsc_tune.surrogate.io import (
    INTEGRITY_KEY,
    SurrogateFileError,
    check_finite,
    check_integrity,
    from_record,
    integrity,
    meta_field,
    meta_int,
    meta_json,
    read_file,
    record,
)

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
    """Write ``built`` atomically and durably, with the integrity digests :func:`load` checks."""
    s, g = built.surrogate, built.gate
    s_tensors, s_meta = record(s)
    tensors = {f"surrogate.{k}": v for k, v in s_tensors.items()}
    tensors |= {f"gate.{k}": v for k, v in g.predictor.state_dict().items()}
    tensors |= {"tolerance": torch.as_tensor(g.tolerance),
                "cal_scores": torch.as_tensor(g.cal_scores),
                "cal_violated": torch.as_tensor(g.cal_violated, dtype=torch.uint8)}
    tensors = {k: v.detach().contiguous().cpu() for k, v in tensors.items()}
    meta = {"format": FORMAT, "surrogate": json.dumps(s_meta),
            "gate_width": str(g.predictor.out.in_features),
            "gate_depth": str(len(g.predictor.hidden)), "threshold": repr(g.threshold),
            "info": json.dumps(built.info)}
    meta[INTEGRITY_KEY] = integrity(tensors, meta)
    atomic_save_file(tensors, path, meta)


class CacheFileError(NscTuneError):
    """A cache file is unreadable, damaged or inconsistent (it is then fitted afresh)."""


def load(path: Path, kernel: Kernel, settings: FitSettings | None = None) -> Built | None:
    """The cached fit at ``path``, or None when absent; an unreadable, damaged or inconsistent
    file is reported with an AccelerationWarning and treated as absent (it is then fitted and
    overwritten). With ``settings``, the threshold must also be the one the stored calibration
    gives under them."""
    if not path.exists():
        return None
    try:
        return _read(path, kernel, settings)
    except (OSError, ValueError, KeyError, RuntimeError, SafetensorError, SurrogateFileError,
            CacheFileError) as exc:
        warn(f"accelerate: ignoring unreadable cache file {path} ({exc}); fitting afresh")
        return None


def _read(path: Path, kernel: Kernel, settings: FitSettings | None) -> Built:
    meta, t = read_file(path)
    if meta.get("format") != FORMAT:
        raise CacheFileError(f"format {meta.get('format')!r}, expected {FORMAT!r}")
    check_finite(t, path)
    if not check_integrity(t, meta, path):
        raise CacheFileError("no integrity digests: written by an older nsc_tune")
    surrogate = from_record(kernel, meta_json(meta, "surrogate", path), _strip(t, "surrogate."),
                            path)
    predictor = ErrorPredictor(kernel.domains, width=meta_int(meta, "gate_width", path),
                               depth=meta_int(meta, "gate_depth", path))
    predictor.load_state_dict(_strip(t, "gate."))
    gate = _gate(predictor, t, meta, kernel, path)
    if settings is not None:
        expected = calibrate(gate.cal_scores, gate.cal_violated, 1.0 - settings.target,
                             settings.confidence)
        if gate.threshold != expected:
            raise CacheFileError(f"threshold {gate.threshold!r} is not the {expected!r} that the "
                                 "stored calibration gives")
    info = meta_json(meta, "info", path)
    surrogate.eval()
    predictor.eval()
    return Built(surrogate, gate, info)


def _gate(predictor: ErrorPredictor, t: dict, meta: dict[str, str], kernel: Kernel,
          path: Path) -> Gate:
    """The stored gate, after checking its values make sense for ``kernel``."""
    for name in ("tolerance", "cal_scores", "cal_violated"):
        if name not in t:
            raise CacheFileError(f"tensor {name!r} is missing")
    tolerance = t["tolerance"].numpy().astype(np.float64)
    if tolerance.shape != (kernel.n_outputs,) or not (np.isfinite(tolerance).all()
                                                      and (tolerance > 0).all()):
        raise CacheFileError(f"tolerance {tolerance.tolist()} is not one positive finite bound "
                             f"per output ({kernel.n_outputs})")
    scores, violated = t["cal_scores"].numpy(), t["cal_violated"].numpy()
    if scores.ndim != 1 or scores.shape != violated.shape or scores.size == 0:
        raise CacheFileError(f"calibration arrays have shapes {scores.shape} and "
                             f"{violated.shape}, expected two of one equal length")
    if not np.isin(violated, (0, 1)).all():
        raise CacheFileError("cal_violated holds values other than 0 and 1")
    threshold = float(meta_field(meta, "threshold", path))
    if math.isnan(threshold):
        raise CacheFileError("threshold is NaN")
    return Gate(predictor, tolerance, threshold, scores, violated.astype(bool))


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
    built = load(path, kernel, settings)
    if built is not None:
        return built, "hit"
    built = build(kernel, settings)
    save(path, built)
    return built, "miss"
