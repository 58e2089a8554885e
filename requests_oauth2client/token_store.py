"""Token stores: one token shared by many auth handlers, processes or hosts, renewed once per expiration.

| store | shared by | survives a restart | lock |
|---|---|---|---|
| `MemoryTokenStore` | the handlers of one process | no | a `threading.Lock` |
| `FileTokenStore(directory)` | the processes of one host (POSIX) | yes | `flock`, freed when its holder dies |
| `RedisTokenStore(client)` | every process reaching the server | as Redis does | `SET NX PX`, expires after `ttl` |

Every auth handler takes a store as `store=` (see `requests_oauth2client.auth`): the handlers of all the processes
sharing the store, with the same client and parameters, share one token, renewed once per expiration.

Every store implements the `TokenStore` protocol (`get`, `set`, `delete`, `lock`). `token_cache_key()` derives
the key of a token from everything that makes tokens different (AS, client, credential, grant, scope,
resource, DPoP key), and `TokenStoreEntry` runs the renewal protocol on one key: read the shared token, else
take the lock, read again, renew, write back, release; a store that is down makes each process renew on its
own, with one warning.

The file and Redis stores serialize tokens with `TokenSerializer`; with an `encryption_key` they encrypt them
(JWE, AES-GCM) and bind each value to its key; `store_dpop_keys=False` keeps DPoP tokens (and their private
keys) out of the store.

Example:
    ```python
    store = RedisTokenStore.from_url("redis://localhost:6379/0")
    auth = OAuth2ClientCredentialsAuth(client, scope="orders:read", store=store)

    # the same protocol, for flows of your own
    key = token_cache_key(client, "client_credentials", scope="orders:read")
    entry = TokenStoreEntry(store, key)
    token = entry.renew(
        None,
        needs_renewal=lambda token: token.is_expired(leeway=20),
        renew=lambda base: client.client_credentials(scope="orders:read"),
    )
    ```
"""

from __future__ import annotations

from requests_oauth2client._stores.base import (
    DEFAULT_EXPIRY_MARGIN,
    DEFAULT_LOCK_TIMEOUT,
    DEFAULT_LOCK_TTL,
    TokenStore,
    TokenStoreError,
    TokenStoreLockTimeout,
    TokenStoreUnavailable,
    entry_lifetime,
)
from requests_oauth2client._stores.cache_key import KEY_PREFIX, NOT_IN_KEY, token_cache_key
from requests_oauth2client._stores.entry import TokenStoreEntry
from requests_oauth2client._stores.file_store import FileTokenStore
from requests_oauth2client._stores.memory_store import MemoryTokenStore
from requests_oauth2client._stores.redis_store import RedisTokenStore

__all__ = [
    "DEFAULT_EXPIRY_MARGIN",
    "DEFAULT_LOCK_TIMEOUT",
    "DEFAULT_LOCK_TTL",
    "KEY_PREFIX",
    "NOT_IN_KEY",
    "FileTokenStore",
    "MemoryTokenStore",
    "RedisTokenStore",
    "TokenStore",
    "TokenStoreEntry",
    "TokenStoreError",
    "TokenStoreLockTimeout",
    "TokenStoreUnavailable",
    "entry_lifetime",
    "token_cache_key",
]
