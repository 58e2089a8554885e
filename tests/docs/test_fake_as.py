"""The fake Authorization Server refuses what a real one refuses (so that documentation tests can fail).

These tests use `requests` and `jwskate` directly, never the library under test.
"""

from __future__ import annotations

import base64
import hashlib
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
import requests
from jwskate import Jwk, Jwt
from jwskate.jwa.base import MismatchingAuthTag

from tests.docs.fake_as import FakeAuthorizationServer

TOKEN = "https://as.example.com/token"
CREDS = {"client_id": "c", "client_secret": "s"}


def b64u_sha256(value: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(value.encode()).digest()).rstrip(b"=").decode()


def authorize(fake_as: FakeAuthorizationServer, **params: str) -> dict[str, str]:
    query = {"client_id": "c", "redirect_uri": "https://app/cb", "response_type": "code", "state": "st", **params}
    callback = fake_as.authorize("https://as.example.com/authorize?" + urlencode(query))
    return {name: values[0] for name, values in parse_qs(urlsplit(callback).query).items()}


def test_unknown_urls_are_refused(fake_as: FakeAuthorizationServer) -> None:
    with pytest.raises(Exception, match="No mock address"):
        requests.get("https://elsewhere.example.com/")


def test_client_authentication_is_required_and_secrets_checked(make_fake_as, sleeps) -> None:
    fake_as = make_fake_as(clients={"c": "s"})
    assert requests.post(TOKEN, data={"grant_type": "client_credentials"}).status_code == 401
    wrong = requests.post(TOKEN, data={"grant_type": "client_credentials", "client_id": "c", "client_secret": "x"})
    assert wrong.json()["error"] == "invalid_client"
    ok = requests.post(TOKEN, data={"grant_type": "client_credentials", **CREDS})
    assert ok.json()["access_token"] in fake_as.access_tokens


def test_basic_credentials_are_form_decoded(make_fake_as, sleeps) -> None:
    make_fake_as(clients={"c:1": "a+b wörd"})
    data = {"grant_type": "client_credentials"}
    encoded = base64.b64encode(b"c%3A1:a%2Bb+w%C3%B6rd").decode()
    assert requests.post(TOKEN, data=data, headers={"Authorization": f"Basic {encoded}"}).status_code == 200
    # without form-encoding, "+" would read as a space (and ":" in the client_id would split it)
    raw = base64.b64encode("c%3A1:a+b wörd".encode()).decode()
    assert requests.post(TOKEN, data=data, headers={"Authorization": f"Basic {raw}"}).status_code == 401


def test_client_assertion_claims_are_checked(fake_as: FakeAuthorizationServer) -> None:
    key = Jwk.generate(alg="ES256", kid="k")
    now = int(time.time())
    good = {"iss": "c", "sub": "c", "aud": TOKEN, "iat": now, "exp": now + 60, "jti": "j"}
    form = {
        "grant_type": "client_credentials",
        "client_assertion_type": "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
    }
    assert requests.post(TOKEN, data={**form, "client_assertion": str(Jwt.sign(good, key))}).ok
    for bad in ({"sub": "other"}, {"aud": "https://other"}, {"exp": now - 1}, {"jti": None}):
        claims = {name: value for name, value in {**good, **bad}.items() if value is not None}
        response = requests.post(TOKEN, data={**form, "client_assertion": str(Jwt.sign(claims, key))})
        assert response.status_code == 401, bad


def test_pkce_redirect_uri_and_single_use_code(fake_as: FakeAuthorizationServer) -> None:
    verifier = "v" * 43
    params = authorize(fake_as, code_challenge=b64u_sha256(verifier), code_challenge_method="S256", scope="openid")
    assert params["state"] == "st"
    assert params["iss"] == "https://as.example.com"
    base = {"grant_type": "authorization_code", "code": params["code"], **CREDS}
    assert (
        requests.post(TOKEN, data={**base, "redirect_uri": "https://app/cb", "code_verifier": "w" * 43}).status_code
        == 400
    )
    params = authorize(fake_as, code_challenge=b64u_sha256(verifier), code_challenge_method="S256", scope="openid")
    base["code"] = params["code"]
    assert (
        requests.post(TOKEN, data={**base, "redirect_uri": "https://other/cb", "code_verifier": verifier}).status_code
        == 400
    )
    params = authorize(fake_as, code_challenge=b64u_sha256(verifier), code_challenge_method="S256", scope="openid")
    base["code"] = params["code"]
    ok = requests.post(TOKEN, data={**base, "redirect_uri": "https://app/cb", "code_verifier": verifier})
    assert ok.ok
    id_token = Jwt(ok.json()["id_token"])
    assert id_token.verify_signature(fake_as.signing_key.public_jwk(), alg="RS256")  # type: ignore[union-attr]
    assert id_token.claims["aud"] == "c"  # type: ignore[union-attr]
    again = requests.post(TOKEN, data={**base, "redirect_uri": "https://app/cb", "code_verifier": verifier})
    assert again.json()["error"] == "invalid_grant"  # a code is used once, even by a lenient AS


