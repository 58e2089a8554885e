"""`FileTokenStore`: tokens shared by the processes of one host, in a private directory (POSIX only)."""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from jwskate import Jwk

from requests_oauth2client._stores.base import (
    DEFAULT_EXPIRY_MARGIN,
    TokenStoreError,
    TokenStoreUnavailable,
    check_lock_parameters,
    entry_lifetime,
    wait_for_lock,
)
from requests_oauth2client._stores.codec import StoredTokenCodec
from requests_oauth2client.serializers import Serializer
from requests_oauth2client.tokens import BearerToken

try:
    import fcntl
except ImportError:  # pragma: no cover (Windows)
    fcntl = None  # type: ignore[assignment]

__all__ = ["FileTokenStore"]

# Version of the JSON document of an entry file: {"v": 1, "keep_until": <POSIX time or null>, "token": "<text>"}.
_FORMAT_VERSION = 1


class FileTokenStore:
    """A token store in a directory: for CLIs (tokens survive restarts) and for the worker processes of one host.

    Each key has two files, named after the SHA-256 of the key: `<hash>.json` holds the token (serialized with
    `TokenSerializer`, encrypted when `encryption_key` is given) and `<hash>.lock` is locked with `fcntl.flock`.
    Writes go to a temporary file renamed over the entry (`os.replace`), so readers see the old or the new token,
    never half of one. The kernel releases the lock of a process that dies, at once: `lock()` needs no `ttl`.

    The directory is created with mode 0700 when it does not exist, and files with mode 0600. An existing
    directory must belong to the current user and must not be writable by anyone else: a token planted there
    would be used by this client.

    POSIX only (Linux, macOS, BSD): on Windows, which has no `fcntl`, the constructor raises `TokenStoreError`.

    Args:
        directory: the directory of the store.
        serializer: the token serializer (default: `TokenSerializer()`).
        encryption_key: a symmetric JWK (128, 192 or 256 bits, e.g. `Jwk.generate(alg="A256GCM")`) to encrypt
            stored tokens with. Without it, tokens (and the private keys of DPoP tokens) are stored in clear text,
            protected by the file permissions only.
        store_dpop_keys: when `False`, DPoP tokens are not stored (each process obtains its own).
        expiry_margin: seconds to keep a token without refresh token after its expiration.

    Raises:
        TokenStoreError: on Windows, or when `directory` is not a directory, belongs to another user, or is
            writable by others.
        TokenStoreUnavailable: the directory cannot be created or inspected.

    Example:
        ```python
        store = FileTokenStore(Path.home() / ".cache" / "my_app" / "tokens")
        ```
    """

    def __init__(
        self,
        directory: str | os.PathLike[str],
        *,
        serializer: Serializer[BearerToken] | None = None,
        encryption_key: Jwk | Mapping[str, Any] | None = None,
        store_dpop_keys: bool = True,
        expiry_margin: float = DEFAULT_EXPIRY_MARGIN,
    ) -> None:
        if fcntl is None:  # pragma: no cover (Windows)
            msg = (
                "FileTokenStore needs POSIX file locks (fcntl), which this platform does not have:"
                " use RedisTokenStore or MemoryTokenStore instead."
            )
            raise TokenStoreError(msg)
        self.directory = Path(directory)
        self.codec = StoredTokenCodec(serializer, encryption_key=encryption_key, store_dpop_keys=store_dpop_keys)
        self.expiry_margin = expiry_margin
        self._prepare_directory()

    def __repr__(self) -> str:
        return f"FileTokenStore({str(self.directory)!r})"

    def _prepare_directory(self) -> None:
        """Create the directory (0700) if needed, and check that only its owner, this user, can write to it."""
        try:
            try:
                self.directory.mkdir(mode=0o700, parents=True)
            except FileExistsError:
                pass
            else:
                os.chmod(self.directory, 0o700)  # the mode given to mkdir() is reduced by the umask
            info = self.directory.stat()
        except OSError as exc:
            raise TokenStoreUnavailable(str(self.directory), "prepare its directory", exc) from exc
        if not stat.S_ISDIR(info.st_mode):
            raise TokenStoreError(f"The token store path {str(self.directory)!r} is not a directory.")
        if info.st_uid != os.getuid():
            raise TokenStoreError(
                f"The token store directory {str(self.directory)!r} belongs to another user (uid {info.st_uid}):"
                " use a directory of your own."
            )
        if info.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise TokenStoreError(
                f"The token store directory {str(self.directory)!r} is writable by other users"
                f" (mode {stat.S_IMODE(info.st_mode):o}): run `chmod 700` on it, or use another directory."
            )

    def _path(self, key: str, suffix: str) -> Path:
        return self.directory / f"{hashlib.sha256(key.encode()).hexdigest()}{suffix}"

    def _unavailable(self, operation: str, exc: OSError) -> TokenStoreUnavailable:
        return TokenStoreUnavailable(str(self.directory), operation, exc)

    def get(self, key: str) -> BearerToken | None:
        """Return the token stored under `key`, or `None`.

        Raises:
            TokenStoreUnavailable: the entry file exists but cannot be read.
        """
        try:
            content = self._path(key, ".json").read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._unavailable("read a token", exc) from exc
        try:
            serialized, keep_until = _parse_entry(content)
        except ValueError as exc:
            self.codec.unreadable(key, exc)
            return None
        if keep_until is not None and time.time() > keep_until:
            return None
        return self.codec.decode(key, serialized)

    def set(self, key: str, token: BearerToken) -> None:
        """Store `token` under `key` (atomically replacing the entry file).

        Raises:
            TokenStoreUnavailable: the entry file cannot be written.
        """
        serialized = self.codec.encode(key, token)
        if serialized is None:
            return
        lifetime = entry_lifetime(token, self.expiry_margin)
        document = {
            "v": _FORMAT_VERSION,
            "keep_until": None if lifetime is None else time.time() + lifetime,
            "token": serialized.decode("ascii"),
        }
        path = self._path(key, ".json")
        try:
            fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")  # mode 0600
            try:
                with os.fdopen(fd, "wb") as file:
                    file.write(json.dumps(document, separators=(",", ":")).encode("ascii"))
                    file.flush()
                    os.fsync(file.fileno())
                os.replace(temporary, path)
            except BaseException:
                with contextlib.suppress(OSError):
                    os.unlink(temporary)
                raise
        except OSError as exc:
            raise self._unavailable("write a token", exc) from exc

    def delete(self, key: str) -> None:
        """Remove the token stored under `key`, if any.

        Raises:
            TokenStoreUnavailable: the entry file exists but cannot be removed.
        """
        try:
            self._path(key, ".json").unlink(missing_ok=True)
        except OSError as exc:
            raise self._unavailable("delete a token", exc) from exc

    @contextmanager
    def lock(self, key: str, *, timeout: float, ttl: float) -> Iterator[None]:
        """Hold the lock of `key`: `flock` on its lock file (released by the kernel if this process dies).

        `ttl` is not needed, since a dead holder releases the lock at once; a holder that hangs keeps it, and
        waiters then get `TokenStoreLockTimeout`. Not reentrant, even within one process.

        Raises:
            TokenStoreLockTimeout: the lock was not acquired within `timeout` seconds.
            TokenStoreUnavailable: the lock file cannot be opened.
        """
        check_lock_parameters(timeout, ttl)
        try:
            fd = os.open(self._path(key, ".lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise self._unavailable("open a lock file", exc) from exc
        try:
            wait_for_lock(lambda: _try_flock(fd), key=key, timeout=timeout)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _parse_entry(content: bytes) -> tuple[str, float | None]:
    """Read an entry file: the serialized token and the POSIX time after which it is dropped (or None).

    Raises:
        ValueError: the content is not an entry document of the supported version.
    """
    try:
        document = json.loads(content)
    except (ValueError, RecursionError) as exc:
        raise ValueError("the entry file is not JSON") from exc
    if not isinstance(document, dict) or document.get("v") != _FORMAT_VERSION:
        raise ValueError("the entry file is not in a known format")
    serialized, keep_until = document.get("token"), document.get("keep_until")
    if not isinstance(serialized, str):
        raise ValueError("the entry file holds no token")
    if keep_until is not None and (isinstance(keep_until, bool) or not isinstance(keep_until, (int, float))):
        raise ValueError("the entry file has an invalid 'keep_until'")
    return serialized, None if keep_until is None else float(keep_until)


def _try_flock(fd: int) -> bool:
    """Take the exclusive `flock` of `fd` if it is free; `False` if another open file holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    return True
