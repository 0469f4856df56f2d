"""The cache folder never runs code that nobody checked.

Numba's cache index and data are pickles, and the native cross-check caches gcc executables:
either would run whatever someone wrote into the cache folder. So every such file is signed when
this process writes it (an HMAC-SHA256 of its path under the cache and its bytes, in ``<file>.sig``)
with a per-user secret key kept *outside* the cache, and verified before it is used; a file that
fails is deleted and rebuilt. A cache folder owned by another user is refused; one of ours that
others can write is made private. See "Threat model" in docs/kernels.md.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import secrets
import stat
import warnings
from pathlib import Path

from nsc_tune.errors import NscTuneError

SUFFIX = ".sig"


class UntrustedCacheError(NscTuneError):
    """The cache folder belongs to someone else."""


def key_path() -> Path:
    """``$NSC_TUNE_CACHE_KEY``, else ``$XDG_CONFIG_HOME/nsc_tune/cache.key`` (``~/.config``)."""
    explicit = os.environ.get("NSC_TUNE_CACHE_KEY")
    if explicit:
        return Path(explicit)
    config = os.environ.get("XDG_CONFIG_HOME") or os.path.expanduser("~/.config")
    return Path(config) / "nsc_tune" / "cache.key"


@functools.lru_cache(maxsize=8)
def _key(path: Path) -> bytes:
    """The secret at ``path``, created (readable by its owner only) on first use."""
    try:
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError):
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        try:
            os.link(tmp, path)  # never replaces a key another process made first
        except FileExistsError:
            pass
        finally:
            tmp.unlink(missing_ok=True)
        return bytes.fromhex(path.read_text().strip())
    except (OSError, ValueError) as exc:
        warnings.warn(f"nsc_tune: cannot keep a cache key at {path} ({exc}); this process's "
                      "cached code will be rebuilt by the next one", stacklevel=3)
        return secrets.token_bytes(32)


def key() -> bytes:
    return _key(key_path())


def _mac(path: Path, root: Path) -> str:
    digest = hmac.new(key(), str(path.relative_to(root)).encode() + b"\0", hashlib.sha256)
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def sign(path: Path, root: Path) -> None:
    """Record that this process wrote ``path`` (a file under the cache folder ``root``)."""
    sig = path.with_name(path.name + SUFFIX)
    tmp = sig.with_name(f".{sig.name}.{os.getpid()}.tmp")
    tmp.write_text(_mac(path, root))
    os.replace(tmp, sig)


def verified(path: Path, root: Path) -> bool:
    """Whether ``path`` is exactly what a process holding our key signed."""
    try:
        expected = path.with_name(path.name + SUFFIX).read_text().strip()
        return hmac.compare_digest(expected, _mac(path, root))
    except (OSError, ValueError):
        return False


def discard(path: Path) -> None:
    """Remove a file and its signature (a file that failed verification)."""
    for p in (path, path.with_name(path.name + SUFFIX)):
        try:
            p.unlink()
        except FileNotFoundError:
            pass


def private_folder(folder: Path, root: Path) -> Path:
    """``folder`` (under the cache ``root``) created if needed, ours and writable only by us;
    every folder from ``root`` down is checked. Raises UntrustedCacheError when one belongs to
    another user."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    parts = [root, *[p for p in folder.parents if root in p.parents], folder]
    for p in dict.fromkeys(parts):
        st = p.lstat()
        if stat.S_ISLNK(st.st_mode) or st.st_uid != os.getuid():
            raise UntrustedCacheError(
                f"the cache folder {p} belongs to another user (or is a symbolic link): code "
                "cached there could be anyone's; set NSC_TUNE_CACHE to a folder of your own")
        if st.st_mode & 0o022:
            os.chmod(p, stat.S_IMODE(st.st_mode) & ~0o022)
    return folder
