from __future__ import annotations

import base64
import warnings
from datetime import datetime, timezone
from typing import Any
from urllib.parse import parse_qs, parse_qsl, unquote_plus, urlencode

import attrs
import pytest
import requests
import requests_mock as rm
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st
from jwskate import ECJwk, InvalidJwk, Jwk, OKPJwk, SignedJwt, SymmetricJwk

from requests_oauth2client.client_authentication import (
    BaseClientAssertionAuthenticationMethod,
    BaseClientAuthenticationMethod,
    ClientSecretBasic,
    ClientSecretJwt,
    ClientSecretPost,
    InvalidClientAssertionJwk,
    InvalidClientAssertionSigningKeyOrAlg,
    InvalidRequestForClientAuthentication,
    PrivateKeyJwt,
    PublicApp,
    SelfSignedTlsClientAuth,
    TlsClientAuth,
    UnsupportedClientCredentials,
    client_auth_factory,
)
from requests_oauth2client.enums import JwtTypes

TOKEN_ENDPOINT = "https://as.example.com/oauth/token"
CLIENT_ID = "my_client"
SECRET = "my-very-secret-value"
FROZEN_NOW = datetime(2024, 5, 17, 12, 0, 0, tzinfo=timezone.utc)
FROZEN_TS = int(FROZEN_NOW.timestamp())
ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"


@pytest.fixture(scope="module")
def es256_jwk() -> Jwk:
    return Jwk.generate(alg="ES256", kid="es-kid")


@pytest.fixture(scope="module")
def rs256_jwk() -> Jwk:
    return Jwk.generate(alg="RS256", kid="rs-kid")


def send(auth: requests.auth.AuthBase, url: str = TOKEN_ENDPOINT, **kwargs: object) -> requests.PreparedRequest:
    """Send a POST through requests_mock with `auth` and return the request as it went on the wire."""
    with rm.Mocker() as mocker:
        mocker.post(rm.ANY, json={"access_token": "at"})
        requests.post(url, auth=auth, **kwargs)  # type: ignore[arg-type]
        return mocker.last_request  # type: ignore[return-value]


def form(request: requests.PreparedRequest) -> dict[str, list[str]]:
    body = request.body
    if isinstance(body, bytes):
        body = body.decode()
    return parse_qs(body or "", keep_blank_values=True)


