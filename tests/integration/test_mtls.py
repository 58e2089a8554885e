"""Mutual TLS (RFC 8705) with the library, against the TLS instance of the real authorization server.

`tls_server` has an https issuer (trusted through the throw-away CA of `test_pki`) and an mTLS listener named by its
`mtls_endpoint_aliases`. Every refusal has its positive control in the same test. `REQUESTS_CA_BUNDLE` and
`CURL_CA_BUNDLE` name a bundle without the test CA in every test here: `requests` lets them override the `verify` of a
session, so these tests pass only when the library applies the CA of the session itself.
"""

from __future__ import annotations

import hashlib

import certifi
import pytest
import requests

from requests_oauth2client import (
    ApiClient,
    BearerToken,
    ClientSecretBasic,
    DPoPToken,
    InvalidClient,
    MismatchingCertificateBinding,
    MissingClientCertificate,
    OAuth2AccessTokenAuth,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    PublicApp,
    SelfSignedTlsClientAuth,
    TlsClientAuth,
    certificate_thumbprint,
)
from tests.integration.harness import Harness
from tests.integration.raw import TIMEOUT, b64u


@pytest.fixture(autouse=True)
def ca_bundle_without_the_test_ca(monkeypatch: pytest.MonkeyPatch) -> None:
    """Point the environment's CA bundle at one that does not hold the test CA."""
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", certifi.where())
    monkeypatch.setenv("CURL_CA_BUNDLE", certifi.where())


def tls_session(h: Harness, cert: tuple[str, str] | None = None) -> requests.Session:
    """A session that trusts the test CA (and presents `cert`)."""
    assert h.tls is not None
    session = requests.Session()
    session.verify = str(h.tls.ca_file)
    session.cert = cert
    return session


def tls_client(h: Harness, auth: requests.auth.AuthBase | None = None, **kwargs: object) -> OAuth2Client:
    kwargs.setdefault("session", tls_session(h))
    return OAuth2Client.from_discovery_endpoint(issuer=h.issuer, auth=auth, redirect_uri=h.redirect_uri, **kwargs)


def test_tls_client_auth_obtains_tokens(tls_server: Harness) -> None:
    h = tls_server
    assert h.tls is not None
    client = tls_client(h, TlsClientAuth("client-tls", cert=h.tls.client_tls.pair))
    aliases = h.discovery()["mtls_endpoint_aliases"]
    assert aliases  # every endpoint that has an alias is used through it
    for name, alias in aliases.items():
        assert getattr(client, name) == alias, name
    token = client.client_credentials()
    assert isinstance(token, BearerToken)
    assert client.introspect_token(token)["active"] is True

    # the certificate of the session, and the method given by name, do the same
    by_name = tls_client(
        h,
        client_id="client-tls",
        token_endpoint_auth_method="tls_client_auth",
        session=tls_session(h, h.tls.client_tls.pair),
    )
    assert isinstance(by_name.auth, TlsClientAuth)
    assert by_name.token_endpoint == aliases["token_endpoint"]
    assert by_name.client_credentials().access_token

    # a CA-issued certificate of another subject, or one with the right subject but not issued by the CA: refused
    for cert in (h.tls.client_other.pair, h.tls.rogue.pair):
        with pytest.raises(InvalidClient):
            tls_client(h, TlsClientAuth("client-tls", cert=cert)).client_credentials()
    # no certificate: the library refuses to build the client (nothing is sent)...
    with pytest.raises(MissingClientCertificate):
        tls_client(h, TlsClientAuth("client-tls"))
    # ...and the server refuses the client_id alone, sent to the same alias
    bare = tls_client(h, PublicApp("client-tls"), mtls=True)
    assert bare.token_endpoint == aliases["token_endpoint"]
    with pytest.raises(InvalidClient):
        bare.client_credentials()


def test_self_signed_tls_client_auth_obtains_tokens(tls_server: Harness) -> None:
    h = tls_server
    assert h.tls is not None
    client = tls_client(h, SelfSignedTlsClientAuth("client-self-signed-tls", cert=h.tls.client_self_signed.pair))
    assert client.token_endpoint == h.mtls_endpoint("token_endpoint")
    token = client.client_credentials()
    assert client.introspect_token(token)["cnf"] == {"x5t#S256": certificate_thumbprint(h.tls.client_self_signed.pair)}
    for cert in (h.tls.client_tls.pair, h.tls.client_other.pair, h.tls.rogue.pair):
        with pytest.raises(InvalidClient):
            tls_client(h, SelfSignedTlsClientAuth("client-self-signed-tls", cert=cert)).client_credentials()


