"""The FAPI 2.0 preset (`Fapi2Client`) against the FAPI-profiled clients of the TLS instance of the real server.

`client-fapi2`: private_key_jwt (ES256 and PS256 keys), PAR required, PKCE, DPoP-bound tokens, ES256 ID Tokens.
`client-fapi2-mtls`: tls_client_auth, certificate-bound tokens, PAR required. Every refusal has its positive control in
the same test. The environment's CA bundle does not hold the test CA (see `test_mtls.py`).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import certifi
import pytest
import requests

from requests_oauth2client import (
    ApiClient,
    BearerToken,
    ClientSecretBasic,
    DPoPToken,
    Fapi2Client,
    Fapi2Violation,
    OAuth2AccessTokenAuth,
    TlsClientAuth,
    certificate_thumbprint,
)
from tests.integration.harness import Harness
from tests.integration.raw import TIMEOUT

FAPI = "client-fapi2"
FAPI_MTLS = "client-fapi2-mtls"


@pytest.fixture(autouse=True)
def ca_bundle_without_the_test_ca(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())


def tls_session(h: Harness) -> requests.Session:
    assert h.tls is not None
    session = requests.Session()
    session.verify = str(h.tls.ca_file)
    return session


def fapi_key(h: Harness, alg: str) -> dict[str, Any]:
    return next(key for key in h.client_private_jwks(FAPI)["keys"] if key["alg"] == alg)


def fapi_client(h: Harness, alg: str = "ES256", **kwargs: Any) -> Fapi2Client:
    kwargs.setdefault("client_id", FAPI)
    kwargs.setdefault("private_key", fapi_key(h, alg))
    kwargs.setdefault("id_token_signed_response_alg", "ES256")  # the server's RSA key is RS256 only: no PS256
    client = Fapi2Client.from_discovery_endpoint(
        issuer=h.issuer, redirect_uri=h.redirect_uri, session=tls_session(h), **kwargs
    )
    assert isinstance(client, Fapi2Client)
    return client


def mtls_fapi_client(h: Harness, **kwargs: Any) -> Fapi2Client:
    assert h.tls is not None
    client = Fapi2Client.from_discovery_endpoint(
        issuer=h.issuer,
        auth=TlsClientAuth(FAPI_MTLS, cert=h.tls.client_tls.pair),
        tls_client_certificate_bound_access_tokens=True,
        redirect_uri=h.redirect_uri,
        id_token_signed_response_alg="ES256",
        session=tls_session(h),
        **kwargs,
    )
    assert isinstance(client, Fapi2Client)
    return client


@pytest.mark.parametrize("alg", ["ES256", "PS256"])
def test_fapi2_par_code_pkce_dpop(tls_server: Harness, alg: str) -> None:
    h = tls_server
    assert h.clients[FAPI]["fapi_profile"] == "2.0"
    client = fapi_client(h, alg)
    assert client.dpop_bound_access_tokens
    assert client.authorization_response_iss_parameter_supported
    azr = client.authorization_request(scope="openid")
    assert azr.code_challenge_method == "S256"
    assert azr.dpop_key is not None
    pushed = client.pushed_authorization_request(azr)
    assert set(parse_qs(urlsplit(pushed.uri).query)) == {"client_id", "request_uri"}  # §5.3.3.2-6
    response = azr.validate_callback(h.authorize(pushed.uri, h.redirect_uri))
    assert response.issuer == h.issuer
    token = client.authorization_code(response)
    assert isinstance(token, DPoPToken)
    assert token.dpop_key is azr.dpop_key
    assert token.id_token is not None
    assert token.id_token.alg == "ES256"
    answer = ApiClient(h.resource_url, auth=token, session=tls_session(h)).get().json()
    assert answer["client_id"] == FAPI
    assert answer["cnf"] == {"jkt": token.dpop_key.dpop_jkt}
    refreshed = client.refresh_token(token)
    assert isinstance(refreshed, DPoPToken)
    # the same client, with a setting that FAPI 2.0 forbids, is not built
    for forbidden, rule in (
        ({"code_challenge_method": None}, "pkce"),
        ({"dpop_bound_access_tokens": False}, "sender_constrained_tokens"),
        ({"authorization_response_iss_parameter_supported": False}, "iss_parameter"),
        ({"id_token_signed_response_alg": "RS256"}, "algorithm"),
    ):
        with pytest.raises(Fapi2Violation) as exc_info:
            fapi_client(h, alg, **forbidden)
        assert exc_info.value.rule == rule
        assert "FAPI 2.0 Security Profile §5." in str(exc_info.value)


def test_fapi2_refuses_other_client_authentication(tls_server: Harness) -> None:
    h = tls_server
    secret = h.client_secret("client-basic")
    with pytest.raises(Fapi2Violation) as exc_info:
        fapi_client(h, client_id=None, private_key=None, auth=ClientSecretBasic("client-basic", secret))
    assert exc_info.value.rule == "client_authentication"
    assert exc_info.value.clause == "FAPI 2.0 Security Profile §5.3.3.1-2"
    assert secret not in str(exc_info.value)
    # positive control: with private_key_jwt, the AS accepts the client (its assertion's `aud` is the issuer)
    client = fapi_client(h)
    assert client.pushed_authorization_request(client.authorization_request()).request_uri


def test_fapi2_mtls_variant(tls_server: Harness) -> None:
    """FAPI 2.0 with tls_client_auth and certificate-bound tokens: PAR, code and token on the mTLS aliases."""
    h = tls_server
    assert h.tls is not None
    client = mtls_fapi_client(h)
    assert client.pushed_authorization_request_endpoint == h.mtls_endpoint("pushed_authorization_request_endpoint")
    assert client.token_endpoint == h.mtls_endpoint("token_endpoint")
    assert not client.dpop_bound_access_tokens  # the tokens are bound to the certificate instead
    azr = client.authorization_request(scope="openid")
    assert azr.dpop_key is None
    pushed = client.pushed_authorization_request(azr)
    token = client.authorization_code(azr.validate_callback(h.authorize(pushed.uri, h.redirect_uri)))
    assert type(token) is BearerToken
    assert token.id_token is not None
    bound = token.with_cnf(client.introspect_token(token)["cnf"])
    assert bound.x5t_s256 == certificate_thumbprint(h.tls.client_tls.pair)
    api = ApiClient(h.mtls_resource_url, auth=OAuth2AccessTokenAuth(client, bound), session=tls_session(h))
    assert api.get().json()["client_id"] == FAPI_MTLS
    refused = requests.get(h.mtls_resource_url, auth=bound, verify=h.verify, timeout=TIMEOUT)
    assert refused.status_code == 401
    # the mTLS aliases cannot be turned off for a client that uses mutual TLS (§5.3.3.1-7)
    with pytest.raises(Fapi2Violation) as exc_info:
        mtls_fapi_client(h, mtls=False)
    assert exc_info.value.rule == "mtls_endpoint_aliases"
