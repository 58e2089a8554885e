"""ID Tokens of the real authorization server on every grant that issues one (password, device, CIBA, JWT bearer,
refresh): accepted by a correctly configured client, refused by a client whose keys or issuer are wrong, and
followed through a key rotation under the same `kid`."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from typing import Any

import pytest
import requests
from jwskate import Jwk, JwkSet, Jwt

from requests_oauth2client import (
    BackChannelAuthenticationPollingJob,
    BearerToken,
    ClientSecretBasic,
    DeviceAuthorizationPollingJob,
    OAuth2Client,
    OAuth2ResourceOwnerPasswordAuth,
)
from requests_oauth2client.tokens import (
    IdToken,
    IdTokenSigningKeyNotFound,
    InvalidIdToken,
    InvalidIdTokenSignature,
    MismatchingIdTokenIssuer,
    UnverifiableIdToken,
)
from tests.integration.harness import Harness

MAX_POLLS = 15
CLIENT_ID = "client-basic"


@pytest.fixture(scope="module")
def impostor_keys(as_server: Harness) -> JwkSet:
    """Keys of the same type and `kid` as the server's, but other key material (stale or attacker-supplied)."""
    document = requests.get(as_server.endpoint("jwks_uri"), timeout=10).json()
    impostors = []
    for key in document["keys"]:
        params: dict[str, Any] = {"kid": key["kid"], "alg": key.get("alg")}
        if key["kty"] == "EC":
            params["crv"] = key["crv"]
        impostors.append(Jwk.generate(**{name: value for name, value in params.items() if value}).public_jwk())
    return JwkSet(keys=impostors)


def client(as_server: Harness, **overrides: Any) -> OAuth2Client:
    return OAuth2Client.from_discovery_document(
        as_server.discovery(),
        issuer=as_server.issuer,
        auth=ClientSecretBasic(CLIENT_ID, as_server.client_secret(CLIENT_ID)),
        testing=True,
        **overrides,
    )


def poll(job: DeviceAuthorizationPollingJob | BackChannelAuthenticationPollingJob) -> BearerToken:
    for _ in range(MAX_POLLS):
        token = job()
        if token is not None:
            return token
    pytest.fail("no token after the maximum number of polls")


def password_grant(as_server: Harness, c: OAuth2Client, **kwargs: Any) -> BearerToken:
    user = as_server.demo_user
    return c.resource_owner_password(user["username"], user["password"], scope="openid offline_access", **kwargs)


def device_grant(as_server: Harness, c: OAuth2Client, **kwargs: Any) -> BearerToken:
    dar = c.authorize_device(scope="openid offline_access")
    assert dar.verification_uri_complete is not None
    as_server.approve_device(dar.verification_uri_complete, dar.user_code)
    return poll(DeviceAuthorizationPollingJob(c, dar, **kwargs))


def ciba_grant(as_server: Harness, c: OAuth2Client, **kwargs: Any) -> BearerToken:
    bcar = c.backchannel_authentication_request(scope="openid offline_access", login_hint="alice")
    return poll(BackChannelAuthenticationPollingJob(c, bcar, **kwargs))


def jwt_bearer_grant(as_server: Harness, c: OAuth2Client, **kwargs: Any) -> BearerToken:
    key = Jwk(as_server.trusted_issuer_jwk())
    now = int(time.time())
    claims = {
        "iss": "urn:harness:trusted-issuer",
        "sub": "bob",
        "aud": as_server.issuer,
        "iat": now,
        "exp": now + 60,
        "jti": str(uuid.uuid4()),
    }
    return c.jwt_bearer(Jwt.sign(claims, key=key, alg=key.alg or "ES256"), scope="openid", **kwargs)


GRANTS: dict[str, Callable[..., BearerToken]] = {
    "password": password_grant,
    "device": device_grant,
    "ciba": ciba_grant,
    "jwt_bearer": jwt_bearer_grant,
}


@pytest.mark.parametrize("grant", GRANTS)
def test_the_servers_id_tokens_are_validated_and_accepted(as_server: Harness, grant: str) -> None:
    token = GRANTS[grant](as_server, client(as_server))
    assert isinstance(token.id_token, IdToken)
    assert token.id_token.issuer == as_server.issuer
    assert CLIENT_ID in token.id_token.audiences