def test_certificate_bound_token_at_the_resource(tls_server: Harness) -> None:
    h = tls_server
    assert h.tls is not None
    right = h.tls.client_tls
    client = tls_client(h, TlsClientAuth("client-tls", cert=right.pair))
    handler = OAuth2ClientCredentialsAuth(client)
    api = ApiClient(h.mtls_resource_url, auth=handler, session=tls_session(h))  # no certificate on this session
    answer = api.get().json()  # the handler's client certificate goes with the request
    thumbprint = b64u(hashlib.sha256(right.der()).digest())
    assert certificate_thumbprint(right.pair) == thumbprint
    assert answer["client_id"] == "client-tls"
    assert answer["cnf"] == {"x5t#S256": thumbprint}

    token = handler.token
    assert token is not None
    assert token.x5t_s256 is None  # an opaque token: its binding is known from introspection
    bound = token.with_cnf(client.introspect_token(token)["cnf"])
    assert bound.x5t_s256 == thumbprint

    # without the certificate, the resource refuses the token
    refused = requests.get(h.mtls_resource_url, auth=token, verify=h.verify, timeout=TIMEOUT)
    assert refused.status_code == 401
    assert 'error="invalid_token"' in refused.headers["WWW-Authenticate"]
    # with another certificate, the library refuses to send the token it knows to be bound...
    other_api = ApiClient(h.mtls_resource_url, auth=bound, session=tls_session(h, h.tls.client_other.pair))
    with pytest.raises(MismatchingCertificateBinding) as exc_info:
        other_api.get()
    assert exc_info.value.expected == thumbprint
    assert exc_info.value.received == certificate_thumbprint(h.tls.client_other.pair)
    assert bound.access_token not in str(exc_info.value)
    with pytest.raises(MissingClientCertificate):
        ApiClient(h.mtls_resource_url, auth=bound, session=tls_session(h)).get()
    other_client = tls_client(h, TlsClientAuth("client-tls", cert=h.tls.client_other.pair))
    with pytest.raises(MismatchingCertificateBinding):
        ApiClient(h.mtls_resource_url, auth=OAuth2AccessTokenAuth(other_client, bound), session=tls_session(h)).get()
    # ...and the resource would refuse it
    refused = requests.get(
        h.mtls_resource_url, auth=token, cert=h.tls.client_other.pair, verify=h.verify, timeout=TIMEOUT
    )
    assert refused.status_code == 401
    # positive control: the bound token itself, with its certificate
    assert ApiClient(h.mtls_resource_url, auth=bound, session=tls_session(h, right.pair)).get().status_code == 200


def test_jwt_access_token_records_its_binding(tls_server: Harness) -> None:
    h = tls_server
    assert h.tls is not None
    client = tls_client(h, TlsClientAuth("client-tls", cert=h.tls.client_tls.pair))
    token = client.client_credentials(resource="urn:harness:jwt-api")
    assert token.x5t_s256 == certificate_thumbprint(h.tls.client_tls.pair)  # from the `cnf` claim of the JWT
    ok = ApiClient(h.mtls_resource_url, auth=OAuth2AccessTokenAuth(client, token), session=tls_session(h)).get()
    assert ok.json()["cnf"] == {"x5t#S256": token.x5t_s256}
    other_client = tls_client(h, TlsClientAuth("client-tls", cert=h.tls.client_other.pair))
    with pytest.raises(MismatchingCertificateBinding):
        ApiClient(h.mtls_resource_url, auth=OAuth2AccessTokenAuth(other_client, token), session=tls_session(h)).get()


def test_authorization_code_and_userinfo_with_tls_client_auth(tls_server: Harness) -> None:
    h = tls_server
    assert h.tls is not None
    client = tls_client(h, TlsClientAuth("client-tls", cert=h.tls.client_tls.pair))
    assert client.authorization_endpoint == h.endpoint("authorization_endpoint")  # no alias: the browser goes there
    azr = client.authorization_request(scope="openid")
    response = azr.validate_callback(h.authorize(azr.uri, h.redirect_uri))
    token = client.authorization_code(response)
    assert token.id_token is not None
    assert client.userinfo(token)["sub"] == h.demo_user["username"]  # the certificate goes to UserInfo as well
    refused = requests.get(
        h.mtls_endpoint("userinfo_endpoint"),
        headers={"Authorization": f"Bearer {token.access_token}"},
        verify=h.verify,
        timeout=TIMEOUT,
    )
    assert refused.status_code == 401


def test_dpop_bound_token_at_the_resource(tls_server: Harness) -> None:
    """The DPoP variant: a DPoP-bound token works with its proofs, and is refused as a Bearer token."""
    h = tls_server
    client = tls_client(
        h, ClientSecretBasic("client-dpop", h.client_secret("client-dpop")), dpop_bound_access_tokens=True
    )
    assert client.token_endpoint == h.endpoint("token_endpoint")  # no certificate: the plain endpoints
    token = client.client_credentials(scope="api:read")
    assert isinstance(token, DPoPToken)
    ok = ApiClient(h.resource_url, auth=token, session=tls_session(h)).get()
    assert ok.json()["cnf"] == {"jkt": token.dpop_key.dpop_jkt}
    refused = requests.get(
        h.resource_url, headers={"Authorization": f"Bearer {token.access_token}"}, verify=h.verify, timeout=TIMEOUT
    )
    assert refused.status_code == 401


@pytest.mark.parametrize("environment", ["a bundle without the test CA", "no bundle"])
def test_the_ca_of_the_session_applies(tls_server: Harness, monkeypatch: pytest.MonkeyPatch, environment: str) -> None:
    h = tls_server
    if environment == "no bundle":
        monkeypatch.delenv("REQUESTS_CA_BUNDLE")
        monkeypatch.delenv("CURL_CA_BUNDLE")
    client = tls_client(h, ClientSecretBasic("client-basic", h.client_secret("client-basic")))
    assert client.client_credentials(scope="api:read").access_token
    api = ApiClient(h.resource_url, session=tls_session(h), raise_for_status=False)
    assert api.get().status_code == 401  # reached over TLS; no token
    # control: without the CA of the session, the server certificate is not trusted
    with pytest.raises(requests.exceptions.SSLError):
        OAuth2Client.from_discovery_endpoint(issuer=h.issuer, client_id="client-basic")