def test_refresh_tokens_rotate_and_revocation_is_effective(make_fake_as, sleeps) -> None:
    fake_as = make_fake_as(lenient=False)
    params = authorize(fake_as, scope="email")
    first = requests.post(
        TOKEN,
        data={"grant_type": "authorization_code", "code": params["code"], "redirect_uri": "https://app/cb", **CREDS},
    ).json()
    second = requests.post(
        TOKEN, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"], **CREDS}
    )
    assert second.ok
    reused = requests.post(
        TOKEN, data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"], **CREDS}
    )
    assert reused.json()["error"] == "invalid_grant"
    requests.post("https://as.example.com/revoke", data={"token": second.json()["access_token"], **CREDS})
    info = requests.post("https://as.example.com/introspect", data={"token": second.json()["access_token"], **CREDS})
    assert info.json() == {"active": False}
    userinfo = requests.get(
        "https://as.example.com/userinfo", headers={"Authorization": f"Bearer {second.json()['access_token']}"}
    )
    assert userinfo.status_code == 401


def test_dpop_proofs_are_verified(fake_as: FakeAuthorizationServer) -> None:
    key = Jwk.generate(alg="ES256")

    def proof(htm: str = "POST", htu: str = TOKEN, signer: Jwk = key) -> str:
        claims = {"htm": htm, "htu": htu, "iat": int(time.time()), "jti": str(time.time_ns())}
        return str(Jwt.sign(claims, signer, typ="dpop+jwt", extra_headers={"jwk": key.public_jwk().to_dict()}))

    data = {"grant_type": "client_credentials", **CREDS}
    ok = requests.post(TOKEN, data=data, headers={"DPoP": proof()})
    assert ok.json()["token_type"] == "DPoP"
    for bad in (proof(htm="GET"), proof(htu="https://as.example.com/other"), proof(signer=Jwk.generate(alg="ES256"))):
        assert requests.post(TOKEN, data=data, headers={"DPoP": bad}).json()["error"] == "invalid_dpop_proof"
    # a DPoP token used as a Bearer token, or without proof, is refused by the API
    api = "https://api.example.com/orders"
    at = ok.json()["access_token"]
    assert requests.get(api, headers={"Authorization": f"DPoP {at}"}).status_code == 401


def test_jwt_userinfo_and_introspection_on_request(fake_as: FakeAuthorizationServer) -> None:
    at = requests.post(TOKEN, data={"grant_type": "client_credentials", **CREDS}).json()["access_token"]
    auth = {"Authorization": f"Bearer {at}"}
    assert requests.get("https://as.example.com/userinfo", headers=auth).json()["sub"]  # JSON by default
    answer = requests.get("https://as.example.com/userinfo", headers={**auth, "Accept": "application/jwt"})
    assert answer.headers["Content-Type"] == "application/jwt"
    jwt = Jwt(answer.text)
    assert jwt.verify_signature(fake_as.signing_key.public_jwk(), alg="RS256")  # type: ignore[union-attr]
    assert (jwt.claims["iss"], jwt.claims["aud"]) == ("https://as.example.com", "c")  # type: ignore[union-attr]
    media_type = "application/token-introspection+jwt"
    answer = requests.post(
        "https://as.example.com/introspect", data={"token": at, **CREDS}, headers={"Accept": media_type}
    )
    assert answer.headers["Content-Type"] == media_type
    jwt = Jwt(answer.text)
    assert jwt.typ == "token-introspection+jwt"  # type: ignore[union-attr]
    assert jwt.claims["aud"] == "c"  # type: ignore[union-attr]
    assert jwt.claims["token_introspection"]["active"] is True  # type: ignore[union-attr]


