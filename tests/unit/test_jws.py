"""`_jose.jws`: the one writer of our own compact JWS (DPoP proofs, client assertions), checked with jwskate."""

from __future__ import annotations

import copy
import pickle

import jwskate
import pytest

from requests_oauth2client._jose.jws import JwsWriter, WrittenJwt

ALGS = ["ES256", "ES384", "ES512", "RS256", "PS256", "EdDSA", "HS256", "HS512"]


@pytest.mark.parametrize("alg", ALGS)
def test_what_the_writer_signs_jwskate_verifies(alg: str) -> None:
    key = jwskate.Jwk.generate(alg=alg, kid="k")
    writer = JwsWriter(key, alg, {"alg": alg, "kid": "k", "typ": "test+jwt"})
    claims = {"iss": "me", "n": 1, "text": 'é"\\\u2028', "list": [1, "a"], "nested": {"a": None}}
    value, signature = writer.sign(claims)
    parsed = jwskate.SignedJwt(value)
    assert parsed.headers == {"alg": alg, "kid": "k", "typ": "test+jwt"}
    assert parsed.claims == claims
    assert bytes(parsed.signature) == signature
    verifying_key = key if key.is_symmetric else key.public_jwk()
    assert parsed.verify_signature(verifying_key, alg=alg)
    assert writer.compact(claims).count(".") == 2


@pytest.mark.parametrize(("alg", "size"), [("ES256", 64), ("ES384", 96), ("ES512", 132)])
def test_ecdsa_signatures_are_the_fixed_size_r_and_s_of_jws(alg: str, size: int) -> None:
    writer = JwsWriter(jwskate.Jwk.generate(alg=alg), alg, {"alg": alg})
    for _ in range(20):  # r or s with leading zero bytes must keep their size
        assert len(writer.sign({"a": 1})[1]) == size


def test_a_public_key_cannot_write() -> None:
    public = jwskate.Jwk.generate(alg="ES256").public_jwk()
    with pytest.raises(ValueError, match="private key"):
        JwsWriter(public, "ES256", {"alg": "ES256"})


def test_an_alg_the_key_does_not_support_is_refused() -> None:
    with pytest.raises(jwskate.UnsupportedAlg):
        JwsWriter(jwskate.ECJwk.generate(crv="P-256"), "RS256", {"alg": "RS256"})


def test_a_written_jwt_is_the_signed_jwt_jwskate_would_parse() -> None:
    key = jwskate.Jwk.generate(alg="ES256")
    writer = JwsWriter(key, "ES256", {"alg": "ES256", "typ": "dpop+jwt"})
    claims = {"jti": "j", "iat": 1}
    value, signature = writer.sign(claims)
    written = WrittenJwt(value, writer.header, claims, signature)
    parsed = jwskate.SignedJwt(value)
    assert isinstance(written, jwskate.SignedJwt)
    assert written == parsed
    assert (written.headers, written.claims, written.signature) == (parsed.headers, parsed.claims, parsed.signature)
    assert written.signed_part == parsed.signed_part
    assert written.verify_signature(key.public_jwk(), alg="ES256")
    for restored in (pickle.loads(pickle.dumps(written)), copy.copy(written)):  # noqa: S301 - our own object
        assert type(restored) is jwskate.SignedJwt
        assert restored == parsed
