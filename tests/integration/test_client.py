"""OAuth2Client against the real authorization server: discovery, client authentication, token grants,
refresh, revocation, introspection and userinfo."""

from __future__ import annotations

import time
import uuid
from typing import Any

import pytest
import requests
from jwskate import Jwk

from requests_oauth2client import (
    BackChannelAuthenticationError,
    BearerToken,
    ClientSecretBasic,
    ClientSecretJwt,
    ClientSecretPost,
    DeviceAuthorizationError,
    IntrospectionError,
    InvalidClient,
    InvalidGrant,
    InvalidParam,
    InvalidScope,
    OAuth2Client,
    OAuth2Error,
    PrivateKeyJwt,
    PushedAuthorizationRequestError,
    RevocationError,
    TokenEndpointError,
)
from tests.integration.harness import Harness
from tests.integration.recording import recording_client

CC_SCOPE = "api:read"


def basic_client(as_server: Harness, client_id: str = "client-basic") -> OAuth2Client:
    return OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer,
        auth=ClientSecretBasic(client_id, as_server.client_secret(client_id)),
        testing=True,
    )


def test_discovery_uses_every_endpoint(as_server: Harness) -> None:
    client = basic_client(as_server)
    doc = as_server.discovery()
    assert client.issuer == as_server.issuer
    assert client.token_endpoint == doc["token_endpoint"]
    assert client.authorization_endpoint == doc["authorization_endpoint"]
    assert client.revocation_endpoint == doc["revocation_endpoint"]
    assert client.introspection_endpoint == doc["introspection_endpoint"]
    assert client.userinfo_endpoint == doc["userinfo_endpoint"]
    assert client.device_authorization_endpoint == doc["device_authorization_endpoint"]
    assert client.backchannel_authentication_endpoint == doc["backchannel_authentication_endpoint"]
    assert client.pushed_authorization_request_endpoint == doc["pushed_authorization_request_endpoint"]
    assert client.authorization_response_iss_parameter_supported is True
    assert len(client.authorization_server_jwks) >= 1


def test_discovery_with_the_wrong_issuer_is_refused(as_server: Harness) -> None:
    with pytest.raises(InvalidParam):
        OAuth2Client.from_discovery_endpoint(
            as_server.discovery_url,
            issuer=as_server.issuer + "/other",
            client_id="client-basic",
            client_secret="x",
            testing=True,
        )


def test_context_manager_fetches_keys_and_propagates(as_server: Harness) -> None:
    client = basic_client(as_server)
    client.authorization_server_jwks.clear()
    with pytest.raises(RuntimeError, match="boom"), client as c:
        assert len(c.authorization_server_jwks) >= 1
        raise RuntimeError("boom")


@pytest.mark.parametrize(
    "method",
    ["client_secret_basic", "client_secret_post", "client_secret_jwt", "private_key_jwt_rs", "private_key_jwt_es"],
)
def test_client_credentials_with_each_auth_method(as_server: Harness, method: str) -> None:
    discovery = as_server.discovery()
    if method == "client_secret_basic":
        auth = ClientSecretBasic("client-basic", as_server.client_secret("client-basic"))
    elif method == "client_secret_post":
        auth = ClientSecretPost("client-post", as_server.client_secret("client-post"))
    elif method == "client_secret_jwt":
        auth = ClientSecretJwt("client-secret-jwt", as_server.client_secret("client-secret-jwt"))
    else:
        alg = "RS256" if method.endswith("rs") else "ES256"
        auth = PrivateKeyJwt("client-private-key-jwt", as_server.private_jwk(alg), aud=as_server.issuer)
    client = OAuth2Client.from_discovery_document(discovery, issuer=as_server.issuer, auth=auth, testing=True)
    token = client.client_credentials(scope=CC_SCOPE)
    assert isinstance(token, BearerToken)
    assert token.token_type.lower() == "bearer"
    assert token.expires_in is not None and token.expires_in > 0
    introspection = client.introspect_token(token)
    assert introspection["active"] is True
    assert introspection["client_id"] == auth.client_id
    assert introspection["aud"] == "urn:harness:api"


