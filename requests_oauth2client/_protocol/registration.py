"""Dynamic client registration (RFC 7591, RFC 7592) as values and pure checks; `registration` sends the requests.

`registration_request_body()` builds the JSON body of a registration request from client metadata: a
`private_key_jwt` client without keys gets an inline `jwks` holding the public half of its key (generated when none
is given); private key material is never sent. `check_client_information()` checks an answer of the registration
endpoint (RFC 7591 §3.2.1) or of the client configuration endpoint (RFC 7592 §3), in this order:

1. a JSON object without `error`;
2. `client_id` a non-empty string, equal to the known one when reading or updating a registration;
3. `client_secret`, `registration_access_token` a non-empty string when present, `registration_client_uri` an
   absolute https URL (http with `https=False`) when present; in an answer to a read or an update, absent ones keep
   their previous values (a rotated registration access token replaces the old one);
4. `client_id_issued_at` and `client_secret_expires_at` non-negative integers, the latter present whenever a secret
   is (0: the secret never expires);
5. the client metadata of RFC 7591 §2 have their types (strings, lists of strings, `jwks` a key set);
6. the registered authentication method is usable: a `client_secret_*` method came with a secret, and the key of a
   `private_key_jwt` client is in the registered `jwks` (when the AS echoes one).

Each failure raises a `ValueError` saying what is wrong (never with a secret); the HTTP side turns it into an
`InvalidRegistrationResponse` that carries the response.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any
from urllib.parse import urlsplit

import requests
from attrs import field, frozen
from jwskate import Jwk

from requests_oauth2client.client_authentication import (
    ClientSecretBasic,
    ClientSecretJwt,
    ClientSecretPost,
    PrivateKeyJwt,
    PublicApp,
    UnsupportedClientCredentials,
)
from requests_oauth2client.exceptions import InvalidParam

__all__ = [
    "SERVER_MANAGED_MEMBERS",
    "ClientRegistration",
    "check_client_information",
    "registration_request_body",
]

SERVER_MANAGED_MEMBERS = frozenset(
    {"registration_access_token", "registration_client_uri", "client_secret_expires_at", "client_id_issued_at"}
)
"""Members of a client information response that a client never sends back (RFC 7592 §2.2)."""

DEFAULT_AUTH_METHOD = "client_secret_basic"
"""The `token_endpoint_auth_method` of a registration that names none (RFC 7591 §2)."""

_SECRET_METHODS = frozenset({"client_secret_basic", "client_secret_post", "client_secret_jwt"})
_STRINGS = (
    "token_endpoint_auth_method",
    "token_endpoint_auth_signing_alg",
    "client_name",
    "client_uri",
    "logo_uri",
    "scope",
    "tos_uri",
    "policy_uri",
    "jwks_uri",
    "software_id",
    "software_version",
    "application_type",
    "id_token_signed_response_alg",
)
_STRING_LISTS = ("redirect_uris", "grant_types", "response_types", "contacts", "post_logout_redirect_uris")


def _mask(value: object) -> str:
    return "None" if value is None else "'***'"


def _timestamp(value: datetime | None) -> int:
    return 0 if value is None else int(value.timestamp())


@frozen(repr=False)
class ClientRegistration:
    """A registered client: what the Authorization Server answered to a registration (RFC 7591 §3.2.1).

    Secrets (`client_secret`, `registration_access_token`, `private_key`) are masked in `repr()`. Build one with
    `registration.register_client()`, or from a stored form with `from_dict()`.

    Attributes:
        client_id: the client identifier.
        client_secret: the client secret, for the `client_secret_*` authentication methods.
        client_id_issued_at: when the client_id was issued, if the AS says.
        client_secret_expires_at: when the client secret expires; None when it never does (or there is none).
        registration_access_token: the token that reads, updates and deletes the registration (RFC 7592).
        registration_client_uri: the URL of the client configuration endpoint (RFC 7592).
        metadata: the registered client metadata (RFC 7591 §2), as the AS answered them: `redirect_uris`,
            `token_endpoint_auth_method`, `grant_types`, `jwks`...
        private_key: the client's own private signing key (`private_key_jwt`); never sent to the AS.
    """

    client_id: str
    client_secret: str | None
    client_id_issued_at: datetime | None
    client_secret_expires_at: datetime | None
    registration_access_token: str | None
    registration_client_uri: str | None
    metadata: Mapping[str, Any]
    private_key: Jwk | None = field(default=None, eq=False)

    def __repr__(self) -> str:
        return (
            f"ClientRegistration(client_id={self.client_id!r}, client_secret={_mask(self.client_secret)},"
            f" registration_access_token={_mask(self.registration_access_token)},"
            f" registration_client_uri={self.registration_client_uri!r},"
            f" token_endpoint_auth_method={self.token_endpoint_auth_method!r}, redirect_uris={self.redirect_uris!r},"
            f" private_key={_mask(self.private_key)})"
        )

    @property
    def token_endpoint_auth_method(self) -> str:
        """The registered client authentication method (`client_secret_basic` when the answer names none)."""
        return str(self.metadata.get("token_endpoint_auth_method", DEFAULT_AUTH_METHOD))

    @property
    def redirect_uris(self) -> tuple[str, ...]:
        """The registered redirect URIs."""
        return tuple(self.metadata.get("redirect_uris", ()))

    def client_secret_expired(self, now: datetime | None = None) -> bool:
        """Tell whether the client secret has expired (False when there is none, or it never expires)."""
        if self.client_secret_expires_at is None:
            return False
        return self.client_secret_expires_at <= (now or datetime.now(tz=timezone.utc))

    def client_information(self) -> dict[str, Any]:
        """Return the client information response this registration holds, as JSON (secrets included).

        `client_secret_expires_at` is 0 for a secret that never expires, as in RFC 7591 §3.2.1.
        """
        information: dict[str, Any] = {**self.metadata, "client_id": self.client_id}
        if self.client_secret is not None:
            information["client_secret"] = self.client_secret
            information["client_secret_expires_at"] = _timestamp(self.client_secret_expires_at)
        if self.client_id_issued_at is not None:
            information["client_id_issued_at"] = _timestamp(self.client_id_issued_at)
        if self.registration_access_token is not None:
            information["registration_access_token"] = self.registration_access_token
        if self.registration_client_uri is not None:
            information["registration_client_uri"] = self.registration_client_uri
        return information

    def as_dict(self) -> dict[str, Any]:
        """Return everything needed to rebuild this registration with `from_dict()`, secrets and private key included.

        Store it where only the application can read it: it holds the client secret, the registration access token
        and the private key.
        """
        return {
            "client_information": self.client_information(),
            "private_key": dict(self.private_key) if self.private_key is not None else None,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any], *, https: bool = True) -> ClientRegistration:
        """Rebuild a registration from `as_dict()`, checking it like an answer of the AS.

        Raises:
            ValueError: when the data is not a valid registration.
        """
        private_key = data.get("private_key")
        key = None
        if private_key is not None:
            try:
                key = Jwk(private_key)
            except Exception as exc:  # jwskate refuses the key, whatever the reason
                raise ValueError("`private_key` is not a JWK") from exc
        return check_client_information(data.get("client_information"), private_key=key, https=https)

    def client_auth(self, *, audience: str | None = None) -> requests.auth.AuthBase:
        """Return the client authentication handler for the registered `token_endpoint_auth_method`.

        Args:
            audience: the `aud` of JWT client assertions, usually the issuer of the AS (by default, the URL of
                the endpoint).

        Raises:
            UnsupportedClientCredentials: when the method is not one this library can configure from a registration
                (`tls_client_auth`: configure the client certificate and the auth handler yourself), or its
                credential is missing.
        """
        method = self.token_endpoint_auth_method
        alg = self.metadata.get("token_endpoint_auth_signing_alg")
        if method == "none":
            return PublicApp(self.client_id)
        if method == "private_key_jwt":
            if self.private_key is None:
                raise UnsupportedClientCredentials("This private_key_jwt registration has no private key.")
            return PrivateKeyJwt(self.client_id, self.private_key, alg=alg, aud=audience)
        if method in _SECRET_METHODS and self.client_secret is None:
            raise UnsupportedClientCredentials(f"This {method} registration has no client secret.")
        if method == "client_secret_basic":
            return ClientSecretBasic(self.client_id, str(self.client_secret))
        if method == "client_secret_post":
            return ClientSecretPost(self.client_id, str(self.client_secret))
        if method == "client_secret_jwt":
            return ClientSecretJwt(self.client_id, str(self.client_secret), alg=alg or "HS256", aud=audience)
        raise UnsupportedClientCredentials(
            f"Cannot build the authentication of a client registered with '{method}': pass `auth` yourself."
        )

    def client_settings(self, *, audience: str | None = None) -> dict[str, Any]:
        """Return the `OAuth2Client` settings of this registration: `auth`, `redirect_uri` and the registered algs.

        Pass them to `OAuth2Client.from_discovery_document()` or `from_discovery_endpoint()` with the AS metadata.
        """
        settings: dict[str, Any] = {"auth": self.client_auth(audience=audience)}
        if self.redirect_uris:
            settings["redirect_uri"] = self.redirect_uris[0]
        if isinstance(self.metadata.get("id_token_signed_response_alg"), str):
            settings["id_token_signed_response_alg"] = self.metadata["id_token_signed_response_alg"]
        if self.metadata.get("dpop_bound_access_tokens") is True:
            settings["dpop_bound_access_tokens"] = True
        return settings

    def update_request_body(self, changes: Mapping[str, Any]) -> dict[str, Any]:
        """Return the body of an update request (RFC 7592 §2.2): every registered metadata, with `changes` applied.

        The client_id (and the client secret, when there is one) is sent; the members the AS manages are not. A
        change to None removes that metadata (the AS treats omitted members as deleted).

        Raises:
            InvalidParam: when `changes` touches `client_id`, `client_secret` or a member the AS manages.
        """
        forbidden = sorted(set(changes) & (SERVER_MANAGED_MEMBERS | {"client_id", "client_secret"}))
        if forbidden:
            raise InvalidParam(f"These members cannot be changed by an update: {', '.join(forbidden)}.")
        body = {key: value for key, value in self.client_information().items() if key not in SERVER_MANAGED_MEMBERS}
        for key, value in changes.items():
            if value is None:
                body.pop(key, None)
            else:
                body[key] = value
        return body


def registration_request_body(
    metadata: Mapping[str, Any],
    *,
    private_key: Jwk | Mapping[str, Any] | None = None,
    software_statement: str | None = None,
) -> tuple[dict[str, Any], Jwk | None]:
    """Build the JSON body of a registration request (RFC 7591 §3.1) and tell which private key the client uses.

    With a `private_key`, the authentication method defaults to `private_key_jwt`. A `private_key_jwt` client that
    names no `jwks` nor `jwks_uri` registers an inline `jwks` with the public half of its key, generated (ES256)
    when none is given.

    Returns:
        the body, and the client's private key (None for other methods).

    Raises:
        InvalidParam: when a `jwks` holds private key material (it would be sent to the AS), when it is not a key
            set, or when the private key is not in it, or when `private_key` is not a private key.
    """
    body = {key: value for key, value in metadata.items() if value is not None}
    if software_statement is not None:
        body["software_statement"] = str(software_statement)
    key = None
    if private_key is not None:
        key = private_key if isinstance(private_key, Jwk) else Jwk(private_key)
        if not key.is_private or key.is_symmetric:
            raise InvalidParam("`private_key` must be an asymmetric private key.")
        body.setdefault("token_endpoint_auth_method", "private_key_jwt")
    if body.get("token_endpoint_auth_method") != "private_key_jwt":
        _check_public_jwks(body.get("jwks"), None)
        return body, key
    if key is None:
        key = Jwk.generate(alg=body.get("token_endpoint_auth_signing_alg") or "ES256").with_kid_thumbprint()
    elif not key.get("kid"):  # (`Jwk.kid` computes a thumbprint when the key has none)
        key = key.with_kid_thumbprint()
    # the alg PrivateKeyJwt signs with: the key's, else the one asked for, else the one the key implies
    alg = PrivateKeyJwt("registration", key, alg=body.get("token_endpoint_auth_signing_alg")).alg
    body.setdefault("token_endpoint_auth_signing_alg", alg)
    if "jwks" not in body and "jwks_uri" not in body:
        body["jwks"] = {"keys": [dict(key.public_jwk().with_usage_parameters(alg))]}
    _check_public_jwks(body.get("jwks"), key)
    return body, key


def _check_public_jwks(jwks: object, key: Jwk | None) -> None:
    """A `jwks` to send holds public keys only, and the client's signing key when it has one."""
    if jwks is None:
        return
    try:
        keys = [Jwk(item) for item in jwks["keys"]]  # type: ignore[index]
    except Exception as exc:  # anything that is not a key set
        raise InvalidParam("The `jwks` client metadata is not a JSON Web Key Set.") from exc
    if any(item.is_private for item in keys):
        raise InvalidParam("The `jwks` client metadata holds private key material: only public keys are registered.")
    if key is not None and key.thumbprint() not in {item.thumbprint() for item in keys}:
        raise InvalidParam("The `jwks` client metadata does not hold the public key of the client's private key.")


