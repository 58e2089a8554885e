"""`RedisTokenStore`: tokens shared by processes on many hosts, in Redis (or Valkey, which speaks the same protocol).

`redis` (redis-py) is an optional dependency, imported when a store is created:
`pip install "requests_oauth2client[redis]"`.
"""

from __future__ import annotations

import logging
import math
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from types import ModuleType
from typing import TYPE_CHECKING, Any

from jwskate import Jwk

from requests_oauth2client._stores.base import (
    DEFAULT_EXPIRY_MARGIN,
    TokenStoreUnavailable,
    check_lock_parameters,
    entry_lifetime,
    wait_for_lock,
)
from requests_oauth2client._stores.codec import StoredTokenCodec
from requests_oauth2client.serializers import Serializer
from requests_oauth2client.tokens import BearerToken

if TYPE_CHECKING:  # redis is an optional dependency: imported by the constructor, not by this module
    import redis

__all__ = ["RedisTokenStore"]

logger = logging.getLogger("requests_oauth2client")

DEFAULT_PREFIX = "requests_oauth2client:"

# Deletes the lock only if it still holds this holder's random value: a holder whose lock expired (and was taken
# by another worker) must not release the other worker's lock. Atomic, since Redis runs a script as one command.
_RELEASE_LOCK = """
if redis.call('get', KEYS[1]) == ARGV[1] then
    return redis.call('del', KEYS[1])
end
return 0
"""


def _import_redis() -> ModuleType:
    """Import redis-py, or say how to install it.

    Raises:
        ImportError: redis-py is not installed.
    """
    try:
        import redis
    except ImportError as exc:
        msg = 'RedisTokenStore needs the redis package: pip install "requests_oauth2client[redis]"'
        raise ImportError(msg) from exc
    return redis


def _describe(client: redis.Redis) -> str:
    """Where a client connects to, without credentials: `redis at host:port/db` or `redis at /path.sock/db`."""
    pool = getattr(client, "connection_pool", None)
    kwargs: Mapping[str, Any] = getattr(pool, "connection_kwargs", None) or {}
    where = kwargs.get("path") or f"{kwargs.get('host', '?')}:{kwargs.get('port', '?')}"
    return f"redis at {where}/{kwargs.get('db', 0)}"


