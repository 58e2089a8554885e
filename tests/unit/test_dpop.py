import hashlib
import time
import uuid
from datetime import datetime, timezone
from typing import Any

import attrs
import jwskate
import pytest
import requests
import requests_mock as requests_mock_module
from binapy import BinaPy
from cryptography.hazmat.primitives.asymmetric import ec
from freezegun import freeze_time
from hypothesis import given, settings
from hypothesis import strategies as st

from requests_oauth2client._http.dpop_headers import dpop_challenge, htu_of
from requests_oauth2client._http.origins import origin_of
from requests_oauth2client.dpop import (
    DPoPKey,
    DPoPToken,
    InvalidDPoPAccessToken,
    InvalidDPoPAlg,
    InvalidDPoPKey,
    InvalidDPoPProof,
    InvalidUseDPoPNonceResponse,
    MissingDPoPNonce,
    RepeatedDPoPNonce,
    add_dpop_proof,
    validate_dpop_proof,
)
from requests_oauth2client.tokens import BearerToken, ExpiredAccessToken

RS = "https://rs.example.com"
AT = "access.token-value_~+/="
AT_ATH = BinaPy(hashlib.sha256(AT.encode()).digest()).to("b64u").ascii()


@pytest.fixture(scope="module")
def es256_key() -> DPoPKey:
    return DPoPKey.generate()


@pytest.fixture
def key() -> DPoPKey:
    return DPoPKey.generate()


