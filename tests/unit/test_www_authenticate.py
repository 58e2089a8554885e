"""WWW-Authenticate parsing: the examples of the RFCs, the grammar's corners, and properties on any input."""

from __future__ import annotations

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from requests_oauth2client.www_authenticate import (
    MAX_HEADER_LENGTH,
    Challenge,
    InvalidWwwAuthenticate,
    find_challenge,
    parse_www_authenticate,
    response_challenges,
)

# ------------------------------------------------------------------------------------------ RFC examples


def test_rfc9110_example_with_two_challenges_escapes_and_a_token_value() -> None:
    """RFC 9110 §11.6.1: two challenges in one header, a token value and an escaped quote."""
    header = 'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"'
    assert parse_www_authenticate(header) == [
        Challenge("Newauth", {"realm": "apps", "type": "1", "title": 'Login to "apps"'}),
        Challenge("Basic", {"realm": "simple"}),
    ]


def test_rfc6750_examples() -> None:
    """RFC 6750 §3: a bare realm, and an invalid_token error."""
    (plain,) = parse_www_authenticate('Bearer realm="example"')
    assert plain.scheme == "Bearer"
    assert plain.realm == "example"
    assert plain.error is None
    (expired,) = parse_www_authenticate(
        'Bearer realm="example",\n                       error="invalid_token",\n'
        '                       error_description="The access token expired"'.replace("\n", "")
    )
    assert expired.error == "invalid_token"
    assert expired.error_description == "The access token expired"
    assert expired.realm == "example"


def test_rfc6750_insufficient_scope() -> None:
    (challenge,) = parse_www_authenticate(
        'Bearer realm="example", error="insufficient_scope", scope="api:read api:write", error_uri="https://x/e"'
    )
    assert challenge.error == "insufficient_scope"
    assert challenge.scope == ("api:read", "api:write")
    assert challenge.error_uri == "https://x/e"


def test_rfc9449_dpop_examples() -> None:
    """RFC 9449 §7.1 and §9: algs, an invalid_token error, and the use_dpop_nonce error."""
    (algs,) = parse_www_authenticate('DPoP algs="ES256 PS256"')
    assert algs.is_scheme("dpop")
    assert algs.algs == ("ES256", "PS256")
    (binding,) = parse_www_authenticate(
        'DPoP error="invalid_token", error_description="Invalid DPoP key binding", algs="ES256"'
    )
    assert binding.error == "invalid_token"
    assert binding.algs == ("ES256",)
    (nonce,) = parse_www_authenticate(
        'DPoP error="use_dpop_nonce", error_description="Resource server requires nonce in DPoP proof"'
    )
    assert nonce.error == "use_dpop_nonce"


def test_rfc9728_examples() -> None:
    """RFC 9728 §5.1 and §5.3: resource_metadata, with and without an error."""
    url = "https://resource.example.com/.well-known/oauth-protected-resource"
    (bare,) = parse_www_authenticate(f'Bearer resource_metadata="{url}"')
    assert bare.resource_metadata == url
    (error,) = parse_www_authenticate(
        'Bearer error="invalid_request", error_description="No access token was provided in this request", '
        f'resource_metadata="{url}"'
    )
    assert error.error == "invalid_request"
    assert error.resource_metadata == url


def test_rfc9470_examples() -> None:
    """RFC 9470 §3: acr_values, and max_age."""
    (acr,) = parse_www_authenticate(
        'Bearer error="insufficient_user_authentication", '
        'error_description="A different authentication level is required", acr_values="myACR"'
    )
    assert acr.error == "insufficient_user_authentication"
    assert acr.acr_values == ("myACR",)
    assert acr.max_age is None
    (age,) = parse_www_authenticate(
        'Bearer error="insufficient_user_authentication", '
        'error_description="More recent authentication is required", max_age="5"'
    )
    assert age.max_age == 5
    assert age.acr_values is None


def test_the_test_servers_challenges() -> None:
    """What the test server's protected resource sends: Bearer and DPoP challenges in one header."""
    header = (
        'Bearer realm="/api/resource", error="insufficient_scope", error_description="needs \'api:write\'", '
        'scope="api:write", resource_metadata="http://127.0.0.1:9/.well-known/oauth-protected-resource/api/write/x", '
        'DPoP realm="/api/resource", algs="ES256 EdDSA", '
        'resource_metadata="http://127.0.0.1:9/.well-known/oauth-protected-resource/api/write/x"'
    )
    bearer, dpop = parse_www_authenticate(header)
    assert bearer.scope == ("api:write",)
    assert dpop.error is None
    assert dpop.algs == ("ES256", "EdDSA")
    assert find_challenge([bearer, dpop], "dpop") is dpop
    assert find_challenge([bearer, dpop], "Basic") is None


# ------------------------------------------------------------------------------------------ grammar


def test_token68() -> None:
    assert parse_www_authenticate("Negotiate YII/+abc==, Basic") == [
        Challenge("Negotiate", token68="YII/+abc=="),
        Challenge("Basic"),
    ]
    # "a=" alone is a token68 (a parameter needs a value)
    assert parse_www_authenticate("Foo a=") == [Challenge("Foo", token68="a=")]


def test_several_headers_and_empty_elements() -> None:
    assert parse_www_authenticate(['Bearer realm="a"', " , ", 'DPoP algs="ES256"']) == [
        Challenge("Bearer", {"realm": "a"}),
        Challenge("DPoP", {"algs": "ES256"}),
    ]
    assert parse_www_authenticate(", ,Bearer ,, realm=x ,") == [Challenge("Bearer", {"realm": "x"})]
    assert parse_www_authenticate("") == []


