"""Where credentials may go, against the real authorization server (issue 12).

A small local HTTP server on another origin (127.0.0.1 on another port) plays the part of a redirecting endpoint,
a resource server that redirects elsewhere, or the place a redirect leads to. Requests to the AS never follow a
redirect (and the real AS proves that nothing was re-sent: the code can still be redeemed, the token is still
active); public documents follow redirects within their origin only; auth handlers and DPoP tokens keep their
credentials within the origin they were sent to; the issuer a well-known URL names is required; a response of one
issuer is never redeemed through a client of another; UserInfo is about the ID Token's user; serialized DPoP keys
send each nonce to its own server only.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import requests
from jwskate import SignedJwt

from requests_oauth2client import (
    BearerToken,
    ClientSecretBasic,
    ClientSecretPost,
    DPoPKey,
    DPoPToken,
    FailedDiscoveryError,
    InvalidDiscoveryDocument,
    InvalidParam,
    MismatchingIssuer,
    OAuth2AuthorizationCodeAuth,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    OAuth2Error,
    TokenSerializer,
)
from requests_oauth2client.exceptions import InvalidUserinfoResponse
from tests.integration.harness import Harness

Answer = tuple[int, dict[str, str], bytes]


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class LocalServer:
    """An HTTP server on 127.0.0.1 (another origin than the AS) that answers from `routes` and records requests."""

    routes: dict[str, Callable[[Recorded], Answer]] = field(default_factory=dict)
    requests: list[Recorded] = field(default_factory=list)
    origin: str = ""

    def url(self, path: str) -> str:
        return f"{self.origin}{path}"

    def redirect(self, path: str, location: str, status: int = 307) -> None:
        self.routes[path] = lambda _: (status, {"Location": location}, b"")

    def answer(self, path: str, status: int, headers: dict[str, str] | None = None, body: bytes = b"") -> None:
        self.routes[path] = lambda _: (status, headers or {}, body)

    def received(self, path: str) -> list[Recorded]:
        return [r for r in self.requests if r.path == path]


@contextlib.contextmanager
def serve() -> Iterator[LocalServer]:
    """Run a `LocalServer` on a free port of 127.0.0.1."""
    state = LocalServer()

    class Handler(BaseHTTPRequestHandler):
        def _handle(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            record = Recorded(self.command, self.path, dict(self.headers.items()), self.rfile.read(length))
            state.requests.append(record)
            route = state.routes.get(self.path.split("?", 1)[0])
            status, headers, body = route(record) if route is not None else (404, {}, b"")
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST = _handle  # noqa: N815

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.origin = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def local() -> Iterator[LocalServer]:
    with serve() as server:
        yield server


@pytest.fixture
def elsewhere() -> Iterator[LocalServer]:
    """A second local server: a third origin."""
    with serve() as server:
        yield server


def post_client(as_server: Harness, **overrides: Any) -> OAuth2Client:
    """A client with client_secret_post: its secret is in the body, which a followed 307 or 308 would re-post."""
    return OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer,
        auth=ClientSecretPost("client-post", as_server.client_secret("client-post")),
        redirect_uri=as_server.redirect_uri,
        testing=True,
        **overrides,
    )


def log_in(as_server: Harness, client: OAuth2Client, user: str = "demo-user", **kwargs: Any) -> Any:
    azr = client.authorization_request(scope="openid profile", login_hint=user, **kwargs)
    return azr.validate_callback(as_server.authorize(azr.uri, as_server.redirect_uri))


# ------------------------------------------------------------------------------- requests to the AS never redirect


def test_a_redirected_code_exchange_sends_nothing_on(as_server: Harness, local: LocalServer) -> None:
    real = post_client(as_server)
    local.redirect("/token", real.token_endpoint, status=307)
    redirected = post_client(as_server, token_endpoint=local.url("/token"))
    response = log_in(as_server, real)

    with pytest.raises(OAuth2Error) as exc_info:
        redirected.authorization_code(response)

    assert real.token_endpoint in str(exc_info.value)
    assert len(local.received("/token")) == 1
    # the code and verifier did not reach the token endpoint: they are still good there
    token = real.authorization_code(response)
    assert token.id_token is not None


@pytest.mark.parametrize("status", [302, 307, 308])
def test_a_redirected_revocation_does_not_resend_the_token(as_server: Harness, local: LocalServer, status: int) -> None:
    real = post_client(as_server)
    token = real.client_credentials(scope="api:read", resource="urn:harness:api")
    local.redirect("/revoke", real.revocation_endpoint or "", status=status)
    redirected = post_client(as_server, revocation_endpoint=local.url("/revoke"))

    with pytest.raises(OAuth2Error):
        redirected.revoke_access_token(token)

    assert real.introspect_token(token)["active"] is True  # never revoked: the token was not re-sent


@pytest.mark.parametrize(
    "endpoint",
    [
        "introspection_endpoint",
        "userinfo_endpoint",
        "pushed_authorization_request_endpoint",
        "device_authorization_endpoint",
        "backchannel_authentication_endpoint",
    ],
)
def test_no_as_endpoint_follows_a_redirect(as_server: Harness, local: LocalServer, endpoint: str) -> None:
    real = post_client(as_server)
    local.redirect("/endpoint", getattr(real, endpoint), status=307)
    redirected = post_client(as_server, **{endpoint: local.url("/endpoint")})
    calls: dict[str, Callable[[], object]] = {
        "introspection_endpoint": lambda: redirected.introspect_token("some-token"),
        "userinfo_endpoint": lambda: redirected.userinfo("some-token"),
        "pushed_authorization_request_endpoint": lambda: redirected.pushed_authorization_request(
            redirected.authorization_request()
        ),
        "device_authorization_endpoint": lambda: redirected.authorize_device(scope="openid"),
        "backchannel_authentication_endpoint": lambda: redirected.backchannel_authentication_request(
            scope="openid", login_hint="demo-user"
        ),
    }
    with pytest.raises(OAuth2Error) as exc_info:
        calls[endpoint]()
    assert exc_info.value.response.status_code == 307
    assert endpoint.replace("_", " ").replace("userinfo", "UserInfo") in str(exc_info.value)
    assert len(local.requests) == 1


# -------------------------------------------------------------------------------------------- public documents


def test_discovery_does_not_follow_a_redirect_to_another_origin(as_server: Harness, local: LocalServer) -> None:
    local.redirect("/metadata", as_server.discovery_url, status=302)
    with pytest.raises(FailedDiscoveryError) as exc_info:
        OAuth2Client.from_discovery_endpoint(local.url("/metadata"), client_id="c", testing=True)
    assert exc_info.value.url == local.url("/metadata")


def test_discovery_follows_a_redirect_within_its_origin(as_server: Harness, local: LocalServer) -> None:
    document = requests.get(as_server.discovery_url, timeout=10).content
    local.redirect("/metadata", "/current/metadata", status=301)
    local.answer("/current/metadata", 200, {"Content-Type": "application/json"}, document)
    client = OAuth2Client.from_discovery_endpoint(local.url("/metadata"), client_id="c", testing=True)
    assert client.issuer == as_server.issuer
    assert len(client.authorization_server_jwks) >= 1


def test_missing_documents_raise_a_discovery_error_that_is_an_http_error(as_server: Harness) -> None:
    missing = f"{as_server.issuer}/nowhere/.well-known/openid-configuration"
    with pytest.raises(FailedDiscoveryError) as exc_info:
        OAuth2Client.from_discovery_endpoint(missing, client_id="c", testing=True)
    assert isinstance(exc_info.value, requests.HTTPError)
    assert exc_info.value.response.status_code == 404
    client = post_client(as_server, jwks_uri=f"{as_server.issuer}/no-jwks-here")
    with pytest.raises(requests.HTTPError) as jwks_info:
        client.update_authorization_server_public_keys()
    assert isinstance(jwks_info.value, FailedDiscoveryError)


@pytest.mark.parametrize("name", ["openid-configuration", "oauth-authorization-server"])
def test_discovery_by_well_known_url_expects_the_issuer_it_names(as_server: Harness, name: str) -> None:
    client = OAuth2Client.from_discovery_endpoint(
        f"{as_server.issuer}/.well-known/{name}", client_id="client-basic", testing=True
    )
    assert client.issuer == as_server.issuer
    # the same server reached as "localhost" names the issuer 127.0.0.1: not the issuer this URL names
    localhost = as_server.issuer.replace("127.0.0.1", "localhost")
    with pytest.raises(InvalidParam, match="Mismatching issuer") as exc_info:
        OAuth2Client.from_discovery_endpoint(f"{localhost}/.well-known/{name}", client_id="c", testing=True)
    assert isinstance(exc_info.value, InvalidDiscoveryDocument)


# ------------------------------------------------------------------------------------------------------ mix-up


def test_a_response_of_one_issuer_is_not_redeemed_through_a_client_of_another(as_server: Harness) -> None:
    client_a = post_client(as_server)
    client_b = OAuth2Client(
        client_a.token_endpoint,
        auth=ClientSecretPost("client-post", as_server.client_secret("client-post")),
        issuer=f"{as_server.issuer}/another-issuer",
        testing=True,
    )
    response = log_in(as_server, client_a)
    with pytest.raises(MismatchingIssuer):
        client_b.authorization_code(response)
    with pytest.raises(MismatchingIssuer):
        OAuth2AuthorizationCodeAuth(client_b, response)
    assert client_a.authorization_code(response).access_token  # the code never left the client


# ---------------------------------------------------------------------------------------------------- UserInfo


def test_userinfo_must_be_about_the_user_of_the_id_token(as_server: Harness) -> None:
    client = post_client(as_server)
    alice = client.authorization_code(log_in(as_server, client, "alice"))
    bob = client.authorization_code(log_in(as_server, client, "bob"))
    assert client.userinfo(alice)["sub"] == "alice"
    swapped = BearerToken(bob.access_token, id_token=alice.id_token)
    with pytest.raises(InvalidUserinfoResponse) as exc_info:
        client.userinfo(swapped)
    assert exc_info.value.response.json()["sub"] == "bob"


# ------------------------------------------------------------------------------------- tokens stay at home


def test_the_auth_handler_renews_only_for_its_own_origin(
    as_server: Harness, local: LocalServer, elsewhere: LocalServer
) -> None:
    token_requests: list[str] = []
    client = post_client(as_server)
    client.session.hooks["response"].append(lambda r, *a, **k: token_requests.append(r.url))
    invalid_token = {"WWW-Authenticate": 'Bearer error="invalid_token"'}
    auth = OAuth2ClientCredentialsAuth(client, scope="api:read", renew_on_invalid_token=True)
    elsewhere.answer("/api", 401, invalid_token)
    local.redirect("/api", elsewhere.url("/api"), status=302)
    response = requests.get(local.url("/api"), auth=auth, timeout=10)
    assert response.status_code == 401
    assert len(elsewhere.requests) == 1
    assert "Authorization" not in elsewhere.requests[0].headers
    assert len(token_requests) == 1  # no renewal for another origin's 401

    # within the origin, the same 401 renews the token once and the request is sent again
    answers = iter([(401, invalid_token, b""), (200, {}, b"ok")])
    local.redirect("/moved", "/v2", status=302)
    local.routes["/v2"] = lambda _: next(answers)
    response = requests.get(local.url("/moved"), auth=auth, timeout=10)
    assert response.status_code == 200
    assert len(token_requests) == 2
    first, second = (r.headers["Authorization"] for r in local.received("/v2"))
    assert first != second


def test_a_dpop_token_sends_nothing_to_another_origin(as_server: Harness, local: LocalServer) -> None:
    client = post_client(as_server)
    token = client.client_credentials(scope="api:read", dpop=True)
    assert isinstance(token, DPoPToken)
    local.redirect("/api", as_server.resource_nonce_url, status=307)

    response = requests.Session().get(local.url("/api"), auth=token, timeout=10)

    # the resource server (another origin) saw neither the token nor a proof, and nothing was retried there
    assert response.status_code == 401
    assert response.json()["error_description"] == "no access token provided"
    assert len(response.history) == 1
    assert local.received("/api")[0].headers["Authorization"] == f"DPoP {token.access_token}"


def test_serialized_dpop_nonces_go_back_to_their_own_server(as_server: Harness, local: LocalServer) -> None:
    client = OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer,
        auth=ClientSecretBasic("client-dpop", as_server.client_secret("client-dpop")),
        dpop_bound_access_tokens=True,
        testing=True,
    )
    token = client.client_credentials(scope="api:read")
    assert isinstance(token, DPoPToken)
    assert requests.get(as_server.resource_nonce_url, auth=token, timeout=10).status_code == 200
    as_nonce = token.dpop_key.as_nonce_for(client.token_endpoint)
    assert as_nonce is not None and token.dpop_key.rs_nonce is not None

    loaded = TokenSerializer().loads(TokenSerializer().dumps(token))

    assert isinstance(loaded, DPoPToken)
    key: DPoPKey = loaded.dpop_key
    assert key.as_nonce_for(client.token_endpoint) == as_nonce
    assert key.as_nonce_for(local.url("/token")) is None
    assert "nonce" not in key.proof("GET", local.url("/api")).claims
    local.answer("/api", 200)
    requests.get(local.url("/api"), auth=loaded, timeout=10)
    assert "nonce" not in SignedJwt(local.received("/api")[0].headers["DPoP"]).claims
    # the resource server gets its own nonce back at once: no use_dpop_nonce round trip
    response = requests.get(as_server.resource_nonce_url, auth=loaded, timeout=10)
    assert response.status_code == 200
    assert response.history == []
