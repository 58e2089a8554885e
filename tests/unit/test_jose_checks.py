"""Tests for `requests_oauth2client._jose.checks`: the key and alg rules shared by every JWT of the AS, and the
choice of the AS key that request objects are encrypted to (the validators' own tests cover the rest)."""

from __future__ import annotations

from typing import Any

import jwskate
import pytest

from requests_oauth2client._jose.checks import encryption_key, parse_jws_or_jwe, parse_signed_jwt

RSA_ENC = jwskate.Jwk.generate(alg="RSA-OAEP-256", kid="rsa-enc").public_jwk()
EC_ENC = jwskate.Jwk.generate(alg="ECDH-ES", crv="P-256", kid="ec-enc").public_jwk()
SIG = jwskate.Jwk.generate(alg="RS256", kid="sig").public_jwk()


def jwk(key: jwskate.Jwk, **members: Any) -> dict[str, Any]:
    """A public key with members changed (a None value removes the member)."""
    data = {**key, **members}
    return {name: value for name, value in data.items() if value is not None}


def test_encryption_key_is_chosen_by_alg_and_use() -> None:
    jwks = {"keys": [jwk(SIG, use="sig"), jwk(RSA_ENC, use="enc"), jwk(EC_ENC, use="enc")]}
    assert encryption_key(jwks, "RSA-OAEP-256").kid == "rsa-enc"
    assert encryption_key(jwskate.JwkSet(jwks), "ECDH-ES").kid == "ec-enc"
    # keys without alg nor use are suitable when their type supports the alg
    assert encryption_key({"keys": [jwk(RSA_ENC, alg=None)]}, "RSA-OAEP").kid == "rsa-enc"
    assert not encryption_key(jwks, "RSA-OAEP-256").is_private


@pytest.mark.parametrize(
    ("keys", "alg"),
    [
        ([jwk(SIG, use="sig")], "RSA-OAEP-256"),  # a signing key is never an encryption key
        ([jwk(RSA_ENC, use="sig")], "RSA-OAEP-256"),
        ([jwk(RSA_ENC, key_ops=["verify"])], "RSA-OAEP-256"),
        ([jwk(RSA_ENC)], "RSA-OAEP"),  # the key's alg is another one
        ([jwk(EC_ENC)], "RSA-OAEP-256"),  # a key type that cannot do the alg
        ([jwk(RSA_ENC, alg=None), jwk(RSA_ENC, alg=None, kid="other")], "RSA-OAEP-256"),  # two: ambiguous
        ([], "RSA-OAEP-256"),
        ([jwk(RSA_ENC, alg=None)], "RSA1_5"),  # refused whatever the keys
    ],
)
def test_no_single_encryption_key(keys: list[dict[str, Any]], alg: str) -> None:
    with pytest.raises(ValueError, match=alg):
        encryption_key({"keys": keys}, alg)


def test_key_ops_allowing_encryption() -> None:
    assert encryption_key({"keys": [jwk(RSA_ENC, key_ops=["wrapKey"])]}, "RSA-OAEP-256").kid == "rsa-enc"
    assert encryption_key({"keys": [jwk(EC_ENC, key_ops=["deriveKey"])]}, "ECDH-ES").kid == "ec-enc"


@pytest.mark.parametrize("value", ["", "a.b", "a.b.c", 12, None, b"\x00.\x01.\x02", "e30.W10.AA"])
def test_parse_refuses_anything_but_jws_or_jwe(value: Any) -> None:
    assert parse_jws_or_jwe(value) is None


def test_parse_signed_jwt() -> None:
    jwt = jwskate.Jwt.sign({"a": 1}, jwskate.Jwk.generate(alg="ES256"))
    assert parse_signed_jwt(bytes(jwt)) == jwt
    assert parse_jws_or_jwe(jwt) == jwt
    with pytest.raises(ValueError, match="JSON objects"):
        parse_signed_jwt("e30.W10.AA")  # header {} and payload []
