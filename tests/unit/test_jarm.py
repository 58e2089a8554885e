from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest
from binapy import BinaPy
from jwskate import Jwk, JwkSet, Jwt

from requests_oauth2client.exceptions import InvalidAuthResponse
from requests_oauth2client.jarm import JARM_RESPONSE_MODES, InvalidJarmResponse, verify_jarm_response

ISSUER = "https://as.example.com"
CLIENT_ID = "client"
NOW = datetime(2024, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
NOW_TS = int(NOW.timestamp())


@pytest.fixture(scope="module")
def as_key() -> Jwk:
    return Jwk.generate(alg="ES256", kid="as-key")


@pytest.fixture(scope="module")
def as_jwks(as_key: Jwk) -> JwkSet:
    return JwkSet(keys=[as_key.public_jwk()])


def claims(**overrides: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "iss": ISSUER,
        "aud": CLIENT_ID,
        "exp": NOW_TS + 60,
        "code": "the-code",
        "state": "the-state",
    }
    base.update(overrides)
    return {k: v for k, v in base.items() if v is not None}


def verify(response: str, jwks: JwkSet, **kwargs: Any) -> dict[str, str]:
    kwargs.setdefault("issuer", ISSUER)
    kwargs.setdefault("client_id", CLIENT_ID)
    kwargs.setdefault("now", NOW)
    return verify_jarm_response(response, jwks=jwks, **kwargs)


def test_response_modes() -> None:
    assert {"jwt", "query.jwt", "fragment.jwt", "form_post.jwt"} == JARM_RESPONSE_MODES


def test_valid_response(as_key: Jwk, as_jwks: JwkSet) -> None:
    token = Jwt.sign(claims(session_state="s"), as_key)
    assert verify(str(token), as_jwks) == {
        "iss": ISSUER,
        "code": "the-code",
        "state": "the-state",
        "session_state": "s",
    }


def test_audience_list(as_key: Jwk, as_jwks: JwkSet) -> None:
    token = Jwt.sign(claims(aud=["other", CLIENT_ID]), as_key)
    assert verify(str(token), as_jwks)["code"] == "the-code"


def test_non_string_claims_become_json(as_key: Jwk, as_jwks: JwkSet) -> None:
    token = Jwt.sign(claims(expires_in=3600, details={"a": [1]}), as_key)
    params = verify(str(token), as_jwks)
    assert params["expires_in"] == "3600"
    assert params["details"] == '{"a":[1]}'


def test_key_without_kid_in_single_key_set() -> None:
    key = Jwk.generate(alg="ES256")  # no kid
    token = Jwt.sign(claims(), key)
    assert "kid" not in token.headers
    assert verify(str(token), JwkSet(keys=[key.public_jwk()]))["state"] == "the-state"


def test_key_without_kid_and_several_suitable_keys_is_refused() -> None:
    # as for ID Tokens: a token without kid may not pick whichever key of the JWKS verifies it
    key = Jwk.generate(alg="ES256")
    token = Jwt.sign(claims(), key)
    jwks = JwkSet(keys=[Jwk.generate(alg="ES256", kid="other").public_jwk(), key.public_jwk()])
    with pytest.raises(InvalidJarmResponse, match="several keys"):
        verify(str(token), jwks)


def test_exception_is_an_invalid_auth_response(as_key: Jwk, as_jwks: JwkSet) -> None:
    token = str(Jwt.sign(claims(iss="https://evil.example.com"), as_key))
    with pytest.raises(InvalidJarmResponse) as exc_info:
        verify(token, as_jwks)
    assert isinstance(exc_info.value, InvalidAuthResponse)
    assert isinstance(exc_info.value, ValueError)
    assert exc_info.value.response == token
    assert str(exc_info.value).startswith("The Authorization Response is invalid: ")
    assert "`iss`" in exc_info.value.detail


def test_bad_signature(as_jwks: JwkSet) -> None:
    attacker_key = Jwk.generate(alg="ES256", kid="as-key")  # same kid, other key
    token = Jwt.sign(claims(), attacker_key)
    with pytest.raises(InvalidJarmResponse, match="signature is invalid"):
        verify(str(token), as_jwks)


def test_tampered_payload(as_key: Jwk, as_jwks: JwkSet) -> None:
    good = str(Jwt.sign(claims(), as_key))
    forged = str(Jwt.sign(claims(code="evil"), Jwk.generate(alg="ES256")))
    header, _, signature = good.split(".")
    tampered = ".".join((header, forged.split(".")[1], signature))
    with pytest.raises(InvalidJarmResponse):
        verify(tampered, as_jwks)


def test_unknown_kid(as_jwks: JwkSet) -> None:
    token = Jwt.sign(claims(), Jwk.generate(alg="ES256", kid="other"))
    with pytest.raises(InvalidJarmResponse, match="no Authorization Server key"):
        verify(str(token), as_jwks)


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"iss": "https://evil.example.com"}, "`iss`"),
        ({"iss": None}, "`iss`"),
        ({"aud": "other-client"}, "`aud`"),
        ({"aud": ["a", "b"]}, "`aud`"),
        ({"aud": None}, "`aud`"),
        ({"aud": 42}, "`aud`"),
        ({"exp": NOW_TS - 1}, "expired"),
        ({"exp": NOW_TS}, "expired"),
        ({"exp": None}, "`exp`"),
        ({"exp": "tomorrow"}, "`exp`"),
        ({"exp": True}, "`exp`"),
        ({"nbf": NOW_TS + 30}, "`nbf`"),
        ({"nbf": "soon"}, "`nbf`"),
    ],
)
def test_refused_claims(as_key: Jwk, as_jwks: JwkSet, overrides: dict[str, Any], message: str) -> None:
    token = Jwt.sign(claims(**overrides), as_key)
    with pytest.raises(InvalidJarmResponse, match=message):
        verify(str(token), as_jwks)