def test_private_jwk_keyword_configures_private_key_jwt(as_server: Harness) -> None:
    client = OAuth2Client(
        as_server.endpoint("token_endpoint"),
        client_id="client-private-key-jwt",
        private_jwk=as_server.private_jwk("ES256"),
        issuer=as_server.issuer,
        testing=True,
    )
    assert isinstance(client.auth, PrivateKeyJwt)
    assert client.client_credentials(scope=CC_SCOPE).access_token


def test_tuple_auth_with_a_key_uses_private_key_jwt(as_server: Harness) -> None:
    client = OAuth2Client(
        as_server.endpoint("token_endpoint"),
        ("client-private-key-jwt", Jwk(as_server.private_jwk("RS256"))),
        issuer=as_server.issuer,
        testing=True,
    )
    assert client.client_credentials(scope=CC_SCOPE).access_token


def test_wrong_secret_is_invalid_client(as_server: Harness) -> None:
    client = OAuth2Client(
        as_server.endpoint("token_endpoint"), auth=ClientSecretBasic("client-basic", "wrong"), testing=True
    )
    with pytest.raises(InvalidClient) as exc_info:
        client.client_credentials(scope=CC_SCOPE)
    assert exc_info.value.response.status_code == 401
    assert "wrong" not in repr(client)


def test_password_grant_refresh_userinfo_revocation(as_server: Harness) -> None:
    client = basic_client(as_server)
    user = as_server.demo_user
    token = client.resource_owner_password(user["username"], user["password"], scope="openid profile offline_access")
    assert token.refresh_token
    assert token.id_token is not None
    assert token.id_token.subject == user["username"]

    userinfo = client.userinfo(token)
    assert userinfo["sub"] == user["username"]

    refreshed = client.refresh_token(token)
    assert refreshed.access_token != token.access_token
    assert client.introspect_token(refreshed)["active"] is True
    assert client.introspect_token(refreshed, token_type_hint="refresh_token")["active"] is True

    assert client.revoke_access_token(refreshed) is True
    assert client.introspect_token(refreshed.access_token)["active"] is False
    assert client.revoke_refresh_token(refreshed) is True
    with pytest.raises(InvalidGrant):
        client.refresh_token(refreshed)


def test_wrong_password_is_invalid_grant(as_server: Harness) -> None:
    with pytest.raises(InvalidGrant):
        basic_client(as_server).resource_owner_password("demo-user", "nope", scope="openid")


def test_unknown_token_introspects_inactive(as_server: Harness) -> None:
    assert basic_client(as_server).introspect_token("not-a-token") == {"active": False}


def test_userinfo_with_a_bad_token_raises_http_error(as_server: Harness) -> None:
    import requests

    with pytest.raises(requests.HTTPError) as exc_info:
        basic_client(as_server).userinfo("garbage")
    assert exc_info.value.response.status_code == 401


def test_token_exchange(as_server: Harness) -> None:
    client = basic_client(as_server)
    user = as_server.demo_user
    subject = client.resource_owner_password(
        user["username"], user["password"], scope="openid api:read api:write", resource="urn:harness:api"
    )
    exchanged = client.token_exchange(subject_token=subject, scope="api:read", resource="urn:harness:api")
    assert exchanged.issued_token_type == "urn:ietf:params:oauth:token-type:access_token"
    introspection = client.introspect_token(exchanged)
    assert introspection["sub"] == user["username"]
    assert introspection["client_id"] == "client-basic"
    with pytest.raises(InvalidScope):
        client.token_exchange(subject_token=subject, scope="api:admin", resource="urn:harness:api")
    with pytest.raises(InvalidGrant):
        client.token_exchange(subject_token="garbage", subject_token_type="access_token")


