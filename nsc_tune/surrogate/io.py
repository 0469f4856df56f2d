"""Surrogate files: weights as safetensors, with the kernel's source, function and domains as
metadata, so that :func:`load` rebuilds the surrogate and its kernel from the one file (no pickle).

Every file carries SHA-256 digests of its tensors and metadata (key ``sha256``) and of the kernel
source (key ``source_sha256``); :func:`load` recomputes them, so a damaged or edited file, or one
whose source was swapped for another kernel's, is refused rather than loaded.
"""

from __future__ import annotations

import hashlib
import json
import warnings
from pathlib import Path

import torch

from nsc_tune.errors import NscTuneError
from nsc_tune.files import atomic_save_file, read_safetensors
from nsc_tune.kernel import Kernel

FORMAT = "nsc_tune.surrogate/1"
#: Metadata key of the digests of a file's tensors and other metadata.
INTEGRITY_KEY = "sha256"


class SurrogateFileError(NscTuneError):
    """A surrogate file is missing, unreadable, or not a surrogate file.

    Also raised for a damaged or edited file (its digests do not match) and for NaN weights.
    """


class SurrogateFileWarning(UserWarning):
    """A surrogate file loads but cannot be fully checked (it predates the integrity digests)."""


def source_sha256(source: str) -> str:
    """Hex SHA-256 of a kernel's C source (UTF-8)."""
    return hashlib.sha256(source.encode()).hexdigest()


