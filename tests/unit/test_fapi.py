from __future__ import annotations

from typing import Any

import pytest
import requests
import requests_mock as rm
from jwskate import Jwk

from requests_oauth2client import (
    ClientSecretBasic,
    ClientSecretJwt,
    ClientSecretPost,
    DPoPKey,
    DPoPToken,
    Fapi2Client,
    Fapi2Violation,
    InvalidParam,
    OAuth2Client,
    PrivateKeyJwt,
    PublicApp,
    SelfSignedTlsClientAuth,
    TlsClientAuth,
)
from requests_oauth2client.fapi import FAPI2_SIGNING_ALGS, check_fapi2_client, check_signing_alg
from tests.integration.pki import TestPki

AS = "https://as.example.com"
TOKEN = f"{AS}/token"
PAR = f"{AS}/par"
AUTHZ = f"{AS}/authorize"
REDIRECT_URI = "https://rp.example.com/cb"
SP = "FAPI 2.0 Security Profile"


@pytest.fixture(scope="module")
def es256_key() -> Jwk:
    return Jwk.generate(alg="ES256", kid="es")


def build(key: Jwk, **overrides: Any) -> Fapi2Client:
    settings: dict[str, Any] = {
        "issuer": AS,
        "client_id": "client",
        "private_key": key,
        "authorization_endpoint": AUTHZ,
        "pushed_authorization_request_endpoint": PAR,
        "redirect_uri": REDIRECT_URI,
    }
    settings.update(overrides)
    return Fapi2Client(TOKEN, **{name: value for name, value in settings.items() if value is not ...})


def refused(key: Jwk, rule: str, clause: str, **overrides: Any) -> Fapi2Violation:
    with pytest.raises(Fapi2Violation) as exc_info:
        build(key, **overrides)
    assert exc_info.value.rule == rule
    assert exc_info.value.clause == clause
    assert clause in str(exc_info.value)
    return exc_info.value


def test_the_preset_turns_the_profile_on(es256_key: Jwk) -> None:
    client = build(es256_key)
    assert isinstance(client, OAuth2Client)
    assert client.dpop_bound_access_tokens
    assert client.authorization_response_iss_parameter_supported
    assert client.code_challenge_method == "S256"
    assert client.id_token_signed_response_alg == "PS256"
    assert isinstance(client.auth, PrivateKeyJwt)
    assert client.auth.aud == AS  # the issuer, as a string
    assert repr(client).startswith("Fapi2Client(")
    assert FAPI2_SIGNING_ALGS == ("PS256", "ES256", "EdDSA")
    check_fapi2_client(client)


def test_tls_everywhere(es256_key: Jwk) -> None:
    refused(es256_key, "tls", f"{SP} §5.2.1-1", userinfo_endpoint="http://as.example.com/userinfo", testing=True)
    refused(
        es256_key, "issuer", f"{SP} §5.3.3.1-11", issuer=..., private_key=..., auth=TlsClientAuth("c", cert="c.pem")
    )
    assert build(es256_key, userinfo_endpoint=f"{AS}/userinfo").userinfo_endpoint == f"{AS}/userinfo"


def test_client_authentication(es256_key: Jwk, pki: TestPki) -> None:
    for auth in (
        ClientSecretBasic("c", "the-secret"),
        ClientSecretPost("c", "the-secret"),
        ClientSecretJwt("c", "the-secret"),
        PublicApp("c"),
    ):
        error = refused(
            es256_key, "client_authentication", f"{SP} §5.3.3.1-2", client_id=..., private_key=..., auth=auth
        )
        assert "the-secret" not in str(error)
        assert error.value == auth.TOKEN_ENDPOINT_AUTH_METHOD  # type: ignore[attr-defined]
    for tls in (TlsClientAuth("c", cert=pki.client_tls.pair), SelfSignedTlsClientAuth("c", cert=pki.client_tls.pair)):
        assert build(es256_key, client_id=..., private_key=..., auth=tls).auth is tls


def test_client_assertions(es256_key: Jwk) -> None:
    assertion = PrivateKeyJwt("client", es256_key, aud=AS)
    assert build(es256_key, client_id=..., private_key=..., auth=assertion).auth is assertion
    for aud in (None, TOKEN):
        error = refused(
            es256_key,
            "assertion_audience",
            f"{SP} §5.3.3.1-5",
            client_id=...,
            private_key=...,
            auth=PrivateKeyJwt("client", es256_key, aud=aud),
        )
        assert error.value == aud
    refused(es256_key, "algorithm", f"{SP} §5.4.1-1.2", private_key=Jwk.generate(alg="RS256", kid="rs"))
    refused(es256_key, "algorithm", f"{SP} §5.4.1-1.2", private_key=Jwk.generate(alg="ES384", kid="es384"))
    refused(es256_key, "algorithm", f"{SP} §5.4.1-1.2", private_key=Jwk.generate(alg="EdDSA", crv="Ed448", kid="ed"))
    small = Jwk.generate(alg="PS256", kid="small", key_size=1024)
    error = refused(es256_key, "key_size", f"{SP} §5.4.1-2", private_key=small)
    assert error.value == "RSA key (kid='small')"  # described, never included
    for alg in ("PS256", "EdDSA"):
        assert build(Jwk.generate(alg=alg, kid=alg)).auth.alg == alg  # type: ignore[attr-defined]