def check_client_information(
    body: object,
    *,
    private_key: Jwk | None = None,
    previous: ClientRegistration | None = None,
    https: bool = True,
) -> ClientRegistration:
    """Check a client information response (RFC 7591 §3.2.1, RFC 7592 §3) and return the registration it describes.

    Args:
        body: the decoded JSON answer.
        private_key: the client's private key (the one a registration request registered).
        previous: the registration being read or updated: the answer must be about the same client, and members
            it leaves out keep their previous values (the private key too).
        https: require an https `registration_client_uri`.

    Raises:
        ValueError: saying what is wrong (see the module documentation for the checks).
    """
    if not isinstance(body, Mapping):
        raise ValueError("the answer is not a JSON object")
    if "error" in body:
        raise ValueError("the answer has an `error`")
    client_id = body.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise ValueError("the answer has no valid `client_id`")
    if previous is not None and client_id != previous.client_id:
        raise ValueError(f"the answer is about client '{client_id}', not '{previous.client_id}'")
    kept = {}  # the secrets and the URI: from the answer, else (reading or updating) as they were
    for name in ("client_secret", "registration_access_token", "registration_client_uri"):
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or not value):
            raise ValueError(f"`{name}` is not a non-empty string")  # the value is not shown: it may be a secret
        kept[name] = value if value is not None else getattr(previous, name, None)
    uri = kept["registration_client_uri"]
    if uri is not None and not _is_endpoint(uri, https=https):
        raise ValueError(f"`registration_client_uri` is not an absolute {'https' if https else 'http(s)'} URL")
    issued_at = _optional_timestamp(body, "client_id_issued_at")
    if "client_secret" in body or previous is None:
        if kept["client_secret"] is not None and body.get("client_secret_expires_at") is None:
            raise ValueError("`client_secret_expires_at` is missing; it is required with a `client_secret`")
        expires_at = _optional_timestamp(body, "client_secret_expires_at")
    else:
        expires_at = previous.client_secret_expires_at
    metadata = {key: value for key, value in body.items() if key not in SERVER_MANAGED_MEMBERS | set(kept)}
    metadata.pop("client_id")
    _check_metadata_types(metadata)
    registration = ClientRegistration(
        client_id=client_id,
        client_secret=kept["client_secret"],
        client_id_issued_at=issued_at if issued_at is not None else getattr(previous, "client_id_issued_at", None),
        client_secret_expires_at=expires_at,
        registration_access_token=kept["registration_access_token"],
        registration_client_uri=uri,
        metadata=metadata,
        private_key=private_key if private_key is not None else getattr(previous, "private_key", None),
    )
    _check_auth_method(registration)
    return registration


