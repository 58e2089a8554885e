"""Errors a person can act on: which endpoint, URL, status and code, a hint for the common mistakes, no secret;
and the classes of the errors raised at each endpoint (the code's class and the endpoint's class alike)."""

from __future__ import annotations

import pickle
import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

import pytest
import requests
import requests_mock
from jwskate import Jwk

from requests_oauth2client import (
    AuthorizationRequest,
    BackChannelAuthenticationError,
    ClientSecretBasic,
    DeviceAuthorizationError,
    EndpointError,
    IntrospectionError,
    InvalidBackChannelAuthenticationResponse,
    InvalidClient,
    InvalidDeviceAuthorizationResponse,
    InvalidGrant,
    InvalidPushedAuthorizationResponse,
    InvalidTokenResponse,
    OAuth2Client,
    OAuth2Error,
    PrivateKeyJwt,
    PushedAuthorizationRequestError,
    RevocationError,
    ServerError,
    ServerUnavailable,
    TokenEndpointError,
    UnknownIntrospectionError,
    UnknownTokenEndpointError,
)
from requests_oauth2client._errors.endpoint_messages import describe_body, endpoint_message
from requests_oauth2client.client import InvalidJwtUserinfoResponse
from requests_oauth2client.exceptions import AccessDenied, DiscoveryHTTPError, endpoint_error_class

AS = "https://as.example.com"
TOKEN = f"{AS}/token"
SECRET = "s3cr3t-client-secret"


@pytest.fixture
def client() -> OAuth2Client:
    return OAuth2Client(
        TOKEN,
        client_id="client",
        client_secret=SECRET,
        revocation_endpoint=f"{AS}/revoke",
        introspection_endpoint=f"{AS}/introspect",
        device_authorization_endpoint=f"{AS}/device",
        backchannel_authentication_endpoint=f"{AS}/bc-authorize",
        pushed_authorization_request_endpoint=f"{AS}/par",
        authorization_endpoint=f"{AS}/authorize",
        userinfo_endpoint=f"{AS}/userinfo",
        jwks_uri=f"{AS}/jwks",
        issuer=AS,
    )


def _par(client: OAuth2Client) -> object:
    return client.pushed_authorization_request(client.authorization_request(scope="openid"))


# endpoint: (its URL, its name in messages, a call, the endpoint's error class, its class of invalid answers)
ENDPOINTS: dict[str, tuple[str, str, Callable[[OAuth2Client], object], type[EndpointError], type[OAuth2Error]]] = {
    "token": (
        TOKEN,
        "token endpoint",
        lambda c: c.client_credentials(),
        TokenEndpointError,
        InvalidTokenResponse,
    ),
    "revocation": (
        f"{AS}/revoke",
        "revocation endpoint",
        lambda c: c.revoke_access_token("the-access-token"),
        RevocationError,
        OAuth2Error,  # not raised: a non-standard error answer gives False
    ),
    "introspection": (
        f"{AS}/introspect",
        "introspection endpoint",
        lambda c: c.introspect_token("the-access-token"),
        IntrospectionError,
        UnknownIntrospectionError,
    ),
    "device": (
        f"{AS}/device",
        "device authorization endpoint",
        lambda c: c.authorize_device(scope="openid"),
        DeviceAuthorizationError,
        InvalidDeviceAuthorizationResponse,
    ),
    "ciba": (
        f"{AS}/bc-authorize",
        "backchannel authentication endpoint",
        lambda c: c.backchannel_authentication_request(login_hint="alice"),
        BackChannelAuthenticationError,
        InvalidBackChannelAuthenticationResponse,
    ),
    "par": (
        f"{AS}/par",
        "pushed authorization request endpoint",
        _par,
        PushedAuthorizationRequestError,
        InvalidPushedAuthorizationResponse,
    ),
}


# ------------------------------------------------------------------------------------- classes, at each endpoint


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_error_is_of_the_code_class_and_of_the_endpoint_class(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, endpoint: str
) -> None:
    url, label, call, family, _ = ENDPOINTS[endpoint]
    requests_mock.post(url, status_code=401, json={"error": "invalid_client", "error_description": "who are you?"})
    with pytest.raises(InvalidClient) as exc_info:
        call(client)
    exc = exc_info.value
    assert isinstance(exc, family)
    assert (exc.error, exc.description, exc.response.status_code, exc.client) == (
        "invalid_client",
        "who are you?",
        401,
        client,
    )
    assert str(exc).startswith(f"The {label} ({url}) answered HTTP 401, error `invalid_client`: who are you?\n")


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_an_error_code_of_no_class_is_of_the_endpoint_class(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, endpoint: str
) -> None:
    url, _, call, family, _ = ENDPOINTS[endpoint]
    requests_mock.post(url, status_code=400, json={"error": "access_denied"})
    with pytest.raises(AccessDenied) as exc_info:
        call(client)
    assert isinstance(exc_info.value, family)