def decode_basic(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    assert scheme == "Basic"
    user, sep, password = base64.b64decode(encoded).decode("ascii").partition(":")
    assert sep == ":"
    return unquote_plus(user), unquote_plus(password)


def without_alg(jwk: Jwk) -> Jwk:
    return Jwk({k: v for k, v in jwk.items() if k != "alg"})


def assertion_of(request: requests.PreparedRequest) -> SignedJwt:
    fields = form(request)
    assert fields["client_assertion_type"] == [ASSERTION_TYPE]
    assert len(fields["client_assertion"]) == 1
    return SignedJwt(fields["client_assertion"][0])


# --- client_secret_post / client_secret_basic / none: wire format ---


def test_client_secret_post_sends_credentials_in_form() -> None:
    request = send(ClientSecretPost(CLIENT_ID, SECRET), data={"grant_type": "client_credentials"})
    assert form(request) == {
        "grant_type": ["client_credentials"],
        "client_id": [CLIENT_ID],
        "client_secret": [SECRET],
    }
    assert "Authorization" not in request.headers
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Content-Length"] == str(len(request.body))


def test_client_secret_basic_sends_header_and_no_body_credentials() -> None:
    request = send(ClientSecretBasic("id", "secret"), data={"grant_type": "client_credentials"})
    assert request.headers["Authorization"] == "Basic " + base64.b64encode(b"id:secret").decode()
    assert form(request) == {"grant_type": ["client_credentials"]}


def test_client_secret_basic_form_urlencodes_both_parts_before_base64() -> None:
    request = send(ClientSecretBasic("c:lient id", "p%ss+w:rd é"), data={"grant_type": "client_credentials"})
    expected = base64.b64encode(b"c%3Alient+id:p%25ss%2Bw%3Ard+%C3%A9").decode()
    assert request.headers["Authorization"] == f"Basic {expected}"


# the characters that broke the published library are drawn often, among any other non-surrogate character
credential_text = st.text(alphabet=st.one_of(st.sampled_from(":%+ &=é€😀"), st.characters(codec="utf-8")))


@given(client_id=credential_text.filter(bool), secret=credential_text)
def test_client_secret_basic_round_trips_any_credentials(client_id: str, secret: str) -> None:
    request = requests.Request("POST", TOKEN_ENDPOINT, data={"a": "b"}).prepare()
    request = ClientSecretBasic(client_id, secret)(request)
    assert decode_basic(request.headers["Authorization"]) == (client_id, secret)


def test_public_app_sends_only_client_id() -> None:
    request = send(PublicApp(CLIENT_ID), data={"grant_type": "authorization_code", "code": "c"})
    assert form(request) == {"grant_type": ["authorization_code"], "code": ["c"], "client_id": [CLIENT_ID]}
    assert "Authorization" not in request.headers


def test_public_app_on_request_without_body_sets_form_content_type() -> None:
    request = send(PublicApp(CLIENT_ID))
    assert request.body == f"client_id={CLIENT_ID}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert request.headers["Content-Length"] == str(len(request.body))


# --- form-field merge ---


def test_existing_client_id_is_replaced_not_duplicated() -> None:
    request = send(ClientSecretPost(CLIENT_ID, SECRET), data=[("client_id", "other"), ("scope", "a b")])
    assert form(request) == {"scope": ["a b"], "client_id": [CLIENT_ID], "client_secret": [SECRET]}


def test_repeated_params_and_blank_values_are_kept() -> None:
    request = send(PublicApp(CLIENT_ID), data=[("resource", "r1"), ("resource", "r2"), ("empty", "")])
    assert parse_qsl(request.body, keep_blank_values=True) == [
        ("resource", "r1"),
        ("resource", "r2"),
        ("empty", ""),
        ("client_id", CLIENT_ID),
    ]


def test_bytes_body_with_non_utf8_escapes_is_kept_byte_for_byte() -> None:
    request = send(
        PublicApp(CLIENT_ID),
        data=b"a=%FF%00&b=caf%C3%A9+x",
        headers={"Content-Type": "application/x-www-form-urlencoded; charset=UTF-8"},
    )
    assert request.body == f"a=%FF%00&b=caf%C3%A9+x&client_id={CLIENT_ID}"
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded; charset=UTF-8"
    assert request.headers["Content-Length"] == str(len(request.body))


def test_non_ascii_credentials_are_utf8_form_encoded() -> None:
    request = send(ClientSecretPost("clïent", "sé crèt&="), data={"x": "1"})
    assert request.body == "x=1&client_id=cl%C3%AFent&client_secret=s%C3%A9+cr%C3%A8t%26%3D"
    assert form(request)["client_secret"] == ["sé crèt&="]


@given(
    params=st.lists(
        st.tuples(st.text(min_size=1).filter(lambda k: k not in {"client_id", "client_secret"}), st.text()),
        max_size=5,
    )
)
def test_form_merge_keeps_arbitrary_existing_params(params: list[tuple[str, str]]) -> None:
    request = requests.Request("POST", TOKEN_ENDPOINT, data=urlencode(params)).prepare()
    request = ClientSecretPost(CLIENT_ID, SECRET)(request)
    assert parse_qsl(request.body, keep_blank_values=True) == [
        *params,
        ("client_id", CLIENT_ID),
        ("client_secret", SECRET),
    ]
    assert request.headers["Content-Length"] == str(len(request.body.encode()))


# --- requests that cannot carry client authentication ---

ALL_METHODS = [
    pytest.param(lambda: PublicApp(CLIENT_ID), id="PublicApp"),
    pytest.param(lambda: ClientSecretPost(CLIENT_ID, SECRET), id="ClientSecretPost"),
    pytest.param(lambda: ClientSecretBasic(CLIENT_ID, SECRET), id="ClientSecretBasic"),
    pytest.param(lambda: ClientSecretJwt(CLIENT_ID, SECRET), id="ClientSecretJwt"),
    pytest.param(lambda: PrivateKeyJwt(CLIENT_ID, Jwk.generate(alg="ES256", kid="k")), id="PrivateKeyJwt"),
    pytest.param(lambda: BaseClientAuthenticationMethod(CLIENT_ID), id="Base"),
]


@pytest.mark.parametrize("make_auth", ALL_METHODS)
def test_get_request_is_refused(make_auth) -> None:
    request = requests.Request("GET", TOKEN_ENDPOINT).prepare()
    with pytest.raises(InvalidRequestForClientAuthentication) as exc_info:
        make_auth()(request)
    assert exc_info.value.request is request
    assert isinstance(exc_info.value, RuntimeError)
    assert "GET" in str(exc_info.value)


@pytest.mark.parametrize("make_auth", ALL_METHODS)
def test_json_request_is_refused(make_auth) -> None:
    with rm.Mocker() as mocker:
        mocker.post(TOKEN_ENDPOINT, json={})
        with pytest.raises(InvalidRequestForClientAuthentication) as exc_info:
            requests.post(TOKEN_ENDPOINT, json={"a": 1}, auth=make_auth())
        assert not mocker.called
    assert exc_info.value.request.headers["Content-Type"] == "application/json"


def test_streamed_body_is_refused() -> None:
    request = requests.Request("POST", TOKEN_ENDPOINT, data=iter([b"a=1"])).prepare()
    with pytest.raises(InvalidRequestForClientAuthentication):
        PublicApp(CLIENT_ID)(request)


def test_base_method_leaves_a_form_post_untouched() -> None:
    request = requests.Request("POST", TOKEN_ENDPOINT, data={"a": "1"}).prepare()
    assert BaseClientAuthenticationMethod(CLIENT_ID)(request).body == "a=1"
    assert "Authorization" not in request.headers


def test_base_assertion_method_is_abstract() -> None:
    auth = BaseClientAssertionAuthenticationMethod(CLIENT_ID, 60, lambda: "j", None, "HS256", "JWT")
    with pytest.raises(NotImplementedError):
        auth.client_assertion(TOKEN_ENDPOINT)


# --- client_secret_jwt ---


@freeze_time(FROZEN_NOW)
def test_client_secret_jwt_assertion() -> None:
    request = send(ClientSecretJwt(CLIENT_ID, SECRET), url=TOKEN_ENDPOINT + "?foo=bar#frag", data={"x": "1"})
    fields = form(request)
    assert fields["client_id"] == [CLIENT_ID]
    assert fields["x"] == ["1"]
    jwt = assertion_of(request)
    assert jwt.headers == {"alg": "HS256", "typ": "client-authentication+jwt"}
    claims = jwt.claims
    assert set(claims) == {"iss", "sub", "aud", "iat", "exp", "jti"}
    assert claims["iss"] == claims["sub"] == CLIENT_ID
    assert claims["aud"] == TOKEN_ENDPOINT
    assert claims["iat"] == FROZEN_TS
    assert claims["exp"] == FROZEN_TS + 60
    assert isinstance(claims["jti"], str)
    assert len(claims["jti"]) >= 16
    assert jwt.verify_signature(SymmetricJwk.from_bytes(SECRET.encode()), alg="HS256")
    assert not jwt.verify_signature(SymmetricJwk.from_bytes(b"another secret"), alg="HS256")


def test_client_secret_jwt_options() -> None:
    auth = ClientSecretJwt(
        CLIENT_ID,
        SECRET,
        lifetime=30,
        alg="HS512",
        jti_gen=lambda: "fixed-jti",
        aud="https://as.example.com",
        typ="JWT",
    )
    jwt = assertion_of(send(auth))
    assert jwt.headers == {"alg": "HS512", "typ": "JWT"}
    assert jwt.claims["aud"] == "https://as.example.com"
    assert jwt.claims["exp"] - jwt.claims["iat"] == 30
    assert jwt.claims["jti"] == "fixed-jti"
    assert jwt.verify_signature(SymmetricJwk.from_bytes(SECRET.encode()), alg="HS512")


def test_client_secret_jwt_without_typ() -> None:
    jwt = assertion_of(send(ClientSecretJwt(CLIENT_ID, SECRET, typ=None)))
    assert jwt.headers == {"alg": "HS256"}


def test_client_secret_jwt_rejects_non_hmac_alg() -> None:
    with pytest.raises(InvalidClientAssertionSigningKeyOrAlg) as exc_info:
        ClientSecretJwt(CLIENT_ID, SECRET, alg="RS256")
    assert exc_info.value.alg == "RS256"
    assert SECRET not in str(exc_info.value)


def test_assertion_jti_is_fresh_each_time() -> None:
    auth = ClientSecretJwt(CLIENT_ID, SECRET)
    jtis = {assertion_of(send(auth)).claims["jti"] for _ in range(3)}
    assert len(jtis) == 3


# --- private_key_jwt ---


@freeze_time(FROZEN_NOW)
@pytest.mark.parametrize("key_fixture", ["es256_jwk", "rs256_jwk"])
def test_private_key_jwt_assertion(request: pytest.FixtureRequest, key_fixture: str) -> None:
    jwk: Jwk = request.getfixturevalue(key_fixture)
    auth = PrivateKeyJwt(CLIENT_ID, jwk)
    sent = send(auth, data={"grant_type": "client_credentials", "client_id": "stale"})
    fields = form(sent)
    assert fields["client_id"] == [CLIENT_ID]
    assert fields["grant_type"] == ["client_credentials"]
    jwt = assertion_of(sent)
    assert jwt.headers == {"alg": jwk.alg, "typ": "client-authentication+jwt", "kid": jwk.kid}
    assert jwt.claims["iss"] == jwt.claims["sub"] == CLIENT_ID
    assert jwt.claims["aud"] == TOKEN_ENDPOINT
    assert jwt.claims["iat"] == FROZEN_TS
    assert jwt.claims["exp"] == FROZEN_TS + 60
    assert jwt.verify_signature(jwk.public_jwk(), alg=jwk.alg)
    other_key = Jwk.generate(alg=jwk.alg)
    assert not jwt.verify_signature(other_key.public_jwk(), alg=jwk.alg)


def test_private_key_jwt_jti_differs_between_calls(es256_jwk: Jwk) -> None:
    auth = PrivateKeyJwt(CLIENT_ID, es256_jwk)
    first = SignedJwt(auth.client_assertion(TOKEN_ENDPOINT))
    second = SignedJwt(auth.client_assertion(TOKEN_ENDPOINT))
    assert first.claims["jti"] != second.claims["jti"]
    assert first.verify_signature(es256_jwk.public_jwk(), alg="ES256")
    assert second.verify_signature(es256_jwk.public_jwk(), alg="ES256")


def test_private_key_jwt_accepts_a_dict_and_options(es256_jwk: Jwk) -> None:
    key_dict = dict(es256_jwk)
    del key_dict["alg"]
    auth = PrivateKeyJwt(CLIENT_ID, key_dict, alg="ES256", aud="https://as.example.com", lifetime=10, typ="JWT")
    assert isinstance(auth.private_jwk, Jwk)
    assert auth.alg == "ES256"
    jwt = assertion_of(send(auth))
    assert jwt.headers == {"alg": "ES256", "typ": "JWT", "kid": "es-kid"}
    assert jwt.claims["aud"] == "https://as.example.com"
    assert jwt.claims["exp"] - jwt.claims["iat"] == 10


def test_private_key_jwt_key_alg_wins_over_parameter(rs256_jwk: Jwk) -> None:
    auth = PrivateKeyJwt(CLIENT_ID, rs256_jwk, alg="PS256")
    assert auth.alg == "RS256"
    assert SignedJwt(auth.client_assertion(TOKEN_ENDPOINT)).alg == "RS256"


def test_private_key_jwt_alg_param_used_for_key_without_alg(rs256_jwk: Jwk) -> None:
    key = without_alg(rs256_jwk)
    auth = PrivateKeyJwt(CLIENT_ID, key, alg="PS256")
    jwt = SignedJwt(auth.client_assertion(TOKEN_ENDPOINT))
    assert jwt.alg == "PS256"
    assert jwt.verify_signature(key.public_jwk(), alg="PS256")


def test_private_key_jwt_emits_no_warning_without_aud(es256_jwk: Jwk) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PrivateKeyJwt(CLIENT_ID, es256_jwk)


@pytest.mark.parametrize(
    ("make_key", "alg"),
    [
        pytest.param(lambda: Jwk.generate(alg="ES256"), None, id="no-kid"),
        pytest.param(lambda: Jwk.generate(alg="HS256", kid="k"), None, id="symmetric"),
        pytest.param(lambda: Jwk.generate(alg="ES256", kid="k").public_jwk(), None, id="public"),
        pytest.param(lambda: without_alg(Jwk.generate(alg="ES256", kid="k")), "ES384", id="alg-unsupported-by-key"),
        pytest.param(lambda: without_alg(Jwk.generate(alg="ES256", kid="k")), "HS256", id="hmac-alg-on-ec-key"),
    ],
)
def test_private_key_jwt_rejects_unusable_keys(make_key, alg: str | None) -> None:
    key = make_key()
    with pytest.raises(InvalidClientAssertionSigningKeyOrAlg) as exc_info:
        PrivateKeyJwt(CLIENT_ID, key, alg=alg)
    assert isinstance(exc_info.value, ValueError)
    assert exc_info.value.alg == (key.alg or alg)
    if "d" in key:
        assert key["d"] not in str(exc_info.value)


@pytest.mark.parametrize(
    ("generate", "implied"),
    [
        (lambda: Jwk.generate(alg="RS256"), "RS256"),
        (lambda: Jwk.generate(alg="PS512"), "RS256"),
        (lambda: ECJwk.generate(crv="P-256"), "ES256"),
        (lambda: ECJwk.generate(crv="P-384"), "ES384"),
        (lambda: ECJwk.generate(crv="P-521"), "ES512"),
        (lambda: ECJwk.generate(crv="secp256k1"), "ES256k"),  # jwskate's spelling of ES256K
        (lambda: OKPJwk.generate(crv="Ed25519"), "EdDSA"),
        (lambda: OKPJwk.generate(crv="Ed448"), "EdDSA"),
    ],
    ids=["RSA", "RSA-PS512", "P-256", "P-384", "P-521", "secp256k1", "Ed25519", "Ed448"],
)
def test_private_key_jwt_uses_the_alg_a_key_without_alg_implies(generate: Any, implied: str) -> None:
    key = without_alg(Jwk({**generate(), "kid": "k"}))
    auth = PrivateKeyJwt(CLIENT_ID, key)
    assert auth.alg == implied
    assertion = SignedJwt(auth.client_assertion(TOKEN_ENDPOINT))
    assert assertion.alg == implied
    assert assertion.verify_signature(key.public_jwk(), alg=implied)
    assert PrivateKeyJwt(CLIENT_ID, key, alg=implied).alg == implied  # an explicit alg still works


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(without_alg(Jwk.generate(alg="HS256", kid="k")), id="symmetric"),
        pytest.param(without_alg(Jwk({**OKPJwk.generate(crv="X25519"), "kid": "k"})), id="X25519"),
    ],
)
def test_private_key_jwt_refuses_a_key_that_implies_no_alg_and_says_to_pass_one(key: Jwk) -> None:
    with pytest.raises(InvalidClientAssertionSigningKeyOrAlg, match="alg=") as exc_info:
        PrivateKeyJwt(CLIENT_ID, key)
    assert exc_info.value.alg is None
    assert key["d" if "d" in key else "k"] not in str(exc_info.value)