def make_response(url: str, status: int = 200, headers: dict[str, str] | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.headers.update(headers or {})
    response.request = requests.Request("GET", url).prepare()
    response.url = url
    return response


def sign_proof(
    claims: dict[str, Any],
    key: jwskate.Jwk,
    *,
    alg: str = "ES256",
    typ: str = "dpop+jwt",
    jwk: Any = None,
) -> str:
    headers = {"jwk": dict(key.public_jwk()) if jwk is None else jwk}
    return str(jwskate.SignedJwt.sign(claims, key, alg=alg, typ=typ, extra_headers=headers))


def good_claims(**overrides: Any) -> dict[str, Any]:
    claims: dict[str, Any] = {"jti": "j1", "htm": "GET", "htu": f"{RS}/api", "iat": int(time.time())}
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


# ----- DPoPKey -----


def test_generate_defaults(es256_key: DPoPKey) -> None:
    assert es256_key.alg == "ES256"
    assert es256_key.jwt_typ == "dpop+jwt"
    assert es256_key.dpop_token_class is DPoPToken
    assert es256_key.as_nonce is None
    assert es256_key.rs_nonce is None
    assert es256_key.private_key.is_private
    assert es256_key.private_key.kty == "EC"


def test_repr_shows_only_alg_and_nonces(key: DPoPKey) -> None:
    assert repr(key) == "DPoPKey(alg='ES256', as_nonce=None, rs_nonce=None)"
    key.as_nonce = "n1"
    assert repr(key) == "DPoPKey(alg='ES256', as_nonce='n1', rs_nonce=None)"
    for secret in (key.private_key["d"], key.private_key["x"]):
        assert secret not in repr(key)
        assert secret not in str(key)


@pytest.mark.parametrize("alg", ["ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA"])
def test_any_asymmetric_alg_signs_valid_proofs(alg: str) -> None:
    key = DPoPKey.generate(alg=alg)
    assert key.alg == alg
    proof = key.proof("POST", f"{RS}/x")
    assert proof.alg == alg
    assert validate_dpop_proof(proof, htm="POST", htu=f"{RS}/x") == proof


@pytest.mark.parametrize("alg", ["HS256", "A128KW", "none", "foo"])
def test_generate_refuses_non_asymmetric_algs(alg: str) -> None:
    with pytest.raises(InvalidDPoPAlg) as exc_info:
        DPoPKey.generate(alg=alg)
    assert exc_info.value.alg == alg


def test_generate_takes_jwt_typ_as_second_positional() -> None:
    key = DPoPKey.generate("ES256", "custom+jwt", as_nonce="a", rs_nonce="r")
    assert key.jwt_typ == "custom+jwt"
    assert (key.as_nonce, key.rs_nonce) == ("a", "r")
    assert key.proof("GET", RS).headers["typ"] == "custom+jwt"


def test_symmetric_public_or_garbage_keys_are_refused() -> None:
    symmetric = jwskate.Jwk.generate(alg="HS256")
    with pytest.raises(InvalidDPoPKey) as exc_info:
        DPoPKey(symmetric)
    assert exc_info.value.key is symmetric
    assert symmetric["k"] not in str(exc_info.value)
    assert symmetric["k"] not in repr(exc_info.value)
    with pytest.raises(InvalidDPoPKey):
        DPoPKey(jwskate.Jwk.generate(alg="ES256").public_jwk())
    with pytest.raises(InvalidDPoPKey):
        DPoPKey({"kty": "EC", "crv": "P-256", "d": "garbage"})
    with pytest.raises(InvalidDPoPKey):
        DPoPKey(12)


def test_alg_comes_from_the_key_or_the_parameter() -> None:
    jwk = jwskate.Jwk.generate(alg="ES256")
    without_alg = jwskate.Jwk({k: v for k, v in jwk.items() if k != "alg"})
    with pytest.raises(jwskate.ExpectedAlgRequired):
        DPoPKey(without_alg)
    assert DPoPKey(without_alg, alg="ES256").alg == "ES256"
    assert DPoPKey(jwk).alg == "ES256"
    assert DPoPKey(jwk, alg="ES256").alg == "ES256"
    with pytest.raises(InvalidDPoPAlg):
        DPoPKey(jwk, alg="ES384")  # contradicts the key's own alg
    with pytest.raises(InvalidDPoPAlg):
        DPoPKey(without_alg, alg="RS256")  # not an alg for an EC key


def test_key_from_cryptography_and_dict() -> None:
    crypto_key = ec.generate_private_key(ec.SECP256R1())
    key = DPoPKey(crypto_key, alg="ES256")
    assert key.private_key.cryptography_key.private_numbers() == crypto_key.private_numbers()
    assert DPoPKey(dict(key.private_key), alg="ES256") == key


def test_fields_are_read_only_but_nonces_are_not(key: DPoPKey) -> None:
    for name, value in (("alg", "ES384"), ("private_key", None), ("jwt_typ", "x"), ("dpop_token_class", None)):
        with pytest.raises(attrs.exceptions.FrozenAttributeError):
            setattr(key, name, value)
    key.as_nonce = "a"
    key.rs_nonce = "r"
    assert (key.as_nonce, key.rs_nonce) == ("a", "r")


def test_equality_ignores_generators(es256_key: DPoPKey) -> None:
    def jti() -> str:
        return "fixed"

    same = DPoPKey(es256_key.private_key, jti_generator=jti, iat_generator=lambda: 1)
    assert same == es256_key
    assert DPoPKey(es256_key.private_key, as_nonce="n") != es256_key
    assert DPoPKey.generate() != es256_key


def test_public_jwk_and_thumbprint(es256_key: DPoPKey) -> None:
    assert es256_key.public_jwk == es256_key.private_key.public_jwk()
    assert not es256_key.public_jwk.is_private
    assert es256_key.dpop_jkt == es256_key.private_key.thumbprint()
    assert len(es256_key.dpop_jkt) == 43
    assert es256_key.public_jwk is es256_key.public_jwk


# ----- proofs -----


def test_proof_header_and_claims(es256_key: DPoPKey) -> None:
    before = int(time.time())
    proof = es256_key.proof(htm="GET", htu="https://x/p?q=1#f")
    parsed = jwskate.SignedJwt(str(proof))
    assert parsed.headers == {"typ": "dpop+jwt", "alg": "ES256", "jwk": dict(es256_key.public_jwk)}
    assert "d" not in parsed.headers["jwk"]
    assert list(parsed.claims) == ["jti", "htm", "htu", "iat"]
    assert parsed.claims["htm"] == "GET"
    assert parsed.claims["htu"] == "https://x/p"
    assert before <= parsed.claims["iat"] <= int(time.time())
    assert uuid.UUID(parsed.claims["jti"]).version == 4
    assert parsed.verify_signature(es256_key.public_jwk, alg="ES256")
    # the returned SignedJwt is the same as one parsed from its compact form
    assert isinstance(proof, jwskate.SignedJwt)
    assert (proof.headers, proof.claims, proof.signature, proof.value) == (
        parsed.headers,
        parsed.claims,
        parsed.signature,
        parsed.value,
    )


def test_proof_with_nonce_and_ath_in_order(es256_key: DPoPKey) -> None:
    proof = es256_key.proof("POST", f"{RS}/api", ath="hash", nonce="n1")
    assert list(proof.claims) == ["jti", "htm", "htu", "iat", "nonce", "ath"]
    assert proof.claims["nonce"] == "n1"
    assert proof.claims["ath"] == "hash"


def test_a_proof_lifetime_adds_exp(requests_mock: Any) -> None:
    """`DPoPKey(..., exp=)` (the next release): proofs carry `exp` = `iat` + lifetime, on every path."""
    key = DPoPKey.generate(iat_generator=lambda: 1000, exp=30)
    assert key.exp == 30
    proof = key.proof("POST", f"{RS}/token", ath="hash", nonce="n1")
    assert list(proof.claims) == ["jti", "htm", "htu", "iat", "exp", "nonce", "ath"]
    assert proof.claims["exp"] == 1030
    assert jwskate.SignedJwt(str(proof)).claims == proof.claims
    assert jwskate.SignedJwt(str(proof)).verify_signature(key.public_jwk, alg="ES256")
    # the request-header fast path (resource server requests, token requests)
    requests_mock.get(f"{RS}/api", json={})
    requests.get(f"{RS}/api", auth=DPoPToken(AT, _dpop_key=key), timeout=10)
    assert jwskate.SignedJwt(requests_mock.last_request.headers["DPoP"]).claims["exp"] == 1030
    same = DPoPKey(key.private_key, exp=30)
    assert same.proof("GET", RS).claims["exp"] - same.proof("GET", RS).claims["iat"] == 30
    assert "exp" not in DPoPKey(key.private_key).proof("GET", RS).claims  # no lifetime by default


@pytest.mark.parametrize("bad", [0, -5, 1.5, "60", True])
def test_a_proof_lifetime_must_be_a_positive_int(bad: Any) -> None:
    with pytest.raises(ValueError, match="exp"):
        DPoPKey.generate(exp=bad)


def test_a_proof_lifetime_is_kept_by_as_dict_and_serialization() -> None:
    from requests_oauth2client.serializers import TokenSerializer

    key = DPoPKey.generate(exp=45)
    assert key.as_dict()["exp"] == 45
    assert "exp" not in DPoPKey.generate().as_dict()
    assert DPoPKey(**key.as_dict()).exp == 45
    token = DPoPToken(AT, _dpop_key=key)
    restored = TokenSerializer().loads(TokenSerializer().dumps(token))
    assert isinstance(restored, DPoPToken)
    assert restored.dpop_key.exp == 45


def test_each_proof_has_a_fresh_jti(es256_key: DPoPKey) -> None:
    jtis = {es256_key.proof("GET", RS).claims["jti"] for _ in range(50)}
    assert len(jtis) == 50


def test_custom_generators_are_used() -> None:
    key = DPoPKey.generate(jti_generator=lambda: "my-jti", iat_generator=lambda: 1234)
    claims = key.proof("GET", RS).claims
    assert (claims["jti"], claims["iat"]) == ("my-jti", 1234)


def test_proof_drops_userinfo_fromhtu_of(es256_key: DPoPKey) -> None:
    assert es256_key.proof("GET", "https://user:pass@x.example/p?a#b").claims["htu"] == "https://x.example/p"


_schemes = st.sampled_from(["http", "https"])
_hosts = st.from_regex(r"[a-z][a-z0-9-]{0,15}(\.[a-z][a-z0-9-]{0,10}){0,2}", fullmatch=True)
_ports = st.one_of(st.none(), st.integers(min_value=1, max_value=65535))
_path_chars = st.sampled_from(list("abcXYZ019-._~!$&'()*+,;=:@/%"))
_paths = st.lists(_path_chars, max_size=20).map(lambda chars: "/" + "".join(chars))
_query_chars = st.sampled_from(list("abc019-._~!$&'()*+,;=:@/?%"))
_queries = st.one_of(st.just(""), st.lists(_query_chars, max_size=15).map(lambda chars: "?" + "".join(chars)))
_fragments = st.one_of(st.just(""), st.lists(_query_chars, max_size=15).map(lambda chars: "#" + "".join(chars)))


@given(scheme=_schemes, host=_hosts, port=_ports, path=_paths, query=_queries, fragment=_fragments)
def test_htu_keeps_scheme_host_port_and_path_only(
    scheme: str, host: str, port: int | None, path: str, query: str, fragment: str
) -> None:
    base = f"{scheme}://{host}{'' if port is None else f':{port}'}{path}"
    htu = htu_of(base + query + fragment)
    assert htu == base
    assert "?" not in htu
    assert "#" not in htu
    assert htu_of(htu) == htu
    assert origin_of(base + query) == f"{scheme}://{host}:{port or (443 if scheme == 'https' else 80)}"


@settings(max_examples=25, deadline=None)
@given(path=_paths, query=_queries, fragment=_fragments)
def test_proof_htu_and_validation_ignore_query_and_fragment(path: str, query: str, fragment: str) -> None:
    key = _hypothesis_key
    url = f"{RS}{path}{query}{fragment}"
    proof = key.proof("GET", url)
    assert proof.claims["htu"] == f"{RS}{path}"
    validate_dpop_proof(proof, htm="GET", htu=url)


_hypothesis_key = DPoPKey.generate()


# ----- nonces -----


def test_handle_as_provided_nonce(key: DPoPKey) -> None:
    with pytest.raises(MissingDPoPNonce) as missing:
        key.handle_as_provided_dpop_nonce(make_response("https://as/token", 400))
    assert missing.value.response.status_code == 400
    key.handle_as_provided_dpop_nonce(make_response("https://as/token", 400, {"DPoP-Nonce": "n1"}))
    assert key.as_nonce == "n1"
    with pytest.raises(RepeatedDPoPNonce):
        key.handle_as_provided_dpop_nonce(make_response("https://as/token", 400, {"DPoP-Nonce": "n1"}))
    with pytest.raises(InvalidUseDPoPNonceResponse):
        key.handle_as_provided_dpop_nonce(make_response("https://as/token", 400, {"DPoP-Nonce": 'bad "nonce"'}))
    assert key.as_nonce == "n1"
    assert key.rs_nonce is None


def test_update_as_nonce_is_silent(key: DPoPKey) -> None:
    assert key.update_as_nonce(make_response("https://as/token")) is False
    assert key.as_nonce is None
    assert key.update_as_nonce(make_response("https://as/token", headers={"DPoP-Nonce": "n2"})) is True
    assert key.as_nonce == "n2"
    assert key.update_as_nonce(make_response("https://as/token", headers={"DPoP-Nonce": "n2"})) is False
    assert key.update_as_nonce(make_response("https://as/token", headers={"DPoP-Nonce": "b a d"})) is False
    assert key.as_nonce == "n2"


def test_rs_nonces_are_kept_perorigin_of(key: DPoPKey) -> None:
    key.handle_rs_provided_dpop_nonce(make_response("https://rs-a.example/x", 401, {"DPoP-Nonce": "a1"}))
    assert key.rs_nonce == "a1"
    assert key.proof("GET", "https://rs-a.example:443/other?q").claims["nonce"] == "a1"
    assert "nonce" not in key.proof("GET", "https://rs-b.example/x").claims
    assert key.update_rs_nonce(make_response("https://rs-b.example/y", headers={"DPoP-Nonce": "b1"})) is True
    assert key.rs_nonce == "b1"
    assert key.proof("GET", "https://rs-a.example/x").claims["nonce"] == "a1"
    assert key.proof("GET", "https://rs-b.example/x").claims["nonce"] == "b1"
    with pytest.raises(RepeatedDPoPNonce):
        key.handle_rs_provided_dpop_nonce(make_response("https://rs-a.example/x", 401, {"DPoP-Nonce": "a1"}))
    with pytest.raises(MissingDPoPNonce):
        key.handle_rs_provided_dpop_nonce(make_response("https://rs-a.example/x", 401))
    assert key.as_nonce is None


def test_rs_nonce_set_by_hand_is_used_until_a_server_provides_one() -> None:
    key = DPoPKey.generate(rs_nonce="given")
    assert key.proof("GET", "https://any.example/").claims["nonce"] == "given"
    key.update_rs_nonce(make_response("https://rs-a.example/", headers={"DPoP-Nonce": "a1"}))
    assert "nonce" not in key.proof("GET", "https://other.example/").claims
    key.rs_nonce = "manual"
    assert key.proof("GET", "https://other.example/").claims["nonce"] == "manual"
    assert key.proof("GET", "https://rs-a.example/").claims["nonce"] == "a1"


def test_explicit_nonce_wins(key: DPoPKey) -> None:
    key.rs_nonce = "rs"
    assert key.proof("GET", RS, nonce="explicit").claims["nonce"] == "explicit"
    assert "nonce" not in jwskate.SignedJwt(key.compact_proof("GET", RS)).claims


# ----- validate_dpop_proof -----


def test_validate_accepts_good_proofs(es256_key: DPoPKey) -> None:
    proof = es256_key.proof("GET", f"{RS}/api", ath=AT_ATH, nonce="n")
    for form in (proof, str(proof), bytes(proof.value)):
        validated = validate_dpop_proof(form, htm="GET", htu=f"{RS}/api?x=1", ath=AT_ATH, nonce="n")
        assert isinstance(validated, jwskate.SignedJwt)
        assert validated.claims == proof.claims
    validate_dpop_proof(proof, htm="GET", htu="HTTPS://RS.example.com:443/api", alg="ES256")
    validate_dpop_proof(proof, htm="GET", htu=f"{RS}/api", algs=("ES256", "EdDSA"))


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"htm": "POST"}, "`htm` mismatch"),
        ({"htu": f"{RS}/other"}, "`htu` mismatch"),
        ({"htu": "https://other.example.com/api"}, "`htu` mismatch"),
        ({"ath": "wrong"}, "`ath` does not match"),
        ({"nonce": "other"}, "`nonce` mismatch"),
        ({"alg": "ES384"}, "not accepted"),
        ({"algs": ("RS256",)}, "not accepted"),
    ],
)
def test_validate_rejects_mismatches(es256_key: DPoPKey, kwargs: dict[str, Any], message: str) -> None:
    proof = es256_key.proof("GET", f"{RS}/api", ath=AT_ATH, nonce="n")
    params: dict[str, Any] = {"htm": "GET", "htu": f"{RS}/api", **kwargs}
    with pytest.raises(InvalidDPoPProof, match=message) as exc_info:
        validate_dpop_proof(proof, **params)
    assert str(exc_info.value).startswith("Invalid DPoP proof: ")
    assert exc_info.value.proof == proof.value


