"""Every usage shown in the README users know (the published 1.x README), transcribed into tests.

Each test makes the same calls as that document, with the URLs it uses (mocked), and asserts what the document
says happens: the parameters and headers sent, the values returned. Placeholders of the document (`data={...}`,
`"..."` key members, `IdToken("your_actor_token")`) are replaced with real values of the same kind.
"""

from __future__ import annotations

import base64
import webbrowser
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
import requests_mock
from jwskate import Jwk, Jwt, SymmetricJwk

from tests.docs.fake_as import FakeAuthorizationServer

SEED_PATHS = {
    "token_endpoint": "/token_endpoint",
    "authorization_endpoint": "/authorization_endpoint",
    "revocation_endpoint": "/revocation_endpoint",
    "introspection_endpoint": "/introspection_endpoint",
    "userinfo_endpoint": "/userinfo_endpoint",
    "device_authorization_endpoint": "/device_authorization_endpoint",
    "backchannel_authentication_endpoint": "/backchannel_authorization_endpoint",
    "pushed_authorization_request_endpoint": None,
    "jwks_uri": "/jwks",
}
TOKEN_ENDPOINT = "https://url.to.the/token_endpoint"


@pytest.fixture
def seed_as(make_fake_as: Callable[..., FakeAuthorizationServer], sleeps: list[float]) -> FakeAuthorizationServer:
    """The AS of the document at https://url.to.the, with the document's endpoint paths."""
    return make_fake_as("https://url.to.the", paths=SEED_PATHS, api_url=None, issue_id_tokens=False)


@pytest.fixture
def apis(http_mock: requests_mock.Mocker, seed_as: FakeAuthorizationServer) -> None:
    """The APIs of the document, echoing requests as JSON."""
    for base in ("https://my.protected.api/", "https://myapi.local/", "https://your.protected.api/"):
        seed_as.install_echo_api(http_mock, base)


def form_of(request: Any) -> dict[str, list[str]]:
    return parse_qs(request.text or "", keep_blank_values=True)


def requests_to(http_mock: requests_mock.Mocker, url: str) -> list[Any]:
    return [request for request in http_mock.request_history if request.url.split("?")[0] == url]


def last_request_to(http_mock: requests_mock.Mocker, url: str) -> Any:
    matching = requests_to(http_mock, url)
    assert matching, f"no request was sent to {url}"
    return matching[-1]


# ---------------------------------------------------------------------------------------------------- imports


def test_star_import_brings_requests_and_every_name() -> None:
    namespace: dict[str, Any] = {}
    exec("from requests_oauth2client import *", namespace)  # noqa: S102
    assert namespace["requests"] is requests
    for name in ("OAuth2Client", "BearerToken", "ApiClient", "OAuth2ClientCredentialsAuth", "AuthorizationRequest"):
        assert name in namespace


# ---------------------------------------------------------------------------------------------- BearerToken


def test_bearer_token_as_requests_auth(http_mock: requests_mock.Mocker, apis: None) -> None:
    from requests_oauth2client import BearerToken

    token = BearerToken("my_access_token")
    resp = requests.get("https://my.protected.api/endpoint", auth=token)

    assert resp.ok
    assert http_mock.last_request.headers["Authorization"] == "Bearer my_access_token"


def test_bearer_token_built_by_hand() -> None:
    from requests_oauth2client import BearerToken

    before = datetime.now(tz=timezone.utc).replace(microsecond=0)
    bearer_token = BearerToken(access_token="an_access_token", expires_in=60)
    print(bearer_token)
    assert str(bearer_token) == "an_access_token"
    assert bearer_token.expires_at is not None
    assert (bearer_token.expires_at - before).total_seconds() in (60, 61)
    assert not bearer_token.is_expired()
    assert bearer_token.expires_in in (59, 60)


def test_bearer_token_extra_attributes_as_attribute_and_subscript() -> None:
    from requests_oauth2client import BearerToken

    token = BearerToken("at", custom_attr="value", **{"my.custom.attr": "other"})
    assert token.custom_attr == "value"
    assert token["my.custom.attr"] == "other"


# --------------------------------------------------------------------------------------------- OAuth2Client


def test_client_with_client_id_and_secret_uses_client_secret_post(seed_as: FakeAuthorizationServer) -> None:
    from requests_oauth2client import ClientSecretPost, OAuth2Client

    oauth2client = OAuth2Client(
        token_endpoint="https://url.to.the/token_endpoint",
        client_id="my_client_id",
        client_secret="my_client_secret",
    )
    assert isinstance(oauth2client.auth, ClientSecretPost)