@pytest.mark.parametrize("bad", [{"foo": "bar"}, {"kty": "RSA"}, {"kty": "EC", "crv": "P-256", "kid": "k"}, "xx", 42])
def test_private_key_jwt_an_invalid_jwk_is_also_a_jwskate_invalid_jwk(bad: object) -> None:
    with pytest.raises(InvalidClientAssertionJwk) as exc_info:
        PrivateKeyJwt(CLIENT_ID, bad)  # type: ignore[arg-type]
    assert isinstance(exc_info.value, InvalidClientAssertionSigningKeyOrAlg)
    assert isinstance(exc_info.value, InvalidJwk)
    assert isinstance(exc_info.value, ValueError)


def test_private_key_jwt_invalid_jwk_error_does_not_leak_key(es256_jwk: Jwk) -> None:
    broken = {**es256_jwk, "d": "not-a-valid-d-value"}
    with pytest.raises(InvalidClientAssertionSigningKeyOrAlg) as exc_info:
        PrivateKeyJwt(CLIENT_ID, broken)
    assert "not-a-valid-d-value" not in str(exc_info.value)
    assert exc_info.value.__cause__ is None
    assert exc_info.value.__context__ is None


# --- attrs: fields, equality, immutability, repr ---


def test_field_order_matches_published_api() -> None:
    def names(cls: type) -> list[str]:
        return [f.name for f in attrs.fields(cls)]

    assert names(ClientSecretBasic) == ["client_id", "client_secret"]
    assert names(ClientSecretPost) == ["client_id", "client_secret"]
    assert names(PublicApp) == ["client_id"]
    assert names(BaseClientAssertionAuthenticationMethod) == ["client_id", "lifetime", "jti_gen", "aud", "alg", "typ"]
    assert names(ClientSecretJwt) == ["client_id", "lifetime", "jti_gen", "aud", "alg", "typ", "client_secret"]
    assert names(PrivateKeyJwt) == ["client_id", "lifetime", "jti_gen", "aud", "alg", "typ", "private_jwk"]