def test_validate_requires_expected_ath_and_nonce(es256_key: DPoPKey) -> None:
    proof = es256_key.proof("GET", f"{RS}/api")
    with pytest.raises(InvalidDPoPProof, match="missing `ath`"):
        validate_dpop_proof(proof, htm="GET", htu=f"{RS}/api", ath=AT_ATH)
    with pytest.raises(InvalidDPoPProof, match="missing `nonce`"):
        validate_dpop_proof(proof, htm="GET", htu=f"{RS}/api", nonce="n")


@pytest.mark.parametrize("junk", ["junk", "a.b.c", b"", "e30.e30.", "W10.W10.AA"])
def test_validate_rejects_junk(junk: str | bytes) -> None:
    with pytest.raises(InvalidDPoPProof) as exc_info:
        validate_dpop_proof(junk, htm="GET", htu=RS)
    assert str(exc_info.value).startswith("Invalid DPoP proof: ")
    assert exc_info.value.proof == (junk.encode() if isinstance(junk, str) else junk)


def test_validate_rejects_bad_headers() -> None:
    jwk = jwskate.Jwk.generate(alg="ES256")
    claims = good_claims()
    cases = [
        (sign_proof(claims, jwk, typ="JWT"), "`typ`"),
        (sign_proof(claims, jwk, jwk="not a key"), "`jwk` header"),
        (sign_proof(claims, jwk, jwk={"kty": "EC", "crv": "P-256"}), "not a valid key"),
        (sign_proof(claims, jwk, jwk=dict(jwk)), "public, asymmetric"),
        (sign_proof(claims, jwk, jwk={"kty": "oct", "k": "c2VjcmV0"}), "not a valid key|public, asymmetric"),
        (sign_proof(claims, jwk, jwk=dict(jwskate.Jwk.generate(alg="ES256").public_jwk())), "signature"),
    ]
    for proof, message in cases:
        with pytest.raises(InvalidDPoPProof, match=message):
            validate_dpop_proof(proof, htm="GET", htu=f"{RS}/api")
    hmac_key = jwskate.Jwk.generate(alg="HS256")
    hs256 = str(jwskate.SignedJwt.sign(claims, hmac_key, typ="dpop+jwt", extra_headers={"jwk": dict(jwk.public_jwk())}))
    with pytest.raises(InvalidDPoPProof, match="asymmetric signature alg"):
        validate_dpop_proof(hs256, htm="GET", htu=f"{RS}/api")