def test_case_of_names_and_first_value_wins() -> None:
    (challenge,) = parse_www_authenticate('bearer ERROR="invalid_token", error="other", Realm = "r"')
    assert challenge.scheme == "bearer"
    assert challenge.is_scheme("Bearer")
    assert challenge.error == "invalid_token"
    assert challenge.param("REALM") == "r"


def test_a_parameter_after_a_comma_belongs_to_the_challenge_before() -> None:
    assert parse_www_authenticate('Bearer, realm="x", Basic') == [
        Challenge("Bearer", {"realm": "x"}),
        Challenge("Basic"),
    ]


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ('Bearer realm="x" error="y"', "expected a comma"),
        ('Bearer realm="unterminated', "unterminated quoted string"),
        ('Bearer realm="a\x01b"', "unterminated quoted string"),
        ('Bearer realm="\u20ac"', "unterminated quoted string"),
        ('="x"', "expected an authentication scheme"),
        ('Bearer realm="x", error=', "expected a token or a quoted string"),
        ("Bearer a b", "expected '='"),
        ('Negotiate abc==, realm="x"', "expected a parameter name"),
        ("Bearer realm=x\r\n", "expected a comma"),
    ],
)
def test_invalid_headers_raise_a_typed_error(header: str, reason: str) -> None:
    with pytest.raises(InvalidWwwAuthenticate, match="Invalid WWW-Authenticate header") as exc_info:
        parse_www_authenticate(header)
    assert reason in exc_info.value.reason
    assert exc_info.value.header == header


def test_too_long() -> None:
    with pytest.raises(InvalidWwwAuthenticate, match="longer than"):
        parse_www_authenticate('Bearer realm="' + "x" * MAX_HEADER_LENGTH + '"')


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("600", 600), ("-1", None), ("1.5", None), ("x", None)])
def test_max_age_values(value: str, expected: int | None) -> None:
    assert Challenge("Bearer", {"max_age": value}).max_age == expected
    assert Challenge("Bearer", {"max_age": "9" * 5000}).max_age is None  # more digits than int() converts
    assert Challenge("Bearer", {"max_age": "\u0661"}).max_age is None  # a non-ASCII digit


def test_serialization() -> None:
    challenge = Challenge("Bearer", {"realm": 'a "b" \\c', "Scope": "x y"})
    assert str(challenge) == 'Bearer realm="a \\"b\\" \\\\c", scope="x y"'
    assert str(Challenge("Basic")) == "Basic"
    assert str(Challenge("Negotiate", token68="abc==")) == "Negotiate abc=="
    for bad in (Challenge("Bad scheme"), Challenge("B", {"a b": "x"}), Challenge("B", {"a": "\n"})):
        with pytest.raises(ValueError, match=r"not a token|cannot carry"):
            str(bad)
    with pytest.raises(ValueError, match="not a token68"):
        str(Challenge("B", token68="a=b"))


def test_response_challenges() -> None:
    response = requests.Response()
    assert response_challenges(response) == []
    response.headers["WWW-Authenticate"] = 'Bearer error="invalid_token", DPoP algs="ES256"'
    assert [challenge.scheme for challenge in response_challenges(response)] == ["Bearer", "DPoP"]


# ------------------------------------------------------------------------------------------ properties

_TCHARS = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_tokens = st.text(alphabet=_TCHARS, min_size=1, max_size=12)
_values = st.text(
    alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f")
    | st.sampled_from(["\t", '"', "\\", ","]),
    max_size=20,
)
_token68s = st.from_regex(r"[A-Za-z0-9\-._~+/]+=*", fullmatch=True)


@st.composite
def challenges(draw: st.DrawFn) -> Challenge:
    scheme = draw(_tokens)
    if draw(st.booleans()):
        return Challenge(scheme, token68=draw(_token68s))
    names = draw(st.lists(_tokens.map(str.lower), unique=True, max_size=5))
    return Challenge(scheme, {name: draw(_values) for name in names})


@given(st.lists(challenges(), max_size=4), st.sampled_from([", ", ",", " ,  ", ",,"]))
def test_generated_challenges_round_trip(generated: list[Challenge], separator: str) -> None:
    header = separator.join(str(challenge) for challenge in generated)
    assert parse_www_authenticate(header) == generated
    # one header per challenge gives the same
    assert parse_www_authenticate([str(challenge) for challenge in generated]) == generated


@given(st.text(max_size=300))
def test_any_text_gives_challenges_or_a_typed_error(header: str) -> None:
    try:
        result = parse_www_authenticate(header)
    except InvalidWwwAuthenticate as exc:
        assert 0 <= exc.position <= len(header)
        return
    for challenge in result:
        assert challenge.scheme
        _ = challenge.max_age, challenge.scope, challenge.acr_values, challenge.algs


@given(st.text(alphabet=_TCHARS + ' \t,="\\', max_size=200))
def test_header_like_text_gives_challenges_or_a_typed_error(header: str) -> None:
    try:
        result = parse_www_authenticate(header)
    except InvalidWwwAuthenticate:
        return
    # what was parsed serializes to a header that parses to the same challenges
    assert parse_www_authenticate([str(challenge) for challenge in result]) == result
