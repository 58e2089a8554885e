"""Starting from an API against the real server: 401 → resource metadata → AS discovery → registration → login
(PKCE + resource) → 200, then step-up and scope-up (RFC 9470, RFC 6750), with the device flow too."""

from __future__ import annotations

import threading
import time
from functools import partial
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from requests_oauth2client import (
    ApiClient,
    BearerToken,
    DeviceAuthorizationResponse,
    DeviceFlowLogin,
    InsufficientScope,
    InsufficientUserAuthentication,
    InvalidClient,
    MismatchingAuthorizationServerIdentifier,
    MismatchingIdTokenAcr,
    MismatchingResourceIdentifier,
    OAuth2AccessTokenAuth,
    OAuth2Client,
    login_to_api,
)
from requests_oauth2client.loopback import login_with_browser
from tests.integration.harness import Harness
from tests.integration.native_app import AutomaticUser

Requests = list[tuple[str, str, int]]


def recording_session() -> tuple[requests.Session, Requests]:
    """A session recording (method, URL without query, status) of every response it gets."""
    seen: Requests = []
    session = requests.Session()

    def record(response: requests.Response, *args: object, **kwargs: object) -> None:
        url = response.request.url or ""
        seen.append((response.request.method or "", url.split("?")[0], response.status_code))

    session.hooks["response"].append(record)
    return session, seen


class HarnessLogin:
    """A login method: the harness plays the user agent of the automatic-interaction server; the code is exchanged
    with `resource` (RFC 8707), as the API needs. Records the authorization requests it sends."""

    def __init__(self, h: Harness) -> None:
        self.h = h
        self.browser = requests.Session()  # keeps the AS session between logins (SSO), as a browser would
        self.requests: list[dict[str, list[str]]] = []

    def __call__(self, client: OAuth2Client, **params: Any) -> BearerToken:
        request = client.authorization_request(**params)
        self.requests.append(parse_qs(urlsplit(request.uri).query))
        callback = self.h.authorize(request.uri, str(request.redirect_uri), self.browser)
        response = request.validate_callback(callback)
        return client.authorization_code(response, resource=params.get("resource"))


def test_from_an_api_url_to_a_200_then_step_up(as_server: Harness) -> None:
    h = as_server
    api_url = h.resource_url  # .../api/resource
    session, seen = recording_session()
    login = HarnessLogin(h)
    result = login_to_api(
        api_url, login=login, client_metadata={"client_name": "chain test"}, session=session, testing=True
    )

    # the chain, request by request
    metadata_url = h.resource_metadata_url(api_url)
    assert seen[:5] == [
        ("GET", api_url, 401),
        ("GET", metadata_url, 200),
        ("GET", f"{h.issuer}/.well-known/oauth-authorization-server", 200),
        ("POST", h.endpoint("registration_endpoint"), 201),
        ("POST", h.endpoint("token_endpoint"), 200),
    ]
    assert result.resource.resource == api_url
    assert result.resource.authorization_servers == (h.issuer,)
    assert result.registration is not None
    assert result.registration.registration.token_endpoint_auth_method == "none"
    assert result.registration.registration.metadata["client_name"] == "chain test"
    assert result.client.client_id == result.registration.client_id
    assert result.client.issuer == h.issuer
    # the login: PKCE S256 and the resource, and the default scopes (resource's + openid)
    (authorization,) = login.requests
    assert authorization["code_challenge_method"] == ["S256"]
    assert authorization["resource"] == [api_url]
    assert authorization["scope"] == ["openid api:read api:write"]
    # the API answers, with a token issued for it (aud) to the registered client
    assert result.api.base_url == api_url
    answer = result.api.get().json()
    assert seen[-1] == ("GET", api_url, 200)
    assert answer["aud"] == api_url
    assert answer["client_id"] == result.client.client_id
    assert result.api.get("items").json()["path"] == "/api/resource/items"

    # step-up: the same client and login, for the route that needs the mfa acr
    step_up_url = h.protected_resource["step_up_url"]
    step_up_api = ApiClient.from_metadata_endpoint(step_up_url, result.auth, session=session)
    with pytest.raises(InsufficientUserAuthentication) as exc_info:
        step_up_api.get()
    error = exc_info.value
    assert error.acr_values == (h.acr_values["mfa"],)
    assert error.challenge.resource_metadata == h.resource_metadata_url(step_up_url)
    token = result.step_up(error)
    assert login.requests[-1]["acr_values"] == [h.acr_values["mfa"]]
    assert token.id_token is not None
    assert token.id_token.claims["acr"] == h.acr_values["mfa"]
    assert result.token is token
    answer = step_up_api.get().json()
    assert answer["acr"] == h.acr_values["mfa"]
    assert result.api.get().status_code == 200  # the new token is used everywhere


