"""The errors of DPoP (RFC 9449): unusable keys, algs and access tokens, and nonce requests that cannot be honoured.

They are public in [requests_oauth2client.dpop][]; this module lets lower layers (the transport) raise and catch
them without importing the DPoP key machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import requests

__all__ = [
    "InvalidDPoPAccessToken",
    "InvalidDPoPAlg",
    "InvalidDPoPKey",
    "InvalidUseDPoPNonceResponse",
    "MissingDPoPNonce",
    "RepeatedDPoPNonce",
]


class InvalidDPoPAccessToken(ValueError):
    """An access token for a `DPoPToken` is not a valid `token68` value (RFC 9110 §11.2).

    The token itself is kept in `.access_token` and never shown in the message.
    """

    def __init__(self, access_token: str) -> None:
        super().__init__("Invalid DPoP access token: it must be a token68 value (letters, digits, -._~+/ then =).")
        self.access_token = access_token


class InvalidDPoPKey(ValueError):
    """A key is not usable for DPoP: it must be a private, asymmetric key.

    The key is kept in `.key` and never shown in the message.
    """

    def __init__(self, key: object) -> None:
        super().__init__("Invalid DPoP key: DPoP proofs require a private, asymmetric signing key.")
        self.key = key


class InvalidDPoPAlg(ValueError):
    """An alg is not usable for DPoP: it must be an asymmetric signature alg."""

    def __init__(self, alg: str | None) -> None:
        super().__init__(f"Invalid DPoP alg: '{alg}' is not an asymmetric signature alg usable with this key.")
        self.alg = alg


class InvalidUseDPoPNonceResponse(Exception):
    """A server asked for a DPoP nonce in a way that cannot be honoured. The response is in `.response`."""

    def __init__(self, response: requests.Response, message: str) -> None:
        super().__init__(message)
        self.response = response


class MissingDPoPNonce(InvalidUseDPoPNonceResponse):
    """A server asked for a DPoP nonce but sent no `DPoP-Nonce` header."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(response, "The server asked for a DPoP nonce but did not provide one in a DPoP-Nonce header.")


class RepeatedDPoPNonce(InvalidUseDPoPNonceResponse):
    """A server asked for a DPoP nonce but provided the nonce that was already used."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(
            response, "The server asked for a new DPoP nonce but provided the nonce that was already used."
        )