def test_an_unknown_code_keeps_its_documented_class(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(f"{AS}/par", status_code=400, json={"error": "unheard_of"})
    with pytest.raises(UnknownTokenEndpointError) as exc_info:
        _par(client)
    assert isinstance(exc_info.value, PushedAuthorizationRequestError)
    requests_mock.post(f"{AS}/revoke", status_code=400, json={"error": "unheard_of"})
    with pytest.raises(RevocationError):
        client.revoke_token("t")


@pytest.mark.parametrize("endpoint", [name for name in ENDPOINTS if name != "revocation"])
@pytest.mark.parametrize(
    "answer", [{"text": "<html><h1>503 Service Unavailable</h1></html>"}, {"text": ""}, {"json": {"oops": 1}}]
)
def test_a_5xx_without_oauth_error_is_server_unavailable(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, endpoint: str, answer: dict[str, Any]
) -> None:
    url, label, call, _, invalid_response = ENDPOINTS[endpoint]
    requests_mock.post(url, status_code=503, **answer)
    with pytest.raises(ServerUnavailable) as exc_info:
        call(client)
    exc = exc_info.value
    assert isinstance(exc, invalid_response)  # what code catching invalid answers caught before
    assert exc.response.status_code == 503
    assert str(exc).startswith(f"The {label} ({url}) answered HTTP 503: the body ")
    assert "retrying later may succeed" in str(exc)
    assert "Expecting value" not in str(exc) and "line 1 column" not in str(exc)


def test_a_5xx_with_an_oauth_error_is_that_error(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, status_code=500, json={"error": "server_error"})
    with pytest.raises(ServerError) as exc_info:
        client.client_credentials()
    assert not isinstance(exc_info.value, ServerUnavailable)
    assert isinstance(exc_info.value, TokenEndpointError)


def test_a_4xx_without_oauth_error_is_not_server_unavailable(
    client: OAuth2Client, requests_mock: requests_mock.Mocker
) -> None:
    requests_mock.post(TOKEN, status_code=400, text="<html>Bad Request</html>")
    with pytest.raises(InvalidTokenResponse) as exc_info:
        client.client_credentials()
    assert type(exc_info.value) is InvalidTokenResponse


def test_a_5xx_at_the_revocation_endpoint_returns_false(
    client: OAuth2Client, requests_mock: requests_mock.Mocker
) -> None:
    # RFC 7009 §2.2.1: after a 503 the token must be assumed to still exist; `False` says so, as documented
    requests_mock.post(f"{AS}/revoke", status_code=503, text="<html>down</html>")
    assert client.revoke_token("t") is False


@pytest.mark.parametrize("url", [f"{AS}/.well-known/openid-configuration", f"{AS}/jwks"])
def test_a_5xx_of_the_metadata_or_the_keys_is_server_unavailable(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, url: str
) -> None:
    requests_mock.get(url, status_code=502, text="<html>Bad Gateway</html>")
    with pytest.raises(ServerUnavailable) as exc_info:
        if url.endswith("jwks"):
            client.update_authorization_server_public_keys()
        else:
            OAuth2Client.from_discovery_endpoint(issuer=AS, client_id="c")
    assert isinstance(exc_info.value, DiscoveryHTTPError)
    assert isinstance(exc_info.value, requests.HTTPError)
    assert exc_info.value.response.status_code == 502


def test_one_class_per_pair_created_once_picklable_and_named() -> None:
    classes: list[type] = []

    def make() -> None:
        classes.append(endpoint_error_class(InvalidClient, RevocationError))

    threads = [threading.Thread(target=make) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cls = classes[0]
    assert all(c is cls for c in classes)
    assert issubclass(cls, InvalidClient) and issubclass(cls, RevocationError)
    assert cls.__name__ == "InvalidClient[RevocationError]"
    assert cls.__module__ == "requests_oauth2client.exceptions"
    assert endpoint_error_class(InvalidGrant, TokenEndpointError) is InvalidGrant  # already both

    response = requests.Response()
    response.status_code = 401
    response.url = f"{AS}/revoke"
    exc = cls(response, None, "invalid_client", "nope", "https://doc")
    restored = pickle.loads(pickle.dumps(exc))  # noqa: S301 - our own data
    assert type(restored) is cls
    assert (restored.error, restored.description, restored.uri, str(restored)) == (
        "invalid_client",
        "nope",
        "https://doc",
        str(exc),
    )
    plain = pickle.loads(pickle.dumps(InvalidTokenResponse(response, None, "bad")))  # noqa: S301
    assert type(plain) is InvalidTokenResponse and plain.description == "bad"


def test_a_pickled_error_keeps_its_client(client: OAuth2Client, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(f"{AS}/introspect", status_code=401, json={"error": "invalid_client"})
    with pytest.raises(IntrospectionError) as exc_info:
        client.introspect_token("t")
    restored = pickle.loads(pickle.dumps(exc_info.value))  # noqa: S301
    assert isinstance(restored, InvalidClient) and isinstance(restored, IntrospectionError)
    assert restored.client.introspection_endpoint == client.introspection_endpoint
    assert str(restored) == str(exc_info.value)


# ------------------------------------------------------------------------------------------------------- hints


@pytest.mark.parametrize(
    ("auth", "method"),
    [
        (("client", SECRET), "`client_secret_post`"),
        (ClientSecretBasic("client", SECRET), "`client_secret_basic`"),
        (PrivateKeyJwt("client", Jwk.generate(alg="ES256", kid="k")), "`private_key_jwt`"),
        ("client", "`none` (a public client)"),
    ],
)
def test_invalid_client_names_the_method_in_use(requests_mock: requests_mock.Mocker, auth: Any, method: str) -> None:
    client = OAuth2Client(TOKEN, auth)
    requests_mock.post(TOKEN, status_code=401, json={"error": "invalid_client"})
    with pytest.raises(InvalidClient) as exc_info:
        client.client_credentials()
    first, hint = str(exc_info.value).split("\n")
    assert first == f"The token endpoint ({TOKEN}) answered HTTP 401, error `invalid_client`"
    assert hint.startswith(f"Hint: the client authenticates with {method}: ")
    assert "expects another method" in hint and "token_endpoint_auth_methods_supported" in hint


def test_invalid_grant_on_refresh_says_to_log_in_again(
    client: OAuth2Client, requests_mock: requests_mock.Mocker
) -> None:
    requests_mock.post(TOKEN, status_code=400, json={"error": "invalid_grant", "error_description": "grant expired"})
    with pytest.raises(InvalidGrant) as exc_info:
        client.refresh_token("the-refresh-token")
    assert str(exc_info.value).endswith(
        "\nHint: the refresh token expired or was revoked (or was already used): the user must log in again."
    )
    with pytest.raises(InvalidGrant) as code_exc_info:  # another grant: no such hint
        client.authorization_code("the-code", validate=False)
    assert "Hint" not in str(code_exc_info.value)


@pytest.mark.parametrize("answer", [{"text": "Not Found"}, {"json": {"error": "invalid_request"}}])
def test_a_404_says_to_check_the_url(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, answer: dict[str, Any]
) -> None:
    requests_mock.post(TOKEN, status_code=404, **answer)
    with pytest.raises(OAuth2Error) as exc_info:
        client.client_credentials()
    assert str(exc_info.value).startswith(f"The token endpoint ({TOKEN}) answered HTTP 404")
    assert str(exc_info.value).endswith("\nHint: check the endpoint URL: the server has nothing at this address.")


@pytest.mark.parametrize("status", [200, 400])
def test_an_html_page_is_named_so_without_json_jargon(
    client: OAuth2Client, requests_mock: requests_mock.Mocker, status: int
) -> None:
    requests_mock.post(
        TOKEN, status_code=status, text="<!DOCTYPE html><html>Login</html>", headers={"Content-Type": "text/html"}
    )
    with pytest.raises(InvalidTokenResponse) as exc_info:
        client.client_credentials()
    message = str(exc_info.value)
    assert f"({TOKEN}) answered HTTP {status}: " in message
    assert "the body is an HTML page, not JSON" in message
    assert "Expecting value" not in message and "line 1 column" not in message and "char 0" not in message
    assert "Login" not in message  # the body is described, never quoted
    assert message.endswith("\nHint: check the endpoint URL: a web page is not an answer of an OAuth endpoint.")


@pytest.mark.parametrize(
    ("content", "headers", "expected"),
    [
        (b"", {}, "an empty body"),
        (b"  \n", {}, "an empty body"),
        (b"<html>", {}, "an HTML page, not JSON"),
        (b"oops", {"Content-Type": "text/html; charset=utf-8"}, "an HTML page, not JSON"),
        (b"oops", {"Content-Type": "text/plain"}, None),
        (b'{"a": 1}', {}, None),
    ],
)
def test_describe_body(content: bytes, headers: dict[str, str], expected: str | None) -> None:
    response = requests.Response()
    response._content = content
    response.headers.update(headers)
    assert describe_body(response) == expected


def test_a_message_without_a_response_or_url() -> None:
    assert endpoint_message(None, None, "bad") == "The remote endpoint returned an error: bad"
    response = requests.Response()
    response.status_code = 400
    assert endpoint_message(response, None, None, error="x") == "The endpoint answered HTTP 400, error `x`"
    response.url = f"{AS}/somewhere?secret=1#frag"
    assert endpoint_message(response, None, "bad") == f"The endpoint at {AS}/somewhere answered HTTP 400: bad"


def test_a_signed_answer_that_fails_names_the_endpoint(
    client: OAuth2Client, requests_mock: requests_mock.Mocker
) -> None:
    signed = OAuth2Client(
        TOKEN, client_id="client", userinfo_endpoint=f"{AS}/userinfo", issuer=AS, userinfo_signed_response_alg="RS256"
    )
    requests_mock.get(f"{AS}/userinfo", text="not.a.jwt", headers={"Content-Type": "application/jwt"})
    requests_mock.post(f"{AS}/userinfo", text="not.a.jwt", headers={"Content-Type": "application/jwt"})
    with pytest.raises(InvalidJwtUserinfoResponse) as exc_info:
        signed.userinfo("the-access-token")
    assert str(exc_info.value).startswith(f"The UserInfo endpoint ({AS}/userinfo) answered HTTP 200: Invalid UserInfo")
    assert "remote endpoint returned an error" not in str(exc_info.value)


# ----------------------------------------------------------------------------------------------------- secrets


@pytest.mark.parametrize(
    ("call", "secrets"),
    [
        (lambda c: c.refresh_token("rt-0123456789"), ["rt-0123456789"]),
        (
            lambda c: c.authorization_code("code-0123456789", code_verifier="v" * 43, validate=False),
            ["code-0123456789", "v" * 43],
        ),
        (lambda c: c.resource_owner_password("alice", "pa55w0rd!"), ["pa55w0rd!"]),
        (
            lambda c: c.token_exchange(subject_token="st-0123456789", subject_token_type="access_token"),
            ["st-0123456789"],
        ),
    ],
)
def test_no_secret_in_a_message_even_when_the_server_echoes_it(
    client: OAuth2Client,
    requests_mock: requests_mock.Mocker,
    call: Callable[[OAuth2Client], object],
    secrets: list[str],
) -> None:
    def echo(request: requests.PreparedRequest, context: Any) -> dict[str, str]:
        context.status_code = 400
        values = " ".join(value for _, value in parse_qsl(str(request.body)))
        return {"error": "invalid_grant", "error_description": f"bad request: {request.body} ({values})"}

    requests_mock.post(TOKEN, json=echo)
    with pytest.raises(InvalidGrant) as exc_info:
        call(client)
    message = str(exc_info.value)
    for secret in [*secrets, SECRET]:
        assert secret not in message
        assert secret in str(exc_info.value.description)  # the server's description stays what it said
    assert "<redacted>" in message


def test_no_secret_in_the_message_of_an_authorization_request_push(
    client: OAuth2Client, requests_mock: requests_mock.Mocker
) -> None:
    request = AuthorizationRequest(f"{AS}/authorize", client_id="client", redirect_uri="https://rp/cb")

    def echo(http_request: requests.PreparedRequest, context: Any) -> dict[str, str]:
        context.status_code = 401
        return {"error": "invalid_client", "error_description": str(http_request.body)}

    requests_mock.post(f"{AS}/par", json=echo)
    with pytest.raises(InvalidClient) as exc_info:
        client.pushed_authorization_request(request)
    assert SECRET not in str(exc_info.value)
