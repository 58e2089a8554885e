"""token_cache_key(): equal configurations give equal keys, anything that makes tokens different gives another key
(httpx_auth #97: a cache keyed by too little handed one client's token to another), and keys name no secret."""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from jwskate import Jwk

from requests_oauth2client import (
    ClientSecretBasic,
    ClientSecretJwt,
    DPoPKey,
    GrantTypes,
    OAuth2Client,
    PrivateKeyJwt,
    token_cache_key,
)

TOKEN_ENDPOINT = "https://as.example.com/token"
PRIVATE_KEY_1 = Jwk.generate(alg="ES256", kid="k1")
PRIVATE_KEY_2 = Jwk.generate(alg="ES256", kid="k2")
DPOP_KEY_1 = DPoPKey.generate(alg="ES256")
DPOP_KEY_2 = DPoPKey.generate(alg="ES256")


def make_client(**overrides: Any) -> OAuth2Client:
    settings: dict[str, Any] = {
        "token_endpoint": TOKEN_ENDPOINT,
        "client_id": "client-1",
        "client_secret": "secret-1",
        "issuer": "https://as.example.com",
    }
    settings.update(overrides)
    return OAuth2Client(**settings)


def key(client: OAuth2Client | None = None, grant: str = "client_credentials", **params: Any) -> str:
    return token_cache_key(client or make_client(), grant, **params)


def test_key_format_names_the_grant_and_a_hash() -> None:
    assert re.fullmatch(r"ro2c:v1:client_credentials:[0-9a-f]{64}", key())
    assert key(grant=GrantTypes.DEVICE_CODE, subject="u").startswith("ro2c:v1:device_code:")
    assert key(grant=GrantTypes.TOKEN_EXCHANGE, subject="u").startswith("ro2c:v1:token-exchange:")
    assert key(grant="urn:example:grant with spaces", subject="u").startswith("ro2c:v1:custom:")


def test_equal_configurations_give_equal_keys() -> None:
    params = {"scope": "read write", "resource": "https://api.example.com", "audience": "api"}
    assert key(make_client(), **params) == key(make_client(), **params)
    assert key(grant=GrantTypes.CLIENT_CREDENTIALS) == key(grant="client_credentials")


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("read write", ["write", "read"]),
        ("read write", "write  read read"),
        ("read write", ("read", "write")),
        ("read write", {"write", "read"}),
    ],
)
def test_scope_is_a_set(first: Any, second: Any) -> None:
    assert key(scope=first) == key(scope=second)


def test_resource_and_audience_are_sets() -> None:
    assert key(resource=["https://a", "https://b"]) == key(resource=["https://b", "https://a"])
    assert key(resource="https://a") == key(resource=["https://a"])
    assert key(audience=["x", "y"]) == key(audience=("y", "x", "x"))


@given(st.lists(st.sampled_from(["a", "b", "c", "d", "openid"]), max_size=6), st.randoms())
def test_scope_order_never_matters_and_membership_always_does(scopes: list[str], random: Any) -> None:
    shuffled = list(scopes)
    random.shuffle(shuffled)
    assert key(scope=scopes) == key(scope=shuffled)
    if "extra" not in scopes:
        assert key(scope=scopes) != key(scope=[*scopes, "extra"])


def test_the_way_a_secret_is_sent_does_not_change_the_client() -> None:
    post = make_client()
    basic = make_client(auth=ClientSecretBasic("client-1", "secret-1"), client_id=None, client_secret=None)
    jwt = make_client(auth=ClientSecretJwt("client-1", "secret-1"), client_id=None, client_secret=None)
    assert key(post) == key(basic) == key(jwt)


DIFFERENT_CLIENTS: dict[str, OAuth2Client] = {
    "another token endpoint": make_client(token_endpoint="https://other.example.com/token"),
    "another issuer": make_client(issuer="https://other.example.com"),
    "no issuer": make_client(issuer=None),
    "another client_id": make_client(client_id="client-2"),
    "another secret": make_client(client_secret="secret-2"),
    "a private key": make_client(client_secret=None, private_key=PRIVATE_KEY_1),
    "another private key": make_client(client_secret=None, private_key=PRIVATE_KEY_2),
    "a public client": make_client(client_secret=None),
    "DPoP by default": make_client(dpop_bound_access_tokens=True),
}


def test_every_client_difference_gives_another_key() -> None:
    keys = {"reference": key(), **{name: key(client) for name, client in DIFFERENT_CLIENTS.items()}}
    assert len(set(keys.values())) == len(keys), keys