def _optional_timestamp(body: Mapping[str, Any], name: str) -> datetime | None:
    """A number of seconds since the epoch; None for absent, and for 0 (which means "never" for an expiry)."""
    value = body.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value // 1 or value < 0:
        raise ValueError(f"`{name}` is not a non-negative integer")
    if value == 0:
        return None
    try:
        return datetime.fromtimestamp(int(value), tz=timezone.utc)
    except (OverflowError, OSError, ValueError) as exc:
        raise ValueError(f"`{name}` is not a valid date") from exc


def _check_metadata_types(metadata: Mapping[str, Any]) -> None:
    for name in _STRINGS:
        value = metadata.get(name)
        if value is not None and not isinstance(value, str):
            raise ValueError(f"`{name}` is not a string")
    for name in _STRING_LISTS:
        value = metadata.get(name)
        if value is not None and (not isinstance(value, list) or not all(isinstance(item, str) for item in value)):
            raise ValueError(f"`{name}` is not a list of strings")
    if metadata.get("jwks") is not None:
        _registered_thumbprints(metadata)


def _check_auth_method(registration: ClientRegistration) -> None:
    method = registration.token_endpoint_auth_method
    if method in _SECRET_METHODS and registration.client_secret is None:
        raise ValueError(f"the client is registered with '{method}' but the answer has no `client_secret`")
    key = registration.private_key
    if (
        method == "private_key_jwt"
        and key is not None
        and registration.metadata.get("jwks") is not None
        and key.thumbprint() not in _registered_thumbprints(registration.metadata)
    ):
        raise ValueError("the registered `jwks` does not hold the public key of the client's private key")


def _registered_thumbprints(metadata: Mapping[str, Any]) -> set[str]:
    """The thumbprints of the keys of the `jwks` metadata; a `ValueError` when it is not a key set."""
    jwks = metadata.get("jwks")
    keys = jwks.get("keys") if isinstance(jwks, Mapping) else None
    if not isinstance(keys, list) or not all(isinstance(item, Mapping) for item in keys):
        raise ValueError("`jwks` is not a JSON Web Key Set")
    try:
        return {Jwk(item).thumbprint() for item in keys}
    except Exception as exc:  # jwskate refuses the key, whatever the reason
        raise ValueError("`jwks` holds an invalid key") from exc


def _is_endpoint(url: str, *, https: bool) -> bool:
    try:
        parts = urlsplit(url)
    except ValueError:
        return False
    schemes = ("https",) if https else ("https", "http")
    return parts.scheme in schemes and bool(parts.hostname) and not parts.fragment
