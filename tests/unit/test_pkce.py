from __future__ import annotations

import base64
import hashlib
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from requests_oauth2client.authorization_request import (
    InvalidCodeVerifierParam as ReexportedInvalidCodeVerifierParam,
)
from requests_oauth2client.authorization_request import PkceUtils as ReexportedPkceUtils
from requests_oauth2client.enums import CodeChallengeMethods
from requests_oauth2client.pkce import InvalidCodeVerifierParam, PkceUtils, UnsupportedCodeChallengeMethod

VERIFIER_ALPHABET = string.ascii_letters + string.digits + "-._~"
valid_verifiers = st.text(alphabet=VERIFIER_ALPHABET, min_size=43, max_size=128)

# RFC 7636 Appendix B
RFC_VERIFIER = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
RFC_CHALLENGE = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"


def test_reexported_from_authorization_request() -> None:
    assert ReexportedPkceUtils is PkceUtils
    assert ReexportedInvalidCodeVerifierParam is InvalidCodeVerifierParam


def test_generate_code_verifier() -> None:
    verifier = PkceUtils.generate_code_verifier()
    assert len(verifier) == 128
    assert PkceUtils.code_verifier_pattern.fullmatch(verifier)
    assert verifier != PkceUtils.generate_code_verifier()


def test_rfc7636_test_vector() -> None:
    assert PkceUtils.derive_challenge(RFC_VERIFIER) == RFC_CHALLENGE
    assert PkceUtils.derive_challenge(RFC_VERIFIER.encode(), CodeChallengeMethods.S256) == RFC_CHALLENGE
    assert PkceUtils.validate_code_verifier(RFC_VERIFIER, RFC_CHALLENGE)


def test_derive_challenge_s256() -> None:
    verifier = "a" * 43
    expected = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest()).rstrip(b"=").decode()
    assert PkceUtils.derive_challenge(verifier) == expected
    assert PkceUtils.derive_challenge(verifier, "S256") == expected


def test_derive_challenge_plain() -> None:
    verifier = "b" * 50
    assert PkceUtils.derive_challenge(verifier, "plain") == verifier
    assert PkceUtils.derive_challenge(verifier, CodeChallengeMethods.plain) == verifier


@pytest.mark.parametrize(
    "verifier",
    ["a" * 42, "a" * 129, "a" * 43 + "\n", "a" * 42 + "!", "a" * 42 + "é", "", b"\xff" * 43, "a" * 42 + " "],
)
def test_invalid_code_verifier(verifier: str | bytes) -> None:
    with pytest.raises(InvalidCodeVerifierParam) as exc_info:
        PkceUtils.derive_challenge(verifier)
    assert exc_info.value.code_verifier == verifier
    assert isinstance(exc_info.value, ValueError)


def test_invalid_code_verifier_message_does_not_leak_the_verifier() -> None:
    verifier = "secretvalue" * 20  # too long
    with pytest.raises(InvalidCodeVerifierParam) as exc_info:
        PkceUtils.derive_challenge(verifier)
    assert "secretvalue" not in str(exc_info.value)


def test_unsupported_method() -> None:
    with pytest.raises(UnsupportedCodeChallengeMethod) as exc_info:
        PkceUtils.derive_challenge("a" * 43, "foo")
    assert exc_info.value.args == ("foo",)
    assert isinstance(exc_info.value, ValueError)
    with pytest.raises(UnsupportedCodeChallengeMethod):
        PkceUtils.generate_code_verifier_and_challenge("s256")


def test_generate_code_verifier_and_challenge() -> None:
    verifier, challenge = PkceUtils.generate_code_verifier_and_challenge()
    assert len(verifier) == 128
    assert challenge == PkceUtils.derive_challenge(verifier)
    assert len(challenge) == 43
    verifier, challenge = PkceUtils.generate_code_verifier_and_challenge("plain")
    assert verifier == challenge


def test_validate_code_verifier() -> None:
    verifier, challenge = PkceUtils.generate_code_verifier_and_challenge()
    assert PkceUtils.validate_code_verifier(verifier, challenge) is True
    assert PkceUtils.validate_code_verifier(verifier, challenge[:-1] + ("A" if challenge[-1] != "A" else "B")) is False
    assert PkceUtils.validate_code_verifier("short", challenge) is False
    assert PkceUtils.validate_code_verifier(verifier, verifier, "plain") is True
    assert PkceUtils.validate_code_verifier(verifier, challenge, "plain") is False


@given(valid_verifiers)
def test_round_trip_s256(verifier: str) -> None:
    challenge = PkceUtils.derive_challenge(verifier)
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", challenge)
    assert PkceUtils.validate_code_verifier(verifier, challenge)
    assert PkceUtils.validate_code_verifier(verifier, challenge, "S256")


@given(valid_verifiers)
def test_round_trip_plain(verifier: str) -> None:
    assert PkceUtils.derive_challenge(verifier, "plain") == verifier
    assert PkceUtils.validate_code_verifier(verifier, verifier, "plain")


@given(st.text(max_size=200))
def test_pattern_decides_validity(candidate: str) -> None:
    valid = len(candidate) >= 43 and len(candidate) <= 128 and all(c in VERIFIER_ALPHABET for c in candidate)
    if valid:
        assert PkceUtils.derive_challenge(candidate, "plain") == candidate
    else:
        with pytest.raises(InvalidCodeVerifierParam):
            PkceUtils.derive_challenge(candidate)