def tensor_sha256(tensor: torch.Tensor) -> str:
    """Hex SHA-256 of a tensor's dtype, shape and bytes."""
    t = tensor.detach().cpu()
    h = hashlib.sha256(f"{t.dtype}|{list(t.shape)}|".encode())
    dense = torch.empty(t.shape, dtype=t.dtype).copy_(t)  # standard strides, even for size 1
    h.update(dense.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def _metadata_sha256(meta: dict[str, str]) -> str:
    items = sorted((k, v) for k, v in meta.items() if k != INTEGRITY_KEY)
    return hashlib.sha256(json.dumps(items).encode()).hexdigest()


def integrity(tensors: dict, meta: dict[str, str]) -> str:
    """The value of the ``sha256`` metadata key for a file of ``tensors`` and ``meta``: a JSON
    object with each tensor's digest (sorted by name) and one digest of the other metadata."""
    return json.dumps({"tensors": {k: tensor_sha256(tensors[k]) for k in sorted(tensors)},
                       "metadata": _metadata_sha256(meta)}, sort_keys=True)


def check_integrity(tensors: dict, meta: dict[str, str], path: str | Path) -> bool:
    """Compare a file's tensors and metadata with its stored digests.

    Returns:
        True when they match, False when the file stores none (written before the digests).

    Raises:
        SurrogateFileError: a digest differs (or is unreadable): the file is damaged or edited.
    """
    if INTEGRITY_KEY not in meta:
        return False
    damaged = "the file is damaged or was edited; fit and save it again"
    try:
        stored = json.loads(meta[INTEGRITY_KEY])
        want, want_meta = dict(stored["tensors"]), stored["metadata"]
    except (ValueError, KeyError, TypeError):
        raise SurrogateFileError(f"{path}: metadata key {INTEGRITY_KEY!r} is not a valid digest "
                                 f"record: {damaged}") from None
    if sorted(want) != sorted(tensors):
        odd = sorted(set(want) ^ set(tensors))
        raise SurrogateFileError(f"{path}: tensor(s) {odd[:3]} are missing or extra compared "
                                 f"with the stored digests: {damaged}")
    changed = [k for k in sorted(tensors) if tensor_sha256(tensors[k]) != want[k]]
    if changed:
        raise SurrogateFileError(f"{path}: tensor(s) {changed[:3]} do not match their stored "
                                 f"SHA-256: {damaged}")
    if _metadata_sha256(meta) != want_meta:
        raise SurrogateFileError(f"{path}: the metadata do not match their stored SHA-256: "
                                 f"{damaged}")
    return True


def check_finite(tensors: dict, path: str | Path) -> None:
    """Raise SurrogateFileError naming the floating tensors of ``tensors`` that hold NaN or inf."""
    bad = [k for k, v in tensors.items() if v.is_floating_point() and not v.isfinite().all()]
    if bad:
        raise SurrogateFileError(f"{path}: tensor(s) {bad[:3]} hold NaN or inf: the file is "
                                 "damaged or was written from a diverged fit; refit and save again")


def meta_field(meta: dict[str, str], key: str, path: str | Path) -> str:
    """``meta[key]``, or a SurrogateFileError naming the missing key."""
    if key not in meta:
        raise SurrogateFileError(f"{path}: metadata key {key!r} is missing: not a complete "
                                 "surrogate file; fit and save it again")
    return meta[key]


def meta_json(meta: dict[str, str], key: str, path: str | Path):
    """``meta[key]`` parsed as JSON, or a SurrogateFileError naming the key."""
    try:
        return json.loads(meta_field(meta, key, path))
    except ValueError:
        raise SurrogateFileError(f"{path}: metadata key {key!r} is not valid JSON: the file is "
                                 "damaged or was edited; fit and save it again") from None


def meta_int(meta: dict[str, str], key: str, path: str | Path) -> int:
    """``meta[key]`` as an integer, or a SurrogateFileError naming the key."""
    try:
        return int(meta_field(meta, key, path))
    except ValueError:
        raise SurrogateFileError(f"{path}: metadata key {key!r} is not an integer "
                                 f"({meta[key]!r}): the file is damaged or was edited") from None


def kernel_shapes(kernel: Kernel) -> dict[str, list[int]]:
    """The shape of every array or pointer parameter, as ``Kernel(shapes=...)`` takes it."""
    sig = kernel.signature
    return {a.name: list(a.shape) for a in (*sig.inputs, *sig.outputs) if a.param >= 0 and a.shape}


def kernel_metadata(kernel: Kernel) -> dict[str, str]:
    """What rebuilds ``kernel``: source (and its SHA-256), function, name, flattened domains,
    array shapes."""
    return {"source": kernel.source, "source_sha256": source_sha256(kernel.source),
            "function": kernel.function, "name": kernel.name,
            "domains": json.dumps(kernel.domains.tolist()),
            "shapes": json.dumps(kernel_shapes(kernel)),
            "max_iterations": str(kernel.max_iterations)}


def kernel_from_metadata(meta: dict[str, str], path: str | Path = "surrogate metadata") -> Kernel:
    """The kernel that :func:`kernel_metadata` describes (``path`` names the file in errors).

    Raises:
        SurrogateFileError: a key is missing or malformed, the source does not match its stored
            SHA-256, or the kernel cannot be rebuilt.
    """
    source = meta_field(meta, "source", path)
    stored = meta.get("source_sha256")
    if stored is not None and stored != source_sha256(source):
        raise SurrogateFileError(f"{path}: the stored kernel source does not match its stored "
                                 "SHA-256 (`source_sha256`): the source was swapped or edited; "
                                 "fit and save the surrogate again from its own kernel")
    kw = dict(name=meta_field(meta, "name", path), domains=meta_json(meta, "domains", path),
              shapes=meta_json(meta, "shapes", path),
              max_iterations=meta_int(meta, "max_iterations", path))
    try:
        return Kernel.from_source(source, meta_field(meta, "function", path), **kw)
    except (NscTuneError, ValueError, TypeError) as exc:
        raise SurrogateFileError(f"{path}: the stored kernel cannot be rebuilt ({exc}); the file "
                                 "is damaged or was edited") from None


def _mlp_metadata(mlp, prefix: str = "") -> dict[str, str]:
    return {f"{prefix}init": mlp.init, f"{prefix}width": str(mlp.width),
            f"{prefix}depth": str(mlp.depth),
            f"{prefix}output_stats_from_data": str(bool(mlp.output_stats_from_data))}


def _mlp_from(kernel, meta: dict[str, str], tensors: dict, path: Path, prefix: str = ""):
    from nsc_tune.surrogate.model import Surrogate

    s = Surrogate.random(kernel, width=meta_int(meta, f"{prefix}width", path),
                         depth=meta_int(meta, f"{prefix}depth", path))
    try:
        s.load_state_dict(tensors)
    except RuntimeError as exc:
        raise SurrogateFileError(f"{path}: weights do not fit the stored kernel ({exc})") from None
    s.init = meta_field(meta, f"{prefix}init", path)
    s.output_stats_from_data = meta.get(f"{prefix}output_stats_from_data") == "True"
    return s


def record(surrogate) -> tuple[dict, dict[str, str]]:
    """``(tensors, metadata)`` of a ``Surrogate`` or ``GPSurrogate``, without its kernel (the
    accelerate cache stores them beside its gate); the metadata hold the SHA-256 of the kernel's
    source, which :func:`from_record` checks."""
    from nsc_tune.surrogate.gp import GPSurrogate

    if isinstance(surrogate, GPSurrogate):
        meta = {"kind": "gp", "init": surrogate.init, "covariance": surrogate.covariance}
        if surrogate.mean is not None:
            meta.update(_mlp_metadata(surrogate.mean, "mean."))
    else:
        meta = {"kind": "mlp", **_mlp_metadata(surrogate)}
    meta["source_sha256"] = source_sha256(surrogate.kernel.source)
    tensors = {k: v.detach().contiguous().cpu() for k, v in surrogate.state_dict().items()}
    return tensors, meta


def save(surrogate, path: str | Path) -> Path:
    """Write ``surrogate`` (an MLP ``Surrogate`` or a ``GPSurrogate``: weights, init, kernel) to
    ``path`` atomically; returns the path.

    The file carries SHA-256 digests of its tensors, metadata and kernel source, which
    :func:`load` checks.
    """
    path = Path(path)
    tensors, meta = record(surrogate)
    meta = {"format": FORMAT, **meta, **kernel_metadata(surrogate.kernel)}
    meta[INTEGRITY_KEY] = integrity(tensors, meta)
    atomic_save_file(tensors, path, meta)
    return path


def read_file(path: Path) -> tuple[dict[str, str], dict]:
    """``(metadata, tensors)`` of the safetensors file at ``path``.

    Raises:
        SurrogateFileError: the file is not a readable safetensors file (garbage, truncated).
    """
    return read_safetensors(path, SurrogateFileError, "fit and save it again")


def load(path: str | Path):
    """The surrogate stored at ``path`` by :func:`save`, with its kernel rebuilt from the file.

    The stored digests are checked; a file without them (saved by an older nsc_tune) loads with
    a SurrogateFileWarning.

    Raises:
        SurrogateFileError: the file is missing, unreadable, damaged or edited, holds NaN or inf,
            or is not a surrogate file.
    """
    path = Path(path)
    if not path.is_file():
        raise SurrogateFileError(f"no surrogate file {path}; write one with `nsc-tune compile "
                                 f"... --out {path.name}` or `Surrogate.save`")
    meta, tensors = read_file(path)
    if meta.get("format") != FORMAT:
        raise SurrogateFileError(f"{path} is not a surrogate file (format "
                                 f"{meta.get('format')!r}, expected {FORMAT!r})")
    check_finite(tensors, path)
    if not check_integrity(tensors, meta, path):
        warnings.warn(f"{path} has no integrity digests (saved by an older nsc_tune), so damage "
                      "to it cannot be detected; load and save it again to add them",
                      SurrogateFileWarning, stacklevel=2)
    return from_record(kernel_from_metadata(meta, path), meta, tensors, path)


def from_record(kernel: Kernel, meta: dict[str, str], tensors: dict, path: str | Path):
    """The surrogate that :func:`record` described, for ``kernel`` (``path`` names the file in
    errors).

    Raises:
        SurrogateFileError: a tensor or metadata key is missing or does not fit the kernel, or
            the record was made for another kernel source.
    """
    path = Path(path)
    stored = meta.get("source_sha256")
    if stored is not None and stored != source_sha256(kernel.source):
        raise SurrogateFileError(f"{path}: the surrogate was fitted for another kernel source "
                                 f"than the one of `{kernel.function}` given to load it; fit it "
                                 "again for this kernel")
    kind = meta.get("kind", "mlp")
    try:
        if kind == "mlp":
            return _mlp_from(kernel, meta, tensors, path)
        if kind == "gp":
            return _gp_from(kernel, meta, tensors, path)
    except KeyError as exc:
        raise SurrogateFileError(f"{path}: tensor {exc} is missing: not a complete "
                                 "surrogate file") from None
    raise SurrogateFileError(f"{path}: unknown surrogate kind {kind!r} (this nsc_tune "
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
                       meta_field(meta, "covariance", path),
                       meta_field(meta, "init", path), t["log"], t["log_in"])