@pytest.mark.parametrize("grant", GRANTS)
def test_a_client_with_wrong_keys_refuses_the_servers_id_token(
    as_server: Harness, grant: str, impostor_keys: JwkSet
) -> None:
    """Keys with the server's kids but other material, and no jwks_uri to fetch the real ones: refused."""
    wrong = client(as_server, authorization_server_jwks=JwkSet(dict(impostor_keys)), jwks_uri=None)
    with pytest.raises(InvalidIdTokenSignature) as exc_info:
        GRANTS[grant](as_server, wrong)
    assert exc_info.value.token_resp is not None
    # the same grant, told not to validate, gets the ID Token as it is
    unchecked = GRANTS[grant](as_server, wrong, validate=False)
    assert isinstance(unchecked.id_token, IdToken)


@pytest.mark.parametrize("grant", ["password", "ciba"])
def test_a_client_of_another_issuer_refuses_the_servers_id_token(as_server: Harness, grant: str) -> None:
    other_issuer = OAuth2Client.from_discovery_document(
        {**as_server.discovery(), "issuer": "http://127.0.0.1:1/other"},
        auth=ClientSecretBasic(CLIENT_ID, as_server.client_secret(CLIENT_ID)),
        testing=True,
    )
    with pytest.raises(MismatchingIdTokenIssuer):
        GRANTS[grant](as_server, other_issuer)


def test_a_client_without_issuer_or_keys_cannot_validate(as_server: Harness) -> None:
    no_issuer = OAuth2Client(
        as_server.endpoint("token_endpoint"),
        auth=ClientSecretBasic(CLIENT_ID, as_server.client_secret(CLIENT_ID)),
        jwks_uri=as_server.endpoint("jwks_uri"),
        testing=True,
    )
    with pytest.raises(UnverifiableIdToken):
        password_grant(as_server, no_issuer)
    with pytest.raises(IdTokenSigningKeyNotFound):
        password_grant(as_server, client(as_server, jwks_uri=None))


def test_keys_rotated_under_the_same_kid_are_fetched_again(as_server: Harness, impostor_keys: JwkSet) -> None:
    """Stale keys with the server's kids, and a jwks_uri: the first ID Token fetches the keys, which replace them."""
    stale = client(as_server, authorization_server_jwks=JwkSet(dict(impostor_keys)))
    held = stale.authorization_server_jwks
    token = password_grant(as_server, stale)
    assert isinstance(token.id_token, IdToken)
    assert stale.authorization_server_jwks is held
    server_keys = JwkSet(requests.get(as_server.endpoint("jwks_uri"), timeout=10).json())
    assert sorted(key.thumbprint() for key in held.jwks) == sorted(key.thumbprint() for key in server_keys.jwks)
    assert password_grant(as_server, stale).id_token is not None


@pytest.mark.parametrize("grant", ["password", "device", "ciba"])
def test_refreshed_id_tokens_match_the_original(as_server: Harness, grant: str) -> None:
    c = client(as_server)
    token = GRANTS[grant](as_server, c)
    assert token.refresh_token is not None
    refreshed = c.refresh_token(token)
    assert isinstance(refreshed.id_token, IdToken)
    assert refreshed.id_token.subject == token.id_token.subject  # type: ignore[union-attr]


def test_refresh_with_wrong_keys_is_refused(as_server: Harness, impostor_keys: JwkSet) -> None:
    c = client(as_server)
    token = password_grant(as_server, c)
    wrong = client(as_server, authorization_server_jwks=JwkSet(dict(impostor_keys)), jwks_uri=None)
    with pytest.raises(InvalidIdTokenSignature):
        wrong.refresh_token(token)


def test_password_auth_handler_refuses_with_wrong_keys(as_server: Harness, impostor_keys: JwkSet) -> None:
    wrong = client(as_server, authorization_server_jwks=JwkSet(dict(impostor_keys)), jwks_uri=None)
    user = as_server.demo_user
    auth = OAuth2ResourceOwnerPasswordAuth(wrong, username=user["username"], password=user["password"], scope="openid")
    with pytest.raises(InvalidIdToken):
        requests.get(as_server.endpoint("userinfo_endpoint"), auth=auth, timeout=10)
    assert auth.token is None
