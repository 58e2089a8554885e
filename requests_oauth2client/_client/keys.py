"""The Authorization Server public keys of `OAuth2Client`: fetching them, and refreshing them at a bounded rate.

A fetch *replaces* the key set (a key the AS removed is no longer trusted; a key rotated under the same `kid` is not
mixed with the old one), in place: `client.authorization_server_jwks` is the same `JwkSet` object before and after,
so code holding a reference to it sees the new keys. ID Token validation asks for a refresh when a token names an
unknown key, or its signature does not verify with the known one; those refreshes happen at most once per
`jwks_refresh_cooldown` seconds, whatever the number of tokens or threads.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from jwskate import JwkSet

from requests_oauth2client._client.part import ClientPart
from requests_oauth2client._http.transport import get_json_document
from requests_oauth2client._protocol.metadata import jwks_from_document
from requests_oauth2client.enums import Endpoints

__all__ = ["DEFAULT_JWKS_REFRESH_COOLDOWN", "AuthorizationServerKeys", "RefreshCooldown"]

DEFAULT_JWKS_REFRESH_COOLDOWN = 60.0
"""Seconds that must pass between two JWKS refreshes triggered by ID Token validation, by default."""

T = TypeVar("T")


class RefreshCooldown:
    """Lets an action run at most once per cool-down period, across the threads that share this object.

    A thread that arrives while another runs the action waits for it to finish, then skips its own run: the result
    of the first is what it needed (the keys it fetched). Not copied by pickling: a restored object starts afresh.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last_run: float | None = None

    def run(self, action: Callable[[], T], cooldown: float) -> T | None:
        """Call `action()` unless the last call started less than `cooldown` seconds ago.

        The cool-down counts from the start of the last call, failed or not, so a failing server is not hammered.

        Returns:
            the result of `action()`, or None when it was skipped.
        """
        with self._lock:
            started = time.monotonic()
            if self._last_run is not None and started - self._last_run < cooldown:
                return None
            self._last_run = started
            return action()

    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self._lock = threading.Lock()
        self._last_run = None


class AuthorizationServerKeys(ClientPart):
    """Fetching and refreshing the AS public keys (a part of `OAuth2Client`)."""

    if TYPE_CHECKING:

        @property
        def authorization_server_jwks(self) -> JwkSet: ...

        @property
        def jwks_refresh_cooldown(self) -> float: ...

        @property
        def _jwks_refresh(self) -> RefreshCooldown: ...

    def update_authorization_server_public_keys(self, requests_kwargs: dict[str, Any] | None = None) -> JwkSet:
        """Fetch the AS public keys from `jwks_uri`, and replace the keys of `authorization_server_jwks` with them.

        The fetched set *replaces* the previous keys (it is not merged with them), in the same `JwkSet` object: a
        reference to `client.authorization_server_jwks` taken before sees the new keys.

        Returns:
            `authorization_server_jwks`, holding the new keys.

        Raises:
            MissingEndpointUri: when this client has no `jwks_uri`.
            DiscoveryHTTPError: when the endpoint answers with an error status (a `requests.HTTPError` too).
            DiscoveryRedirectError: when the endpoint redirects to another origin.
            InvalidDiscoveryDocument: when the answer is not a JSON Web Key Set.
        """
        url = self._endpoint(Endpoints.JWKS)
        fetched = jwks_from_document(
            get_json_document(self.session, Endpoints.JWKS, url, timeout=self.timeout, **(requests_kwargs or {})), url
        )
        keys = self.authorization_server_jwks
        # One assignment swaps the whole content: a validation running in another thread reads either the old
        # keys or the new ones, never an empty or half-filled set.
        keys.data = fetched.data
        return keys

    def refresh_authorization_server_public_keys(self) -> JwkSet:
        """Fetch the AS public keys again, unless that was done less than `jwks_refresh_cooldown` seconds ago.

        This is what ID Token validation calls when a token names a key the client does not know, or its signature
        does not verify with the known key: a stream of tokens with unknown `kid`s (or threads validating the same
        one) causes at most one request per cool-down. Call `update_authorization_server_public_keys()` to fetch
        the keys unconditionally.

        Returns:
            `authorization_server_jwks`, as fetched now or by the last refresh.

        Raises:
            MissingEndpointUri: when this client has no `jwks_uri`.
            DiscoveryHTTPError: when the endpoint answers with an error status (a `requests.HTTPError` too).
            InvalidDiscoveryDocument: when the answer is not a JSON Web Key Set.
        """
        self._jwks_refresh.run(self.update_authorization_server_public_keys, self.jwks_refresh_cooldown)
        return self.authorization_server_jwks