def test_client_credentials_parameters(http_mock: requests_mock.Mocker, seed_as: FakeAuthorizationServer) -> None:
    from requests_oauth2client import BearerToken, OAuth2Client

    oauth2client = OAuth2Client(
        token_endpoint="https://url.to.the/token_endpoint",
        client_id="client_id",
        client_secret="client_secret",
    )
    expectations = [
        ({"scope": "myscope"}, {"scope": ["myscope"]}),
        (
            {"scope": "myscope", "resource": "https://myapi.local"},
            {"scope": ["myscope"], "resource": ["https://myapi.local"]},
        ),
        ({"audience": "https://myapi.local"}, {"audience": ["https://myapi.local"]}),
        (
            {"scope": "myscope", "custom_param": "custom_value"},
            {"scope": ["myscope"], "custom_param": ["custom_value"]},
        ),
    ]
    for kwargs, expected in expectations:
        token = oauth2client.client_credentials(**kwargs)
        assert isinstance(token, BearerToken)
        assert token.access_token in seed_as.access_tokens
        body = form_of(http_mock.last_request)
        assert body == {
            "grant_type": ["client_credentials"],
            "client_id": ["client_id"],
            "client_secret": ["client_secret"],
            **expected,
        }


def test_client_credentials_auth_handler(http_mock: requests_mock.Mocker, apis: None) -> None:
    from requests_oauth2client import OAuth2Client, OAuth2ClientCredentialsAuth

    oauth2client = OAuth2Client(
        token_endpoint="https://url.to.the/token_endpoint",
        client_id="client_id",
        client_secret="client_secret",
    )
    auth = OAuth2ClientCredentialsAuth(oauth2client, scope="myscope", resource="https://myapi.local")
    requests.get("https://myapi.local/resource", auth=auth)

    session = requests.Session()
    session.auth = auth
    resp = session.get("https://myapi.local/resource")
    assert resp.ok

    token_requests = requests_to(http_mock, TOKEN_ENDPOINT)
    assert len(token_requests) == 1  # the token is reused while valid
    assert form_of(token_requests[0])["scope"] == ["myscope"]
    assert form_of(token_requests[0])["resource"] == ["https://myapi.local"]
    api_requests = requests_to(http_mock, "https://myapi.local/resource")
    assert len(api_requests) == 2
    assert {request.headers["Authorization"] for request in api_requests} == {f"Bearer {auth.token.access_token}"}


def test_client_credentials_auth_leeway(seed_as: FakeAuthorizationServer) -> None:
    from requests_oauth2client import OAuth2Client, OAuth2ClientCredentialsAuth

    oauth2client = OAuth2Client(TOKEN_ENDPOINT, client_id="client_id", client_secret="client_secret")
    auth = OAuth2ClientCredentialsAuth(oauth2client, scope="myscope", leeway=30)
    assert auth.leeway == 30


# --------------------------------------------------------------------------------------- Authorization Code


def test_authorization_request_generation(http_mock: requests_mock.Mocker, seed_as: FakeAuthorizationServer) -> None:
    from requests_oauth2client import OAuth2Client

    client = OAuth2Client(
        token_endpoint="https://url.to.the/token_endoint",
        authorization_endpoint="https://url.to.the/authorization_endpoint",
        redirect_uri="https://url.to.my.application/redirect_uri",
        client_id="client_id",
        client_secret="client_secret",
    )
    az_request = client.authorization_request(scope="openid email profile")
    print(az_request)
    webbrowser.open(az_request.uri)

    assert str(az_request) == az_request.uri
    params = parse_qs(urlsplit(az_request.uri).query)
    assert params["client_id"] == ["client_id"]
    assert params["redirect_uri"] == ["https://url.to.my.application/redirect_uri"]
    assert params["scope"] == ["openid email profile"]
    assert params["response_type"] == ["code"]
    # state, nonce and the code challenge are generated with secure random values
    assert len(params["state"][0]) >= 43
    assert len(params["nonce"][0]) >= 43
    assert params["code_challenge_method"] == ["S256"]
    assert len(params["code_challenge"][0]) == 43
    assert seed_as.last_callback is not None  # the "browser" reached the AS
    assert not http_mock.request_history  # nothing is sent to the AS by the client itself


