"""The FAPI 2.0 Security Profile for clients: `Fapi2Client`, an `OAuth2Client` that turns on and enforces the profile.

[FAPI 2.0 Security Profile](https://openid.net/specs/fapi-security-profile-2_0.html) (final, February 2025) is the
OpenID Foundation's profile of OAuth 2.0 for high-value APIs (open banking, e-health, e-government). `Fapi2Client`
turns on what the profile asks of a client, and refuses a setting or a request that breaks it with a
`Fapi2Violation` that names the rule (`.rule`) and cites the clause (`.clause`):

- `tls` (Security Profile §5.2.1-1): every endpoint and the issuer are `https` URLs;
- `issuer` (§5.3.3.1-11): the issuer is known (it is the `aud` of assertions and the expected `iss` of responses);
- `client_authentication` (§5.3.3.1-2): `private_key_jwt`, `tls_client_auth` or `self_signed_tls_client_auth`;
- `assertion_audience` (§5.3.3.1-5): the `aud` of `private_key_jwt` assertions is the issuer, as a string;
- `sender_constrained_tokens` (§5.3.3.1-1, §5.3.2.1-4): DPoP is on by default (or tokens bound to the client
  certificate, `tls_client_certificate_bound_access_tokens=True`); token requests are DPoP-bound unless the tokens
  are bound to the certificate, and an answer that is not sender-constrained is refused;
- `mtls_endpoint_aliases` (§5.3.3.1-7): with mutual TLS, the `mtls_endpoint_aliases` are used;
- `par` (§5.3.3.2-2): a PAR endpoint is required with an authorization endpoint; `login_with_browser()` pushes;
- `response_type` (§5.3.3.2-1): `code` only;
- `pkce` (§5.3.3.2-3): PKCE with `S256`;
- `iss_parameter` (§5.3.3.2-5): the RFC 9207 `iss` is required in authorization responses (on by default);
- `algorithm` (§5.4.1-1.2): PS256, ES256 or EdDSA (Ed25519) only, for client assertions, DPoP proofs and request
  objects, and for the algs accepted for ID Tokens (PS256 by default), JARM, UserInfo and introspection responses;
- `key_size` (§5.4.1-2): RSA keys of 2048 bits at least;
- `request_object_lifetime` (Message Signing, signing authorization requests): 60 minutes at most;
- `password_grant` (§5.3.2.1-2): the resource owner password grant is refused.

Build the client from the metadata of the AS (§5.3.3.1-9 and -11): `Fapi2Client.from_discovery_endpoint(issuer=...)`.
The checks that the Authorization Server answers for (one-time codes, `request_uri` lifetimes...) are its own.

Example:
    ```python
    from requests_oauth2client import Fapi2Client

    client = Fapi2Client.from_discovery_endpoint(
        issuer="https://as.example",
        client_id="my-client",
        private_key=private_jwk,  # an ES256, PS256 or Ed25519 key
        redirect_uri="https://app.example/callback",
    )
    request = client.authorization_request(scope="openid accounts")
    pushed = client.pushed_authorization_request(request)  # send the user to pushed.uri
    token = client.authorization_code(request.validate_callback(callback_url))  # a DPoPToken
    ```
"""

from __future__ import annotations

from collections.abc import Mapping
from types import EllipsisType
from typing import Any, Literal, NoReturn, overload

import requests
from jwskate import Jwk, JwkSet

from requests_oauth2client._errors.fapi import Fapi2Violation
from requests_oauth2client._http.transport import Timeout
from requests_oauth2client.authorization_request import (
    AuthorizationRequest,
    CodeChallengeMethods,
    RequestParameterAuthorizationRequest,
    ResponseTypes,
)
from requests_oauth2client.client import OAuth2Client
from requests_oauth2client.client_authentication import PrivateKeyJwt, TlsClientAuth
from requests_oauth2client.dpop import DPoPKey, DPoPToken
from requests_oauth2client.enums import Endpoints
from requests_oauth2client.jarm import JARM_RESPONSE_MODES
from requests_oauth2client.loopback import OpenBrowser
from requests_oauth2client.tokens import BearerToken, IdToken

__all__ = ["FAPI2_SIGNING_ALGS", "MAX_REQUEST_OBJECT_LIFETIME", "Fapi2Client", "Fapi2Violation", "check_fapi2_client"]

FAPI2_SIGNING_ALGS = ("PS256", "ES256", "EdDSA")
"""The only JWS algs of FAPI 2.0 (Security Profile §5.4.1-1.2); EdDSA with Ed25519 keys only."""

MAX_REQUEST_OBJECT_LIFETIME = 3600
"""The longest lifetime of a request object, in seconds (FAPI 2.0 Message Signing: 60 minutes)."""