def test_jwt_bearer(as_server: Harness) -> None:
    from jwskate import Jwt

    client = basic_client(as_server)
    key = Jwk(as_server.trusted_issuer_jwk())
    import time
    import uuid

    now = int(time.time())
    assertion = Jwt.sign(
        {
            "iss": "urn:harness:trusted-issuer",
            "sub": "bob",
            "aud": as_server.issuer,
            "iat": now,
            "exp": now + 60,
            "jti": str(uuid.uuid4()),
        },
        key=key,
        alg=key.alg or "ES256",
    )
    token = client.jwt_bearer(assertion, scope="openid")
    assert client.userinfo(token)["sub"] == "bob"
    with pytest.raises(InvalidGrant):
        client.jwt_bearer(assertion, scope="openid")  # replayed jti


@pytest.mark.parametrize("scope", [[], (), ""], ids=repr)
def test_an_empty_scope_is_left_out_of_every_grant(as_server: Harness, scope: object) -> None:
    from jwskate import Jwt

    client, bodies = recording_client(as_server)
    user = as_server.demo_user
    token = client.resource_owner_password(user["username"], user["password"], scope=scope)
    client.refresh_token(token, scope=scope)
    client.client_credentials(scope=scope)
    client.token_exchange(subject_token=token, scope=scope, resource="urn:harness:api")
    now = int(time.time())
    assertion = Jwt.sign(
        {"iss": "urn:harness:trusted-issuer", "sub": "bob", "aud": as_server.issuer, "iat": now, "exp": now + 60,
         "jti": str(uuid.uuid4())},
        key=Jwk(as_server.trusted_issuer_jwk()),
        alg="ES256",
    )  # fmt: skip
    client.jwt_bearer(assertion, scope=scope)
    grants = [body["grant_type"][0] for body in bodies if "grant_type" in body]
    assert len(grants) == 5
    assert all("scope" not in body for body in bodies)


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_a_private_key_without_alg_authenticates_with_the_alg_it_implies(as_server: Harness, alg: str) -> None:
    """The README's private_key_jwt example: a key dict without `alg`."""
    key = {name: value for name, value in as_server.private_jwk(alg).items() if name != "alg"}
    client = OAuth2Client(
        as_server.endpoint("token_endpoint"), ("client-private-key-jwt", key), issuer=as_server.issuer, testing=True
    )
    assert isinstance(client.auth, PrivateKeyJwt)
    assert client.auth.alg == alg
    assert client.client_credentials(scope=CC_SCOPE).access_token


# ------------------------------------------------------------------------------- errors a person can act on


def _wrong_secret_client(as_server: Harness) -> OAuth2Client:
    return OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer, auth=ClientSecretBasic("client-basic", "wrong-secret-0123"), testing=True
    )


@pytest.mark.parametrize(
    ("endpoint", "family"),
    [
        ("token_endpoint", TokenEndpointError),
        ("revocation_endpoint", RevocationError),
        ("introspection_endpoint", IntrospectionError),
        ("device_authorization_endpoint", DeviceAuthorizationError),
        ("backchannel_authentication_endpoint", BackChannelAuthenticationError),
        ("pushed_authorization_request_endpoint", PushedAuthorizationRequestError),
    ],
)
def test_an_error_at_each_endpoint_is_of_the_code_and_of_the_endpoint_class(
    as_server: Harness, endpoint: str, family: type[Exception]
) -> None:
    client = _wrong_secret_client(as_server)
    calls = {
        "token_endpoint": lambda: client.client_credentials(scope=CC_SCOPE),
        "revocation_endpoint": lambda: client.revoke_access_token("some-token"),
        "introspection_endpoint": lambda: client.introspect_token("some-token"),
        "device_authorization_endpoint": lambda: client.authorize_device(scope="openid"),
        "backchannel_authentication_endpoint": lambda: client.backchannel_authentication_request(
            login_hint="demo-user"
        ),
        "pushed_authorization_request_endpoint": lambda: client.pushed_authorization_request(
            client.authorization_request(redirect_uri="https://rp.example/cb")
        ),
    }
    with pytest.raises(InvalidClient) as exc_info:
        calls[endpoint]()
    exc = exc_info.value
    assert isinstance(exc, family)
    url = as_server.endpoint(endpoint)
    first, hint = str(exc).split("\n")
    assert first.startswith(f"The {endpoint.replace('_', ' ')} ({url}) answered HTTP 401, error `invalid_client`")
    assert hint.startswith("Hint: the client authenticates with `client_secret_basic`")
    assert "wrong-secret-0123" not in str(exc)