def test_sender_constrained_tokens(es256_key: Jwk, pki: TestPki) -> None:
    refused(es256_key, "sender_constrained_tokens", f"{SP} §5.3.3.1-1", dpop_bound_access_tokens=False)
    refused(es256_key, "algorithm", f"{SP} §5.4.1-1.2", dpop_alg="RS256")
    session = requests.Session()
    session.cert = pki.client_tls.pair
    mtls = build(es256_key, tls_client_certificate_bound_access_tokens=True, session=session)
    assert not mtls.dpop_bound_access_tokens  # bound to the certificate instead
    assert build(es256_key, dpop_alg="EdDSA").dpop_alg == "EdDSA"


def test_authorization_code_flow(es256_key: Jwk) -> None:
    refused(es256_key, "par", f"{SP} §5.3.3.2-2", pushed_authorization_request_endpoint=...)
    assert build(es256_key, authorization_endpoint=..., pushed_authorization_request_endpoint=...)  # no authorization
    for method in (None, "plain"):
        refused(es256_key, "pkce", f"{SP} §5.3.3.2-3", code_challenge_method=method)
    refused(es256_key, "iss_parameter", f"{SP} §5.3.3.2-5", authorization_response_iss_parameter_supported=False)


def test_accepted_algs(es256_key: Jwk) -> None:
    refused(es256_key, "algorithm", f"{SP} §5.4.1-1.2", id_token_signed_response_alg="RS256")
    for name in (
        "userinfo_signed_response_alg",
        "introspection_signed_response_alg",
        "authorization_signed_response_alg",
    ):
        refused(es256_key, "algorithm", f"{SP} §5.4.1-1.2", **{name: "RS256"})
        assert getattr(build(es256_key, **{name: "ES256"}).jose, name) == "ES256"
    assert build(es256_key, id_token_signed_response_alg="EdDSA").id_token_signed_response_alg == "EdDSA"


def test_check_signing_alg() -> None:
    check_signing_alg("PS256", "x", Jwk.generate(alg="PS256", key_size=2048))
    check_signing_alg("EdDSA", "x", Jwk.generate(alg="EdDSA", crv="Ed25519"))
    for alg in (None, "none", "HS256", "RS256", "ES256K", "ES512"):
        with pytest.raises(Fapi2Violation) as exc_info:
            check_signing_alg(alg, "things")
        assert exc_info.value.rule == "algorithm"
        assert isinstance(exc_info.value, InvalidParam)


# ------------------------------------------------------------------------------------------------- requests


def test_authorization_requests(es256_key: Jwk) -> None:
    client = build(es256_key)
    request = client.authorization_request(scope="openid")
    assert request.code_challenge_method == "S256"
    assert request.dpop_key is not None
    assert request.authorization_response_iss_parameter_supported
    with pytest.raises(Fapi2Violation) as exc_info:
        client.authorization_request(response_type="code id_token")
    assert (exc_info.value.rule, exc_info.value.clause) == ("response_type", f"{SP} §5.3.3.2-1")
    # JARM: only with a registered FAPI alg
    with pytest.raises(Fapi2Violation) as exc_info:
        client.authorization_request(response_mode="query.jwt")
    assert exc_info.value.rule == "algorithm"
    with pytest.raises(Fapi2Violation):
        client.authorization_request(response_mode="jwt", authorization_signed_response_alg="RS256")
    jarm = build(es256_key, authorization_signed_response_alg="ES256").authorization_request(response_mode="jwt")
    assert jarm.authorization_signed_response_alg == "ES256"