def test_expiry_uses_current_time_by_default(as_key: Jwk, as_jwks: JwkSet) -> None:
    expired = Jwt.sign(claims(exp=NOW_TS), as_key)
    with pytest.raises(InvalidJarmResponse, match="expired"):
        verify_jarm_response(str(expired), jwks=as_jwks, issuer=ISSUER, client_id=CLIENT_ID)


def test_leeway(as_key: Jwk, as_jwks: JwkSet) -> None:
    token = Jwt.sign(claims(exp=NOW_TS - 5), as_key)
    assert verify(str(token), as_jwks, leeway=10)["code"] == "the-code"


def test_alg_none_is_refused(as_key: Jwk, as_jwks: JwkSet) -> None:
    unsigned = Jwt.sign(claims(), as_key).unprotect()
    assert unsigned.alg == "none"
    with pytest.raises(InvalidJarmResponse, match="unsupported signature alg"):
        verify(str(unsigned), as_jwks)


def test_hmac_is_refused() -> None:
    # An AS public key must never be used as an HMAC secret, and symmetric keys are not AS keys.
    secret = Jwk.generate(alg="HS256", kid="as-key")
    token = Jwt.sign(claims(), secret)
    with pytest.raises(InvalidJarmResponse, match="unsupported signature alg 'HS256'"):
        verify(str(token), JwkSet(keys=[secret]))


def test_expected_alg(as_key: Jwk, as_jwks: JwkSet) -> None:
    token = str(Jwt.sign(claims(), as_key))
    assert verify(token, as_jwks, alg="ES256")["code"] == "the-code"
    with pytest.raises(InvalidJarmResponse, match="instead of 'RS256'"):
        verify(token, as_jwks, alg="RS256")


def test_empty_key_set(as_key: Jwk) -> None:
    token = Jwt.sign(claims(), as_key)
    with pytest.raises(InvalidJarmResponse, match="no Authorization Server keys"):
        verify(str(token), JwkSet())


@pytest.mark.parametrize("garbage", ["not-a-jwt", "a.b.c", "a.b.c.d.e", "", "a.b", 42])
def test_garbage(as_jwks: JwkSet, garbage: Any) -> None:
    with pytest.raises(InvalidJarmResponse):
        verify(garbage, as_jwks)


def test_claims_not_an_object(as_key: Jwk, as_jwks: JwkSet) -> None:
    token = Jwt.sign_arbitrary(claims=["a"], headers={"alg": "ES256", "kid": "as-key"}, key=as_key)  # type: ignore[arg-type]
    with pytest.raises(InvalidJarmResponse):
        verify(str(token), as_jwks)


class TestEncrypted:
    @pytest.fixture(scope="class")
    @classmethod
    def client_enc_key(cls) -> Jwk:
        return Jwk.generate(alg="ECDH-ES+A256KW", crv="P-256", kid="client-enc")

    def test_decrypted_with_the_client_key(self, as_key: Jwk, as_jwks: JwkSet, client_enc_key: Jwk) -> None:
        jwe = Jwt.sign(claims(), as_key).encrypt(client_enc_key.public_jwk(), enc="A256GCM")
        params = verify(str(jwe), as_jwks, decryption_key=client_enc_key)
        assert params["code"] == "the-code"

    def test_refused_without_decryption_key(self, as_key: Jwk, as_jwks: JwkSet, client_enc_key: Jwk) -> None:
        jwe = Jwt.sign(claims(), as_key).encrypt(client_enc_key.public_jwk(), enc="A256GCM")
        with pytest.raises(InvalidJarmResponse, match="no decryption key"):
            verify(str(jwe), as_jwks)

    def test_wrong_decryption_key(self, as_key: Jwk, as_jwks: JwkSet, client_enc_key: Jwk) -> None:
        jwe = Jwt.sign(claims(), as_key).encrypt(client_enc_key.public_jwk(), enc="A256GCM")
        with pytest.raises(InvalidJarmResponse, match="cannot be decrypted"):
            verify(str(jwe), as_jwks, decryption_key=Jwk.generate(alg="ECDH-ES+A256KW", crv="P-256"))

    def test_inner_signature_still_verified(self, as_jwks: JwkSet, client_enc_key: Jwk) -> None:
        jwe = Jwt.sign(claims(), Jwk.generate(alg="ES256", kid="as-key")).encrypt(
            client_enc_key.public_jwk(), enc="A256GCM"
        )
        with pytest.raises(InvalidJarmResponse, match="signature"):
            verify(str(jwe), as_jwks, decryption_key=client_enc_key)

    def test_rsa1_5_is_refused(self, as_jwks: JwkSet) -> None:
        # jwskate refuses to encrypt with RSA1_5, so the JWE is forged by hand: it must not even be tried.
        header = BinaPy.serialize_to("json", {"alg": "RSA1_5", "enc": "A128CBC-HS256"}).to("b64u").decode()
        jwe = ".".join((header, "AAAA", "AAAAAAAAAAAAAAAAAAAAAA", "AAAA", "AAAAAAAAAAAAAAAAAAAAAA"))
        rsa_key = Jwk.generate(alg="RSA-OAEP-256", key_size=2048)
        with pytest.raises(InvalidJarmResponse, match="refused key management alg 'RSA1_5'"):
            verify(jwe, as_jwks, decryption_key=rsa_key)

    def test_garbage_jwe(self, as_jwks: JwkSet, client_enc_key: Jwk) -> None:
        with pytest.raises(InvalidJarmResponse, match="not a valid JWE"):
            verify("a.b.c.d.e", as_jwks, decryption_key=client_enc_key)
