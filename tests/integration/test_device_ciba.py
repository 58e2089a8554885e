"""Device authorization grant (RFC 8628) and CIBA against the real authorization server, end to end."""

from __future__ import annotations

import pytest

from requests_oauth2client import (
    ApiClient,
    AuthorizationPending,
    BackChannelAuthenticationPollingJob,
    BackChannelAuthenticationResponse,
    BearerToken,
    ClientSecretBasic,
    DeviceAuthorizationPollingJob,
    DeviceAuthorizationResponse,
    OAuth2Client,
    OAuth2DeviceCodeAuth,
    PrivateKeyJwt,
)
from requests_oauth2client.exceptions import BackChannelAuthenticationError, InvalidGrant, InvalidRequest
from tests.integration.harness import Harness
from tests.integration.recording import recording_client

MAX_POLLS = 15


@pytest.fixture
def client(as_server: Harness) -> OAuth2Client:
    return OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer,
        auth=ClientSecretBasic("client-basic", as_server.client_secret("client-basic")),
        testing=True,
    )


def poll_until_token(job: DeviceAuthorizationPollingJob | BackChannelAuthenticationPollingJob) -> BearerToken:
    for _ in range(MAX_POLLS):
        token = job()
        if token is not None:
            return token
    pytest.fail("no token after the maximum number of polls")


def test_device_flow(as_server: Harness, client: OAuth2Client) -> None:
    dar = client.authorize_device(scope="openid profile")
    assert isinstance(dar, DeviceAuthorizationResponse)
    assert dar.user_code
    assert dar.verification_uri.startswith(as_server.issuer)
    assert dar.verification_uri_complete is not None
    assert dar.interval == 1
    assert dar.expires_at is not None

    job = DeviceAuthorizationPollingJob(client, dar)
    assert job() is None  # the user has not approved yet: authorization_pending
    with pytest.raises(AuthorizationPending):
        client.device_code(dar)

    as_server.approve_device(dar.verification_uri_complete, dar.user_code)
    token = poll_until_token(job)
    assert token.id_token is not None
    assert client.userinfo(token)["sub"] == as_server.demo_user["username"]
    with pytest.raises(InvalidGrant):  # a device code is used only once
        client.device_code(dar)


def test_device_code_auth_handler(as_server: Harness, client: OAuth2Client) -> None:
    dar = client.authorize_device(scope="openid api:read", resource="urn:harness:api")
    auth = OAuth2DeviceCodeAuth(client, dar)  # the documented positional form
    as_server.approve_device(dar.verification_uri_complete, dar.user_code)
    api = ApiClient(as_server.resource_url, auth=auth)
    assert api.get().json()["sub"] == as_server.demo_user["username"]
    assert auth.device_code is None


def test_ciba_flow(as_server: Harness, client: OAuth2Client) -> None:
    bcar = client.backchannel_authentication_request(
        scope="openid profile", login_hint="alice", binding_message="Approve 42"
    )
    assert isinstance(bcar, BackChannelAuthenticationResponse)
    assert bcar.auth_req_id
    assert bcar.interval == 1
    with pytest.raises(AuthorizationPending):  # approval comes one second after the request
        client.ciba(bcar)
    job = BackChannelAuthenticationPollingJob(client, bcar)
    token = poll_until_token(job)
    assert token.id_token is not None
    assert token.id_token.subject == "alice"
    assert client.userinfo(token)["sub"] == "alice"


@pytest.mark.parametrize("alg", ["RS256", "ES256"])
def test_signed_ciba_request(as_server: Harness, alg: str) -> None:
    # CIBA Core §7.1.1: the server requires exp, iat, nbf and jti in a signed request, and checks iss and aud
    client = OAuth2Client.from_discovery_endpoint(
        issuer=as_server.issuer,
        auth=PrivateKeyJwt("client-private-key-jwt", as_server.private_jwk("RS256"), aud=as_server.issuer),
        testing=True,
    )
    bcar = client.backchannel_authentication_request(
        scope="openid", login_hint="bob", binding_message="Signed 7", private_jwk=as_server.private_jwk(alg)
    )
    token = poll_until_token(BackChannelAuthenticationPollingJob(client, bcar))
    assert token.id_token is not None
    assert token.id_token.subject == "bob"


def test_ciba_bad_binding_message(client: OAuth2Client) -> None:
    with pytest.raises(BackChannelAuthenticationError) as exc_info:
        client.backchannel_authentication_request(login_hint="alice", binding_message="<script>")
    assert exc_info.value.error == "invalid_binding_message"


@pytest.mark.parametrize("scope", [[], (), ""], ids=repr)
def test_an_empty_scope_is_left_out_of_device_and_ciba_requests(as_server: Harness, scope: object) -> None:
    client, bodies = recording_client(as_server)
    assert client.authorize_device(scope=scope).device_code
    assert "scope" not in bodies[-1]
    # CIBA requires a scope: this server names it missing (nothing empty was sent)
    with pytest.raises(InvalidRequest) as exc_info:
        client.backchannel_authentication_request(scope=scope, login_hint="alice")
    assert "scope" not in bodies[-1]
    assert exc_info.value.description == "missing required parameter 'scope'"
