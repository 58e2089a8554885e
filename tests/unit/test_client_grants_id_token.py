"""ID Tokens in the answers of every grant of `OAuth2Client`, with mocked HTTP.

Device, CIBA, password, client credentials, token exchange, JWT bearer, custom grants (`token_request`) and the
code exchange with a bare code validate an ID Token like the authorization code flow does, with the same
`validate=` switch; so do the polling jobs and the auth handlers, which go through those methods. Refresh responses
are compared with the original ID Token (OpenID Connect Core §12.2), which the auth handlers carry forward.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest
import requests
import requests_mock
from jwskate import Jwk, JwkSet, Jwt, SymmetricJwk

from requests_oauth2client import (
    BackChannelAuthenticationPollingJob,
    DeviceAuthorizationPollingJob,
    OAuth2AccessTokenAuth,
    OAuth2AuthorizationCodeAuth,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    OAuth2DeviceCodeAuth,
    OAuth2ResourceOwnerPasswordAuth,
)
from requests_oauth2client.tokens import (
    BearerToken,
    ExpiredIdToken,
    IdToken,
    IdTokenSigningKeyNotFound,
    InvalidIdToken,
    InvalidIdTokenHeader,
    InvalidIdTokenSignature,
    MismatchingIdTokenAudience,
    MismatchingIdTokenIssuer,
    MismatchingIdTokenSubject,
    MismatchingRefreshedIdTokenClaim,
    UnverifiableIdToken,
)

AS = "https://as.example.com"
TOKEN = f"{AS}/token"
JWKS = f"{AS}/jwks"
API = "https://api.example.com/resource"
CLIENT_ID = "client-id"
AS_KEY = Jwk.generate(alg="ES256", kid="as-key")


def make_client(**kwargs: Any) -> OAuth2Client:
    settings: dict[str, Any] = {
        "issuer": AS,
        "jwks_uri": JWKS,
        "authorization_server_jwks": JwkSet(keys=[AS_KEY.public_jwk()]),
        "id_token_signed_response_alg": "ES256",
    }
    settings.update(kwargs)
    return OAuth2Client(TOKEN, (CLIENT_ID, "secret"), **settings)


def id_token(key: Jwk = AS_KEY, alg: str | None = None, **overrides: Any) -> str:
    now = int(datetime.now(tz=timezone.utc).timestamp())
    claims = {"iss": AS, "aud": CLIENT_ID, "sub": "alice", "iat": now, "exp": now + 300, **overrides}
    return str(Jwt.sign({name: value for name, value in claims.items() if value is not None}, key, alg=alg))


def hs256_id_token(secret: str) -> str:
    return id_token(SymmetricJwk.from_bytes(secret.encode()), alg="HS256")


def answer(raw_id_token: str | None, **extra: Any) -> dict[str, Any]:
    body = {"access_token": "at", "token_type": "Bearer", "expires_in": 60, **extra}
    if raw_id_token is not None:
        body["id_token"] = raw_id_token
    return body


GRANTS: dict[str, Callable[..., BearerToken]] = {
    "client_credentials": lambda client, **kw: client.client_credentials(scope="openid", **kw),
    "device_code": lambda client, **kw: client.device_code("device-code", **kw),
    "ciba": lambda client, **kw: client.ciba("auth-req-id", **kw),
    "password": lambda client, **kw: client.resource_owner_password("alice", "pw", **kw),
    "token_exchange": lambda client, **kw: client.token_exchange(
        subject_token="st", subject_token_type="access_token", **kw
    ),
    "jwt_bearer": lambda client, **kw: client.jwt_bearer(str(Jwt.sign({"sub": "alice"}, AS_KEY)), **kw),
    "custom grant": lambda client, **kw: client.token_request({"grant_type": "urn:example:custom"}, **kw),
    "bare authorization code": lambda client, **kw: client.authorization_code("code", **kw),
}


def forged_id_tokens() -> dict[str, tuple[str, type[InvalidIdToken]]]:
    attacker = Jwk.generate(alg="ES256", kid="as-key")  # the AS kid, but the attacker's key
    return {
        "forged signature": (id_token(attacker, sub="admin"), InvalidIdTokenSignature),
        "expired": (id_token(exp=1_600_000_000, iat=1_599_999_000), ExpiredIdToken),
        "foreign issuer": (id_token(iss="https://evil.example.com"), MismatchingIdTokenIssuer),
        "for another client": (id_token(aud="other-client"), MismatchingIdTokenAudience),
        "unknown key": (id_token(Jwk.generate(alg="ES256", kid="elsewhere")), IdTokenSigningKeyNotFound),
        "an access token": (
            str(Jwt.sign_arbitrary(Jwt.unprotected({"iss": AS}).claims, {"alg": "ES256", "typ": "at+jwt"}, AS_KEY)),
            InvalidIdTokenHeader,
        ),
    }


@pytest.mark.parametrize("grant", GRANTS)
@pytest.mark.parametrize("case", forged_id_tokens())
def test_every_grant_refuses_a_bad_id_token(grant: str, case: str, requests_mock: requests_mock.Mocker) -> None:
    raw, error = forged_id_tokens()[case]
    requests_mock.post(TOKEN, json=answer(raw))
    requests_mock.get(JWKS, json={"keys": [AS_KEY.public_jwk().to_dict()]})
    with pytest.raises(error) as exc_info:
        GRANTS[grant](make_client())
    assert isinstance(exc_info.value.token_resp, BearerToken)  # the refused answer, for diagnosis
    assert exc_info.value.token_resp.access_token == "at"


@pytest.mark.parametrize("grant", GRANTS)
def test_every_grant_accepts_a_valid_id_token(grant: str, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json=answer(id_token()))
    token = GRANTS[grant](make_client())
    assert isinstance(token.id_token, IdToken)
    assert token.id_token.subject == "alice"
    assert [request.method for request in requests_mock.request_history] == ["POST"]  # the keys were known


@pytest.mark.parametrize("grant", GRANTS)
def test_validate_false_skips_the_checks(grant: str, requests_mock: requests_mock.Mocker) -> None:
    forged = id_token(Jwk.generate(alg="ES256", kid="as-key"), iss="https://evil.example.com")
    requests_mock.post(TOKEN, json=answer(forged))
    token = GRANTS[grant](make_client(), validate=False)
    assert token.id_token == forged
    assert "validate" not in (requests_mock.last_request.text or "")  # a switch, not a form parameter


@pytest.mark.parametrize("grant", GRANTS)
def test_answers_without_id_token_are_not_affected(grant: str, requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json=answer(None))
    assert GRANTS[grant](OAuth2Client(TOKEN, (CLIENT_ID, "secret"))).id_token is None


@pytest.mark.parametrize("grant", GRANTS)
def test_a_client_that_cannot_validate_refuses(grant: str, requests_mock: requests_mock.Mocker) -> None:
    """No issuer, or no keys and nowhere to fetch them: the same typed errors as the authorization code flow."""
    requests_mock.post(TOKEN, json=answer(id_token()))
    with pytest.raises(UnverifiableIdToken, match="issuer"):
        GRANTS[grant](make_client(issuer=None))
    with pytest.raises(IdTokenSigningKeyNotFound):
        GRANTS[grant](make_client(authorization_server_jwks=None, jwks_uri=None))
    requests_mock.post(TOKEN, json=answer(hs256_id_token("a secret the public client does not have")))
    with pytest.raises(UnverifiableIdToken, match="client secret"):
        GRANTS[grant](OAuth2Client(TOKEN, client_id=CLIENT_ID, issuer=AS, id_token_signed_response_alg="HS256"))


def test_keys_are_fetched_when_the_client_has_none(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(TOKEN, json=answer(id_token()))
    requests_mock.get(JWKS, json={"keys": [AS_KEY.public_jwk().to_dict()]})
    token = make_client(authorization_server_jwks=None).resource_owner_password("alice", "pw")
    assert isinstance(token.id_token, IdToken)
    assert requests_mock.call_count == 2


def test_hmac_signed_id_token_uses_the_client_secret(requests_mock: requests_mock.Mocker) -> None:
    secret = "a client secret long enough for HS256!"
    raw = hs256_id_token(secret)
    requests_mock.post(TOKEN, json=answer(raw))
    client = OAuth2Client(TOKEN, (CLIENT_ID, secret), issuer=AS, id_token_signed_response_alg="HS256")
    assert client.client_credentials().id_token == raw


def test_authorization_code_with_a_response_still_checks_the_nonce(requests_mock: requests_mock.Mocker) -> None:
    from requests_oauth2client import AuthorizationResponse

    requests_mock.post(TOKEN, json=answer(id_token(nonce="other")))
    azr = AuthorizationResponse(code="code", redirect_uri="https://app/cb", nonce="sent", issuer=AS)
    with pytest.raises(InvalidIdToken):
        make_client().authorization_code(azr)
    requests_mock.post(TOKEN, json=answer(id_token(nonce="sent")))
    assert make_client().authorization_code(azr).id_token is not None


# -------------------------------------------------------------------------------------------- polling jobs


@pytest.mark.parametrize("job_class", [DeviceAuthorizationPollingJob, BackChannelAuthenticationPollingJob])
def test_polling_jobs_validate(job_class: type, requests_mock: requests_mock.Mocker) -> None:
    forged = id_token(Jwk.generate(alg="ES256", kid="as-key"))
    requests_mock.post(TOKEN, json=answer(forged))
    client = make_client()
    with pytest.raises(InvalidIdTokenSignature):
        job_class(client, "code", interval=0)()
    token = job_class(client, "code", interval=0, validate=False)()
    assert token.id_token == forged
    requests_mock.post(TOKEN, json=answer(id_token()))
    assert job_class(client, "code", interval=0)().id_token.subject == "alice"


# -------------------------------------------------------------------------------------------- auth handlers


def test_grant_handlers_validate(requests_mock: requests_mock.Mocker) -> None:
    forged = id_token(Jwk.generate(alg="ES256", kid="as-key"), sub="admin")
    requests_mock.post(TOKEN, json=answer(forged))
    requests_mock.get(API, text="ok")
    client = make_client()
    handlers = [
        OAuth2ResourceOwnerPasswordAuth(client, username="alice", password="pw", scope="openid"),
        OAuth2ClientCredentialsAuth(client, scope="openid"),
        OAuth2AuthorizationCodeAuth(client, "code"),
        OAuth2DeviceCodeAuth(client, "device-code", interval=0),
    ]
    for handler in handlers:
        with pytest.raises(InvalidIdTokenSignature):
            requests.get(API, auth=handler)
        assert handler.token is None
    unchecked = OAuth2ResourceOwnerPasswordAuth(client, username="alice", password="pw", validate=False)
    assert requests.get(API, auth=unchecked).text == "ok"
    assert unchecked.token is not None
    assert unchecked.token.id_token == forged
    assert "validate" not in (requests_mock.request_history[-2].text or "")


# -------------------------------------------------------------------------------------- refresh (OIDC §12.2)


def test_refresh_compares_with_the_original(requests_mock: requests_mock.Mocker) -> None:
    original = BearerToken("at0", refresh_token="rt", id_token=id_token(auth_time=1_700_000_000))
    client = make_client()
    for changed, claim in (({"sub": "mallory"}, "sub"), ({"aud": [CLIENT_ID, "x"], "azp": CLIENT_ID}, "aud")):
        requests_mock.post(TOKEN, json=answer(id_token(auth_time=1_700_000_000, **changed)))
        with pytest.raises(MismatchingRefreshedIdTokenClaim) as exc_info:
            client.refresh_token(original)
        assert exc_info.value.claim == claim
    requests_mock.post(TOKEN, json=answer(id_token(auth_time=1_700_000_001)))
    with pytest.raises(MismatchingRefreshedIdTokenClaim):
        client.refresh_token(original)
    requests_mock.post(TOKEN, json=answer(id_token(auth_time=1_700_000_000)))
    assert client.refresh_token(original).id_token is not None
    requests_mock.post(TOKEN, json=answer(id_token(sub="mallory")))
    assert client.refresh_token(original, validate=False).id_token is not None
    assert "validate" not in (requests_mock.last_request.text or "")


def test_handlers_carry_the_original_id_token_forward(requests_mock: requests_mock.Mocker) -> None:
    """A refresh answer without ID Token keeps the previous one, so the next refresh is still compared with it."""
    original = id_token()
    token = BearerToken("at0", refresh_token="rt0", expires_in=-1, id_token=original)
    handler = OAuth2AccessTokenAuth(make_client(), token)
    requests_mock.get(API, text="ok")
    requests_mock.post(TOKEN, json=answer(None, refresh_token="rt1", expires_in=5))
    requests.get(API, auth=handler)
    assert handler.token is not None
    assert handler.token.access_token == "at"
    assert handler.token.id_token == original  # carried forward
    assert handler.token.refresh_token == "rt1"  # the new refresh token, not the old one

    requests_mock.post(TOKEN, json=answer(id_token(sub="mallory")))
    with pytest.raises(MismatchingIdTokenSubject):
        handler.renew_token()


def test_handlers_keep_a_new_id_token(requests_mock: requests_mock.Mocker) -> None:
    token = BearerToken("at0", refresh_token="rt0", expires_in=-1, id_token=id_token(iat=1_000))
    handler = OAuth2AccessTokenAuth(make_client(), token, validate=False)
    refreshed = id_token()
    requests_mock.get(API, text="ok")
    requests_mock.post(TOKEN, json=answer(refreshed))
    requests.get(API, auth=handler)
    assert handler.token is not None
    assert handler.token.id_token == refreshed
    assert handler.token.refresh_token == "rt0"  # kept: the answer had none