def test_encrypted_request_object(fake_as: FakeAuthorizationServer) -> None:
    claims = {"iss": "c", "client_id": "c", "redirect_uri": "https://app/cb", "response_type": "code", "state": "x"}
    signed = Jwt.sign(claims, Jwk.generate(alg="ES256"), typ="oauth-authz-req+jwt")
    enc_key = next(Jwk(k) for k in fake_as.public_jwks["keys"] if k.get("use") == "enc")
    request = str(signed.encrypt(enc_key, enc="A256GCM"))
    callback = fake_as.authorize(
        "https://as.example.com/authorize?" + urlencode({"client_id": "c", "request": request})
    )
    assert parse_qs(urlsplit(callback).query)["state"] == ["x"]
    other = str(signed.encrypt(Jwk.generate(alg="ECDH-ES", crv="P-256").public_jwk(), enc="A256GCM"))
    with pytest.raises(MismatchingAuthTag):  # encrypted to another key: the AS cannot decrypt it
        fake_as.authorize("https://as.example.com/authorize?" + urlencode({"client_id": "c", "request": other}))


def test_end_session(fake_as: FakeAuthorizationServer) -> None:
    back = fake_as.end_session(
        "https://as.example.com/logout?"
        + urlencode({"client_id": "c", "post_logout_redirect_uri": "https://app/out", "state": "s"})
    )
    assert back == "https://app/out?state=s"
    assert fake_as.logged_out == [{"client_id": "c", "post_logout_redirect_uri": "https://app/out", "state": "s"}]
    with pytest.raises(AssertionError, match="id_token_hint or a client_id"):
        fake_as.end_session("https://as.example.com/logout?post_logout_redirect_uri=https%3A%2F%2Fapp%2Fout")
    forged = Jwt.sign({"sub": "x"}, Jwk.generate(alg="RS256"))
    with pytest.raises(AssertionError, match="not issued by this AS"):
        fake_as.end_session("https://as.example.com/logout?" + urlencode({"id_token_hint": str(forged)}))


def test_registration_and_its_management(fake_as: FakeAuthorizationServer) -> None:
    register = "https://as.example.com/register"
    bad = requests.post(register, json={"redirect_uris": ["app:/cb"]})
    assert (bad.status_code, bad.json()["error"]) == (400, "invalid_redirect_uri")
    private = requests.post(register, json={"jwks": {"keys": [dict(Jwk.generate(alg="ES256"))]}})
    assert private.json()["error"] == "invalid_client_metadata"
    created = requests.post(register, json={"client_name": "x", "token_endpoint_auth_method": "client_secret_post"})
    assert created.status_code == 201
    info = created.json()
    uri, rat = info["registration_client_uri"], info["registration_access_token"]
    assert requests.get(uri).status_code == 401
    assert requests.get(uri, headers={"Authorization": f"Bearer {rat}"}).json() == info
    data = {"grant_type": "client_credentials", "client_id": info["client_id"], "client_secret": "wrong"}
    assert requests.post(TOKEN, data=data).status_code == 401  # the registered secret is checked
    assert requests.delete(uri, headers={"Authorization": f"Bearer {rat}"}).status_code == 204
    data["client_secret"] = info["client_secret"]
    assert requests.post(TOKEN, data=data).json()["error"] == "invalid_client"  # deleted


def test_the_api_is_a_protected_resource(fake_as: FakeAuthorizationServer) -> None:
    refused = requests.get("https://api.example.com/v1/orders")
    assert refused.status_code == 401
    metadata_url = "https://api.example.com/.well-known/oauth-protected-resource/v1/orders"
    assert refused.headers["WWW-Authenticate"] == f'Bearer resource_metadata="{metadata_url}"'
    metadata = requests.get(metadata_url).json()
    assert metadata["resource"] == "https://api.example.com/v1/orders"
    assert metadata["authorization_servers"] == ["https://as.example.com"]
    token = requests.post(TOKEN, data={"grant_type": "client_credentials", **CREDS}).json()["access_token"]
    refund = requests.post("https://api.example.com/v1/orders/12/refund", headers={"Authorization": f"Bearer {token}"})
    assert refund.status_code == 401
    assert 'error="insufficient_user_authentication"' in refund.headers["WWW-Authenticate"]
    assert "resource_metadata=" in refund.headers["WWW-Authenticate"]