def test_defaults(es256_jwk: Jwk) -> None:
    for auth in (ClientSecretJwt(CLIENT_ID, SECRET), PrivateKeyJwt(CLIENT_ID, es256_jwk)):
        assert auth.lifetime == 60
        assert auth.aud is None
        assert auth.typ == JwtTypes.CLIENT_AUTHENTICATION_JWT == "client-authentication+jwt"
        assert isinstance(auth.jti_gen(), str)
        assert auth.jti_gen() != auth.jti_gen()
    assert ClientSecretJwt(CLIENT_ID, SECRET).alg == "HS256"


def test_equality_and_immutability(es256_jwk: Jwk) -> None:
    assert ClientSecretPost("a", "b") == ClientSecretPost("a", "b")
    assert ClientSecretPost("a", "b") != ClientSecretPost("a", "c")
    assert ClientSecretPost("a", "b") != ClientSecretBasic("a", "b")
    assert PrivateKeyJwt(CLIENT_ID, es256_jwk) == PrivateKeyJwt(CLIENT_ID, dict(es256_jwk))
    assert PrivateKeyJwt(CLIENT_ID, es256_jwk) != PrivateKeyJwt(CLIENT_ID, Jwk.generate(alg="ES256", kid="es-kid"))
    auth = ClientSecretJwt(CLIENT_ID, SECRET)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        auth.client_secret = "x"  # type: ignore[misc]
    assert isinstance(auth, requests.auth.AuthBase)