def test_request_objects(es256_key: Jwk) -> None:
    client = build(es256_key)
    request = client.authorization_request()
    assert client.sign_authorization_request(request, lifetime=3600).request
    with pytest.raises(Fapi2Violation) as exc_info:
        client.sign_authorization_request(request, lifetime=3601)
    assert exc_info.value.rule == "request_object_lifetime"
    assert "Message Signing" in exc_info.value.clause
    with pytest.raises(Fapi2Violation):
        client.sign_authorization_request(request, Jwk.generate(alg="RS256", kid="rs"))
    with pytest.raises(Fapi2Violation):
        client.sign_authorization_request(request, es256_key, sign_alg="ES384")
    with pytest.raises(Fapi2Violation) as exc_info:
        client.sign_authorization_request(request, Jwk.generate(alg="PS256", key_size=1024))
    assert exc_info.value.rule == "key_size"
    assert client.sign_authorization_request(request, Jwk.generate(alg="PS256", kid="ps")).request


def test_token_requests_are_always_sender_constrained(es256_key: Jwk) -> None:
    client = build(es256_key)
    with rm.Mocker() as mocker:
        mocker.post(TOKEN, json={"access_token": "at", "token_type": "DPoP", "expires_in": 60})
        token = client.client_credentials(dpop=False)  # DPoP whatever `dpop` says
        assert isinstance(token, DPoPToken)
        assert "DPoP" in mocker.last_request.headers
        mocker.post(TOKEN, json={"access_token": "at", "token_type": "Bearer", "expires_in": 60})
        with pytest.raises(Fapi2Violation) as exc_info:
            client.client_credentials()
        assert (exc_info.value.rule, exc_info.value.clause) == ("sender_constrained_tokens", f"{SP} §5.3.2.1-4")
        assert "at" not in str(exc_info.value).split()
        calls = mocker.call_count
        with pytest.raises(Fapi2Violation):
            client.client_credentials(dpop_key=DPoPKey.generate(alg="RS256"))
        assert mocker.call_count == calls  # refused before anything is sent


def test_certificate_bound_tokens_need_no_dpop(es256_key: Jwk, pki: TestPki) -> None:
    session = requests.Session()
    session.cert = pki.client_tls.pair
    client = build(es256_key, tls_client_certificate_bound_access_tokens=True, session=session)
    with rm.Mocker() as mocker:
        mocker.post(TOKEN, json={"access_token": "at", "token_type": "Bearer", "expires_in": 60})
        assert client.client_credentials().token_type == "Bearer"
        assert "DPoP" not in mocker.last_request.headers
        assert mocker.last_request.cert == pki.client_tls.pair


def test_refused_grants_and_flows(es256_key: Jwk) -> None:
    client = build(es256_key)
    with rm.Mocker() as mocker:
        with pytest.raises(Fapi2Violation) as exc_info:
            client.resource_owner_password("user", "the-password")
        assert (exc_info.value.rule, exc_info.value.clause) == ("password_grant", f"{SP} §5.3.2.1-2")
        assert "the-password" not in str(exc_info.value)
        with pytest.raises(Fapi2Violation) as exc_info:
            client.login_with_browser(use_par=False)
        assert exc_info.value.rule == "par"
        assert mocker.call_count == 0


# ------------------------------------------------------------------------------------------------- discovery

DISCOVERY = {
    "issuer": AS,
    "token_endpoint": TOKEN,
    "authorization_endpoint": AUTHZ,
    "pushed_authorization_request_endpoint": PAR,
    "mtls_endpoint_aliases": {"token_endpoint": "https://mtls.as.example.com/token"},
}


def test_from_discovery(es256_key: Jwk, pki: TestPki) -> None:
    client = Fapi2Client.from_discovery_document(DISCOVERY, AS, client_id="c", private_key=es256_key)
    assert isinstance(client, Fapi2Client)
    assert client.authorization_response_iss_parameter_supported  # required, although the document does not say
    assert client.token_endpoint == TOKEN
    tls = TlsClientAuth("c", cert=pki.client_tls.pair)
    mtls = Fapi2Client.from_discovery_document(DISCOVERY, AS, auth=tls, tls_client_certificate_bound_access_tokens=True)
    assert mtls.token_endpoint == "https://mtls.as.example.com/token"
    with pytest.raises(Fapi2Violation) as exc_info:
        Fapi2Client.from_discovery_document(DISCOVERY, AS, auth=tls, mtls=False)
    assert (exc_info.value.rule, exc_info.value.clause) == ("mtls_endpoint_aliases", f"{SP} §5.3.3.1-7")
    # a session certificate alone (transport protection) may use the plain endpoints
    session = requests.Session()
    session.cert = pki.client_tls.pair
    plain = Fapi2Client.from_discovery_document(
        DISCOVERY, AS, client_id="c", private_key=es256_key, session=session, mtls=False
    )
    assert plain.token_endpoint == TOKEN
    with pytest.raises(Fapi2Violation):
        Fapi2Client.from_discovery_document(
            DISCOVERY, AS, client_id="c", private_key=es256_key, authorization_response_iss_parameter_supported=False
        )