def test_with_the_loopback_login(as_server: Harness) -> None:
    """The same chain with the library's loopback login (RFC 8252): the browser comes back to 127.0.0.1."""
    h = as_server
    user = AutomaticUser(h)
    result = login_to_api(h.resource_url, login=partial(login_with_browser, open_browser=user), testing=True)
    assert result.registration is not None
    assert result.registration.registration.redirect_uris == ("http://127.0.0.1/callback",)
    (authorization_url,) = user.urls
    assert parse_qs(urlsplit(authorization_url).query)["resource"] == [h.resource_url]
    assert result.api.get().json()["aud"] == h.resource_url  # the token request named the resource too
    step_up_api = ApiClient.from_metadata_endpoint(h.protected_resource["step_up_url"], result.auth)
    with pytest.raises(InsufficientUserAuthentication) as exc_info:
        step_up_api.get()
    result.step_up(exc_info.value)
    assert parse_qs(urlsplit(user.urls[-1]).query)["acr_values"] == [h.acr_values["mfa"]]
    assert step_up_api.get().json()["acr"] == h.acr_values["mfa"]


def test_step_up_refuses_an_id_token_without_the_acr(as_server: Harness) -> None:
    """A login that ignores the acr_values asked for: check_step_up refuses it, the token in use stays."""
    h = as_server
    login = HarnessLogin(h)
    result = login_to_api(h.resource_url, login=login, testing=True)
    before = result.token
    step_up_api = ApiClient.from_metadata_endpoint(h.protected_resource["step_up_url"], result.auth)
    with pytest.raises(InsufficientUserAuthentication) as exc_info:
        step_up_api.get()

    def ignores_acr(client: OAuth2Client, **params: Any) -> BearerToken:
        params.pop("acr_values", None)
        return login(client, **params)

    result.login = ignores_acr
    with pytest.raises(MismatchingIdTokenAcr):
        result.step_up(exc_info.value)
    assert result.token is before


def test_scope_up(as_server: Harness) -> None:
    h = as_server
    login = HarnessLogin(h)
    scoped_url = h.protected_resource["scoped_url"]
    result = login_to_api(scoped_url, login=login, scope="openid api:read", testing=True)
    with pytest.raises(InsufficientScope) as exc_info:
        result.api.get()
    assert exc_info.value.scope == ("api:write",)
    result.step_up(exc_info.value)
    assert login.requests[-1]["scope"] == ["openid api:read api:write"]
    assert result.api.get().json()["scope"] == "api:read api:write"  # the resource scopes of the token