def test_own_state_nonce_and_code_verifier() -> None:
    from requests_oauth2client import OAuth2Client, PkceUtils

    client = OAuth2Client(
        token_endpoint=TOKEN_ENDPOINT,
        authorization_endpoint="https://url.to.the/authorization_endpoint",
        redirect_uri="https://url.to.my.application/redirect_uri",
        client_id="client_id",
        client_secret="client_secret",
    )
    code_verifier = PkceUtils.generate_code_verifier()
    az_request = client.authorization_request(
        scope="openid", state="my_state", nonce="my_nonce", code_verifier=code_verifier
    )
    params = parse_qs(urlsplit(az_request.uri).query)
    assert params["state"] == ["my_state"]
    assert params["nonce"] == ["my_nonce"]
    assert params["code_challenge"] == [PkceUtils.derive_challenge(code_verifier)]


def test_pkce_disabled_with_code_challenge_method_none() -> None:
    from requests_oauth2client import OAuth2Client

    client = OAuth2Client(
        token_endpoint=TOKEN_ENDPOINT,
        authorization_endpoint="https://url.to.the/authorization_endpoint",
        redirect_uri="https://url.to.my.application/redirect_uri",
        client_id="client_id",
        client_secret="client_secret",
        code_challenge_method=None,
    )
    az_request = client.authorization_request(scope="openid email profile")
    params = parse_qs(urlsplit(az_request.uri).query)
    assert "code_challenge" not in params
    assert "code_challenge_method" not in params
    assert az_request.code_verifier is None


def test_validate_callback_then_exchange_code(
    http_mock: requests_mock.Mocker, seed_as: FakeAuthorizationServer
) -> None:
    from requests_oauth2client import AuthorizationResponse, OAuth2Client

    oauth2client = OAuth2Client(
        token_endpoint="https://url.to.the/token_endpoint",
        authorization_endpoint="https://url.to.the/authorization_endpoint",
        redirect_uri="https://url.to.my.application/redirect_uri",
        client_id="client_id",
        client_secret="client_secret",
    )
    az_request = oauth2client.authorization_request(scope="openid email profile")
    webbrowser.open(az_request.uri)

    response_uri = input("Please enter the full url and/or params obtained on the redirect_uri: ")
    az_response = az_request.validate_callback(response_uri)
    assert isinstance(az_response, AuthorizationResponse)

    token = oauth2client.authorization_code(az_response)
    body = form_of(last_request_to(http_mock, TOKEN_ENDPOINT))
    assert body["grant_type"] == ["authorization_code"]
    assert body["code"] == [az_response.code]
    assert body["redirect_uri"] == ["https://url.to.my.application/redirect_uri"]
    assert body["code_verifier"] == [az_request.code_verifier]
    assert token.access_token in seed_as.access_tokens


def test_validate_callback_accepts_params_only() -> None:
    from requests_oauth2client import AuthorizationRequest

    az_request = AuthorizationRequest(
        "https://url.to.the/authorization_endpoint", client_id="client_id", redirect_uri="http://localhost/callback"
    )
    az_response = az_request.validate_callback(f"code=the_code&state={az_request.state}")
    assert az_response.code == "the_code"


def test_exchange_code_with_explicit_parameters(
    http_mock: requests_mock.Mocker, seed_as: FakeAuthorizationServer
) -> None:
    from requests_oauth2client import OAuth2Client

    oauth2client = OAuth2Client(TOKEN_ENDPOINT, client_id="client_id", client_secret="client_secret")
    code, code_verifier, redirect_uri, custom_value = "code", "v" * 43, "https://url.to.my.application/cb", "cv"
    oauth2client.authorization_code(
        code=code,
        code_verifier=code_verifier,
        redirect_uri=redirect_uri,
        custom_param=custom_value,
    )
    body = form_of(last_request_to(http_mock, TOKEN_ENDPOINT))
    assert body["code"] == ["code"]
    assert body["code_verifier"] == ["v" * 43]
    assert body["redirect_uri"] == [redirect_uri]
    assert body["custom_param"] == ["cv"]


def test_authorization_code_auth_handler_with_api_client(http_mock: requests_mock.Mocker, apis: None) -> None:
    from requests_oauth2client import ApiClient, OAuth2AuthorizationCodeAuth, OAuth2Client

    oauth2client = OAuth2Client(
        token_endpoint="https://url.to.the/token_endpoint",
        authorization_endpoint="https://url.to.the/authorization_endpoint",
        auth=("client_id", "client_secret"),
    )
    api_client = ApiClient(
        "https://your.protected.api/endpoint",
        auth=OAuth2AuthorizationCodeAuth(
            oauth2client,
            "my_authorization_code",
        ),
    )
    resp = api_client.post(data={"foo": "bar"})

    token_request = last_request_to(http_mock, TOKEN_ENDPOINT)
    assert form_of(token_request)["grant_type"] == ["authorization_code"]
    assert form_of(token_request)["code"] == ["my_authorization_code"]
    assert resp.json()["method"] == "POST"
    assert resp.json()["form"] == {"foo": "bar"}
    assert resp.json()["authorization_scheme"] == "Bearer"