def test_evolve_keeps_working(es256_jwk: Jwk) -> None:
    auth = attrs.evolve(PrivateKeyJwt(CLIENT_ID, es256_jwk), aud="https://as.example.com")
    assert SignedJwt(auth.client_assertion("ignored")).claims["aud"] == "ignored"
    assert auth.aud == "https://as.example.com"
    assert SignedJwt(auth.client_assertion(auth.aud)).verify_signature(es256_jwk.public_jwk(), alg="ES256")


@pytest.mark.parametrize(
    "auth",
    [
        ClientSecretPost(CLIENT_ID, SECRET),
        ClientSecretBasic(CLIENT_ID, SECRET),
        ClientSecretJwt(CLIENT_ID, SECRET),
    ],
    ids=lambda a: type(a).__name__,
)
def test_secrets_are_not_in_repr_or_str(auth: requests.auth.AuthBase) -> None:
    for text in (repr(auth), str(auth)):
        assert SECRET not in text
        assert CLIENT_ID in text
        assert "client_secret='***'" in text


@pytest.mark.parametrize("key_fixture", ["es256_jwk", "rs256_jwk"])
def test_private_key_is_not_in_repr_or_str(request: pytest.FixtureRequest, key_fixture: str) -> None:
    jwk: Jwk = request.getfixturevalue(key_fixture)
    auth = PrivateKeyJwt(CLIENT_ID, jwk)
    private_params = [jwk[p] for p in ("d", "p", "q", "dp", "dq", "qi") if p in jwk]
    assert private_params
    for text in (repr(auth), str(auth)):
        assert jwk.kid in text
        for value in private_params:
            assert value not in text