def test_validate_rejects_a_tampered_payload(es256_key: DPoPKey) -> None:
    header, _, signature = str(es256_key.proof("GET", f"{RS}/api")).split(".")
    payload = BinaPy.serialize_to("json", good_claims(htm="GET")).to("b64u").ascii()
    with pytest.raises(InvalidDPoPProof, match="signature"):
        validate_dpop_proof(f"{header}.{payload}.{signature}", htm="GET", htu=f"{RS}/api")


# the overrides, not the claims: `iat` must be taken when the test runs, not when it is collected (a full run
# reaches this module more than a minute after collection, past the accepted clock skew)
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"iat": None}, "`iat`"),
        ({"iat": "now"}, "`iat`"),
        ({"iat": True}, "`iat`"),
        ({"jti": None}, "`jti`"),
        ({"jti": ""}, "`jti`"),
        ({"htm": None}, "missing `htm`"),
        ({"htu": None}, "missing `htu`"),
        ({"htu": 12}, "missing `htu`"),
    ],
)
def test_validate_rejects_missing_or_invalid_claims(overrides: dict[str, Any], message: str) -> None:
    jwk = jwskate.Jwk.generate(alg="ES256")
    with pytest.raises(InvalidDPoPProof, match=message):
        validate_dpop_proof(sign_proof(good_claims(**overrides), jwk), htm="GET", htu=f"{RS}/api")


def test_validate_checks_iat_within_leeway() -> None:
    with freeze_time("2024-01-01 00:00:00"):
        now = int(time.time())
        for iat, accepted in ((now - 60, True), (now + 60, True), (now - 61, False), (now + 61, False)):
            proof = DPoPKey.generate(iat_generator=lambda iat=iat: iat).proof("GET", RS)  # type: ignore[misc]
            if accepted:
                validate_dpop_proof(proof, htm="GET", htu=RS)
            else:
                with pytest.raises(InvalidDPoPProof, match="`iat`"):
                    validate_dpop_proof(proof, htm="GET", htu=RS)
        old = DPoPKey.generate(iat_generator=lambda: now - 300).proof("GET", RS)
        validate_dpop_proof(old, htm="GET", htu=RS, leeway=301)