def test_every_grant_difference_gives_another_key() -> None:
    variants = {
        "reference": key(scope="read"),
        "another scope": key(scope="write"),
        "more scope": key(scope="read write"),
        "no scope": key(),
        "a resource": key(scope="read", resource="https://api.example.com"),
        "another resource": key(scope="read", resource="https://other.example.com"),
        "an audience": key(scope="read", audience="api"),
        "another audience": key(scope="read", audience="other"),
        "an extra parameter": key(scope="read", acr_values="gold"),
        "a DPoP key": key(scope="read", dpop_key=DPOP_KEY_1),
        "another DPoP key": key(scope="read", dpop_key=DPOP_KEY_2),
        "generated DPoP keys": key(scope="read", dpop=True),
        "another grant": key(grant="password", scope="read", username="alice", password="pw"),
        "another user": key(grant="password", scope="read", username="bob", password="pw"),
        "another password": key(grant="password", scope="read", username="alice", password="other"),
        "a subject": key(grant="refresh_token", scope="read", subject="alice"),
        "another subject": key(grant="refresh_token", scope="read", subject="bob"),
        "authorization code": key(grant="authorization_code", scope="read", subject="alice"),
    }
    assert len(set(variants.values())) == len(variants), variants


def test_dpop_default_follows_the_client() -> None:
    dpop_client = make_client(dpop_bound_access_tokens=True)
    assert key(dpop_client) == key(dpop_client, dpop=True)
    assert key(dpop_client, dpop=False) == key(make_client())
    assert key(dpop_key=DPOP_KEY_1) == key(dpop=True, dpop_key=DPOP_KEY_1)  # the key decides


def test_tls_client_certificate_is_part_of_the_credential() -> None:
    session = requests.Session()
    session.cert = ("/etc/client-1.pem", "/etc/client-1.key")
    other = requests.Session()
    other.cert = "/etc/client-2.pem"
    public = make_client(client_secret=None)
    with_cert = make_client(client_secret=None, session=session)
    with_other_cert = make_client(client_secret=None, session=other)
    assert len({key(public), key(with_cert), key(with_other_cert)}) == 3


def test_parameters_that_do_not_shape_the_token_are_left_out() -> None:
    assert key(scope="read") == key(
        scope="read", resource=None, requests_kwargs={"timeout": 3}, validate=False, code_verifier="v" * 43
    )
    subject_key = key(grant="authorization_code", subject="alice")
    assert subject_key == key(grant="authorization_code", subject="alice", code="abc", redirect_uri="https://cb")


def test_keys_name_no_secret_and_no_personal_data() -> None:
    client = make_client(client_id="client-with-a-name", client_secret="very-secret-value")
    made = key(client, grant="password", username="alice@example.com", password="hunter2", scope="secret-scope")
    for value in ("client-with-a-name", "very-secret-value", "alice", "hunter2", "secret-scope"):
        assert value not in made
    assert "alice" not in key(client, grant="authorization_code", subject="alice")


@pytest.mark.parametrize("grant", ["authorization_code", "refresh_token", GrantTypes.DEVICE_CODE, "urn:example:x"])
def test_grants_of_users_need_a_subject(grant: str) -> None:
    with pytest.raises(TypeError, match="subject="):
        key(grant=grant)


def test_password_grant_needs_the_username() -> None:
    with pytest.raises(TypeError, match="username"):
        key(grant="password", password="pw")


def test_unknown_client_authentication_needs_a_credential_id() -> None:
    class MutualTls(requests.auth.AuthBase):
        client_id = "client-1"

        def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
            return request

    client = make_client(auth=MutualTls(), client_id=None, client_secret=None)
    with pytest.raises(TypeError, match=r"MutualTls: pass credential_id="):
        key(client)
    first = token_cache_key(client, "client_credentials", credential_id="cert-thumbprint-1")
    second = token_cache_key(client, "client_credentials", credential_id="cert-thumbprint-2")
    assert first != second
    assert "cert-thumbprint" not in first
    # an explicit credential_id also overrides the one derived from a known method
    assert token_cache_key(make_client(), "client_credentials", credential_id="x") != key()


def test_private_key_jwt_is_identified_by_the_key_thumbprint() -> None:
    auth = PrivateKeyJwt("client-1", PRIVATE_KEY_1, aud="https://as.example.com")
    via_auth = make_client(auth=auth, client_id=None, client_secret=None)
    assert key(via_auth) == key(make_client(client_secret=None, private_key=PRIVATE_KEY_1))


@pytest.mark.parametrize(
    "params",
    [
        {"claims": object()},
        {"scope": 42},
        {"scope": ["read", 3]},
        {"authorization_details": [{"type": "x", "when": object()}]},
        {"dpop_key": "not-a-dpop-key"},
    ],
)
def test_values_without_a_stable_form_are_refused(params: dict[str, Any]) -> None:
    with pytest.raises(TypeError, match="token_cache_key") as info:
        key(**params)
    assert "object at 0x" not in str(info.value)


def test_structured_parameters_are_compared_by_content() -> None:
    details = [{"type": "payment", "amount": {"value": 10, "currency": "EUR"}}]
    reordered = [{"amount": {"currency": "EUR", "value": 10}, "type": "payment"}]
    assert key(authorization_details=details) == key(authorization_details=reordered)
    assert key(authorization_details=details) != key(authorization_details=[{"type": "payment"}])
