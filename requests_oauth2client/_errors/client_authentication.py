"""The errors of client authentication: a request that cannot carry it, unusable credentials, keys or algs.

Private module: every name is re-exported by [requests_oauth2client.client_authentication][] (and the package root).
No message shows a secret or key material.
"""

from __future__ import annotations

import requests
from jwskate import InvalidJwk

__all__ = [
    "InvalidClientAssertionJwk",
    "InvalidClientAssertionSigningKeyOrAlg",
    "InvalidRequestForClientAuthentication",
    "UnsupportedClientCredentials",
]


class InvalidRequestForClientAuthentication(RuntimeError):
    """Client authentication was applied to a request that cannot carry it.

    Client authentication only applies to `POST` requests whose body is form-urlencoded (or empty).

    Args:
        request: the offending request.
    """

    def __init__(self, request: requests.PreparedRequest) -> None:
        content_type = request.headers.get("Content-Type") if request.headers is not None else None
        super().__init__(
            "Client authentication requires a POST request with an application/x-www-form-urlencoded body "
            f"(got method {request.method!r}, Content-Type {content_type!r})."
        )
        self.request = request


class InvalidClientAssertionSigningKeyOrAlg(ValueError):
    """The key or alg given to sign client assertions is not usable.

    Args:
        alg: the signing alg that was requested or determined, if any.
        reason: what is wrong with the key or the alg (never includes key material).
    """

    def __init__(self, alg: str | None, reason: str | None = None) -> None:
        message = "Invalid client assertion signing key or alg"
        if reason:
            message += f": {reason}"
        super().__init__(message)
        self.alg = alg


class InvalidClientAssertionJwk(InvalidClientAssertionSigningKeyOrAlg, InvalidJwk):
    """The private key given to sign client assertions is not a valid JWK.

    Also a `jwskate.InvalidJwk`, which the published releases let through in that case.
    """


class UnsupportedClientCredentials(TypeError, ValueError):
    """The credentials given to configure client authentication are not supported."""