def test_a_revoked_refresh_token_says_to_log_in_again(as_server: Harness) -> None:
    client = basic_client(as_server)
    user = as_server.demo_user
    token = client.resource_owner_password(user["username"], user["password"], scope="openid offline_access")
    assert token.refresh_token is not None
    client.revoke_refresh_token(token)
    with pytest.raises(InvalidGrant) as exc_info:
        client.refresh_token(token)
    message = str(exc_info.value)
    assert message.startswith(f"The token endpoint ({client.token_endpoint}) answered HTTP 400, error `invalid_grant`")
    assert message.endswith("the user must log in again.")
    assert token.refresh_token not in message and token.access_token not in message


def test_a_wrong_endpoint_url_says_to_check_it(as_server: Harness) -> None:
    client = OAuth2Client(
        as_server.issuer + "/no-such-token-endpoint",
        auth=ClientSecretBasic("client-basic", as_server.client_secret("client-basic")),
        testing=True,
    )
    with pytest.raises(OAuth2Error) as exc_info:
        client.client_credentials(scope=CC_SCOPE)
    assert exc_info.value.response.status_code == 404
    assert str(exc_info.value).startswith(
        f"The token endpoint ({as_server.issuer}/no-such-token-endpoint) answered HTTP 404"
    )
    assert str(exc_info.value).endswith("Hint: check the endpoint URL: the server has nothing at this address.")


class _OpenIdConfigurationNotFound(requests.Session):
    """A session to which the server's `/.well-known/openid-configuration` answers 404, as on an RFC 8414-only AS."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.urls.append(str(url))
        if str(url).endswith("/.well-known/openid-configuration"):
            response = requests.Response()
            response.status_code = 404
            response.url = str(url)
            response._content = b"Not Found"
            return response
        return super().request(method, url, *args, **kwargs)


def test_an_rfc8414_only_server_is_discovered(as_server: Harness) -> None:
    session = _OpenIdConfigurationNotFound()
    client = OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer,
        auth=ClientSecretBasic("client-basic", as_server.client_secret("client-basic")),
        session=session,
        testing=True,
    )
    assert session.urls[:2] == [
        f"{as_server.issuer}/.well-known/openid-configuration",
        f"{as_server.issuer}/.well-known/oauth-authorization-server",
    ]
    assert client.issuer == as_server.issuer
    assert client.token_endpoint == as_server.discovery()["token_endpoint"]
    assert client.client_credentials(scope=CC_SCOPE).access_token


def test_the_client_timeout_reaches_the_server_calls(as_server: Harness) -> None:
    session = _RecordingSession()
    client = OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer,
        auth=ClientSecretBasic("client-basic", as_server.client_secret("client-basic")),
        session=session,
        testing=True,
        timeout=7,
    )
    client.client_credentials(scope=CC_SCOPE)
    client.client_credentials(scope=CC_SCOPE, requests_kwargs={"timeout": 3})
    assert session.timeouts == [7, 7, 7, 3]  # discovery, keys, then the two token requests


class _RecordingSession(requests.Session):
    def __init__(self) -> None:
        super().__init__()
        self.timeouts: list[object] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        self.timeouts.append(kwargs.get("timeout"))
        return super().request(method, url, *args, **kwargs)