MIN_RSA_KEY_SIZE = 2048
"""The smallest RSA key, in bits (Security Profile §5.4.1-2); EC keys of ES256 (P-256) and Ed25519 are large enough."""

_SP = "FAPI 2.0 Security Profile"
_RESPONSE_ALG_SETTINGS = (
    "userinfo_signed_response_alg",
    "introspection_signed_response_alg",
    "authorization_signed_response_alg",
)
_TLS_METHODS = ("tls_client_auth", "self_signed_tls_client_auth")


def _violation(rule: str, clause: str, message: str, value: Any = None) -> Fapi2Violation:
    return Fapi2Violation(rule, clause, message, value)


def check_signing_alg(alg: str | None, what: str, key: Jwk | None = None) -> None:
    """Refuse a JWS alg (and key) that FAPI 2.0 does not allow.

    Args:
        alg: the alg.
        what: what it signs or verifies, for the message.
        key: the signing key, whose type and size are checked too.

    Raises:
        Fapi2Violation: an alg other than PS256, ES256 or EdDSA (rule `algorithm`), an EdDSA key other than
            Ed25519, or an RSA key under 2048 bits (rule `key_size`).
    """
    if alg not in FAPI2_SIGNING_ALGS:
        raise _violation("algorithm", f"{_SP} §5.4.1-1.2", f"{what} must use PS256, ES256 or EdDSA, not {alg!r}", alg)
    if key is None:
        return
    described = f"{key.kty} key (kid={key.get('kid')!r})"
    if alg == "EdDSA" and key.get("crv") != "Ed25519":
        raise _violation("algorithm", f"{_SP} §5.4.1-1.2", f"{what}: EdDSA needs an Ed25519 key", described)
    key_size = getattr(key, "key_size", None)
    if key.kty == "RSA" and isinstance(key_size, int) and key_size < MIN_RSA_KEY_SIZE:
        raise _violation(
            "key_size", f"{_SP} §5.4.1-2", f"{what}: RSA keys must have {MIN_RSA_KEY_SIZE} bits at least", described
        )


def check_fapi2_client(client: OAuth2Client) -> None:
    """Check that a client's settings follow the FAPI 2.0 Security Profile (the rules of this module's table).

    Pure: it reads the settings of the client, and sends nothing.

    Raises:
        Fapi2Violation: the first setting that breaks the profile.
    """
    _check_tls(client)
    _check_client_authentication(client)
    _check_sender_constrained_tokens(client)
    _check_authorization_code_flow(client)
    _check_accepted_algs(client)


def _check_tls(client: OAuth2Client) -> None:
    for name, url in [("issuer", client.issuer), *((e.value, getattr(client, e.value)) for e in Endpoints)]:
        if url is not None and not str(url).lower().startswith("https://"):
            raise _violation("tls", f"{_SP} §5.2.1-1", f"`{name}` must be an https URL", url)


def _check_client_authentication(client: OAuth2Client) -> None:
    auth = client.auth
    if isinstance(auth, TlsClientAuth):
        return
    if not isinstance(auth, PrivateKeyJwt):
        method = getattr(type(auth), "TOKEN_ENDPOINT_AUTH_METHOD", type(auth).__name__)
        raise _violation(
            "client_authentication",
            f"{_SP} §5.3.3.1-2",
            f"the client must authenticate with private_key_jwt or mutual TLS, not {method}",
            method,
        )
    check_signing_alg(auth.alg, "client assertions", auth.private_jwk)
    if auth.aud != client.issuer:
        raise _violation(
            "assertion_audience",
            f"{_SP} §5.3.3.1-5",
            f"the `aud` of client assertions must be the issuer {client.issuer!r} (a string), not {auth.aud!r}",
            auth.aud,
        )


def _check_sender_constrained_tokens(client: OAuth2Client) -> None:
    if not client.dpop_bound_access_tokens and not client.tls_client_certificate_bound_access_tokens:
        raise _violation(
            "sender_constrained_tokens",
            f"{_SP} §5.3.3.1-1",
            "access tokens must be sender-constrained: `dpop_bound_access_tokens=True` (DPoP) or "
            "`tls_client_certificate_bound_access_tokens=True` (mutual TLS)",
        )
    check_signing_alg(client.dpop_alg, "DPoP proofs")


def _check_authorization_code_flow(client: OAuth2Client) -> None:
    if client.authorization_endpoint is not None and client.pushed_authorization_request_endpoint is None:
        raise _violation(
            "par", f"{_SP} §5.3.3.2-2", "authorization requests must be pushed: a PAR endpoint is required"
        )
    if client.code_challenge_method != CodeChallengeMethods.S256:
        raise _violation(
            "pkce",
            f"{_SP} §5.3.3.2-3",
            f"PKCE with S256 is required, not {client.code_challenge_method!r}",
            client.code_challenge_method,
        )
    if not client.authorization_response_iss_parameter_supported:
        raise _violation(
            "iss_parameter",
            f"{_SP} §5.3.3.2-5",
            "the `iss` of authorization responses (RFC 9207) must be checked: "
            "`authorization_response_iss_parameter_supported` cannot be False",
        )