def test_authorization_request_class_directly() -> None:
    from requests_oauth2client import AuthorizationRequest

    az_request = AuthorizationRequest(
        "https://url.to.the/authorization_endpoint",
        client_id="my_client_id",
        redirect_uri="http://localhost/callback",
        scope="openid email profile",
        resource="https://my.resource.local/api",
    )
    print(az_request)
    print(az_request.code_verifier)
    params = parse_qs(urlsplit(str(az_request)).query)
    assert params["resource"] == ["https://my.resource.local/api"]
    assert az_request.resource == "https://my.resource.local/api"
    assert az_request.client_id == "my_client_id"
    assert len(az_request.code_verifier) >= 43


# ------------------------------------------------------------------------------------------- Device and CIBA


def test_device_authorization_with_polling_job(
    http_mock: requests_mock.Mocker, seed_as: FakeAuthorizationServer, sleeps: list[float]
) -> None:
    from requests_oauth2client import BearerToken, DeviceAuthorizationPoolingJob, OAuth2Client

    client = OAuth2Client(
        token_endpoint="https://url.to.the/token_endpoint",
        device_authorization_endpoint="https://url.to.the/device_authorization_endpoint",
        auth=("client_id", "client_secret"),
    )
    da_resp = client.authorize_device()
    assert da_resp.device_code
    assert da_resp.user_code == "WDJB-MJHT"
    assert da_resp.verification_uri == "https://url.to.the/device"
    assert da_resp.verification_uri_complete == "https://url.to.the/device?user_code=WDJB-MJHT"
    assert da_resp.expires_at is not None
    assert da_resp.interval == 5

    with pytest.warns(DeprecationWarning):
        pool_job = DeviceAuthorizationPoolingJob(client, da_resp)
    resp = None
    while resp is None:
        resp = pool_job()
    assert isinstance(resp, BearerToken)
    # one authorization_pending answer, then the token; the job waited the AS interval before each request
    assert sleeps == [5, 5]
    polls = requests_to(http_mock, TOKEN_ENDPOINT)
    assert [form_of(request)["device_code"] for request in polls] == [[da_resp.device_code]] * 2


def test_device_polling_obeys_slow_down(http_mock: requests_mock.Mocker, sleeps: list[float]) -> None:
    from requests_oauth2client import BearerToken, DeviceAuthorizationPoolingJob, OAuth2Client

    http_mock.post(
        TOKEN_ENDPOINT,
        [
            {"status_code": 400, "json": {"error": "slow_down"}},
            {"status_code": 400, "json": {"error": "authorization_pending"}},
            {"json": {"access_token": "at", "token_type": "Bearer", "expires_in": 60}},
        ],
    )
    client = OAuth2Client(TOKEN_ENDPOINT, auth=("client_id", "client_secret"))
    with pytest.warns(DeprecationWarning):
        pool_job = DeviceAuthorizationPoolingJob(client, "device_code", interval=3)
    results = [pool_job(), pool_job(), pool_job()]
    assert results[:2] == [None, None]
    assert isinstance(results[2], BearerToken)
    assert sleeps == [3, 8, 8]


def test_device_code_auth_handler(http_mock: requests_mock.Mocker, apis: None) -> None:
    from requests_oauth2client import ApiClient, OAuth2Client, OAuth2DeviceCodeAuth

    client = OAuth2Client(
        token_endpoint="https://url.to.the/token_endpoint",
        device_authorization_endpoint="https://url.to.the/device_authorization_endpoint",
        auth=("client_id", "client_secret"),
    )
    device_auth_resp = client.authorize_device()
    assert device_auth_resp.user_code
    assert device_auth_resp.verification_uri
    assert device_auth_resp.verification_uri_complete
    api_client = ApiClient(
        "https://your.protected.api/endpoint",
        auth=OAuth2DeviceCodeAuth(client, device_auth_resp),
    )
    resp = api_client.post(data={"foo": "bar"})
    assert resp.json()["authorization_scheme"] == "Bearer"
    polls = requests_to(http_mock, TOKEN_ENDPOINT)
    assert form_of(polls[-1])["device_code"] == [device_auth_resp.device_code]