def test_validate_checks_in_order(es256_key: DPoPKey) -> None:
    proof = es256_key.proof("GET", f"{RS}/api")
    with pytest.raises(InvalidDPoPProof, match="`htm`"):
        validate_dpop_proof(proof, htm="POST", htu=f"{RS}/other", nonce="n")
    with pytest.raises(InvalidDPoPProof, match="`htu`"):
        validate_dpop_proof(proof, htm="GET", htu=f"{RS}/other", nonce="n")


# ----- DPoPToken -----


def test_dpop_token_fields_and_defaults(key: DPoPKey) -> None:
    token = DPoPToken(AT, _dpop_key=key, expires_in=60, scope="s", custom="c")
    assert isinstance(token, BearerToken)
    assert token.token_type == "DPoP"
    assert token.dpop_key is key
    assert token.expires_in == 60
    assert token.custom == "c"
    assert (DPoPToken.TOKEN_TYPE, DPoPToken.AUTHORIZATION_SCHEME, DPoPToken.DPOP_HEADER) == ("DPoP", "DPoP", "DPoP")
    assert token.authorization_header() == f"DPoP {AT}"
    assert [f.name for f in attrs.fields(DPoPToken)][-2:] == ["kwargs", "dpop_key"]
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        token.dpop_key = DPoPKey.generate()  # type: ignore[misc]


def test_dpop_token_accepts_any_token_type(key: DPoPKey) -> None:
    assert DPoPToken("at", _dpop_key=key, token_type="Bearer").token_type == "Bearer"
    assert DPoPToken("at", _dpop_key=key, token_type="dpop").token_type == "dpop"


@pytest.mark.parametrize("bad", ["a b", "", "abc\n", "a=b", "é", "tok,en"])
def test_dpop_token_requires_token68(key: DPoPKey, bad: str) -> None:
    with pytest.raises(InvalidDPoPAccessToken) as exc_info:
        DPoPToken(bad, _dpop_key=key)
    assert exc_info.value.access_token == bad
    if bad:
        assert bad not in str(exc_info.value)


def test_dpop_token_repr_has_no_secrets(key: DPoPKey) -> None:
    token = DPoPToken(AT, _dpop_key=key, refresh_token="the-refresh-token")
    text = repr(token)
    assert AT not in text
    assert "the-refresh-token" not in text
    assert key.private_key["d"] not in text
    assert "DPoPKey(alg='ES256', as_nonce=None, rs_nonce=None)" in text


def test_dpop_token_as_dict_and_round_trip(key: DPoPKey) -> None:
    key.as_nonce = "as1"
    with freeze_time("2024-01-01 00:00:00"):
        token = DPoPToken(AT, _dpop_key=key, expires_in=60, scope="s", custom="c")
        as_dict = token.as_dict()
        assert list(as_dict) == ["access_token", "scope", "token_type", "dpop_key", "expires_in", "custom"]
        assert as_dict["dpop_key"] == {
            "alg": "ES256",
            "private_key": dict(key.private_key),
            "jwt_typ": "dpop+jwt",
            "as_nonce": "as1",
            "rs_nonce": None,
        }
        assert as_dict["expires_in"] == 60
        data = token.as_dict(with_expires_in=False)
        assert list(data) == ["access_token", "expires_at", "scope", "token_type", "dpop_key", "custom"]
        restored = DPoPToken(**{k: v for k, v in data.items() if k != "dpop_key"}, _dpop_key=data["dpop_key"])
    assert restored == token
    assert restored.dpop_key == key
    assert restored.dpop_key.private_key == key.private_key


def test_dpop_token_as_auth(requests_mock: Any, key: DPoPKey) -> None:
    requests_mock.get(f"{RS}/api", json={"ok": True})
    token = DPoPToken(AT, _dpop_key=key)
    response = requests.get(f"{RS}/api?page=2#frag", auth=token, timeout=10)
    assert response.json() == {"ok": True}
    sent = requests_mock.last_request
    assert sent.headers["Authorization"] == f"DPoP {AT}"
    proof = validate_dpop_proof(sent.headers["DPoP"], htm="GET", htu=f"{RS}/api", ath=AT_ATH)
    assert proof.claims["ath"] == AT_ATH
    assert proof.headers["jwk"] == dict(key.public_jwk)
    assert "nonce" not in proof.claims


def test_expired_dpop_token_is_not_sent(requests_mock: Any, key: DPoPKey) -> None:
    requests_mock.get(f"{RS}/api")
    with pytest.raises(ExpiredAccessToken):
        requests.get(f"{RS}/api", auth=DPoPToken(AT, _dpop_key=key, expires_in=-10), timeout=10)
    assert requests_mock.call_count == 0


def _nonce_of(request: Any) -> str | None:
    nonce: str | None = jwskate.SignedJwt(request.headers["DPoP"]).claims.get("nonce")
    return nonce


