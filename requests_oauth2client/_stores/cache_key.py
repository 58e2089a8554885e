"""`token_cache_key()`: the store key of a token, derived from everything that makes two tokens different.

A shared store must never hand one client's token to another (httpx_auth issue #97 is that bug: a cache keyed
by too little). Two configurations get the same key only when all of these are equal:

1. the token endpoint and the issuer;
2. the client_id;
3. the client credential: a hash of the client secret, the thumbprint of the private key (private_key_jwt), or
   `credential_id` for other client authentication methods; plus the TLS client certificate of the session;
4. the grant type;
5. the grant parameters (scope as a set, `resource` and `audience` as sets, any other parameter as given), and
   for grants whose tokens belong to a user, the `subject` (the username for the password grant);
6. the DPoP key: its thumbprint, "generated" (a new key for each token) or none.

Everything is hashed with SHA-256 into `ro2c:v1:<grant>:<64 hex digits>`: the key names no secret and no
personal data, only the grant type (a public, fixed name). The version changes if the derivation ever does.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from enum import Enum
from typing import Any

from requests_oauth2client.client import OAuth2Client
from requests_oauth2client.client_authentication import (
    ClientSecretBasic,
    ClientSecretJwt,
    ClientSecretPost,
    PrivateKeyJwt,
    PublicApp,
    TlsClientAuth,
)
from requests_oauth2client.dpop import DPoPKey
from requests_oauth2client.enums import GrantTypes
from requests_oauth2client.utils import split_space_separated

__all__ = ["KEY_PREFIX", "NOT_IN_KEY", "token_cache_key"]

KEY_PREFIX = "ro2c:v1:"
"""The beginning of every key made by `token_cache_key`, with the version of the derivation."""

NOT_IN_KEY = frozenset(
    {"code", "code_verifier", "redirect_uri", "device_code", "requests_kwargs", "validate", "slow_down_interval"}
)
"""Grant parameters that do not make tokens different, and that other processes do not know (single-use codes,
PKCE verifiers), or that only tune how the request is sent: left out of the key."""

# Parameters whose value is a set of strings: their order (and repetitions) do not change the token.
_SET_PARAMETERS = frozenset({"scope", "resource", "audience"})

# Grants whose tokens belong to the client itself. Tokens of every other grant belong to a user (or to the
# subject of an assertion or of an exchanged token), named by `subject` (or `username` for the password grant).
_CLIENT_GRANTS = frozenset({GrantTypes.CLIENT_CREDENTIALS.value})
_USERNAME_GRANTS = frozenset({GrantTypes.RESOURCE_OWNER_PASSWORD.value})

_LABEL = re.compile(r"[A-Za-z0-9_.-]{1,40}")


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _credential(client: OAuth2Client, credential_id: str | None) -> str:
    """A hash that identifies the client credential (never the credential itself).

    Raises:
        TypeError: the client authentication is of a kind this function does not know, and no `credential_id`.
    """
    auth = client.auth
    if credential_id is not None:
        material = f"id:{credential_id}"
    elif isinstance(auth, PrivateKeyJwt):
        material = f"private_key:{auth.private_jwk.thumbprint()}"
    elif isinstance(auth, (ClientSecretBasic, ClientSecretPost, ClientSecretJwt)):
        material = f"secret:{auth.client_secret}"  # the same secret sent in any of the 3 ways: the same client
    elif isinstance(auth, PublicApp):
        material = "none"
    elif isinstance(auth, TlsClientAuth):  # the certificate, added below, is the credential (RFC 8705)
        material = f"tls:{auth.TOKEN_ENDPOINT_AUTH_METHOD}"
    else:
        msg = (
            f"token_cache_key() cannot tell the credential of a client authenticated with {type(auth).__name__}:"
            " pass credential_id= (any stable string that identifies the credential, e.g. a certificate"
            " thumbprint; it is hashed)."
        )
        raise TypeError(msg)
    certificate = client.client_certificate  # TLS client authentication, certificate-bound tokens (RFC 8705)
    if certificate:
        material += f"|cert:{json.dumps(certificate)}"
    return _sha256(material)


def _dpop(client: OAuth2Client, params: dict[str, Any]) -> str:
    """The DPoP part of the key (and remove `dpop` and `dpop_key` from `params`)."""
    dpop, dpop_key = params.pop("dpop", None), params.pop("dpop_key", None)
    if isinstance(dpop_key, DPoPKey):
        return f"jkt:{dpop_key.dpop_jkt}"
    if dpop_key is not None:
        raise TypeError(f"token_cache_key(): dpop_key must be a DPoPKey, not {type(dpop_key).__name__}.")
    if dpop is None:
        dpop = client.dpop_bound_access_tokens
    return "generated" if dpop else "none"


def _normalized(name: str, value: object) -> Any:
    """A JSON value that is equal for two parameter values that make the same token.

    Raises:
        TypeError: the value has a type that has no stable representation (the message does not show it).
    """
    msg = f"token_cache_key(): the parameter {name or 'value'!r} has a type with no stable key: {type(value).__name__}."
    if isinstance(value, Enum):
        value = value.value
    if name in _SET_PARAMETERS:
        if value is None or isinstance(value, Mapping):
            raise TypeError(msg)
        members = split_space_separated(value, lambda _value: TypeError(msg))  # a set: order and repeats ignored
        return sorted({member for member in members or () if member})
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, Mapping):
        return {str(key): _normalized("", item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_normalized("", item) for item in value]
    raise TypeError(msg)


def _label(grant_type: str) -> str:
    """A readable name of the grant for the key: the last part of its URN, if plain."""
    tail = re.split(r"[:/]", grant_type)[-1]
    return tail if _LABEL.fullmatch(tail) else "custom"


def token_cache_key(
    client: OAuth2Client,
    grant_type: str,
    *,
    subject: str | None = None,
    credential_id: str | None = None,
    **params: Any,
) -> str:
    """The key under which a token store keeps the tokens of `client` obtained with `grant_type` and `params`.

    See the module documentation for what goes into the key. Parameters in `NOT_IN_KEY` and parameters set to
    `None` are left out.

    Args:
        client: the `OAuth2Client` that obtains the tokens.
        grant_type: the grant, e.g. `"client_credentials"` (or a `GrantTypes` member).
        subject: who the tokens belong to, required for grants whose tokens belong to a user (every grant but
            client credentials and password): a user id, a session id, any stable string (it is hashed).
        credential_id: identifies the client credential when the client authentication is not one of
            client_secret_basic/post/jwt, private_key_jwt or none (e.g. a certificate thumbprint).
        **params: the grant parameters (`scope`, `resource`, `audience`, `dpop`, `dpop_key`, `username`...).

    Returns:
        a key like `ro2c:v1:client_credentials:<64 hex digits>`.

    Raises:
        TypeError: a required `subject` (or `username`) is missing, the client authentication is unknown and no
            `credential_id` is given, or a parameter has a type with no stable representation.

    Example:
        ```python
        key = token_cache_key(client, "client_credentials", scope="read write", resource="https://api.example.com")
        assert key == token_cache_key(client, "client_credentials", scope=["write", "read"],
                                      resource="https://api.example.com")
        ```
    """
    grant = grant_type.value if isinstance(grant_type, Enum) else str(grant_type)
    params = {name: value for name, value in params.items() if value is not None and name not in NOT_IN_KEY}
    if grant in _USERNAME_GRANTS:
        if not isinstance(params.get("username"), str):
            raise TypeError(f"token_cache_key(): the {grant} grant needs the username its tokens belong to.")
    elif grant not in _CLIENT_GRANTS and subject is None:
        msg = (
            f"token_cache_key(): tokens of the {grant} grant belong to a user: pass subject= (a user or session id)"
            " so that users never share a token."
        )
        raise TypeError(msg)
    material = {
        "token_endpoint": client.token_endpoint,
        "issuer": client.issuer,
        "client_id": client.client_id,
        "credential": _credential(client, credential_id),
        "grant_type": grant,
        "subject": subject,
        "dpop": _dpop(client, params),
        "params": {name: _normalized(name, value) for name, value in params.items()},
    }
    canonical = json.dumps(material, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False)
    return f"{KEY_PREFIX}{_label(grant)}:{_sha256(canonical)}"