def test_ciba_with_polling_job(http_mock: requests_mock.Mocker, sleeps: list[float]) -> None:
    from requests_oauth2client import BackChannelAuthenticationPoolingJob, BearerToken, OAuth2Client

    http_mock.post(
        "https://url.to.the/backchannel_authorization_endpoint",
        json={"auth_req_id": "abc", "expires_in": 360, "interval": 3, "custom": "foo"},
    )
    http_mock.post(
        TOKEN_ENDPOINT,
        [
            {"status_code": 400, "json": {"error": "authorization_pending"}},
            {"json": {"access_token": "at", "token_type": "Bearer", "expires_in": 60}},
        ],
    )
    client = OAuth2Client(
        token_endpoint="https://url.to.the/token_endpoint",
        backchannel_authentication_endpoint="https://url.to.the/backchannel_authorization_endpoint",
        auth=("client_id", "client_secret"),
    )
    ba_resp = client.backchannel_authentication_request(
        scope="openid email profile",
        login_hint="user@example.net",
    )
    body = form_of(http_mock.last_request)
    assert body["scope"] == ["openid email profile"]
    assert body["login_hint"] == ["user@example.net"]
    assert ba_resp.auth_req_id == "abc"
    assert ba_resp.expires_in in (359, 360)
    assert ba_resp.expires_at is not None
    assert ba_resp.interval == 3
    assert ba_resp.custom == "foo"

    with pytest.warns(DeprecationWarning):
        pool_job = BackChannelAuthenticationPoolingJob(client, ba_resp)
    resp = None
    while resp is None:
        resp = pool_job()
    assert isinstance(resp, BearerToken)
    assert sleeps == [3, 3]
    assert form_of(http_mock.last_request)["auth_req_id"] == ["abc"]


# ----------------------------------------------------------------------------------------------- Token Exchange


def test_token_exchange(http_mock: requests_mock.Mocker, seed_as: FakeAuthorizationServer) -> None:
    from requests_oauth2client import ClientSecretJwt, OAuth2Client

    client = OAuth2Client(
        "https://url.to.the/token_endpoint",
        auth=ClientSecretJwt("client_id", "client_secret"),
    )
    client.token_exchange(
        subject_token="your_token_value",
        subject_token_type="urn:ietf:params:oauth:token-type:access_token",
    )
    body = form_of(http_mock.last_request)
    assert body["grant_type"] == ["urn:ietf:params:oauth:grant-type:token-exchange"]
    assert body["subject_token"] == ["your_token_value"]
    assert body["subject_token_type"] == ["urn:ietf:params:oauth:token-type:access_token"]
    assert body["client_assertion_type"] == ["urn:ietf:params:oauth:client-assertion-type:jwt-bearer"]

    client.token_exchange(
        subject_token="your_token_value",
        subject_token_type="access_token",
        actor_token="your_actor_token",
        actor_token_type="id_token",
    )
    body = form_of(http_mock.last_request)
    assert body["subject_token_type"] == ["urn:ietf:params:oauth:token-type:access_token"]
    assert body["actor_token"] == ["your_actor_token"]
    assert body["actor_token_type"] == ["urn:ietf:params:oauth:token-type:id_token"]


def test_token_exchange_guesses_token_types(http_mock: requests_mock.Mocker, seed_as: FakeAuthorizationServer) -> None:
    from requests_oauth2client import BearerToken, ClientSecretJwt, IdToken, OAuth2Client

    client = OAuth2Client(
        "https://url.to.the/token_endpoint",
        auth=ClientSecretJwt("client_id", "client_secret"),
    )
    # the document writes IdToken("your_actor_token"): an IdToken is a JWT, so a real one stands in here
    your_actor_token = str(Jwt.sign({"iss": "https://url.to.the", "sub": "x"}, Jwk.generate(alg="ES256")))
    client.token_exchange(
        subject_token=BearerToken("your_token_value"),
        actor_token=IdToken(your_actor_token),
    )
    body = form_of(http_mock.last_request)
    assert body["subject_token"] == ["your_token_value"]
    assert body["subject_token_type"] == ["urn:ietf:params:oauth:token-type:access_token"]
    assert body["actor_token"] == [your_actor_token]
    assert body["actor_token_type"] == ["urn:ietf:params:oauth:token-type:id_token"]


# ---------------------------------------------------------------------------------- client authentication


def test_client_secret_basic(http_mock: requests_mock.Mocker, seed_as: FakeAuthorizationServer) -> None:
    from requests_oauth2client import ClientSecretBasic, OAuth2Client

    client = OAuth2Client(
        "https://url.to.the/token_endpoint",
        auth=ClientSecretBasic("client_id", "client_secret"),
    )
    client.client_credentials()
    request = http_mock.last_request
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"client_id:client_secret").decode()
    assert "client_secret" not in form_of(request)
    assert "client_id" not in form_of(request)