def test_rs_nonce_retry_once(requests_mock: Any, key: DPoPKey) -> None:
    requests_mock.post(
        f"{RS}/api",
        [
            {
                "status_code": 401,
                "headers": {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": "rs1"},
            },
            {"status_code": 200, "json": {"ok": True}},
        ],
    )
    token = DPoPToken(AT, _dpop_key=key)
    response = requests.post(f"{RS}/api", data={"a": "b"}, auth=token, timeout=10)
    assert response.status_code == 200
    assert requests_mock.call_count == 2
    first, second = requests_mock.request_history
    assert _nonce_of(first) is None
    assert _nonce_of(second) == "rs1"
    assert second.text == "a=b"
    assert second.headers["Authorization"] == f"DPoP {AT}"
    validate_dpop_proof(second.headers["DPoP"], htm="POST", htu=f"{RS}/api", ath=AT_ATH, nonce="rs1")
    assert (
        jwskate.SignedJwt(first.headers["DPoP"]).jwt_token_id != jwskate.SignedJwt(second.headers["DPoP"]).jwt_token_id
    )
    assert [r.status_code for r in response.history] == [401]
    assert key.rs_nonce == "rs1"
    assert key.as_nonce is None

    # the nonce is reused for the next request to the same resource server, and not for another one
    requests_mock.post(f"{RS}/api", json={"ok": True})
    requests_mock.get("https://other-rs.example/api", json={})
    requests.post(f"{RS}/api", auth=token, timeout=10)
    assert _nonce_of(requests_mock.last_request) == "rs1"
    requests.get("https://other-rs.example/api", auth=token, timeout=10)
    assert _nonce_of(requests_mock.last_request) is None


def test_rs_nonce_retry_is_bounded(requests_mock: Any, key: DPoPKey) -> None:
    requests_mock.get(
        f"{RS}/api",
        [
            {"status_code": 401, "headers": {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": "n1"}},
            {"status_code": 401, "headers": {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": "n2"}},
            {"status_code": 200},
        ],
    )
    response = requests.get(f"{RS}/api", auth=DPoPToken(AT, _dpop_key=key), timeout=10)
    assert response.status_code == 401
    assert response.headers["DPoP-Nonce"] == "n2"
    assert requests_mock.call_count == 2
    assert key.rs_nonce == "n2"  # kept for the next request


def test_rs_use_dpop_nonce_without_nonce_raises(requests_mock: Any, key: DPoPKey) -> None:
    requests_mock.get(f"{RS}/api", status_code=401, headers={"WWW-Authenticate": 'DPoP error="use_dpop_nonce"'})
    with pytest.raises(MissingDPoPNonce) as exc_info:
        requests.get(f"{RS}/api", auth=DPoPToken(AT, _dpop_key=key), timeout=10)
    assert exc_info.value.response.status_code == 401
    assert requests_mock.call_count == 1


def test_rs_use_dpop_nonce_with_the_same_nonce_raises(requests_mock: Any, key: DPoPKey) -> None:
    key.update_rs_nonce(make_response(f"{RS}/x", headers={"DPoP-Nonce": "same"}))
    requests_mock.get(
        f"{RS}/api",
        status_code=401,
        headers={"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": "same"},
    )
    with pytest.raises(RepeatedDPoPNonce):
        requests.get(f"{RS}/api", auth=DPoPToken(AT, _dpop_key=key), timeout=10)
    assert requests_mock.call_count == 1
    assert _nonce_of(requests_mock.last_request) == "same"


def test_other_dpop_errors_are_returned_unless_a_new_nonce_comes(requests_mock: Any, key: DPoPKey) -> None:
    token = DPoPToken(AT, _dpop_key=key)
    challenge = {"WWW-Authenticate": 'DPoP error="invalid_token", algs="ES256"'}
    requests_mock.get(f"{RS}/a", status_code=401, headers=challenge)
    assert requests.get(f"{RS}/a", auth=token, timeout=10).status_code == 401
    assert requests_mock.call_count == 1

    requests_mock.get(f"{RS}/b", [{"status_code": 401, "headers": {**challenge, "DPoP-Nonce": "n9"}}, {"json": {}}])
    assert requests.get(f"{RS}/b", auth=token, timeout=10).status_code == 200
    assert requests_mock.call_count == 3
    assert _nonce_of(requests_mock.last_request) == "n9"


def test_non_dpop_401_is_returned_as_is(requests_mock: Any, key: DPoPKey) -> None:
    requests_mock.get(
        f"{RS}/api", status_code=401, headers={"WWW-Authenticate": 'Bearer error="invalid_token"', "DPoP-Nonce": "x"}
    )
    assert requests.get(f"{RS}/api", auth=DPoPToken(AT, _dpop_key=key), timeout=10).status_code == 401
    assert requests_mock.call_count == 1
    assert key.rs_nonce == "x"  # the nonce is stored all the same


def test_dpop_challenge_among_others(requests_mock: Any, key: DPoPKey) -> None:
    requests_mock.get(
        f"{RS}/api",
        [
            {
                "status_code": 401,
                "headers": {
                    "WWW-Authenticate": 'Bearer realm="r", DPoP algs="ES256 PS256", error="use_dpop_nonce"',
                    "DPoP-Nonce": "n1",
                },
            },
            {"status_code": 204},
        ],
    )
    assert requests.get(f"{RS}/api", auth=DPoPToken(AT, _dpop_key=key), timeout=10).status_code == 204
    assert requests_mock.call_count == 2


def test_nonce_from_successful_responses_is_stored(requests_mock: Any, key: DPoPKey) -> None:
    requests_mock.get(f"{RS}/api", [{"headers": {"DPoP-Nonce": "fresh"}}, {}])
    token = DPoPToken(AT, _dpop_key=key)
    requests.get(f"{RS}/api", auth=token, timeout=10)
    assert key.rs_nonce == "fresh"
    requests.get(f"{RS}/api", auth=token, timeout=10)
    assert _nonce_of(requests_mock.last_request) == "fresh"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("DPoP", {}),
        ('DPoP error="use_dpop_nonce"', {"error": "use_dpop_nonce"}),
        ("dpop error=use_dpop_nonce", {"error": "use_dpop_nonce"}),
        ('DPoP algs="ES256 PS256", error="invalid_token"', {"algs": "ES256 PS256", "error": "invalid_token"}),
        ('Bearer realm="x", DPoP error="e"', {"error": "e"}),
        ('DPoP error="a\\"b"', {"error": 'a"b'}),
        ('Bearer error="use_dpop_nonce"', None),
        ("DPoPish error=x", None),
        # a challenge-like text inside a quoted value, and a header that is not well-formed
        ('Bearer realm="x, DPoP error=use_dpop_nonce"', None),
        ('DPoP error="use_dpop_nonce" algs="ES256"', None),
        ("", None),
        (None, None),
    ],
)
def test_dpop_challenge_parser(header: str | None, expected: dict[str, str] | None) -> None:
    assert dpop_challenge(header) == expected


@given(st.text(max_size=200))
def test_dpop_challenge_parser_never_crashes(header: str) -> None:
    result = dpop_challenge(header)
    assert result is None or isinstance(result, dict)


def test_add_dpop_proof(key: DPoPKey) -> None:
    request = requests.Request("PUT", f"{RS}/api?q=1").prepare()
    add_dpop_proof(request, key, AT)
    proof = validate_dpop_proof(request.headers["DPoP"], htm="PUT", htu=f"{RS}/api", ath=AT_ATH)
    assert proof.claims["htu"] == f"{RS}/api"
    add_dpop_proof(request, key, AT, header_name="X-DPoP")
    assert "X-DPoP" in request.headers


def test_error_messages_hide_secrets(key: DPoPKey) -> None:
    response = make_response(RS, 401)
    errors: list[Exception] = [
        InvalidDPoPAccessToken("secret token"),
        InvalidDPoPKey(key.private_key),
        MissingDPoPNonce(response),
        RepeatedDPoPNonce(response),
    ]
    for error in errors:
        for secret in ("secret token", key.private_key["d"]):
            assert secret not in str(error)
            assert secret not in repr(error)


def test_proofs_use_the_frozen_clock(key: DPoPKey) -> None:
    with freeze_time(datetime(2024, 5, 1, tzinfo=timezone.utc)):
        assert key.proof("GET", RS).claims["iat"] == 1714521600


class _CannedAdapter(requests.adapters.BaseAdapter):
    """Answers every request with the next canned status, and records what it was sent."""

    def __init__(self, statuses: list[int], headers: dict[str, str]) -> None:
        super().__init__()
        self.statuses = statuses
        self.headers = headers
        self.sent: list[requests.PreparedRequest] = []
        self.bodies: list[object] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        self.sent.append(request)
        body = request.body
        self.bodies.append(body.read() if hasattr(body, "read") else body)
        response = requests.Response()
        response.status_code = self.statuses.pop(0)
        response.headers.update(self.headers)
        response._content = b""
        response.request = request
        response.url = request.url or ""
        response.connection = self  # type: ignore[attr-defined]
        return response

    def close(self) -> None:
        pass


def test_the_retry_hook_never_loops(key: DPoPKey) -> None:
    # Even if the resent request's response went through the same hook again, no second resend happens.
    adapter = _CannedAdapter([401, 401], {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": "n1"})
    request = requests.Request("GET", f"{RS}/api").prepare()
    DPoPToken(AT, _dpop_key=key)(request)
    (hook,) = request.hooks["response"]
    first = adapter.send(request)
    adapter.headers = {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": "n2"}
    second = hook(first)
    assert second is not first
    assert len(adapter.sent) == 2
    assert hook(second) is second
    assert len(adapter.sent) == 2
    assert key.rs_nonce == "n2"


def test_streamed_bodies_are_rewound_or_not_resent(key: DPoPKey) -> None:
    import io

    session = requests.Session()
    challenge = {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": "n1"}
    adapter = _CannedAdapter([401, 200], challenge)
    session.mount("https://", adapter)
    body = io.BytesIO(b"payload")
    response = session.post(f"{RS}/api", data=body, auth=DPoPToken(AT, _dpop_key=key), timeout=10)
    assert response.status_code == 200
    assert len(adapter.sent) == 2
    assert adapter.bodies == [b"payload", b"payload"]  # the stream was rewound for the resend

    adapter = _CannedAdapter([401, 200], {**challenge, "DPoP-Nonce": "n2"})
    session.mount("https://", adapter)
    generated = (chunk for chunk in [b"a", b"b"])
    response = session.post(f"{RS}/api", data=generated, auth=DPoPToken(AT, _dpop_key=key), timeout=10)
    assert response.status_code == 401  # a generator cannot be sent twice
    assert len(adapter.sent) == 1
    assert key.rs_nonce == "n2"


def test_proof_payload_is_the_compact_json_of_the_claims() -> None:
    import json

    key = DPoPKey.generate(jti_generator=lambda: 'j"\\é\u2028', iat_generator=lambda: 1.5)  # type: ignore[arg-type,return-value]
    proof = key.proof("GÉT", f"{RS}/p", ath="a", nonce='n "quoted"')
    payload = str(proof).split(".")[1]
    claims = {"jti": 'j"\\é\u2028', "htm": "GÉT", "htu": f"{RS}/p", "iat": 1.5, "nonce": 'n "quoted"', "ath": "a"}
    assert BinaPy(payload).decode_from("b64u") == json.dumps(claims, separators=(",", ":")).encode()
    assert jwskate.SignedJwt(str(proof)).claims == claims
    assert jwskate.SignedJwt(str(proof)).verify_signature(key.public_jwk)


def test_authorization_server_nonces_are_kept_per_origin() -> None:
    import requests_mock as rm

    from requests_oauth2client import OAuth2Client

    key = DPoPKey.generate()
    as1 = OAuth2Client("https://as1.example.com/token", ("c", "s"))
    as2 = OAuth2Client("https://as2.example.com/token", ("c", "s"))
    with rm.Mocker() as m:
        m.post(
            "https://as1.example.com/token",
            json={"access_token": "a", "token_type": "DPoP"},
            headers={"DPoP-Nonce": "n1"},
        )
        m.post(
            "https://as2.example.com/token",
            json={"access_token": "b", "token_type": "DPoP"},
            headers={"DPoP-Nonce": "n2"},
        )
        as1.client_credentials(dpop_key=key)
        as2.client_credentials(dpop_key=key)
        assert key.as_nonce_for("https://as1.example.com/token") == "n1"
        assert key.as_nonce_for("https://as2.example.com/other") == "n2"
        assert key.as_nonce == "n2"  # the last one seen
        as1.client_credentials(dpop_key=key)
        proof = jwskate.SignedJwt(m.last_request.headers["DPoP"])
        assert proof.claims["nonce"] == "n1"
        assert proof.claims["htu"] == "https://as1.example.com/token"
    # a nonce set by hand applies to any server that has not provided its own
    key.as_nonce = "manual"
    assert key.as_nonce_for("https://as3.example.com/token") == "manual"
    assert key.as_nonce_for("https://as1.example.com/token") == "n1"


# --- proofs and nonces stay with their origin (issue 12) ------------------------------------------------------------

EVIL = "https://evil.example.net/collect"
USE_NONCE = {"WWW-Authenticate": 'DPoP error="use_dpop_nonce"', "DPoP-Nonce": "evil-nonce"}


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_redirect_to_another_origin_carries_no_token_nor_proof(requests_mock: Any, key: DPoPKey, status: int) -> None:
    requests_mock.get(f"{RS}/api", status_code=status, headers={"Location": EVIL})
    evil = requests_mock.register_uri(requests_mock_module.ANY, EVIL, status_code=401, headers=USE_NONCE)
    session = requests.Session()
    response = session.get(f"{RS}/api", auth=DPoPToken(AT, _dpop_key=key), timeout=10)
    assert response.status_code == 401
    assert evil.call_count == 1  # followed once, never retried with a nonce
    assert "DPoP" not in evil.last_request.headers
    assert "Authorization" not in evil.last_request.headers


def test_the_nonce_retry_never_resends_to_another_origin(requests_mock: Any, key: DPoPKey) -> None:
    requests_mock.get(f"{RS}/api", status_code=302, headers={"Location": EVIL})
    evil = requests_mock.get(EVIL, [{"status_code": 401, "headers": USE_NONCE}, {"json": {"stolen": True}}])
    response = requests.get(f"{RS}/api", auth=DPoPToken(AT, _dpop_key=key), timeout=10)
    assert response.status_code == 401
    assert evil.call_count == 1
    # the evil nonce is filed under the evil origin: never sent to the resource server
    requests_mock.get(f"{RS}/other", json={})
    requests.get(f"{RS}/other", auth=DPoPToken(AT, _dpop_key=key), timeout=10)
    assert _nonce_of(requests_mock.last_request) is None


def test_a_redirect_within_the_origin_keeps_the_token(requests_mock: Any, key: DPoPKey) -> None:
    requests_mock.get(f"{RS}/api", status_code=302, headers={"Location": "/v2/api"})
    moved = requests_mock.get(f"{RS}/v2/api", json={"ok": True})
    response = requests.get(f"{RS}/api", auth=DPoPToken(AT, _dpop_key=key), timeout=10)
    assert response.json() == {"ok": True}
    assert moved.last_request.headers["Authorization"] == f"DPoP {AT}"
    assert "DPoP" in moved.last_request.headers


def test_a_bearer_token_never_follows_a_redirect_to_another_host(requests_mock: Any) -> None:
    requests_mock.get(f"{RS}/api", status_code=307, headers={"Location": EVIL})
    evil = requests_mock.get(EVIL, json={})
    requests.Session().get(f"{RS}/api", auth=BearerToken(AT), timeout=10)
    assert evil.called
    assert "Authorization" not in evil.last_request.headers


def _nonce_response(url: str, nonce: str) -> requests.Response:
    return make_response(url, 401, {"DPoP-Nonce": nonce})


def test_nonces_keep_their_origin_through_as_dict(key: DPoPKey) -> None:
    key.handle_as_provided_dpop_nonce(_nonce_response("https://as1.example.com/token", "as-1"))
    key.handle_as_provided_dpop_nonce(_nonce_response("https://as2.example.com/token", "as-2"))
    key.handle_rs_provided_dpop_nonce(_nonce_response("https://rs1.example.com/api", "rs-1"))
    key.handle_rs_provided_dpop_nonce(_nonce_response("https://rs2.example.com/api", "rs-2"))
    key.handle_as_provided_dpop_nonce(_nonce_response("https://as1.example.com/token", "as-1b"))

    restored = DPoPKey(**key.as_dict())

    assert restored == key
    assert restored.as_nonce == "as-1b"  # the last one seen, as before
    assert restored.as_nonce_for("https://as1.example.com/token") == "as-1b"
    assert restored.as_nonce_for("https://as2.example.com/token") == "as-2"
    assert restored.as_nonce_for("https://as3.example.com/token") is None
    assert restored.proof("GET", "https://rs1.example.com/api").claims["nonce"] == "rs-1"
    assert restored.proof("GET", "https://rs2.example.com/x").claims["nonce"] == "rs-2"
    assert "nonce" not in restored.proof("GET", "https://rs3.example.com/api").claims


def test_nonces_set_by_hand_survive_as_dict(key: DPoPKey) -> None:
    key.handle_as_provided_dpop_nonce(_nonce_response("https://as1.example.com/token", "as-1"))
    key.as_nonce = "manual"  # for any server without its own
    restored = DPoPKey(**key.as_dict())
    assert restored == key
    assert restored.as_nonce_for("https://as1.example.com/token") == "as-1"
    assert restored.as_nonce_for("https://as9.example.com/token") == "manual"
    assert key.as_dict()["as_nonce"] == "manual"
    assert "rs_nonces" not in key.as_dict()  # only once servers provided some


def test_a_proof_nested_too_deeply_is_an_invalid_proof() -> None:
    from binapy import BinaPy

    deep = BinaPy(b"[" * 100_000 + b"]" * 100_000).to("b64u").ascii()
    with pytest.raises(InvalidDPoPProof):
        validate_dpop_proof(f"{deep}.e30.c2ln", htm="GET", htu="https://rs.example.com/x")
