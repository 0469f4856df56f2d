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


def _mlp_metadata(mlp, prefix: str = "") -> dict[str, str]:
    return {f"{prefix}init": mlp.init, f"{prefix}width": str(mlp.width),
            f"{prefix}depth": str(mlp.depth),
            f"{prefix}output_stats_from_data": str(bool(mlp.output_stats_from_data))}


def _mlp_from(kernel, meta: dict[str, str], tensors: dict, path: Path, prefix: str = ""):
    from nsc_tune.surrogate.model import Surrogate

    s = Surrogate.random(kernel, width=int(meta[f"{prefix}width"]),
                         depth=int(meta[f"{prefix}depth"]))
    try:
        s.load_state_dict(tensors)
    except RuntimeError as exc:
        raise SurrogateFileError(f"{path}: weights do not fit the stored kernel ({exc})") from None
    s.init = meta[f"{prefix}init"]
    s.output_stats_from_data = meta.get(f"{prefix}output_stats_from_data") == "True"
    return s


def record(surrogate) -> tuple[dict, dict[str, str]]:
    """``(tensors, metadata)`` of a ``Surrogate`` or ``GPSurrogate``, without its kernel (the
    accelerate cache stores them beside its gate)."""
    from nsc_tune.surrogate.gp import GPSurrogate

    if isinstance(surrogate, GPSurrogate):
        meta = {"kind": "gp", "init": surrogate.init, "covariance": surrogate.covariance}
        if surrogate.mean is not None:
            meta.update(_mlp_metadata(surrogate.mean, "mean."))
    else:
        meta = {"kind": "mlp", **_mlp_metadata(surrogate)}
    tensors = {k: v.detach().contiguous().cpu() for k, v in surrogate.state_dict().items()}
    return tensors, meta


def save(surrogate, path: str | Path) -> Path:
    """Write ``surrogate`` (an MLP ``Surrogate`` or a ``GPSurrogate``: weights, init, kernel) to
    ``path`` atomically; returns the path."""
    path = Path(path)
    tensors, meta = record(surrogate)
    meta = {"format": FORMAT, **meta, **kernel_metadata(surrogate.kernel)}
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
    bad = [k for k, v in tensors.items() if v.is_floating_point() and not v.isfinite().all()]
    if bad:
        raise SurrogateFileError(f"{path}: tensor(s) {bad[:3]} hold NaN or inf: the file is "
                                 "damaged or was written from a diverged fit; refit and save again")
    return from_record(kernel_from_metadata(meta), meta, tensors, path)


def from_record(kernel: Kernel, meta: dict[str, str], tensors: dict, path: str | Path):
    """The surrogate that :func:`record` described, for ``kernel`` (``path`` names the file in
    errors).

    Raises:
        SurrogateFileError: a tensor or metadata key is missing or does not fit the kernel.
    """
    path = Path(path)
    try:
        if meta.get("kind", "mlp") == "mlp":
            return _mlp_from(kernel, meta, tensors, path)
        if meta["kind"] == "gp":
            return _gp_from(kernel, meta, tensors, path)
    except KeyError as exc:
        raise SurrogateFileError(f"{path}: metadata or tensor {exc} is missing: not a complete "
                                 "surrogate file") from None
    raise SurrogateFileError(f"{path}: unknown surrogate kind {meta['kind']!r} (this nsc_tune "
                             "reads 'mlp' and 'gp')")


def _gp_from(kernel, meta: dict[str, str], tensors: dict, path: Path):
    from nsc_tune.surrogate.gp import GPSurrogate

    mean = None
    if "mean.width" in meta:
        mean = _mlp_from(kernel, meta, {k[5:]: v for k, v in tensors.items()
                                        if k.startswith("mean.")}, path, "mean.")
    t = {k: tensors[k] for k in ("train_u", "alpha", "inv_ls", "offset", "log", "log_in")}
    n, n_in, n_out = t["train_u"].shape[0], kernel.n_inputs, kernel.n_outputs
    shapes = {"train_u": (n, n_in), "alpha": (n_out, n), "offset": (n_out,), "log": (n_out,),
              "log_in": (n_in,)}
    for k, shape in shapes.items():
        if tuple(t[k].shape) != shape:
            raise SurrogateFileError(f"{path}: `{k}` has shape {tuple(t[k].shape)}, expected "
                                     f"{shape} for the stored kernel {kernel.signature}")
    if t["inv_ls"].shape[1:] != (n_in,) or t["inv_ls"].shape[0] not in (1, n_out):
        raise SurrogateFileError(f"{path}: `inv_ls` has shape {tuple(t['inv_ls'].shape)}")
    return GPSurrogate(kernel, mean, t["train_u"], t["alpha"], t["inv_ls"], t["offset"],
                       meta["covariance"], meta["init"], t["log"], t["log_in"])