def test_client_secret_post_variants(http_mock: requests_mock.Mocker, seed_as: FakeAuthorizationServer) -> None:
    from requests_oauth2client import ClientSecretPost, OAuth2Client

    clients = [
        OAuth2Client("https://url.to.the/token_endpoint", auth=ClientSecretPost("client_id", "client_secret")),
        OAuth2Client("https://url.to.the/token_endpoint", auth=("client_id", "client_secret")),
        OAuth2Client(
            token_endpoint="https://url.to.the/token_endpoint",
            client_id="client_id",
            client_secret="client_secret",
        ),
    ]
    for client in clients:
        client.client_credentials()
        request = http_mock.last_request
        assert "Authorization" not in request.headers
        body = form_of(request)
        assert body["client_id"] == ["client_id"]
        assert body["client_secret"] == ["client_secret"]


def test_client_secret_jwt(http_mock: requests_mock.Mocker, seed_as: FakeAuthorizationServer) -> None:
    from requests_oauth2client import ClientSecretJwt, OAuth2Client

    client = OAuth2Client(
        "https://url.to.the/token_endpoint",
        auth=ClientSecretJwt("client_id", "client_secret"),
    )
    client.client_credentials()
    body = form_of(http_mock.last_request)
    assert "client_secret" not in body
    assertion = Jwt(body["client_assertion"][0])
    assert assertion.verify_signature(SymmetricJwk.from_bytes(b"client_secret"), alg="HS256")  # type: ignore[union-attr]
    claims = assertion.claims  # type: ignore[union-attr]
    assert claims["iss"] == claims["sub"] == "client_id"
    assert claims["aud"] == TOKEN_ENDPOINT
    assert claims["exp"] > claims["iat"]
    assert claims["jti"]


def test_private_key_jwt_variants(http_mock: requests_mock.Mocker, seed_as: FakeAuthorizationServer) -> None:
    from requests_oauth2client import OAuth2Client, PrivateKeyJwt

    # the document's private_jwk has "..." members: a real RSA key with exactly the same members (no "alg") stands in
    generated = Jwk.generate(alg="RS256").to_dict()
    private_jwk = {
        "kid": "mykid",
        "kty": "RSA",
        "e": generated["e"],
        "n": generated["n"],
        "d": generated["d"],
        "p": generated["p"],
        "q": generated["q"],
        "dp": generated["dp"],
        "dq": generated["dq"],
        "qi": generated["qi"],
    }
    public_jwk = Jwk(private_jwk).public_jwk()
    clients = [
        OAuth2Client("https://url.to.the/token_endpoint", auth=PrivateKeyJwt("client_id", private_jwk)),
        OAuth2Client("https://url.to.the/token_endpoint", auth=("client_id", private_jwk)),
        OAuth2Client("https://url.to.the/token_endpoint", client_id="client_id", private_jwk=private_jwk),
    ]
    for client in clients:
        assert isinstance(client.auth, PrivateKeyJwt)
        client.client_credentials()
        body = form_of(http_mock.last_request)
        assertion = Jwt(body["client_assertion"][0])
        assert assertion.headers["kid"] == "mykid"
        assert assertion.headers["alg"] == "RS256"  # the alg an RSA key implies
        assert assertion.verify_signature(public_jwk, alg="RS256")  # type: ignore[union-attr]
        assert assertion.claims["iss"] == "client_id"  # type: ignore[union-attr]


def test_public_app(http_mock: requests_mock.Mocker, seed_as: FakeAuthorizationServer) -> None:
    from requests_oauth2client import OAuth2Client, PublicApp

    client = OAuth2Client("https://url.to.the/token_endpoint", auth=PublicApp("app_client_id"))
    client.client_credentials()
    body = form_of(http_mock.last_request)
    assert body["client_id"] == ["app_client_id"]
    assert "client_secret" not in body
    assert "client_assertion" not in body
    assert "Authorization" not in http_mock.last_request.headers


# --------------------------------------------------------------------------- revocation, introspection, userinfo


def test_revocation(http_mock: requests_mock.Mocker, seed_as: FakeAuthorizationServer) -> None:
    from requests_oauth2client import ClientSecretJwt, OAuth2Client

    oauth2client = OAuth2Client(
        token_endpoint="https://url.to.the/token_endpoint",
        revocation_endpoint="https://url.to.the/revocation_endpoint",
        auth=ClientSecretJwt("client_id", "client_secret"),
    )
    assert oauth2client.revoke_token("mytoken", token_type_hint="access_token") is True
    body = form_of(http_mock.last_request)
    assert body["token"] == ["mytoken"]
    assert body["token_type_hint"] == ["access_token"]

    assert oauth2client.revoke_access_token("mytoken") is True
    assert form_of(http_mock.last_request)["token_type_hint"] == ["access_token"]

    assert oauth2client.revoke_refresh_token("mytoken") is True
    assert form_of(http_mock.last_request)["token_type_hint"] == ["refresh_token"]


