"""Parse `WWW-Authenticate` headers into typed challenges (RFC 9110 §11.6.1).

A protected resource that refuses a request says why in one or more challenges: the scheme (`Bearer`, `DPoP`...)
and its parameters. The parameters this library acts upon are typed properties of `Challenge`:

| parameter | defined by | meaning |
|---|---|---|
| `realm` | RFC 9110 §11.5 | the protection space |
| `error`, `error_description`, `error_uri` | RFC 6750 §3 | why the token was refused |
| `scope` | RFC 6750 §3 | the scope the resource needs (`insufficient_scope`) |
| `resource_metadata` | RFC 9728 §5.1 | the URL of the protected resource metadata |
| `acr_values`, `max_age` | RFC 9470 §3 | the authentication the resource needs (`insufficient_user_authentication`) |
| `algs` | RFC 9449 §7.1 | the DPoP proof algs the resource accepts |

The grammar is the one of RFC 9110 §11.6.1: a comma-separated list of challenges, each a scheme followed either by a
`token68` or by a comma-separated list of `name=value` parameters, a value being a token or a quoted string (with
backslash escapes). Several challenges may share one header, and a response may have several `WWW-Authenticate`
headers (`requests` joins them with a comma, which the grammar allows). Empty list elements are ignored; a
parameter separated from its scheme by a comma is still read as a parameter of that challenge. Parameter names are
case-insensitive (stored lower-cased); when a name appears twice in one challenge, the first value is kept.

Anything that does not follow the grammar raises `InvalidWwwAuthenticate`, a `ValueError`: a header never makes
the parser fail with another exception.

Example:
    >>> challenges = parse_www_authenticate(
    ...     'Bearer error="insufficient_scope", scope="api:write", resource_metadata="https://rs.example/.well-known/'
    ...     'oauth-protected-resource/api", DPoP algs="ES256"'
    ... )
    >>> challenges[0].error, challenges[0].scope
    ('insufficient_scope', ('api:write',))
    >>> challenges[1].scheme, challenges[1].algs
    ('DPoP', ('ES256',))
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING

from attrs import field, frozen

if TYPE_CHECKING:
    import requests

__all__ = [
    "MAX_HEADER_LENGTH",
    "Challenge",
    "InvalidWwwAuthenticate",
    "find_challenge",
    "parse_www_authenticate",
    "response_challenges",
]

MAX_HEADER_LENGTH = 16384
"""The longest `WWW-Authenticate` value (all headers of a response together) that is parsed, in characters."""

# RFC 9110 §5.6.2 token, §11.2 token68, §5.6.4 quoted-string (qdtext, quoted-pair, obs-text), §5.6.3 OWS
_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_TOKEN68 = re.compile(r"[A-Za-z0-9\-._~+/]+=*(?=[ \t]*(?:,|\Z))")
_QUOTED = re.compile(r'"((?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]|\\[\t \x21-\x7e\x80-\xff])*)"')
_ESCAPE = re.compile(r"\\(.)")
_OWS = re.compile(r"[ \t]*")
_SEPARATORS = re.compile(r"[ \t,]*")
# a parameter starts here: a name, optional whitespace, then "=" (a new challenge never has "=" after its scheme)
_PARAM_START = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+[ \t]*=")
# characters a value cannot have, even in a quoted string (controls but HTAB, and anything beyond obs-text)
_UNQUOTABLE = re.compile(r"[^\t \x21-\x7e\x80-\xff]")


class InvalidWwwAuthenticate(ValueError):
    """A `WWW-Authenticate` header does not follow the syntax of RFC 9110 §11.6.1.

    Attributes:
        header: the header value (all headers of the response, joined with a comma).
        position: where in `header` the problem was found.
        reason: what was expected there.
    """

    def __init__(self, header: str, position: int, reason: str) -> None:
        shown = header[max(0, position - 20) : position + 20]
        super().__init__(f"Invalid WWW-Authenticate header at position {position} ({reason}), near {shown!r}.")
        self.header = header
        self.position = position
        self.reason = reason


def _lower_case_names(params: Mapping[str, str]) -> dict[str, str]:
    return {name.lower(): value for name, value in params.items()}


def _split(value: str | None) -> tuple[str, ...] | None:
    return None if value is None else tuple(value.split())


@frozen
class Challenge:
    """One authentication challenge of a `WWW-Authenticate` header.

    Args:
        scheme: the authentication scheme, as sent (compare it case-insensitively, or use `is_scheme()`).
        params: the parameters, by lower-cased name.
        token68: the `token68` value, for the schemes that use one instead of parameters.
    """

    scheme: str
    params: Mapping[str, str] = field(factory=dict, converter=_lower_case_names)
    token68: str | None = None

    def is_scheme(self, scheme: str) -> bool:
        """Tell whether this challenge has the given scheme (case-insensitively)."""
        return self.scheme.lower() == scheme.lower()

    def param(self, name: str) -> str | None:
        """Return the value of a parameter (its name is case-insensitive), or None when it has none."""
        return self.params.get(name.lower())

    @property
    def realm(self) -> str | None:
        """`realm` (RFC 9110 §11.5)."""
        return self.param("realm")

    @property
    def error(self) -> str | None:
        """`error` (RFC 6750 §3.1): `invalid_request`, `invalid_token`, `insufficient_scope`..."""
        return self.param("error")

    @property
    def error_description(self) -> str | None:
        """`error_description` (RFC 6750 §3), meant for developers."""
        return self.param("error_description")

    @property
    def error_uri(self) -> str | None:
        """`error_uri` (RFC 6750 §3)."""
        return self.param("error_uri")

    @property
    def scope(self) -> tuple[str, ...] | None:
        """`scope` (RFC 6750 §3): the scopes needed to access the resource, or None when absent."""
        return _split(self.param("scope"))

    @property
    def resource_metadata(self) -> str | None:
        """`resource_metadata` (RFC 9728 §5.1): the URL of the protected resource metadata."""
        return self.param("resource_metadata")

    @property
    def acr_values(self) -> tuple[str, ...] | None:
        """`acr_values` (RFC 9470 §3): the authentication context classes the resource accepts, or None."""
        return _split(self.param("acr_values"))

    @property
    def max_age(self) -> int | None:
        """`max_age` (RFC 9470 §3), in seconds: None when absent, or when it is not a non-negative integer."""
        value = self.param("max_age")
        if value is None or not value.isascii() or not value.isdigit():
            return None
        try:
            return int(value)
        except ValueError:  # more digits than Python converts
            return None

    @property
    def algs(self) -> tuple[str, ...] | None:
        """`algs` (RFC 9449 §7.1): the DPoP proof algs the resource accepts, or None."""
        return _split(self.param("algs"))

    def __str__(self) -> str:
        """The challenge in header syntax; every parameter value is a quoted string.

        Raises:
            ValueError: if the scheme or a parameter name is not a token, the `token68` is not one, or a value has
                characters that no header can carry (control characters other than tab, or beyond U+00FF).
        """
        if not _TOKEN.fullmatch(self.scheme):
            raise ValueError(f"the scheme {self.scheme!r} is not a token")
        if self.token68 is not None:
            if not re.fullmatch(r"[A-Za-z0-9\-._~+/]+=*", self.token68):
                raise ValueError("the token68 value is not a token68")
            return f"{self.scheme} {self.token68}"
        parts = []
        for name, value in self.params.items():
            if not _TOKEN.fullmatch(name):
                raise ValueError(f"the parameter name {name!r} is not a token")
            if _UNQUOTABLE.search(value):
                raise ValueError(f"the value of {name!r} has characters that a header cannot carry")
            quoted = value.replace("\\", "\\\\").replace('"', '\\"')
            parts.append(f'{name}="{quoted}"')
        return f"{self.scheme} {', '.join(parts)}" if parts else self.scheme


def parse_www_authenticate(headers: str | Iterable[str]) -> list[Challenge]:
    """Parse one `WWW-Authenticate` header value, or several, into the challenges they hold, in order.

    Args:
        headers: a header value, or an iterable of header values (one per `WWW-Authenticate` header).

    Returns:
        the challenges (an empty list for empty values).

    Raises:
        InvalidWwwAuthenticate: when a value does not follow the syntax, or is longer than `MAX_HEADER_LENGTH`.
    """
    values = [headers] if isinstance(headers, str) else list(headers)
    header = ", ".join(values)
    if len(header) > MAX_HEADER_LENGTH:
        raise InvalidWwwAuthenticate(header[:100], 0, f"longer than {MAX_HEADER_LENGTH} characters")
    return _Parser(header).challenges()


def response_challenges(response: requests.Response, *, strict: bool = True) -> list[Challenge]:
    """Return the challenges of the `WWW-Authenticate` headers of a response (none when it has no such header).

    Args:
        response: the response.
        strict: when False, a header that does not follow the syntax counts as no challenge at all (for code that
            only acts upon well-formed challenges, such as the response hooks that retry a request).

    Raises:
        InvalidWwwAuthenticate: when the header does not follow the syntax (with `strict`).
    """
    header = response.headers.get("WWW-Authenticate")
    if not header:
        return []
    try:
        return parse_www_authenticate(header)
    except InvalidWwwAuthenticate:
        if strict:
            raise
        return []


def find_challenge(challenges: Iterable[Challenge], scheme: str) -> Challenge | None:
    """Return the first challenge of a scheme (compared case-insensitively), or None."""
    return next((challenge for challenge in challenges if challenge.is_scheme(scheme)), None)


class _Parser:
    """A single left-to-right pass over a header value; each step either advances or raises."""

    def __init__(self, header: str) -> None:
        self.header = header
        self.pos = 0

    def fail(self, reason: str) -> InvalidWwwAuthenticate:
        return InvalidWwwAuthenticate(self.header, self.pos, reason)

    def skip(self, pattern: re.Pattern[str]) -> None:
        match = pattern.match(self.header, self.pos)
        if match is not None:
            self.pos = match.end()

    def at_end(self) -> bool:
        return self.pos >= len(self.header)

    def token(self, what: str) -> str:
        match = _TOKEN.match(self.header, self.pos)
        if match is None:
            raise self.fail(f"expected {what}")
        self.pos = match.end()
        return match.group()

    def challenges(self) -> list[Challenge]:
        result: list[Challenge] = []
        self.skip(_SEPARATORS)
        while not self.at_end():
            result.append(self.challenge())
            self.skip(_SEPARATORS)
        return result

    def challenge(self) -> Challenge:
        scheme = self.token("an authentication scheme")
        start = self.pos
        self.skip(_OWS)
        if self.pos > start and not self.at_end() and self.header[self.pos] != ",":
            token68 = _TOKEN68.match(self.header, self.pos)
            if token68 is not None:
                self.pos = token68.end()
                return Challenge(scheme, token68=token68.group())
        params: dict[str, str] = {}
        while True:
            self.skip(_OWS)
            if self.at_end():
                break
            if self.header[self.pos] == ",":
                after = _SEPARATORS.match(self.header, self.pos)
                next_start = after.end() if after is not None else self.pos
                if not _PARAM_START.match(self.header, next_start):
                    break  # a new challenge, or the end
                self.pos = next_start
            elif params:
                raise self.fail("expected a comma")
            name, value = self.param()
            params.setdefault(name.lower(), value)
        return Challenge(scheme, params)

    def param(self) -> tuple[str, str]:
        name = self.token("a parameter name")
        self.skip(_OWS)
        if self.at_end() or self.header[self.pos] != "=":
            raise self.fail("expected '='")
        self.pos += 1
        self.skip(_OWS)
        if not self.at_end() and self.header[self.pos] == '"':
            quoted = _QUOTED.match(self.header, self.pos)
            if quoted is None:
                raise self.fail("unterminated quoted string, or a character that it cannot hold")
            self.pos = quoted.end()
            return name, _ESCAPE.sub(r"\1", quoted.group(1))
        return name, self.token("a token or a quoted string as value")