# --- client_auth_factory ---


def test_factory_returns_auth_base_instance_as_is() -> None:
    auth = ClientSecretBasic(CLIENT_ID, SECRET)
    assert client_auth_factory(auth) is auth


def test_factory_str_is_public_app() -> None:
    assert client_auth_factory(CLIENT_ID) == PublicApp(CLIENT_ID)


def test_factory_tuple_with_secret_uses_default_handler() -> None:
    assert client_auth_factory((CLIENT_ID, SECRET)) == ClientSecretPost(CLIENT_ID, SECRET)
    assert client_auth_factory((CLIENT_ID, SECRET), default_auth_handler=ClientSecretBasic) == ClientSecretBasic(
        CLIENT_ID, SECRET
    )


def test_factory_tuple_with_key(es256_jwk: Jwk) -> None:
    for key in (es256_jwk, dict(es256_jwk)):
        auth = client_auth_factory((CLIENT_ID, key), audience="https://as.example.com")
        assert isinstance(auth, PrivateKeyJwt)
        assert auth.client_id == CLIENT_ID
        assert auth.private_jwk == es256_jwk
        assert auth.aud == "https://as.example.com"


def test_factory_keywords(es256_jwk: Jwk) -> None:
    by_key = client_auth_factory(
        None, client_id=CLIENT_ID, client_secret=SECRET, private_key=es256_jwk, audience="https://as"
    )
    assert isinstance(by_key, PrivateKeyJwt)
    assert by_key.aud == "https://as"
    assert SignedJwt(by_key.client_assertion(by_key.aud)).claims["aud"] == "https://as"
    assert client_auth_factory(None, client_id=CLIENT_ID, client_secret=SECRET) == ClientSecretPost(CLIENT_ID, SECRET)
    assert client_auth_factory(
        None, client_id=CLIENT_ID, client_secret=SECRET, default_auth_handler=ClientSecretJwt
    ) == ClientSecretJwt(CLIENT_ID, SECRET)
    assert client_auth_factory(None, client_id=CLIENT_ID) == PublicApp(CLIENT_ID)