def test_revocation_returns_false_on_non_standard_error_and_raises_on_standard_error(
    http_mock: requests_mock.Mocker,
) -> None:
    from requests_oauth2client import OAuth2Client, RevocationError, UnsupportedTokenType

    oauth2client = OAuth2Client(
        TOKEN_ENDPOINT, revocation_endpoint="https://url.to.the/revocation_endpoint", auth=("client_id", "secret")
    )
    http_mock.post("https://url.to.the/revocation_endpoint", status_code=500, text="<html>oops</html>")
    assert oauth2client.revoke_token("mytoken") is False
    http_mock.post("https://url.to.the/revocation_endpoint", status_code=400, json={"error": "unsupported_token_type"})
    with pytest.raises(UnsupportedTokenType):
        oauth2client.revoke_token("mytoken")
    http_mock.post("https://url.to.the/revocation_endpoint", status_code=400, json={"error": "whatever"})
    with pytest.raises(RevocationError):
        oauth2client.revoke_token("mytoken")


def test_introspection(http_mock: requests_mock.Mocker) -> None:
    from requests_oauth2client import ClientSecretJwt, OAuth2Client

    http_mock.post("https://url.to.the/introspection_endpoint", json={"active": True, "scope": "s"})
    oauth2client = OAuth2Client(
        token_endpoint="https://url.to.the/token_endpoint",
        introspection_endpoint="https://url.to.the/introspection_endpoint",
        auth=ClientSecretJwt("client_id", "client_secret"),
    )
    resp = oauth2client.introspect_token("mytoken", token_type_hint="access_token")
    assert resp == {"active": True, "scope": "s"}
    body = form_of(http_mock.last_request)
    assert body["token"] == ["mytoken"]
    assert body["token_type_hint"] == ["access_token"]


def test_userinfo(http_mock: requests_mock.Mocker) -> None:
    from requests_oauth2client import ClientSecretJwt, OAuth2Client

    http_mock.register_uri(requests_mock.ANY, "https://url.to.the/userinfo_endpoint", json={"sub": "user1"})
    oauth2client = OAuth2Client(
        token_endpoint="https://url.to.the/token_endpoint",
        userinfo_endpoint="https://url.to.the/userinfo_endpoint",
        auth=ClientSecretJwt("client_id", "client_secret"),
    )
    resp = oauth2client.userinfo("mytoken")
    assert resp == {"sub": "user1"}
    assert http_mock.last_request.headers["Authorization"] == "Bearer mytoken"


# ------------------------------------------------------------------------------------------------- discovery


def test_discovery(http_mock: requests_mock.Mocker, make_fake_as: Callable[..., FakeAuthorizationServer]) -> None:
    from requests_oauth2client import ClientSecretJwt, InvalidParam, OAuth2Client

    server = make_fake_as("https://url.to.the.as", api_url=None)
    oauth2client = OAuth2Client.from_discovery_endpoint(
        "https://url.to.the.as/.well-known/openid-configuration",
        auth=ClientSecretJwt("client_id", "client_secret"),
    )
    for name, url in server.endpoints.items():
        assert getattr(oauth2client, name) == url
    assert oauth2client.issuer == "https://url.to.the.as"

    oauth2client = OAuth2Client.from_discovery_endpoint(
        issuer="https://url.to.the.as",
        auth=ClientSecretJwt("client_id", "client_secret"),
    )
    assert oauth2client.token_endpoint == "https://url.to.the.as/token"
    assert http_mock.last_request.url == "https://url.to.the.as/jwks"
    assert len(oauth2client.authorization_server_jwks) == 2  # a signing key and an encryption key

    # the issuer from the retrieved document must match the issuer given
    http_mock.get("https://other.as.example/.well-known/openid-configuration", json=server.discovery_document)
    with pytest.raises(InvalidParam):
        OAuth2Client.from_discovery_endpoint(
            issuer="https://other.as.example", auth=ClientSecretJwt("client_id", "client_secret")
        )


# ------------------------------------------------------------------------------------------------- ApiClient