class RedisTokenStore:
    """A token store in Redis: one token for a whole fleet of processes and hosts.

    Tokens are stored under `<prefix>token:<key>` with an expiry (`PX`) at the token's expiration plus
    `expiry_margin` (none for tokens with a refresh token: see `entry_lifetime`). The lock of a key is
    `<prefix>lock:<key>`, taken with `SET ... NX PX <ttl>` and a random value, and released by a script that
    deletes it only if it still holds that value: a holder that dies leaves a lock that expires after `ttl`.

    The same commands work with Valkey (not tested here). Protect the server as you would protect the tokens: a
    password or an ACL user limited to the prefix (`~requests_oauth2client:*`), and TLS (`rediss://`) across
    hosts. With `encryption_key`, the stored values are encrypted, so that the server never holds a readable token.

    Args:
        redis_client: a `redis.Redis` client (anything with the same `get`/`set`/`delete`/`register_script`).
        prefix: the prefix of every key this store writes.
        serializer: the token serializer (default: `TokenSerializer()`).
        encryption_key: a symmetric JWK (128, 192 or 256 bits, e.g. `Jwk.generate(alg="A256GCM")`) to encrypt
            stored tokens with. Without it, tokens (and the private keys of DPoP tokens) are stored in clear text.
        store_dpop_keys: when `False`, DPoP tokens are not stored (each process obtains its own).
        expiry_margin: seconds to keep a token without refresh token after its expiration.

    Raises:
        ImportError: redis-py is not installed (`pip install "requests_oauth2client[redis]"`).

    Example:
        ```python
        store = RedisTokenStore.from_url("rediss://tokens.internal:6379/0", username="app", password="...")
        ```
    """

    def __init__(
        self,
        redis_client: redis.Redis,
        *,
        prefix: str = DEFAULT_PREFIX,
        serializer: Serializer[BearerToken] | None = None,
        encryption_key: Jwk | Mapping[str, Any] | None = None,
        store_dpop_keys: bool = True,
        expiry_margin: float = DEFAULT_EXPIRY_MARGIN,
    ) -> None:
        redis_module = _import_redis()
        self._errors: tuple[type[Exception], ...] = (redis_module.exceptions.RedisError, OSError)
        self.redis = redis_client
        self.prefix = prefix
        self.codec = StoredTokenCodec(serializer, encryption_key=encryption_key, store_dpop_keys=store_dpop_keys)
        self.expiry_margin = expiry_margin
        self._where = _describe(redis_client)
        self._release_lock = redis_client.register_script(_RELEASE_LOCK)  # no round trip until first used

    @classmethod
    def from_url(
        cls,
        url: str,
        *,
        prefix: str = DEFAULT_PREFIX,
        serializer: Serializer[BearerToken] | None = None,
        encryption_key: Jwk | Mapping[str, Any] | None = None,
        store_dpop_keys: bool = True,
        expiry_margin: float = DEFAULT_EXPIRY_MARGIN,
        **redis_kwargs: Any,
    ) -> RedisTokenStore:
        """A store on a new `redis.Redis.from_url(url, **redis_kwargs)` client.

        Socket timeouts default to 5 seconds (`socket_timeout`, `socket_connect_timeout`), so that a server that
        does not answer is reported as unavailable instead of blocking requests.

        Args:
            url: `redis://[[user]:password@]host[:port][/db]`, `rediss://...` (TLS) or `unix://path`.
            prefix: see the class.
            serializer: see the class.
            encryption_key: see the class.
            store_dpop_keys: see the class.
            expiry_margin: see the class.
            **redis_kwargs: passed to `redis.Redis.from_url()` (e.g. `password`, `ssl_ca_certs`).

        Raises:
            ImportError: redis-py is not installed (`pip install "requests_oauth2client[redis]"`).
        """
        redis_module = _import_redis()
        redis_kwargs.setdefault("socket_timeout", 5.0)
        redis_kwargs.setdefault("socket_connect_timeout", 5.0)
        return cls(
            redis_module.Redis.from_url(url, **redis_kwargs),
            prefix=prefix,
            serializer=serializer,
            encryption_key=encryption_key,
            store_dpop_keys=store_dpop_keys,
            expiry_margin=expiry_margin,
        )

    def __repr__(self) -> str:
        return f"RedisTokenStore({self._where}, prefix={self.prefix!r})"

    def _unavailable(self, operation: str, exc: Exception) -> TokenStoreUnavailable:
        return TokenStoreUnavailable(self._where, operation, exc)

    def get(self, key: str) -> BearerToken | None:
        """Return the token stored under `key`, or `None`.

        Raises:
            TokenStoreUnavailable: Redis could not be reached.
        """
        try:
            value: bytes | str | None = self.redis.get(f"{self.prefix}token:{key}")
        except self._errors as exc:
            raise self._unavailable("read a token", exc) from exc
        if value is None:
            return None
        return self.codec.decode(key, value)

    def set(self, key: str, token: BearerToken) -> None:
        """Store `token` under `key`, with an expiry derived from the token's.

        Raises:
            TokenStoreUnavailable: Redis could not be reached.
        """
        value = self.codec.encode(key, token)
        if value is None:
            return
        lifetime = entry_lifetime(token, self.expiry_margin)
        name = f"{self.prefix}token:{key}"
        try:
            if lifetime is None:
                self.redis.set(name, value)
            elif lifetime > 0:
                self.redis.set(name, value, px=math.ceil(lifetime * 1000))
            else:  # already expired, no margin: nothing worth keeping (nor the previous token)
                self.redis.delete(name)
        except self._errors as exc:
            raise self._unavailable("write a token", exc) from exc

    def delete(self, key: str) -> None:
        """Remove the token stored under `key`, if any.

        Raises:
            TokenStoreUnavailable: Redis could not be reached.
        """
        try:
            self.redis.delete(f"{self.prefix}token:{key}")
        except self._errors as exc:
            raise self._unavailable("delete a token", exc) from exc

    @contextmanager
    def lock(self, key: str, *, timeout: float, ttl: float) -> Iterator[None]:
        """Hold the lock of `key`: `SET <prefix>lock:<key> <random> NX PX <ttl>`, polled until `timeout`.

        The lock expires after `ttl` seconds even if its holder never releases it (it died): choose a `ttl`
        longer than a token request takes. Not reentrant.

        Raises:
            TokenStoreLockTimeout: the lock was not acquired within `timeout` seconds.
            TokenStoreUnavailable: Redis could not be reached.
        """
        check_lock_parameters(timeout, ttl)
        name = f"{self.prefix}lock:{key}"
        value = secrets.token_urlsafe(18)
        px = max(1, math.ceil(ttl * 1000))

        def try_acquire() -> bool:
            try:
                return bool(self.redis.set(name, value, nx=True, px=px))
            except self._errors as exc:
                raise self._unavailable("take a lock", exc) from exc

        wait_for_lock(try_acquire, key=key, timeout=timeout)
        try:
            yield
        finally:
            try:
                released = self._release_lock(keys=[name], args=[value])
            except self._errors as exc:
                raise self._unavailable("release a lock", exc) from exc
            if not released:
                logger.warning(
                    "The token store lock of %s expired before it was released: holding it took longer than its"
                    " ttl (%g s), so another worker may have renewed the token at the same time.",
                    key,
                    ttl,
                )