def _check_accepted_algs(client: OAuth2Client) -> None:
    check_signing_alg(client.id_token_signed_response_alg, "ID Tokens (`id_token_signed_response_alg`)")
    for name in _RESPONSE_ALG_SETTINGS:
        alg = getattr(client.jose, name)
        if alg is not None:
            check_signing_alg(alg, f"`{name}`")


class Fapi2Client(OAuth2Client):
    """An `OAuth2Client` that follows the FAPI 2.0 Security Profile: it turns on what the profile asks, and refuses
    what it forbids (see the table of rules in [requests_oauth2client.fapi][]).

    It takes the parameters of `OAuth2Client`, with other defaults: `dpop_bound_access_tokens=True` (unless
    `tls_client_certificate_bound_access_tokens=True`), `authorization_response_iss_parameter_supported=True`,
    `id_token_signed_response_alg="PS256"`. Its client authentication must be `private_key_jwt` (with the issuer as
    assertion `aud`: give the key as `private_key=`, or `(client_id, key)` as `auth`), `TlsClientAuth` or
    `SelfSignedTlsClientAuth`.

    Raises:
        Fapi2Violation: a setting that the profile forbids (`.rule` and `.clause` say which).

    Example:
        ```python
        client = Fapi2Client.from_discovery_endpoint(
            issuer="https://as.example",
            auth=TlsClientAuth("my-client", cert=("client.pem", "client.key")),
            tls_client_certificate_bound_access_tokens=True,
        )
        ```
    """  # noqa: D205

    def __init__(self, token_endpoint: str, auth: Any = None, **kwargs: Any) -> None:
        if not kwargs.get("issuer"):
            raise _violation("issuer", f"{_SP} §5.3.3.1-11", "the issuer of the Authorization Server must be known")
        kwargs.setdefault("authorization_response_iss_parameter_supported", True)
        kwargs.setdefault("id_token_signed_response_alg", "PS256")
        if not kwargs.get("tls_client_certificate_bound_access_tokens"):
            kwargs.setdefault("dpop_bound_access_tokens", True)
        super().__init__(token_endpoint, auth, **kwargs)
        check_fapi2_client(self)

    @classmethod
    def from_discovery_document(
        cls,
        discovery: dict[str, Any],
        issuer: str | None = None,
        *,
        auth: requests.auth.AuthBase | tuple[str, str] | tuple[str, Jwk] | str | None = None,
        client_id: str | None = None,
        client_secret: str | None = None,
        private_key: Jwk | dict[str, Any] | None = None,
        authorization_server_jwks: JwkSet | dict[str, Any] | None = None,
        https: bool = True,
        testing: bool = False,
        mtls: bool | None = None,
        **kwargs: Any,
    ) -> OAuth2Client:
        """Build a FAPI 2.0 client from an AS metadata document (see `OAuth2Client.from_discovery_document()`).

        The RFC 9207 `iss` is required in authorization responses whatever the document says (§5.3.3.2-5).

        Raises:
            Fapi2Violation: with `mtls=False` for a client that uses mutual TLS (§5.3.3.1-7), or a setting that the
                profile forbids.
        """
        # (a session certificate alone is transport protection, for which the plain endpoints are right)
        uses_mtls = (
            isinstance(auth, TlsClientAuth)
            or kwargs.get("token_endpoint_auth_method") in _TLS_METHODS
            or kwargs.get("tls_client_certificate_bound_access_tokens") is True
        )
        if mtls is False and uses_mtls:
            raise _violation(
                "mtls_endpoint_aliases",
                f"{_SP} §5.3.3.1-7",
                "a client that uses mutual TLS must use the `mtls_endpoint_aliases` of the AS: `mtls=False` is refused",
            )
        kwargs.setdefault("authorization_response_iss_parameter_supported", True)
        return super().from_discovery_document(
            discovery,
            issuer,
            auth=auth,
            client_id=client_id,
            client_secret=client_secret,
            private_key=private_key,
            authorization_server_jwks=authorization_server_jwks,
            https=https,
            testing=testing,
            mtls=mtls,
            **kwargs,
        )

    def authorization_request(self, *, response_type: str = ResponseTypes.CODE, **kwargs: Any) -> AuthorizationRequest:
        """Build an authorization request (see `OAuth2Client.authorization_request()`): push it before use (PAR).

        Raises:
            Fapi2Violation: a `response_type` other than `code` (§5.3.3.2-1), or a JARM `response_mode` without an
                `authorization_signed_response_alg` (§5.4.1-1.2).
        """
        if response_type != ResponseTypes.CODE:
            raise _violation(
                "response_type",
                f"{_SP} §5.3.3.2-1",
                f"response_type must be `code`, not {response_type!r}",
                response_type,
            )
        if kwargs.get("response_mode") in JARM_RESPONSE_MODES:
            alg = kwargs.get("authorization_signed_response_alg", self.jose.authorization_signed_response_alg)
            check_signing_alg(alg, "JARM responses (`authorization_signed_response_alg`)")
        return super().authorization_request(response_type=response_type, **kwargs)

    def sign_authorization_request(
        self,
        authorization_request: AuthorizationRequest,
        sign_jwk: Jwk | Mapping[str, Any] | None = None,
        *,
        sign_alg: str | None = None,
        lifetime: int | None = None,
    ) -> RequestParameterAuthorizationRequest:
        """Sign an authorization request as a request object (see `OAuth2Client.sign_authorization_request()`).

        Raises:
            Fapi2Violation: an alg or key that the profile forbids, or a lifetime over 60 minutes.
        """
        if lifetime is not None and lifetime > MAX_REQUEST_OBJECT_LIFETIME:
            raise _violation(
                "request_object_lifetime",
                "FAPI 2.0 Message Signing, signing authorization requests (clients, 4)",
                f"request objects live {MAX_REQUEST_OBJECT_LIFETIME} seconds at most, not {lifetime}",
                lifetime,
            )
        key, alg = self._request_object_signer(sign_jwk, sign_alg)
        check_signing_alg(alg, "request objects", key)
        return super().sign_authorization_request(authorization_request, sign_jwk, sign_alg=sign_alg, lifetime=lifetime)

    @overload
    def token_request(
        self,
        data: dict[str, Any],
        *,
        timeout: Timeout | EllipsisType = ...,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        validate: Literal[True] = True,
        **requests_kwargs: Any,
    ) -> BearerToken[IdToken | None]: ...

    @overload
    def token_request(
        self,
        data: dict[str, Any],
        *,
        timeout: Timeout | EllipsisType = ...,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        validate: bool,
        **requests_kwargs: Any,
    ) -> BearerToken: ...

    def token_request(
        self,
        data: dict[str, Any],
        *,
        timeout: Timeout | EllipsisType = ...,
        dpop: bool | None = None,
        dpop_key: DPoPKey | None = None,
        validate: bool = True,
        **requests_kwargs: Any,
    ) -> BearerToken:
        """Send a token request (see `OAuth2Client.token_request()`), always asking for a sender-constrained token.

        Without tokens bound to the client certificate, the request is DPoP-bound (whatever `dpop` says).

        Raises:
            Fapi2Violation: a DPoP key of an alg that the profile forbids, or an answer that is not
                sender-constrained (a Bearer token that is not bound to the certificate; §5.3.2.1-4).
        """
        mtls_bound = self.tls_client_certificate_bound_access_tokens
        if dpop_key is not None:
            check_signing_alg(dpop_key.alg, "DPoP proofs")
        elif not mtls_bound:
            dpop = True
        token = super().token_request(
            data, timeout=timeout, dpop=dpop, dpop_key=dpop_key, validate=validate, **requests_kwargs
        )
        if not mtls_bound and not isinstance(token, DPoPToken):
            raise _violation(
                "sender_constrained_tokens",
                f"{_SP} §5.3.2.1-4",
                f"the Authorization Server answered with a {token.token_type} token, not a DPoP-bound one",
                token.token_type,
            )
        return token

    def resource_owner_password(self, username: str, password: str, **kwargs: Any) -> NoReturn:
        """Refused: FAPI 2.0 forbids the resource owner password grant.

        Raises:
            Fapi2Violation: always (§5.3.2.1-2).
        """
        raise _violation("password_grant", f"{_SP} §5.3.2.1-2", "the resource owner password grant is not allowed")

    def login_with_browser(
        self,
        *,
        open_browser: OpenBrowser = True,
        timeout: float = 300.0,
        use_par: bool = True,
        **authorization_request_kwargs: Any,
    ) -> BearerToken[IdToken | None]:
        """Log a user in with their browser (see `OAuth2Client.login_with_browser()`), always with PAR.

        Raises:
            Fapi2Violation: with `use_par=False` (§5.3.3.2-2).
        """
        if not use_par:
            raise _violation("par", f"{_SP} §5.3.3.2-2", "authorization requests must be pushed: `use_par=False`")
        return super().login_with_browser(
            open_browser=open_browser, timeout=timeout, use_par=True, **authorization_request_kwargs
        )