def test_factory_private_key_without_audience_has_no_aud(es256_jwk: Jwk) -> None:
    auth = client_auth_factory(None, client_id=CLIENT_ID, private_key=es256_jwk)
    assert isinstance(auth, PrivateKeyJwt)
    assert auth.aud is None


@pytest.mark.parametrize(
    ("auth", "kwargs"),
    [
        pytest.param(None, {}, id="nothing"),
        pytest.param(None, {"client_secret": SECRET}, id="secret-without-client-id"),
        pytest.param(PublicApp("a"), {"client_id": "a"}, id="auth-and-client-id"),
        pytest.param((CLIENT_ID, SECRET), {"client_secret": SECRET}, id="auth-and-client-secret"),
        pytest.param(CLIENT_ID, {"private_key": {"kty": "oct", "k": "AA"}}, id="auth-and-private-key"),
        pytest.param((CLIENT_ID, 1234), {}, id="tuple-with-int"),
        pytest.param((CLIENT_ID, None), {}, id="tuple-with-none"),
        pytest.param((CLIENT_ID, SECRET, "extra"), {}, id="three-tuple"),
        pytest.param((1234, SECRET), {}, id="non-str-client-id"),
        pytest.param(1234, {}, id="int"),
    ],
)
def test_factory_refuses_unsupported_credentials(auth: object, kwargs: dict[str, object]) -> None:
    with pytest.raises(UnsupportedClientCredentials) as exc_info:
        client_auth_factory(auth, **kwargs)  # type: ignore[arg-type]
    assert isinstance(exc_info.value, TypeError)
    assert isinstance(exc_info.value, ValueError)
    assert SECRET not in str(exc_info.value)


@given(
    form=st.dictionaries(st.text(min_size=1, max_size=8), st.text(max_size=12), max_size=4),
    secret=st.text(min_size=1, max_size=20),
)
def test_appended_credentials_equal_a_full_re_encoding(form: dict[str, str], secret: str) -> None:
    from urllib.parse import parse_qsl as parse

    form = {k: v for k, v in form.items() if k not in ("client_id", "client_secret")}
    request = requests.Request("POST", "https://as.example.com/token", data=form).prepare()
    ClientSecretPost("my id", secret)(request)
    assert isinstance(request.body, str)
    assert parse(request.body, keep_blank_values=True) == [
        *form.items(),
        ("client_id", "my id"),
        ("client_secret", secret),
    ]
    assert request.headers["Content-Length"] == str(len(request.body.encode()))


# ---------------------------------------------------------------------------------------------- mutual TLS


