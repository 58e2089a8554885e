"""Proof Key for Code Exchange (PKCE, RFC 7636): code verifiers and code challenges.

Pure functions, no I/O. `PkceUtils` and its errors are also importable from `authorization_request`.
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from typing import ClassVar

from requests_oauth2client.enums import CodeChallengeMethods

__all__ = ["InvalidCodeVerifierParam", "PkceUtils", "UnsupportedCodeChallengeMethod"]


class InvalidCodeVerifierParam(ValueError):
    """A code verifier does not match the RFC 7636 syntax (43 to 128 characters among `A-Z a-z 0-9 - . _ ~`).

    The verifier is kept in `.code_verifier` but never shown in the message.

    Attributes:
        code_verifier: the offending code verifier.
    """

    def __init__(self, code_verifier: object) -> None:
        super().__init__(
            "Invalid code verifier: it must be 43 to 128 characters long, "
            "using only letters, digits and the characters '-', '.', '_' and '~'."
        )
        self.code_verifier = code_verifier


class UnsupportedCodeChallengeMethod(ValueError):
    """The code challenge method is neither `S256` nor `plain` (raised with the method as its argument)."""


def _b64u_sha256(value: str) -> str:
    digest = hashlib.sha256(value.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class PkceUtils:
    """Helpers to generate and check PKCE code verifiers and code challenges.

    Example:
        >>> verifier, challenge = PkceUtils.generate_code_verifier_and_challenge()
        >>> PkceUtils.validate_code_verifier(verifier, challenge)
        True
    """

    code_verifier_pattern: ClassVar[re.Pattern[str]] = re.compile(r"^[a-zA-Z0-9_\-~.]{43,128}$")
    """The syntax of a valid code verifier (RFC 7636 §4.1)."""

    @classmethod
    def generate_code_verifier(cls) -> str:
        """Generate a 128-character code verifier from 96 random bytes (base64url, no padding).

        Returns:
            a fresh random code verifier.
        """
        return secrets.token_urlsafe(96)

    @classmethod
    def derive_challenge(cls, verifier: str | bytes, method: str = CodeChallengeMethods.S256) -> str:
        """Derive the code challenge for a code verifier.

        Args:
            verifier: the code verifier (bytes are decoded as ASCII).
            method: `S256` (base64url of the SHA-256 digest of the verifier) or `plain` (the verifier itself).

        Returns:
            the code challenge.

        Raises:
            InvalidCodeVerifierParam: if the verifier does not match `code_verifier_pattern`.
            UnsupportedCodeChallengeMethod: if the method is neither `S256` nor `plain`.
        """
        if isinstance(verifier, bytes):
            try:
                verifier = verifier.decode("ascii")
            except UnicodeDecodeError:
                raise InvalidCodeVerifierParam(verifier) from None
        # fullmatch: `$` alone would also accept a trailing newline.
        if not isinstance(verifier, str) or not cls.code_verifier_pattern.fullmatch(verifier):
            raise InvalidCodeVerifierParam(verifier)
        if method == CodeChallengeMethods.S256:
            return _b64u_sha256(verifier)
        if method == CodeChallengeMethods.plain:
            return verifier
        raise UnsupportedCodeChallengeMethod(method)

    @classmethod
    def generate_code_verifier_and_challenge(cls, method: str = CodeChallengeMethods.S256) -> tuple[str, str]:
        """Generate a code verifier and derive its code challenge.

        Args:
            method: the code challenge method.

        Returns:
            a `(code_verifier, code_challenge)` tuple.

        Raises:
            UnsupportedCodeChallengeMethod: if the method is neither `S256` nor `plain`.
        """
        verifier = cls.generate_code_verifier()
        return verifier, cls.derive_challenge(verifier, method)

    @classmethod
    def validate_code_verifier(cls, verifier: str, challenge: str, method: str = CodeChallengeMethods.S256) -> bool:
        """Tell whether a code verifier matches a code challenge (compared in constant time).

        Args:
            verifier: the code verifier.
            challenge: the code challenge.
            method: the code challenge method.

        Returns:
            `True` if the verifier matches the challenge, `False` otherwise (including a malformed verifier).

        Raises:
            UnsupportedCodeChallengeMethod: if the method is neither `S256` nor `plain`.
        """
        try:
            derived = cls.derive_challenge(verifier, method)
        except InvalidCodeVerifierParam:
            return False
        if not isinstance(challenge, str):
            return False
        return secrets.compare_digest(derived.encode("ascii"), challenge.encode("utf-8"))