def test_max_age_step_up(as_server: Harness) -> None:
    h = as_server
    url = h.protected_resource["max_age_url"].format(max_age=0)
    login = HarnessLogin(h)
    result = login_to_api(url, login=login, testing=True)
    # one second later, the authentication is older than max_age=0 (whole seconds)
    threading.Event().wait(1.1)
    with pytest.raises(InsufficientUserAuthentication) as exc_info:
        result.api.get()
    assert exc_info.value.max_age == 0
    step_up_started = int(time.time())
    token = result.step_up(exc_info.value)
    assert login.requests[-1]["max_age"] == ["0"]
    # the user authenticated again (with max_age=0, a fresh login); a route that accepts a few minutes serves it
    # (the max_age=0 route itself refuses any token once a second boundary has passed)
    auth_time = token.id_token.claims["auth_time"]  # type: ignore[union-attr]
    assert auth_time >= step_up_started
    recent_api = ApiClient.from_metadata_endpoint(h.protected_resource["max_age_url"].format(max_age=600), result.auth)
    assert recent_api.get().json()["auth_time"] == auth_time


def test_with_a_registered_client_and_the_device_flow(as_server: Harness) -> None:
    """A client_id given: no registration; the user approves with the device flow."""
    h = as_server
    approvals: list[threading.Thread] = []

    def display(response: DeviceAuthorizationResponse) -> None:
        assert response.verification_uri_complete is not None
        thread = threading.Thread(target=h.approve_device, args=(response.verification_uri_complete,))
        thread.start()
        approvals.append(thread)

    result = login_to_api(
        h.resource_url,
        login=DeviceFlowLogin(display=display),
        client_id="client-basic",
        client_secret=h.client_secret("client-basic"),
        scope="openid api:read",
        testing=True,
    )
    for thread in approvals:
        thread.join(timeout=30)
    assert result.registration is None
    assert result.api.get().json()["aud"] == h.resource_url


def test_device_flow_with_registration(as_server: Harness) -> None:
    h = as_server

    def display(response: DeviceAuthorizationResponse) -> None:
        threading.Thread(target=h.approve_device, args=(response.verification_uri_complete,), daemon=True).start()

    result = login_to_api(h.resource_url, login=DeviceFlowLogin(display=display), scope="api:read", testing=True)
    assert result.registration is not None
    assert result.registration.registration.metadata["grant_types"] == [
        "urn:ietf:params:oauth:grant-type:device_code",
        "refresh_token",
    ]
    assert result.api.get().json()["scope"] == "api:read"


def test_deleted_registration_stops_the_chain(as_server: Harness) -> None:
    h = as_server
    result = login_to_api(h.resource_url, login=HarnessLogin(h), testing=True)
    assert result.registration is not None
    result.registration.delete()
    with pytest.raises(InvalidClient):
        result.client.refresh_token(result.auth.token)  # type: ignore[arg-type]


def test_the_chain_refuses_metadata_of_another_resource(as_server: Harness, requests_mock: Any) -> None:
    """The 401 names metadata that is about another resource: refused before anything is sent to an AS."""
    requests_mock.real_http = True
    api_url = "https://api.example.com/v1"
    requests_mock.get(
        api_url,
        status_code=401,
        headers={
            "WWW-Authenticate": f'Bearer resource_metadata="{as_server.resource_metadata_url(as_server.resource_url)}"'
        },
    )
    with pytest.raises(MismatchingResourceIdentifier) as exc_info:
        login_to_api(api_url, login=HarnessLogin(as_server), testing=True)
    assert exc_info.value.expected == api_url
    assert exc_info.value.received == as_server.resource_url


def test_the_chain_refuses_an_issuer_not_named_by_the_resource(as_server: Harness) -> None:
    with pytest.raises(MismatchingAuthorizationServerIdentifier):
        login_to_api(
            as_server.resource_url, login=HarnessLogin(as_server), issuer="https://as.example.com", testing=True
        )


def test_auth_of_another_issuer_is_refused_by_from_metadata_endpoint(as_server: Harness) -> None:
    client = OAuth2Client("https://as.example.com/token", client_id="x", issuer="https://as.example.com")
    with pytest.raises(MismatchingAuthorizationServerIdentifier):
        ApiClient.from_metadata_endpoint(as_server.resource_url, OAuth2AccessTokenAuth(client, "at"))