@pytest.mark.parametrize("cls", [TlsClientAuth, SelfSignedTlsClientAuth])
def test_tls_client_auth_sends_the_client_id_only(cls: type[TlsClientAuth]) -> None:
    auth = cls(CLIENT_ID, cert=("client.pem", "client.key"))
    request = send(auth, data={"grant_type": "client_credentials"})
    assert form(request) == {"grant_type": ["client_credentials"], "client_id": [CLIENT_ID]}
    assert "Authorization" not in request.headers
    assert auth.cert == ("client.pem", "client.key")
    assert repr(auth) == f"{cls.__name__}(client_id='{CLIENT_ID}', cert=('client.pem', 'client.key'))"
    assert cls(CLIENT_ID, cert=["client.pem", "client.key"]) == auth  # a list becomes a tuple (hashable)
    assert cls(CLIENT_ID).cert is None
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        auth.cert = None  # type: ignore[misc]


def test_tls_client_auth_method_names() -> None:
    assert TlsClientAuth.TOKEN_ENDPOINT_AUTH_METHOD == "tls_client_auth"
    assert SelfSignedTlsClientAuth.TOKEN_ENDPOINT_AUTH_METHOD == "self_signed_tls_client_auth"
    with pytest.raises(TypeError):
        TlsClientAuth(CLIENT_ID, cert=42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("method", "credentials", "expected"),
    [
        ("client_secret_basic", {"client_secret": SECRET}, ClientSecretBasic),
        ("client_secret_post", {"client_secret": SECRET}, ClientSecretPost),
        ("client_secret_jwt", {"client_secret": SECRET}, ClientSecretJwt),
        ("none", {}, PublicApp),
        ("tls_client_auth", {}, TlsClientAuth),
        ("self_signed_tls_client_auth", {}, SelfSignedTlsClientAuth),
    ],
)
def test_factory_by_method_name(method: str, credentials: dict[str, str], expected: type) -> None:
    auth = client_auth_factory(None, client_id=CLIENT_ID, token_endpoint_auth_method=method, **credentials)
    assert type(auth) is expected
    assert method == auth.TOKEN_ENDPOINT_AUTH_METHOD  # type: ignore[attr-defined]
    # the same with the `auth` shapes
    shaped = (CLIENT_ID, credentials["client_secret"]) if credentials else CLIENT_ID
    assert type(client_auth_factory(shaped, token_endpoint_auth_method=method)) is expected


def test_factory_by_method_name_passes_the_audience(es256_jwk: Jwk) -> None:
    private = client_auth_factory(
        (CLIENT_ID, es256_jwk), token_endpoint_auth_method="private_key_jwt", audience="https://as.example.com"
    )
    assert isinstance(private, PrivateKeyJwt)
    assert private.aud == "https://as.example.com"
    secret_jwt = client_auth_factory(
        (CLIENT_ID, SECRET), token_endpoint_auth_method="client_secret_jwt", audience="https://as.example.com"
    )
    assert isinstance(secret_jwt, ClientSecretJwt)
    assert secret_jwt.aud == "https://as.example.com"


@pytest.mark.parametrize(
    ("method", "credentials"),
    [
        ("client_secret_basic", {}),
        ("client_secret_post", {"private_key": "KEY"}),
        ("private_key_jwt", {"client_secret": SECRET}),
        ("tls_client_auth", {"client_secret": SECRET}),
        ("none", {"private_key": "KEY"}),
        ("client_secret_magic", {"client_secret": SECRET}),
    ],
)
def test_factory_refuses_credentials_that_do_not_suit_the_method(
    method: str, credentials: dict[str, Any], es256_jwk: Jwk
) -> None:
    credentials = {name: es256_jwk if value == "KEY" else value for name, value in credentials.items()}
    with pytest.raises(UnsupportedClientCredentials) as exc_info:
        client_auth_factory(None, client_id=CLIENT_ID, token_endpoint_auth_method=method, **credentials)
    assert method in str(exc_info.value)
    assert SECRET not in str(exc_info.value)


def test_factory_checks_the_method_of_an_auth_object() -> None:
    auth = TlsClientAuth(CLIENT_ID)
    assert client_auth_factory(auth, token_endpoint_auth_method="tls_client_auth") is auth
    with pytest.raises(UnsupportedClientCredentials):
        client_auth_factory(auth, token_endpoint_auth_method="self_signed_tls_client_auth")
    custom = requests.auth.HTTPBasicAuth("a", "b")  # no method name: used as is
    assert client_auth_factory(custom, token_endpoint_auth_method="client_secret_basic") is custom
