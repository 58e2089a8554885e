"""A fake OAuth 2.x / OpenID Connect Authorization Server and API, served through `requests_mock`.

It answers the standard endpoints well enough for documentation examples and usage tests to run unchanged,
without a network. It is written with `requests`, `requests_mock` and `jwskate` only: never with the library under
test, so that what it checks is an independent reading of the RFCs.

Usage:

    with requests_mock.Mocker() as mocker:
        fake_as = FakeAuthorizationServer()          # issuer https://as.example.com
        fake_as.install(mocker)                      # routes the AS endpoints and the API
        ...                                          # use the library against https://as.example.com/...
        callback = fake_as.authorize(az_request.uri) # what the user's browser would get back

Endpoints (relative to the issuer, override with `paths=`, or serve a real provider's document with
`FakeAuthorizationServer.from_metadata(document)`):

| name                                     | path                     | method   |
|------------------------------------------|--------------------------|----------|
| discovery (OIDC and RFC 8414 locations)  | `/.well-known/...`       | GET      |
| `jwks_uri`                               | `/jwks`                  | GET      |
| `authorization_endpoint`                 | `/authorize`             | (browser, see `authorize()`) |
| `token_endpoint`                         | `/token`                 | POST     |
| `revocation_endpoint`                    | `/revoke`                | POST     |
| `introspection_endpoint`                 | `/introspect`            | POST     |
| `userinfo_endpoint`                      | `/userinfo`              | GET/POST |
| `device_authorization_endpoint`          | `/device_authorization`  | POST     |
| `backchannel_authentication_endpoint`    | `/bc-authorize`          | POST     |
| `pushed_authorization_request_endpoint`  | `/par`                   | POST     |
| `end_session_endpoint`                   | `/logout`                | (browser, see `end_session()`) |
| `registration_endpoint` (RFC 7591/7592)  | `/register[/<client_id>]`| POST (GET/PUT/DELETE) |

Behaviour:

- Client authentication is required on POST endpoints (except userinfo): `client_secret_basic` (form-urlencoded
  parts, RFC 6749 §2.3.1), `client_secret_post`, a JWT `client_assertion` (`iss` = `sub` = client_id, `aud`, `exp`,
  `jti` checked; not its signature) or a bare `client_id` (public client). Anything else: `401 invalid_client`.
  Register clients with `clients={"client_id": "secret"}` to have secrets checked too.
- The token endpoint answers every standard grant: `client_credentials`, `authorization_code` (PKCE verified,
  `redirect_uri` checked, ID Token with `nonce`, `at_hash`, `c_hash` when `openid` was requested),
  `refresh_token` (rotated at each use), `password`, `urn:ietf:params:oauth:grant-type:token-exchange`,
  `urn:ietf:params:oauth:grant-type:jwt-bearer`, `urn:ietf:params:oauth:grant-type:device_code` and
  `urn:openid:params:grant-type:ciba` (both answer `authorization_pending` `pending_polls` times, then a token).
  With `lenient=True` (the default), codes, refresh tokens, device codes, auth_req_ids and access tokens that this
  AS did not issue are accepted too (documentation shows made-up values), without ID Token.
- A `DPoP` proof header (RFC 9449) is verified (typ, signature with the embedded key, htm, htu, iat, jti) and
  makes the token `token_type=DPoP`, bound to the proof key. `require_dpop_nonce=True` makes the token endpoint
  ask for a nonce first (`use_dpop_nonce`).
- `authorize(uri)` plays the user's browser at the authorization endpoint: it reads the request (plain, `request`
  (JAR) or `request_uri` (PAR)), records a code and returns the redirect URL with `code`, `state` and `iss`
  (RFC 9207, when the metadata has `authorization_response_iss_parameter_supported`), or a JARM `response` JWT
  when `response_mode` ends with `jwt`. `authorize(uri, error="...")`
  returns an error redirect instead. The last redirect URL is kept in `last_callback`. The first of the
  `acr_values` asked for is the `acr` of the ID Token and of the access token (the user always satisfies it).
- Request objects (`request`, by value or pushed) may be encrypted to the AS encryption key (`ECDH-ES`, `use: enc`,
  in its JWKS).
- UserInfo answers a signed JWT (`application/jwt`: `iss`, `aud`, RS256) when asked for with `Accept:
  application/jwt`; introspection answers an RFC 9701 JWT (`typ: token-introspection+jwt`, `iss`, `aud`, `iat`,
  `token_introspection`) when asked for with `Accept: application/token-introspection+jwt`.
- `end_session(uri)` plays the user's browser at the `end_session_endpoint` (RP-initiated logout): the user is
  logged out (`logged_out` records the request parameters) and sent back to `post_logout_redirect_uri` with its
  `state`.
- Dynamic registration: `POST /register` (JSON client metadata) creates a client (a secret for the
  `client_secret_*` methods, then checked; `invalid_redirect_uri` for a non-http(s) redirect URI,
  `invalid_client_metadata` for a `jwks` with private keys), answered with its registration access token; `GET`,
  `PUT` and `DELETE` on its `registration_client_uri` read, replace and delete it. A deleted client is
  `invalid_client` everywhere. Registrations are in `registrations`.
- The API at `api_url` (`https://api.example.com/`) is an orders API that answers like a real one (see
  `tests/docs/fake_api.py`), and requires an access token of this AS (`check_access_token`).
- `install_echo_api(mocker, base_url)` serves, instead, an API that answers any method with JSON describing the
  request (`method`, `path`, `query`, `authorization_scheme`, `form`, `json`); a path ending in `/status/<code>`
  answers with that status code. Tests use it to see what was sent.

Everything the fake AS issued is in `access_tokens`, `refresh_tokens` and `codes`; revoked tokens are in `revoked`,
used codes and refresh tokens in `used`.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote_plus, urlencode, urlsplit

import requests_mock
from jwskate import Jwk, JwkSet, Jwt, SignedJwt

from tests.docs.fake_api import OrdersApi

DEFAULT_ISSUER = "https://as.example.com"
DEFAULT_API_URL = "https://api.example.com/"
DEFAULT_PATHS: dict[str, str] = {
    "authorization_endpoint": "/authorize",
    "token_endpoint": "/token",
    "revocation_endpoint": "/revoke",
    "introspection_endpoint": "/introspect",
    "userinfo_endpoint": "/userinfo",
    "device_authorization_endpoint": "/device_authorization",
    "backchannel_authentication_endpoint": "/bc-authorize",
    "pushed_authorization_request_endpoint": "/par",
    "end_session_endpoint": "/logout",
    "jwks_uri": "/jwks",
    "registration_endpoint": "/register",
}
PRM_PATH = "/.well-known/oauth-protected-resource"
USER = {"sub": "user123", "name": "Jane Doe", "email": "jane@example.com", "email_verified": True}

ACCESS_TOKEN_URN = "urn:ietf:params:oauth:token-type:access_token"
GRANT_TOKEN_EXCHANGE = "urn:ietf:params:oauth:grant-type:token-exchange"
GRANT_JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
GRANT_DEVICE_CODE = "urn:ietf:params:oauth:grant-type:device_code"
GRANT_CIBA = "urn:openid:params:grant-type:ciba"
CLIENT_ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"

_SIGNING_KEY: Jwk | None = None
_ENCRYPTION_KEY = Jwk.generate(alg="ECDH-ES", crv="P-256", kid="fake-as-enc-1").with_usage_parameters()


def _signing_key() -> Jwk:
    """The AS signing key, generated once per process (RSA generation is slow)."""
    global _SIGNING_KEY  # noqa: PLW0603
    if _SIGNING_KEY is None:
        _SIGNING_KEY = Jwk.generate(alg="RS256", kid="fake-as-key-1")
    return _SIGNING_KEY


def _b64u(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _half_hash(value: str) -> str:
    """OIDC `at_hash` / `c_hash` for RS256: left half of the SHA-256, base64url."""
    digest = hashlib.sha256(value.encode()).digest()
    return _b64u(digest[: len(digest) // 2])


def _jkt(jwk: Mapping[str, Any]) -> str:
    return Jwk(dict(jwk)).thumbprint()


class OAuthError(Exception):
    """An error answer of the fake AS."""

    def __init__(self, error: str, description: str, status: int = 400, headers: dict[str, str] | None = None):
        super().__init__(description)
        self.error = error
        self.description = description
        self.status = status
        self.headers = headers or {}


class FakeAuthorizationServer:
    """A fake Authorization Server (see the module docstring for what it does).

    Args:
        issuer: the issuer identifier; endpoints live under it (a trailing `/` is kept in `iss`, as Auth0 does).
        paths: endpoint paths relative to the issuer, or absolute URLs, overriding `DEFAULT_PATHS` (a value of
            None removes one).
        api_url: the base URL of the fake orders API (see `install_orders_api`).
        clients: registered clients and their secrets; unknown clients are accepted (no secret check).
        lenient: accept codes, refresh tokens, device codes and auth_req_ids that this AS did not issue.
        pending_polls: how many `authorization_pending` answers a device code / auth_req_id gets before a token.
        require_dpop_nonce: make the token endpoint require a DPoP nonce.
        expires_in: lifetime of the access tokens, in seconds.
        issue_id_tokens: include an ID Token in token responses when `openid` was requested.
        metadata: the metadata document to serve instead of the generated one (see `from_metadata`).
        device_answer_names: members of device authorization answers to rename, as a provider does
            (`{"verification_uri": "verification_url"}`: Google).
    """

    def __init__(
        self,
        issuer: str = DEFAULT_ISSUER,
        *,
        paths: Mapping[str, str | None] | None = None,
        api_url: str | None = DEFAULT_API_URL,
        clients: Mapping[str, str] | None = None,
        lenient: bool = True,
        pending_polls: int = 1,
        require_dpop_nonce: bool = False,
        expires_in: int = 3600,
        issue_id_tokens: bool = True,
        metadata: Mapping[str, Any] | None = None,
        device_answer_names: Mapping[str, str] | None = None,
    ) -> None:
        self.issuer = issuer
        self.base_url = issuer.rstrip("/")
        merged = {**DEFAULT_PATHS, **(paths or {})}
        self.endpoints: dict[str, str] = {
            name: path if path.startswith(("https://", "http://")) else self.base_url + path
            for name, path in merged.items()
            if path
        }
        self.metadata = dict(metadata) if metadata is not None else None
        self.api_url = api_url
        self.clients = dict(clients or {})
        self.lenient = lenient
        self.pending_polls = pending_polls
        self.require_dpop_nonce = require_dpop_nonce
        self.expires_in = expires_in
        self.issue_id_tokens = issue_id_tokens
        self.signing_key = _signing_key()
        self.dpop_nonce = "fake-as-nonce-" + secrets.token_urlsafe(8)
        self.access_tokens: dict[str, dict[str, Any]] = {}
        self.refresh_tokens: dict[str, dict[str, Any]] = {}
        self.codes: dict[str, dict[str, Any]] = {}
        self.pushed_requests: dict[str, dict[str, Any]] = {}
        self.polls: dict[str, int] = {}
        self.revoked: set[str] = set()
        self.used: set[str] = set()  # codes and refresh tokens already used: refused even when lenient
        self.last_callback: str | None = None
        self.logged_out: list[dict[str, str]] = []
        self.encryption_key = _ENCRYPTION_KEY
        self.registrations: dict[str, dict[str, Any]] = {}
        self.deleted_clients: set[str] = set()
        self.device_answer_names = dict(device_answer_names or {})

    # ----------------------------------------------------------------------------------------------- metadata

    @classmethod
    def from_metadata(cls, metadata: Mapping[str, Any], **kwargs: Any) -> FakeAuthorizationServer:
        """A fake AS that serves `metadata` (a copy of a real provider's document) at its endpoints.

        The issuer and every endpoint the document names are the fake's; endpoints the document does not name do
        not exist. RFC 9207 `iss` is sent in authorization responses only when the document says so.
        """
        paths = {name: metadata.get(name) for name in DEFAULT_PATHS}
        return cls(str(metadata["issuer"]), paths=paths, metadata=metadata, **kwargs)

    @property
    def discovery_document(self) -> dict[str, Any]:
        """The AS metadata document (RFC 8414 / OpenID Connect Discovery)."""
        if self.metadata is not None:
            return dict(self.metadata)
        return {
            "issuer": self.issuer,
            **self.endpoints,
            "response_types_supported": ["code"],
            "response_modes_supported": ["query", "jwt", "query.jwt"],
            "grant_types_supported": [
                "authorization_code",
                "client_credentials",
                "refresh_token",
                "password",
                GRANT_TOKEN_EXCHANGE,
                GRANT_JWT_BEARER,
                GRANT_DEVICE_CODE,
                GRANT_CIBA,
            ],
            "code_challenge_methods_supported": ["S256"],
            "token_endpoint_auth_methods_supported": [
                "client_secret_basic",
                "client_secret_post",
                "client_secret_jwt",
                "private_key_jwt",
                "none",
            ],
            "id_token_signing_alg_values_supported": ["RS256"],
            "dpop_signing_alg_values_supported": ["ES256", "RS256", "EdDSA"],
            "authorization_response_iss_parameter_supported": True,
            "backchannel_token_delivery_modes_supported": ["poll"],
            "subject_types_supported": ["public"],
        }

    @property
    def public_jwks(self) -> dict[str, Any]:
        """The public keys of the AS, as a JWKS dict."""
        return JwkSet(keys=[self.signing_key.public_jwk(), self.encryption_key.public_jwk()]).to_dict()

    # ------------------------------------------------------------------------------------------------ install

    def install(self, mocker: requests_mock.Mocker) -> FakeAuthorizationServer:
        """Register every endpoint of this AS (and its API) on `mocker`; returns self."""
        routes = {
            "token_endpoint": self._token,
            "revocation_endpoint": self._revocation,
            "introspection_endpoint": self._introspection,
            "device_authorization_endpoint": self._device_authorization,
            "backchannel_authentication_endpoint": self._backchannel,
            "pushed_authorization_request_endpoint": self._par,
        }
        for name, handler in routes.items():
            if name in self.endpoints:
                mocker.post(self.endpoints[name], text=self._wrap(handler))
        if "userinfo_endpoint" in self.endpoints:
            mocker.register_uri(requests_mock.ANY, self.endpoints["userinfo_endpoint"], text=self._wrap(self._userinfo))
        if "jwks_uri" in self.endpoints:
            mocker.get(self.endpoints["jwks_uri"], json=lambda request, context: self.public_jwks)
        if "registration_endpoint" in self.endpoints:
            registration = self.endpoints["registration_endpoint"]
            mocker.post(registration, text=self._wrap(self._register))
            mocker.register_uri(
                requests_mock.ANY, re.compile(re.escape(registration + "/") + "[^/]+$"), text=self._wrap(self._manage)
            )
        for url in self.discovery_urls:
            mocker.get(url, json=lambda request, context: self.discovery_document)
        if self.api_url:
            self.install_orders_api(mocker, self.api_url)
        return self

    def install_orders_api(self, mocker: requests_mock.Mocker, base_url: str) -> None:
        """Serve the orders API (see the module docstring) under `base_url`, accepting tokens of this AS.

        It is a protected resource with RFC 9728 metadata: `/.well-known/oauth-protected-resource<path>` (at the
        root of its origin) describes the resource `<origin><path>`, and its `401` challenges name that URL
        (`resource_metadata`).
        """
        api = OrdersApi(self.check_access_token, self._acr_of)

        def resource(request: Any) -> tuple[int, Any, dict[str, str]]:
            parts = urlsplit(request.url)
            origin = f"{parts.scheme}://{parts.netloc}"
            if parts.path == PRM_PATH or parts.path.startswith(PRM_PATH + "/"):
                metadata = {
                    "resource": origin + parts.path[len(PRM_PATH) :],
                    "authorization_servers": [self.issuer],
                    "scopes_supported": ["orders"],
                    "bearer_methods_supported": ["header"],
                }
                return 200, metadata, {}
            pointer = f'resource_metadata="{origin}{PRM_PATH}{parts.path.rstrip("/")}"'
            try:
                status, body, headers = api.handle(request)
            except OAuthError as exc:
                if exc.status == 401:
                    exc.headers["WWW-Authenticate"] = _with_param(
                        exc.headers.get("WWW-Authenticate", "Bearer"), pointer
                    )
                raise
            if status == 401:
                headers["WWW-Authenticate"] = _with_param(headers.get("WWW-Authenticate", "Bearer"), pointer)
            return status, body, headers

        mocker.register_uri(requests_mock.ANY, re.compile("^" + re.escape(base_url)), text=self._wrap(resource))

    def _acr_of(self, request: Any) -> str | None:
        """The `acr` of the access token of a request, if this AS issued it with one."""
        token = request.headers.get("Authorization", "").partition(" ")[2]
        return self.access_tokens.get(token, {}).get("acr")

    def install_echo_api(self, mocker: requests_mock.Mocker, base_url: str) -> None:
        """Serve the echo API (see the module docstring) under `base_url`, accepting tokens of this AS."""
        mocker.register_uri(requests_mock.ANY, re.compile("^" + re.escape(base_url)), text=self._wrap(self._echo))

    @property
    def discovery_urls(self) -> list[str]:
        """The URLs at which the metadata document is served (OIDC and RFC 8414 locations)."""
        parts = urlsplit(self.base_url)
        origin = f"{parts.scheme}://{parts.netloc}"
        path = parts.path.strip("/")
        urls = [f"{self.base_url}/.well-known/openid-configuration"]
        urls.append(f"{origin}/.well-known/oauth-authorization-server" + (f"/{path}" if path else ""))
        return urls

    def _wrap(self, handler: Any) -> Any:
        def callback(request: Any, context: Any) -> str:
            try:
                status, body, headers = handler(request)
            except OAuthError as exc:
                status = exc.status
                body = {"error": exc.error, "error_description": exc.description}
                headers = exc.headers
            context.status_code = status
            context.headers.update(headers)
            if body is None:
                return ""
            if isinstance(body, str):  # a JWT, with its own Content-Type
                return body
            context.headers.setdefault("Content-Type", "application/json")
            return json.dumps(body)

        return callback

    # ----------------------------------------------------------------------------------------- request parts

    @staticmethod
    def _form(request: Any) -> dict[str, str]:
        """The form body of a request; a repeated parameter is an error (except `resource`)."""
        if not request.text:
            return {}
        body = request.text if isinstance(request.text, str) else request.text.decode()
        params: dict[str, str] = {}
        for name, value in parse_qsl(body, keep_blank_values=True):
            if name in params and name != "resource":
                raise OAuthError("invalid_request", f"repeated parameter {name}")
            params[name] = value
        return params

    def _authenticate_client(self, request: Any, form: dict[str, str], endpoint: str) -> str:
        """Return the client_id of the authenticated client, or raise invalid_client."""
        client_id = self._client_id(request, form, endpoint)
        if client_id in self.deleted_clients:
            raise OAuthError("invalid_client", "this client was deleted", 401)
        return client_id

    def _client_id(self, request: Any, form: dict[str, str], endpoint: str) -> str:
        header = request.headers.get("Authorization", "")
        if header.lower().startswith("basic "):
            try:
                decoded = base64.b64decode(header[6:]).decode()
                raw_id, _, raw_secret = decoded.partition(":")
            except ValueError as exc:
                raise OAuthError("invalid_client", "malformed Basic credentials", 401) from exc
            client_id, secret = unquote_plus(raw_id), unquote_plus(raw_secret)
            self._check_secret(client_id, secret)
            if "client_secret" in form:
                raise OAuthError("invalid_request", "more than one client authentication method", 400)
            return client_id
        if "client_assertion" in form:
            return self._check_client_assertion(form, endpoint)
        client_id = form.get("client_id")
        if not client_id:
            raise OAuthError("invalid_client", "no client authentication", 401)
        if "client_secret" in form:
            self._check_secret(client_id, form["client_secret"])
        return client_id

    def _check_secret(self, client_id: str, secret: str) -> None:
        expected = self.clients.get(client_id)
        if expected is not None and not secrets.compare_digest(expected.encode(), secret.encode()):
            raise OAuthError("invalid_client", "wrong client secret", 401)

    def _check_client_assertion(self, form: dict[str, str], endpoint: str) -> str:
        if form.get("client_assertion_type") != CLIENT_ASSERTION_TYPE:
            raise OAuthError("invalid_client", "unsupported client_assertion_type", 401)
        try:
            assertion = SignedJwt(form["client_assertion"])
            claims = assertion.claims
        except Exception as exc:
            raise OAuthError("invalid_client", "client_assertion is not a JWT", 401) from exc
        client_id = claims.get("iss")
        audiences = claims.get("aud")
        audiences = [audiences] if isinstance(audiences, str) else list(audiences or [])
        checks = [
            isinstance(client_id, str) and client_id,
            claims.get("sub") == client_id,
            form.get("client_id", client_id) == client_id,
            endpoint in audiences or self.issuer in audiences or self.endpoints["token_endpoint"] in audiences,
            isinstance(claims.get("exp"), int) and claims["exp"] > time.time(),
            claims.get("jti"),
        ]
        if not all(checks):
            raise OAuthError("invalid_client", "invalid client_assertion claims", 401)
        return str(client_id)

    def _check_dpop(self, request: Any, url: str, access_token: str | None = None) -> str | None:
        """Verify the DPoP proof of a request, if any, and return the JWK thumbprint of its key."""
        proof = request.headers.get("DPoP")
        if proof is None:
            return None
        try:
            jwt = SignedJwt(proof)
            jwk = Jwk(jwt.headers["jwk"])
            valid_signature = not jwk.is_private and jwt.verify_signature(jwk, alg=jwt.alg)
        except Exception as exc:
            raise OAuthError("invalid_dpop_proof", "malformed DPoP proof") from exc
        claims = jwt.claims
        htu = url.split("?", maxsplit=1)[0].split("#", maxsplit=1)[0]
        checks = [
            valid_signature,
            jwt.headers.get("typ") == "dpop+jwt",
            claims.get("htm") == request.method,
            claims.get("htu") == htu,
            isinstance(claims.get("iat"), int) and abs(claims["iat"] - time.time()) < 300,
            claims.get("jti"),
        ]
        if access_token is not None:
            checks.append(claims.get("ath") == _b64u(hashlib.sha256(access_token.encode()).digest()))
        if not all(checks):
            raise OAuthError("invalid_dpop_proof", "invalid DPoP proof")
        if self.require_dpop_nonce and access_token is None and claims.get("nonce") != self.dpop_nonce:
            raise OAuthError("use_dpop_nonce", "a DPoP nonce is required", headers={"DPoP-Nonce": self.dpop_nonce})
        return _jkt(jwt.headers["jwk"])

    # ---------------------------------------------------------------------------------------------- tokens

    def _issue(
        self,
        client_id: str,
        *,
        scope: str | None,
        jkt: str | None,
        refresh: bool = True,
        id_token_claims: dict[str, Any] | None = None,
        code: str | None = None,
        extra: dict[str, Any] | None = None,
        acr: str | None = None,
    ) -> dict[str, Any]:
        access_token = "at-" + secrets.token_urlsafe(24)
        info = {"client_id": client_id, "scope": scope, "jkt": jkt, "sub": USER["sub"], "exp": time.time(), "acr": acr}
        info["exp"] += self.expires_in
        self.access_tokens[access_token] = info
        body: dict[str, Any] = {
            "access_token": access_token,
            "token_type": "DPoP" if jkt else "Bearer",
            "expires_in": self.expires_in,
        }
        if scope:
            body["scope"] = scope
        if refresh:
            refresh_token = "rt-" + secrets.token_urlsafe(24)
            self.refresh_tokens[refresh_token] = {**info, "id_token": id_token_claims is not None}
            body["refresh_token"] = refresh_token
        if id_token_claims is not None:
            body["id_token"] = self._id_token(client_id, access_token, code, {"acr": acr, **id_token_claims})
        body.update(extra or {})
        return body

    def _id_token(self, client_id: str, access_token: str, code: str | None, claims: dict[str, Any]) -> str:
        now = int(time.time())
        payload: dict[str, Any] = {
            "iss": self.issuer,
            "sub": USER["sub"],
            "aud": client_id,
            "iat": now,
            "exp": now + 300,
            "auth_time": now,
            "at_hash": _half_hash(access_token),
        }
        if code is not None:
            payload["c_hash"] = _half_hash(code)
        payload.update({name: value for name, value in claims.items() if value is not None})
        return str(Jwt.sign(payload, self.signing_key, alg="RS256"))

    def _token(self, request: Any) -> tuple[int, Any, dict[str, str]]:
        form = self._form(request)
        client_id = self._authenticate_client(request, form, self.endpoints["token_endpoint"])
        jkt = self._check_dpop(request, self.endpoints["token_endpoint"])
        grant_type = form.get("grant_type")
        handlers = {
            "client_credentials": self._grant_client_credentials,
            "authorization_code": self._grant_authorization_code,
            "refresh_token": self._grant_refresh_token,
            "password": self._grant_password,
            GRANT_TOKEN_EXCHANGE: self._grant_token_exchange,
            GRANT_JWT_BEARER: self._grant_jwt_bearer,
            GRANT_DEVICE_CODE: self._grant_polling("device_code"),
            GRANT_CIBA: self._grant_polling("auth_req_id"),
        }
        handler = handlers.get(grant_type or "")
        if handler is None:
            raise OAuthError("unsupported_grant_type", f"unsupported grant_type {grant_type!r}")
        headers = {"Cache-Control": "no-store"}
        return 200, handler(form, client_id, jkt), headers

    def _grant_client_credentials(self, form: dict[str, str], client_id: str, jkt: str | None) -> dict[str, Any]:
        return self._issue(client_id, scope=form.get("scope"), jkt=jkt, refresh=False)

    def _grant_authorization_code(self, form: dict[str, str], client_id: str, jkt: str | None) -> dict[str, Any]:
        code = form.get("code")
        if not code:
            raise OAuthError("invalid_request", "missing code")
        if code in self.used:
            raise OAuthError("invalid_grant", "the code was already used")
        self.used.add(code)
        grant = self.codes.pop(code, None)
        if grant is None:
            if not self.lenient:
                raise OAuthError("invalid_grant", "unknown or already used code")
            return self._issue(client_id, scope=None, jkt=jkt)
        if grant["client_id"] != client_id:
            raise OAuthError("invalid_grant", "the code was issued to another client")
        if grant["redirect_uri"] != form.get("redirect_uri"):
            raise OAuthError("invalid_grant", "redirect_uri does not match the authorization request")
        challenge = grant.get("code_challenge")
        verifier = form.get("code_verifier")
        if challenge is not None:
            if verifier is None or _b64u(hashlib.sha256(verifier.encode()).digest()) != challenge:
                raise OAuthError("invalid_grant", "PKCE verification failed")
        elif verifier is not None:
            raise OAuthError("invalid_grant", "code_verifier sent without code_challenge")
        if grant.get("dpop_jkt") and grant["dpop_jkt"] != jkt:
            raise OAuthError("invalid_dpop_proof", "the code is bound to another DPoP key")
        scope = grant.get("scope")
        id_token_claims = None
        if self.issue_id_tokens and scope and "openid" in scope.split():
            id_token_claims = {"nonce": grant.get("nonce")}
        extra = {}
        if grant.get("authorization_details"):
            extra["authorization_details"] = json.loads(grant["authorization_details"])
        acr = next(iter((grant.get("acr_values") or "").split()), None)
        return self._issue(
            client_id, scope=scope, jkt=jkt, id_token_claims=id_token_claims, code=code, extra=extra, acr=acr
        )

    def _grant_refresh_token(self, form: dict[str, str], client_id: str, jkt: str | None) -> dict[str, Any]:
        refresh_token = form.get("refresh_token")
        if not refresh_token:
            raise OAuthError("invalid_request", "missing refresh_token")
        if refresh_token in self.used or refresh_token in self.revoked:
            raise OAuthError("invalid_grant", "this refresh token was already used (rotation) or revoked")
        self.used.add(refresh_token)
        info = self.refresh_tokens.pop(refresh_token, None)  # rotation: each refresh token is used once
        if info is None:
            if not self.lenient:
                raise OAuthError("invalid_grant", "unknown refresh token")
            return self._issue(client_id, scope=form.get("scope"), jkt=jkt)
        if info["client_id"] != client_id:
            raise OAuthError("invalid_grant", "the refresh token was issued to another client")
        if info.get("jkt") and info["jkt"] != jkt:
            raise OAuthError("invalid_dpop_proof", "the refresh token is bound to another DPoP key")
        id_token_claims: dict[str, Any] | None = {} if info.get("id_token") else None
        return self._issue(client_id, scope=info.get("scope"), jkt=jkt, id_token_claims=id_token_claims)

    def _grant_password(self, form: dict[str, str], client_id: str, jkt: str | None) -> dict[str, Any]:
        if not form.get("username") or "password" not in form:
            raise OAuthError("invalid_request", "missing username or password")
        return self._issue(client_id, scope=form.get("scope"), jkt=jkt)

    def _grant_token_exchange(self, form: dict[str, str], client_id: str, jkt: str | None) -> dict[str, Any]:
        if not form.get("subject_token") or not form.get("subject_token_type"):
            raise OAuthError("invalid_request", "missing subject_token or subject_token_type")
        if "actor_token" in form and not form.get("actor_token_type"):
            raise OAuthError("invalid_request", "actor_token without actor_token_type")
        issued = form.get("requested_token_type", ACCESS_TOKEN_URN)
        return self._issue(
            client_id, scope=form.get("scope"), jkt=jkt, refresh=False, extra={"issued_token_type": issued}
        )

    def _grant_jwt_bearer(self, form: dict[str, str], client_id: str, jkt: str | None) -> dict[str, Any]:
        try:
            Jwt(form.get("assertion", ""))
        except Exception as exc:
            raise OAuthError("invalid_grant", "the assertion is not a JWT") from exc
        return self._issue(client_id, scope=form.get("scope"), jkt=jkt, refresh=False)

    def _grant_polling(self, field: str) -> Any:
        def grant(form: dict[str, str], client_id: str, jkt: str | None) -> dict[str, Any]:
            value = form.get(field)
            if not value:
                raise OAuthError("invalid_request", f"missing {field}")
            if value not in self.polls:
                if not self.lenient:
                    raise OAuthError("invalid_grant", f"unknown {field}")
                self.polls[value] = 0
            if self.polls[value] < self.pending_polls:
                self.polls[value] += 1
                raise OAuthError("authorization_pending", "the user has not approved the request yet")
            del self.polls[value]
            return self._issue(client_id, scope="openid", jkt=jkt)

        return grant

    # ------------------------------------------------------------------------------------- other endpoints

    def _revocation(self, request: Any) -> tuple[int, Any, dict[str, str]]:
        form = self._form(request)
        self._authenticate_client(request, form, self.endpoints["revocation_endpoint"])
        token = form.get("token")
        if not token:
            raise OAuthError("invalid_request", "missing token")
        hint = form.get("token_type_hint")
        if hint not in (None, "access_token", "refresh_token"):
            raise OAuthError("unsupported_token_type", f"unsupported token_type_hint {hint}")
        self.revoked.add(token)
        return 200, None, {}

    def _introspection(self, request: Any) -> tuple[int, Any, dict[str, str]]:
        form = self._form(request)
        self._authenticate_client(request, form, self.endpoints["introspection_endpoint"])
        token = form.get("token")
        if not token:
            raise OAuthError("invalid_request", "missing token")
        info = self.access_tokens.get(token) or self.refresh_tokens.get(token)
        if info is None or token in self.revoked:
            if not self.lenient or token in self.revoked:
                return 200, {"active": False}, {}
            info = {"client_id": "unknown", "scope": None, "sub": USER["sub"], "exp": time.time() + 60}
        body = {
            "active": True,
            "client_id": info["client_id"],
            "sub": info["sub"],
            "exp": int(info["exp"]),
            "iss": self.issuer,
            "token_type": "DPoP" if info.get("jkt") else "Bearer",
        }
        if info.get("scope"):
            body["scope"] = info["scope"]
        if info.get("jkt"):
            body["cnf"] = {"jkt": info["jkt"]}
        media_type = "application/token-introspection+jwt"
        if media_type in request.headers.get("Accept", ""):  # RFC 9701
            client_id = self._authenticate_client(request, form, self.endpoints["introspection_endpoint"])
            claims = {"iss": self.issuer, "aud": client_id, "iat": int(time.time()), "token_introspection": body}
            jwt = Jwt.sign(claims, self.signing_key, alg="RS256", typ="token-introspection+jwt")
            return 200, str(jwt), {"Content-Type": media_type}
        return 200, body, {}

    def check_access_token(self, request: Any, url: str) -> str:
        """Check the access token of a request to a resource (and its DPoP proof); return its subject.

        Raises:
            OAuthError: `invalid_token` (a `401` answer) without a token of this AS, or with a revoked one.
        """
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() not in ("bearer", "dpop") or not token:
            raise OAuthError("invalid_token", "missing access token", 401, {"WWW-Authenticate": "Bearer"})
        info = self.access_tokens.get(token)
        if token in self.revoked or (info is None and not self.lenient):
            raise OAuthError("invalid_token", "unknown or revoked access token", 401, {"WWW-Authenticate": "Bearer"})
        if scheme.lower() == "dpop" or (info and info.get("jkt")):
            jkt = self._check_dpop(request, url, access_token=token)
            if jkt is None or (info is not None and info.get("jkt") != jkt):
                raise OAuthError("invalid_token", "DPoP binding mismatch", 401, {"WWW-Authenticate": "DPoP"})
        return str(info["sub"]) if info is not None else USER["sub"]

    def _userinfo(self, request: Any) -> tuple[int, Any, dict[str, str]]:
        self.check_access_token(request, self.endpoints["userinfo_endpoint"])
        if "application/jwt" in request.headers.get("Accept", ""):  # OpenID Connect Core §5.3.2
            token = request.headers["Authorization"].partition(" ")[2]
            client_id = self.access_tokens.get(token, {}).get("client_id", "unknown")
            jwt = Jwt.sign({**USER, "iss": self.issuer, "aud": client_id}, self.signing_key, alg="RS256")
            return 200, str(jwt), {"Content-Type": "application/jwt"}
        return 200, dict(USER), {}

    def _device_authorization(self, request: Any) -> tuple[int, Any, dict[str, str]]:
        form = self._form(request)
        self._authenticate_client(request, form, self.endpoints["device_authorization_endpoint"])
        device_code = "dc-" + secrets.token_urlsafe(16)
        user_code = "WDJB-MJHT"
        self.polls[device_code] = 0
        verification_uri = self.base_url + "/device"
        body = {
            "device_code": device_code,
            "user_code": user_code,
            "verification_uri": verification_uri,
            "verification_uri_complete": f"{verification_uri}?user_code={user_code}",
            "expires_in": 600,
            "interval": 5,
        }
        return 200, {self.device_answer_names.get(name, name): value for name, value in body.items()}, {}

    def _backchannel(self, request: Any) -> tuple[int, Any, dict[str, str]]:
        form = self._form(request)
        self._authenticate_client(request, form, self.endpoints["backchannel_authentication_endpoint"])
        params = dict(form)
        if "request" in form:
            try:
                params.update(SignedJwt(form["request"]).claims)
            except Exception as exc:
                raise OAuthError("invalid_request_object", "the request object is not a signed JWT") from exc
        hints = [name for name in ("login_hint", "login_hint_token", "id_token_hint") if params.get(name)]
        if len(hints) != 1:
            raise OAuthError("invalid_request", "exactly one of login_hint, login_hint_token, id_token_hint")
        if "openid" not in str(params.get("scope", "")).split():
            raise OAuthError("invalid_scope", "the openid scope is required")
        auth_req_id = "ar-" + secrets.token_urlsafe(16)
        self.polls[auth_req_id] = 0
        return 200, {"auth_req_id": auth_req_id, "expires_in": 120, "interval": 2}, {}

    def _par(self, request: Any) -> tuple[int, Any, dict[str, str]]:
        form = self._form(request)
        client_id = self._authenticate_client(request, form, self.endpoints["pushed_authorization_request_endpoint"])
        if "request_uri" in form:
            raise OAuthError("invalid_request", "request_uri is not allowed in a pushed request")
        params = {name: value for name, value in form.items() if not name.startswith("client_")}
        params["client_id"] = client_id
        jkt = self._check_dpop(request, self.endpoints["pushed_authorization_request_endpoint"])
        if jkt is not None:
            params.setdefault("dpop_jkt", jkt)
        request_uri = "urn:ietf:params:oauth:request_uri:" + secrets.token_urlsafe(16)
        self.pushed_requests[request_uri] = params
        return 201, {"request_uri": request_uri, "expires_in": 60}, {}

    def _echo(self, request: Any) -> tuple[int, Any, dict[str, str]]:
        parts = urlsplit(request.url)
        match = re.search(r"/status/(\d{3})$", parts.path)
        header = request.headers.get("Authorization")
        if header is not None and header.split(" ")[0].lower() == "dpop":
            self.check_access_token(request, request.url)
        body: dict[str, Any] = {
            "method": request.method,
            "path": parts.path,
            "query": {name: values if len(values) > 1 else values[0] for name, values in parse_qs(parts.query).items()},
            "authorization_scheme": header.split(" ")[0] if header else None,
        }
        content_type = request.headers.get("Content-Type", "")
        if request.text and "json" in content_type:
            body["json"] = request.json()
        elif request.text:
            body["form"] = dict(parse_qsl(request.text, keep_blank_values=True))
        return (int(match.group(1)) if match else 200), body, {}

    # ------------------------------------------------------------------------------------------ registration

    def _register(self, request: Any) -> tuple[int, Any, dict[str, str]]:
        metadata = self._client_metadata(request)
        client_id = "dyn-" + secrets.token_urlsafe(8)
        information = {
            **metadata,
            "client_id": client_id,
            "client_id_issued_at": int(time.time()),
            "registration_access_token": "rat-" + secrets.token_urlsafe(16),
            "registration_client_uri": f"{self.endpoints['registration_endpoint']}/{client_id}",
        }
        if metadata.get("token_endpoint_auth_method", "client_secret_basic").startswith("client_secret_"):
            information["client_secret"] = "dyn-secret-" + secrets.token_urlsafe(16)
            information["client_secret_expires_at"] = 0
            self.clients[client_id] = information["client_secret"]
        self.registrations[client_id] = information
        return 201, information, {"Cache-Control": "no-store"}

    def _manage(self, request: Any) -> tuple[int, Any, dict[str, str]]:
        client_id = urlsplit(request.url).path.rsplit("/", 1)[-1]
        information = self.registrations.get(client_id)
        token = information and information["registration_access_token"]
        if information is None or request.headers.get("Authorization") != f"Bearer {token}":
            raise OAuthError("invalid_token", "unknown client or registration access token", 401)
        if request.method == "DELETE":
            del self.registrations[client_id]
            self.clients.pop(client_id, None)
            self.deleted_clients.add(client_id)
            return 204, None, {}
        if request.method == "PUT":
            metadata = self._client_metadata(request)
            if metadata.get("client_id") != client_id:
                raise OAuthError("invalid_client_metadata", "client_id does not match")
            managed = ("client_id_issued_at", "registration_access_token", "registration_client_uri")
            information = {**metadata, **{name: information[name] for name in managed}}
            if client_id in self.clients:
                information.update(client_secret=self.clients[client_id], client_secret_expires_at=0)
            self.registrations[client_id] = information
        return 200, information, {"Cache-Control": "no-store"}

    @staticmethod
    def _client_metadata(request: Any) -> dict[str, Any]:
        try:
            metadata = json.loads(request.text or "")
        except ValueError as exc:
            raise OAuthError("invalid_client_metadata", "the body is not JSON") from exc
        if not isinstance(metadata, dict):
            raise OAuthError("invalid_client_metadata", "the body is not a JSON object")
        for uri in metadata.get("redirect_uris", []):
            if not str(uri).startswith(("https://", "http://")):
                raise OAuthError("invalid_redirect_uri", f"invalid redirect_uri {uri!r}")
        if any(Jwk(key).is_private for key in metadata.get("jwks", {}).get("keys", [])):
            raise OAuthError("invalid_client_metadata", "jwks must hold public keys only")
        return metadata

    # ---------------------------------------------------------------------------------- authorization endpoint

    def authorize(self, uri: str, *, error: str | None = None) -> str:
        """Play the user's browser: send an authorization request, consent, and return the redirect URL.

        Args:
            uri: the authorization request URL.
            error: return an error response with this code instead of a code.

        Returns:
            the URL the browser is redirected to (also kept in `last_callback`).
        """
        endpoint, _, query = uri.partition("?")
        if endpoint != self.endpoints.get("authorization_endpoint"):
            raise AssertionError(f"{endpoint} is not the authorization endpoint of {self.issuer}")
        params = {name: values[-1] for name, values in parse_qs(query).items()}
        if "request_uri" in params:
            pushed = self.pushed_requests.pop(params["request_uri"], None)
            if pushed is None or pushed["client_id"] != params.get("client_id"):
                raise AssertionError("unknown request_uri, or used by another client")
            params = pushed
        if "request" in params:
            request_object = Jwt(params["request"])
            if not isinstance(request_object, SignedJwt):
                # encrypted request object (RFC 9101 §6.1): decrypt with the AS encryption key
                request_object = request_object.decrypt_jwt(self.encryption_key)  # type: ignore[attr-defined]
            if request_object.headers.get("typ") != "oauth-authz-req+jwt":
                raise AssertionError("a request object must have typ=oauth-authz-req+jwt")
            claims = request_object.claims
            if claims.get("client_id") != params.get("client_id") or claims.get("iss") != params.get("client_id"):
                raise AssertionError("the request object client_id/iss does not match")
            params = {name: _param_value(value) for name, value in claims.items()}
        for required in ("client_id", "redirect_uri", "response_type"):
            if required not in params:
                raise AssertionError(f"the authorization request has no {required}")
        if params["response_type"] != "code":
            raise AssertionError("only response_type=code is supported")
        if params.get("code_challenge") and params.get("code_challenge_method", "plain") != "S256":
            raise AssertionError("only S256 PKCE is supported")
        response: dict[str, str] = {}
        if error is not None:
            response["error"] = error
            response["error_description"] = f"the user or the AS refused: {error}"
        else:
            code = "code-" + secrets.token_urlsafe(16)
            self.codes[code] = {
                "client_id": params["client_id"],
                "redirect_uri": params["redirect_uri"],
                "code_challenge": params.get("code_challenge"),
                "scope": params.get("scope"),
                "nonce": params.get("nonce"),
                "dpop_jkt": params.get("dpop_jkt"),
                "authorization_details": params.get("authorization_details"),
                "acr_values": params.get("acr_values"),
            }
            response["code"] = code
        if "state" in params:
            response["state"] = params["state"]
        if self.discovery_document.get("authorization_response_iss_parameter_supported"):
            response["iss"] = self.issuer
        if params.get("response_mode", "").endswith("jwt"):
            now = int(time.time())
            claims = {**response, "aud": params["client_id"], "exp": now + 300, "iat": now}
            response = {"response": str(Jwt.sign(claims, self.signing_key, alg="RS256"))}
        separator = "&" if "?" in params["redirect_uri"] else "?"
        self.last_callback = params["redirect_uri"] + separator + urlencode(response)
        return self.last_callback

    def end_session(self, uri: str) -> str:
        """Play the user's browser at the `end_session_endpoint` (RP-initiated logout): log out, then go back.

        Returns:
            the `post_logout_redirect_uri` (with `state`), or the AS's own "logged out" page without one.
        """
        endpoint, _, query = uri.partition("?")
        if endpoint != self.endpoints.get("end_session_endpoint"):
            raise AssertionError(f"{endpoint} is not the end_session_endpoint of {self.issuer}")
        params = {name: values[-1] for name, values in parse_qs(query).items()}
        if "post_logout_redirect_uri" in params and not ("id_token_hint" in params or "client_id" in params):
            raise AssertionError("a post_logout_redirect_uri needs an id_token_hint or a client_id")
        if "id_token_hint" in params and not SignedJwt(params["id_token_hint"]).verify_signature(
            self.signing_key.public_jwk(), alg="RS256"
        ):
            raise AssertionError("the id_token_hint was not issued by this AS")
        self.logged_out.append(params)
        redirect_uri = params.get("post_logout_redirect_uri")
        if redirect_uri is None:
            return self.base_url + "/logged-out"
        response = {"state": params["state"]} if "state" in params else {}
        separator = "&" if "?" in redirect_uri else "?"
        self.last_callback = redirect_uri + (separator + urlencode(response) if response else "")
        return self.last_callback


def _with_param(challenge: str, param: str) -> str:
    """Add a parameter to a challenge (`Bearer` alone, or with parameters)."""
    return f"{challenge}, {param}" if " " in challenge.strip() else f"{challenge.strip()} {param}"


def _param_value(value: Any) -> str:
    """A request object claim as an authorization request parameter value."""
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"))