def test_api_client_paths(http_mock: requests_mock.Mocker, apis: None) -> None:
    from requests_oauth2client import ApiClient, OAuth2Client, OAuth2ClientCredentialsAuth

    oauth2client = OAuth2Client("https://url.to.the/token_endpoint", ("client_id", "client_secret"))
    api = ApiClient("https://myapi.local/root", auth=OAuth2ClientCredentialsAuth(oauth2client))

    def path_of(response: requests.Response) -> str:
        return str(response.json()["path"])

    resp = api.get("/resource/foo")
    assert path_of(resp) == "/root/resource/foo"
    assert resp.json()["authorization_scheme"] == "Bearer"
    assert path_of(api.get("resource/foo")) == "/root/resource/foo"
    assert path_of(api.get(["resource", "foo"])) == "/root/resource/foo"
    assert path_of(api.get(["users", 1234, "details"])) == "/root/users/1234/details"
    assert path_of(api.resource.get()) == "/root/resource"
    assert path_of(api["my-resource"].get()) == "/root/my-resource"


def test_api_client_sub_resources(http_mock: requests_mock.Mocker, apis: None) -> None:
    from requests_oauth2client import ApiClient

    api = ApiClient("https://myapi.local")
    users_api = api.users
    user = users_api.get("userid")
    other_user = users_api.get("other_userid")
    resources_api = api.resources
    resources = resources_api.get()
    assert user.json()["path"] == "/users/userid"
    assert other_user.json()["path"] == "/users/other_userid"
    assert resources.json()["path"] == "/resources"


def test_api_client_raise_for_status(http_mock: requests_mock.Mocker) -> None:
    from requests_oauth2client import ApiClient

    http_mock.get("http://httpstat.us/500", status_code=500, text="500 Internal Server Error")
    api = ApiClient("http://httpstat.us", raise_for_status=False)
    resp = api.get("500")
    assert resp is not None
    assert resp.status_code == 500
    with pytest.raises(requests.HTTPError):
        api.get("500", raise_for_status=True)
    with pytest.raises(requests.HTTPError):
        ApiClient("http://httpstat.us").get("500")


def test_api_client_with_session() -> None:
    from requests_oauth2client import ApiClient

    session = requests.Session()
    session.proxies = {"https": "http://localhost:3128"}
    api = ApiClient("https://myapi.local/resource", session=session)
    assert api.session == session


# ---------------------------------------------------------------------------------------------- vendor-specific


def test_auth0(http_mock: requests_mock.Mocker, make_fake_as: Callable[..., FakeAuthorizationServer]) -> None:
    from requests_oauth2client.vendor_specific import Auth0

    server = make_fake_as(
        "https://mytenant.eu.auth0.com",
        paths={
            "token_endpoint": "/oauth/token",
            "revocation_endpoint": "/oauth/revoke",
            "jwks_uri": "/.well-known/jwks.json",
        },
        api_url=None,
    )
    server.install_echo_api(http_mock, "https://mytenant.eu.auth0.com/api/v2/")
    a0client = Auth0.client("mytenant.eu", client_id="client_id", client_secret="client_secret")
    token = a0client.client_credentials(audience="audience")
    request = http_mock.last_request
    assert request.url == "https://mytenant.eu.auth0.com/oauth/token"
    assert form_of(request)["audience"] == ["audience"]
    assert token.access_token

    a0mgmt = Auth0.management_api_client("mytenant.eu", client_id="client_id", client_secret="client_secret")
    myusers = a0mgmt.get("users")
    token_request = last_request_to(http_mock, "https://mytenant.eu.auth0.com/oauth/token")
    assert form_of(token_request)["audience"] == ["https://mytenant.eu.auth0.com/api/v2/"]
    assert http_mock.last_request.url == "https://mytenant.eu.auth0.com/api/v2/users"
    assert myusers.json()["authorization_scheme"] == "Bearer"


def test_subclass_hooks_are_used(http_mock: requests_mock.Mocker) -> None:
    from requests_oauth2client import BearerToken, OAuth2Client

    class VendorClient(OAuth2Client):
        def parse_token_response(self, response: requests.Response, **kwargs: Any) -> BearerToken:
            body = response.json()
            return BearerToken(body["token"]["value"], expires_in=body["token"]["ttl"])

        def on_token_error(self, response: requests.Response, **kwargs: Any) -> BearerToken:
            raise RuntimeError(response.json()["problem"])

    client = VendorClient(TOKEN_ENDPOINT, auth=("client_id", "client_secret"))
    http_mock.post(TOKEN_ENDPOINT, json={"token": {"value": "vendor_at", "ttl": 60}})
    assert client.client_credentials().access_token == "vendor_at"
    http_mock.post(TOKEN_ENDPOINT, status_code=400, json={"problem": "nope"})
    with pytest.raises(RuntimeError, match="nope"):
        client.client_credentials()
