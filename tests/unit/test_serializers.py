"""Serializers: the wire format (checked against an independent zlib/base64/json computation), exact round trips,
payloads written by version 1.7, the deprecated BearerTokenSerializer, and refusal of corrupted or hostile data."""

from __future__ import annotations

import base64
import hashlib
import json
import warnings
import zlib
from datetime import datetime, timedelta, timezone
from typing import Any

import attrs
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jwskate import Jwk, SignedJwt

from requests_oauth2client.authorization_request import (
    AuthorizationRequest,
    RequestParameterAuthorizationRequest,
    RequestUriParameterAuthorizationRequest,
)
from requests_oauth2client.dpop import DPoPKey, DPoPToken
from requests_oauth2client.exceptions import UnsupportedTokenTypeError
from requests_oauth2client.serializers import (
    MAX_DECOMPRESSED_SIZE,
    AuthorizationRequestSerializer,
    BearerTokenSerializer,
    DPoPKeySerializer,
    InvalidSerializedData,
    Serializer,
    TokenSerializer,
)
from requests_oauth2client.tokens import BearerToken, IdToken

UTC = timezone.utc


# ----------------------------------------------------------------------------------------------- independent codec


def encode(data: Any, *, raw_json: bytes | None = None) -> str:
    """The wire format, computed without binapy: compact JSON, raw DEFLATE (default level), unpadded base64url."""
    payload = raw_json if raw_json is not None else json.dumps(data, separators=(",", ":")).encode()
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    compressed = compressor.compress(payload) + compressor.flush()
    return base64.urlsafe_b64encode(compressed).rstrip(b"=").decode()


def decode(serialized: bytes | str) -> Any:
    text = serialized.decode() if isinstance(serialized, bytes) else serialized
    compressed = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    return json.loads(zlib.decompress(compressed, wbits=-15))


def make_id_token(**claims: Any) -> str:
    key = Jwk.generate(alg="ES256", kid="k1")
    return str(SignedJwt.sign({"iss": "https://as", "sub": "s", "aud": "c", **claims}, key))


@pytest.fixture(scope="module")
def dpop_key() -> DPoPKey:
    return DPoPKey.generate(alg="ES256")


def deprecated_serializer(**kwargs: Any) -> BearerTokenSerializer:
    with pytest.warns(DeprecationWarning, match="TokenSerializer"):
        return BearerTokenSerializer(**kwargs)


# ----------------------------------------------------------------------------------------------- wire format


EXPIRES_AT = datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC)
KNOWN_JSON = (
    '{"access_token":"2YotnFZFEjr1zCsicMWpAA","expires_at":1893553445,"scope":"openid email",'
    '"refresh_token":"tGzv3JOkF0XG5Qx2TlKWIA","token_type":"Bearer","example_parameter":"example_value"}'
)


def known_token() -> BearerToken:
    return BearerToken(
        "2YotnFZFEjr1zCsicMWpAA",
        expires_at=EXPIRES_AT,
        scope="openid email",
        refresh_token="tGzv3JOkF0XG5Qx2TlKWIA",
        example_parameter="example_value",
    )


def test_known_vector() -> None:
    assert int(EXPIRES_AT.timestamp()) == 1893553445
    expected = encode(None, raw_json=KNOWN_JSON.encode())

    serialized = TokenSerializer().dumps(known_token())

    assert isinstance(serialized, bytes)
    assert serialized == expected.encode()
    assert b"=" not in serialized
    assert decode(serialized) == json.loads(KNOWN_JSON)
    assert TokenSerializer().loads(expected) == known_token()


def test_known_vector_is_identical_with_the_deprecated_serializer() -> None:
    serializer = deprecated_serializer()
    serialized = serializer.dumps(known_token())

    assert isinstance(serialized, str)
    assert serialized == encode(None, raw_json=KNOWN_JSON.encode())
    assert serialized == BearerTokenSerializer.default_dumper(known_token())


def test_expires_at_is_an_integer_timestamp_even_with_microseconds() -> None:
    token = BearerToken("at", expires_at=EXPIRES_AT + timedelta(microseconds=999_999))

    data = decode(TokenSerializer().dumps(token))

    assert data == {"access_token": "at", "expires_at": 1893553445, "token_type": "Bearer"}
    loaded = TokenSerializer().loads(TokenSerializer().dumps(token))
    assert loaded.expires_at == EXPIRES_AT
    assert loaded.expires_at.tzinfo is not None
    assert loaded.expires_at.utcoffset() == timedelta(0)


def test_id_token_is_serialized_as_its_compact_form() -> None:
    raw_id_token = make_id_token(nonce="n")
    token = BearerToken("at", id_token=raw_id_token)

    serialized = TokenSerializer().dumps(token)

    assert decode(serialized) == {"access_token": "at", "token_type": "Bearer", "id_token": raw_id_token}
    loaded = TokenSerializer().loads(serialized)
    assert isinstance(loaded.id_token, IdToken)
    assert loaded == token


def test_padded_and_str_input_is_accepted() -> None:
    serialized = TokenSerializer().dumps(known_token()).decode()
    padded = serialized + "=" * (-len(serialized) % 4)

    assert TokenSerializer().loads(serialized) == known_token()
    assert TokenSerializer().loads(padded) == known_token()
    assert TokenSerializer().loads(bytearray(padded.encode())) == known_token()  # type: ignore[arg-type]


# ----------------------------------------------------------------------------------------------- round trips

RESERVED = {
    "access_token",
    "expires_at",
    "expires_in",
    "scope",
    "refresh_token",
    "token_type",
    "id_token",
    "kwargs",
    "dpop_key",
    "_dpop_key",
    "self",
}

json_scalars = (
    st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20)
)
json_values = st.recursive(
    json_scalars | st.none(),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3),
    max_leaves=8,
)
extra_fields = st.dictionaries(
    st.text(min_size=1, max_size=12).filter(lambda name: name not in RESERVED),
    # top-level None values are dropped by `as_dict()`, like in any token response
    json_values.filter(lambda value: value is not None),
    max_size=4,
)
expiration_dates = st.none() | st.datetimes(
    min_value=datetime(1900, 1, 1), max_value=datetime(9000, 1, 1), timezones=st.just(UTC)
).map(lambda dt: dt.replace(microsecond=0))


@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(
    access_token=st.text(min_size=1, max_size=50),
    expires_at=expiration_dates,
    scope=st.none() | st.text(max_size=30),
    refresh_token=st.none() | st.text(max_size=30),
    token_type=st.sampled_from(["Bearer", "bearer", "BEARER"]),
    extra=extra_fields,
)
def test_bearer_token_round_trip(
    access_token: str,
    expires_at: datetime | None,
    scope: str | None,
    refresh_token: str | None,
    token_type: str,
    extra: dict[str, Any],
) -> None:
    token = BearerToken(
        access_token,
        expires_at=expires_at,
        scope=scope,
        refresh_token=refresh_token,
        token_type=token_type,
        **extra,
    )
    serializer = TokenSerializer()

    serialized = serializer.dumps(token)
    loaded = serializer.loads(serialized)

    assert type(loaded) is BearerToken
    assert loaded == token
    assert loaded.kwargs == token.kwargs
    assert serializer.loads(serialized.decode()) == token
    # the same bytes as the independent implementation
    assert serialized.decode() == encode(decode(serialized))


@settings(max_examples=30, deadline=None)
@given(
    access_token=st.from_regex(r"[A-Za-z0-9\-._~+/]{1,40}=*", fullmatch=True),
    expires_at=expiration_dates,
    as_nonce=st.none() | st.from_regex(r"[A-Za-z0-9_\-]{1,20}", fullmatch=True),
    rs_nonce=st.none() | st.from_regex(r"[A-Za-z0-9_\-]{1,20}", fullmatch=True),
    extra=extra_fields,
)
def test_dpop_token_round_trip(
    dpop_key: DPoPKey,
    access_token: str,
    expires_at: datetime | None,
    as_nonce: str | None,
    rs_nonce: str | None,
    extra: dict[str, Any],
) -> None:
    key = DPoPKey(dpop_key.private_key, as_nonce=as_nonce, rs_nonce=rs_nonce)
    token = DPoPToken(access_token, _dpop_key=key, expires_at=expires_at, refresh_token="rt", **extra)
    serializer = TokenSerializer()

    loaded = serializer.loads(serializer.dumps(token))

    assert type(loaded) is DPoPToken
    assert loaded == token
    assert loaded.dpop_key.private_key == dpop_key.private_key
    assert loaded.dpop_key.alg == "ES256"
    assert loaded.dpop_key.as_nonce == as_nonce
    assert loaded.dpop_key.rs_nonce == rs_nonce


@pytest.mark.parametrize("alg", ["ES256", "ES384", "EdDSA"])
def test_dpop_token_keeps_its_private_key(alg: str) -> None:
    key = DPoPKey.generate(alg=alg)
    token = DPoPToken("at", _dpop_key=key, expires_in=60)

    data = decode(TokenSerializer().dumps(token))
    loaded = TokenSerializer().loads(TokenSerializer().dumps(token))

    assert data["token_type"] == "DPoP"
    assert data["dpop_key"]["private_key"] == dict(key.private_key)
    assert data["dpop_key"]["alg"] == alg
    assert "as_nonce" not in data["dpop_key"]  # null values are left out
    assert loaded.dpop_key == key
    assert loaded.dpop_key.dpop_jkt == key.dpop_jkt


def test_dpop_token_key_order_and_expires_at() -> None:
    key = DPoPKey.generate()
    token = DPoPToken("at", _dpop_key=key, expires_at=EXPIRES_AT, scope="s", foo="bar")

    data = decode(TokenSerializer().dumps(token))

    assert list(data) == ["access_token", "expires_at", "scope", "token_type", "dpop_key", "foo"]
    assert data["expires_at"] == 1893553445


def test_custom_token_class_with_custom_make_instance() -> None:
    @attrs.frozen(init=False)
    class CustomToken(BearerToken):
        TOKEN_TYPE = "Custom"

    token = CustomToken("at", token_type="Custom", expires_at=EXPIRES_AT, foo="bar")

    default = TokenSerializer()
    serialized = default.dumps(token)
    args = default.loader(serialized)
    assert args == {"access_token": "at", "expires_at": EXPIRES_AT, "token_type": "Custom", "foo": "bar"}
    with pytest.raises(UnsupportedTokenTypeError, match="Unsupported token_type: Custom") as exc_info:
        default.loads(serialized)
    assert exc_info.value.token_type == "Custom"

    custom = TokenSerializer(make_instance=lambda args: CustomToken(**args))
    loaded = custom.loads(serialized)
    assert type(loaded) is CustomToken
    assert loaded == token


def test_custom_dumper_and_loader() -> None:
    serializer = TokenSerializer(
        dumper=lambda token: token.access_token.encode(),
        loader=lambda data: {"access_token": data.decode(), "token_type": "Bearer"},
    )

    assert serializer.dumps(BearerToken("abc", scope="s")) == b"abc"
    assert serializer.loads("abc") == BearerToken("abc")
    assert serializer.loads(b"abc") == BearerToken("abc")


def test_generic_serializer() -> None:
    seen: list[bytes] = []

    def loader(data: bytes) -> dict[str, Any]:
        seen.append(data)
        return {"value": int(data)}

    serializer: Serializer[int] = Serializer(
        dumper=lambda value: str(value).encode(), loader=loader, make_instance=lambda args: args["value"]
    )

    assert serializer.dumps(42) == b"42"
    assert serializer.loads("42") == 42
    assert seen == [b"42"]  # text is given to the loader as bytes
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        serializer.dumper = repr  # type: ignore[misc, assignment]


def test_serializers_compare_equal_and_are_frozen() -> None:
    assert TokenSerializer() == TokenSerializer()
    assert "make_instance" not in repr(TokenSerializer())
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        TokenSerializer().loader = TokenSerializer.default_loader  # type: ignore[misc]


def test_a_bearer_token_never_gets_a_dpop_key(dpop_key: DPoPKey) -> None:
    payload = {"access_token": "at", "token_type": "Bearer", "dpop_key": dpop_key.as_dict()}

    loaded = TokenSerializer().loads(encode(payload))

    assert type(loaded) is BearerToken
    assert "_dpop_key" not in loaded.kwargs
    assert "dpop_key" not in loaded.kwargs


def test_dpop_payload_with_extra_key_members_is_readable(dpop_key: DPoPKey) -> None:
    # members that are not part of our format (e.g. generators written as text) are ignored
    key_data = {
        "alg": "ES256",
        "private_key": dict(dpop_key.private_key),
        "jti_generator": "<function <lambda> at 0x7f>",
        "dpop_token_class": "<class 'DPoPToken'>",
        "as_nonce": "n1",
        "rs_nonce": None,
    }
    payload = {"access_token": "at", "token_type": "DPoP", "dpop_key": key_data}

    loaded = TokenSerializer().loads(encode(payload))

    assert isinstance(loaded, DPoPToken)
    assert loaded.dpop_key.private_key == dpop_key.private_key
    assert loaded.dpop_key.as_nonce == "n1"


def test_missing_token_type_means_bearer() -> None:
    assert TokenSerializer().loads(encode({"access_token": "at"})) == BearerToken("at")


# ----------------------------------------------------------------------------------------------- deprecated serializer


def test_bearer_token_serializer_warns_and_round_trips() -> None:
    with pytest.warns(DeprecationWarning, match=r"BearerTokenSerializer is deprecated, use TokenSerializer"):
        serializer = BearerTokenSerializer()
    token = known_token()

    serialized = serializer.dumps(token)

    assert isinstance(serialized, str)
    assert serializer.loads(serialized) == token
    assert serializer.loads(serialized.encode()) == token
    # both formats are the same: each one reads what the other wrote
    assert TokenSerializer().loads(serialized) == token
    assert serializer.loads(TokenSerializer().dumps(token).decode()) == token


def test_bearer_token_serializer_custom_functions() -> None:
    serializer = deprecated_serializer(dumper=lambda token: token.access_token, loader=BearerToken)

    assert serializer.dumper is not BearerTokenSerializer.default_dumper
    assert serializer.dumps(BearerToken("abc")) == "abc"
    assert serializer.loads("abc") == BearerToken("abc")


def test_bearer_token_serializer_default_loader_token_class() -> None:
    @attrs.frozen(init=False)
    class CustomToken(BearerToken):
        TOKEN_TYPE = "Custom"

    serializer = deprecated_serializer()
    serialized = serializer.dumps(CustomToken("at", token_type="Custom"))

    assert type(serializer.default_loader(serialized, token_class=CustomToken)) is CustomToken
    with pytest.raises(UnsupportedTokenTypeError):
        serializer.loads(serialized)


def test_bearer_token_serializer_dumps_dpop_tokens_but_does_not_load_them(dpop_key: DPoPKey) -> None:
    serializer = deprecated_serializer()
    serialized = serializer.dumps(DPoPToken("at", _dpop_key=dpop_key))

    with pytest.raises(UnsupportedTokenTypeError):
        serializer.loads(serialized)
    assert isinstance(TokenSerializer().loads(serialized), DPoPToken)


def test_bearer_token_serializer_refuses_garbage() -> None:
    serializer = deprecated_serializer()
    with pytest.raises(InvalidSerializedData):
        serializer.loads("not/base64!")
    with pytest.raises(InvalidSerializedData):
        serializer.loads(encode({"token_type": "Bearer"}))


# ----------------------------------------------------------------------------------------------- DPoP keys


def test_dpop_key_serializer_round_trip(dpop_key: DPoPKey) -> None:
    serializer = DPoPKeySerializer()

    serialized = serializer.dumps(dpop_key)

    assert decode(serialized) == dict(dpop_key.private_key)
    loaded = serializer.loads(serialized)
    assert loaded == dpop_key
    assert serializer.loads(serialized.decode()) == dpop_key


def test_dpop_key_serializer_drops_nonces_and_keeps_the_alg() -> None:
    private_key = dict(Jwk.generate(alg="ES256"))
    del private_key["alg"]
    key = DPoPKey(private_key, alg="ES256", as_nonce="n1", rs_nonce="n2")

    loaded = DPoPKeySerializer().loads(DPoPKeySerializer().dumps(key))

    assert loaded.alg == "ES256"
    assert loaded.as_nonce is None
    assert loaded.rs_nonce is None
    assert loaded.public_jwk == key.public_jwk


@pytest.mark.parametrize(
    "payload",
    [
        {"kty": "oct", "k": "c2VjcmV0", "alg": "HS256"},  # symmetric
        {"kty": "EC", "crv": "P-256", "x": "AAAA", "y": "AAAA"},  # not a valid private key
        {"hello": "world"},
    ],
)
def test_dpop_key_serializer_refuses_unusable_keys(payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidSerializedData, match="DPoP key"):
        DPoPKeySerializer().loads(encode(payload))


# ----------------------------------------------------------------------------------------------- authorization requests


def test_authorization_request_round_trip() -> None:
    azr = AuthorizationRequest(
        "https://as.example.com/authorize",
        client_id="client",
        redirect_uri="https://rp.example.com/cb",
        scope="openid email",
        acr_values="loa1 loa2",
        max_age=600,
        issuer="https://as.example.com",
        authorization_response_iss_parameter_supported=True,
        resource=["https://api1", "https://api2"],
        prompt="consent",
    )
    serializer = AuthorizationRequestSerializer()

    serialized = serializer.dumps(azr)
    loaded = serializer.loads(serialized)

    assert isinstance(serialized, bytes)
    assert type(loaded) is AuthorizationRequest
    assert loaded == azr
    assert loaded.uri == azr.uri
    assert loaded.code_verifier == azr.code_verifier
    assert list(decode(serialized)) == [
        "authorization_endpoint",
        "client_id",
        "redirect_uri",
        "scope",
        "response_type",
        "state",
        "nonce",
        "code_challenge_method",
        "acr_values",
        "max_age",
        "resource",
        "prompt",
        "code_verifier",
        "authorization_response_iss_parameter_supported",
        "issuer",
        "dpop_key",
    ]


def test_authorization_request_without_state_nonce_or_pkce_stays_so() -> None:
    azr = AuthorizationRequest(
        "https://as/authorize", client_id="c", scope=None, state=None, nonce=None, code_challenge_method=None
    )

    loaded = AuthorizationRequestSerializer().loads(AuthorizationRequestSerializer().dumps(azr))

    assert loaded == azr
    assert loaded.state is None
    assert loaded.nonce is None
    assert loaded.code_verifier is None


def test_authorization_request_with_dpop_key() -> None:
    azr = AuthorizationRequest("https://as/authorize", client_id="c", redirect_uri="https://cb", dpop=True)
    assert azr.dpop_key is not None

    serialized = AuthorizationRequestSerializer().dumps(azr)
    loaded = AuthorizationRequestSerializer().loads(serialized)

    assert loaded == azr
    assert loaded.dpop_key is not None
    assert loaded.dpop_key.private_key == azr.dpop_key.private_key
    assert loaded.dpop_jkt == azr.dpop_jkt
    # the key is nested in DPoPKeySerializer's format
    nested = decode(serialized)["dpop_key"]
    assert isinstance(nested, str)
    assert DPoPKeySerializer().loads(nested) == azr.dpop_key


def test_authorization_request_config_keys_are_not_serialized() -> None:
    jwks = Jwk.generate(alg="ES256", kid="as").public_jwk().as_jwks()
    decryption_key = Jwk.generate(alg="ECDH-ES", crv="P-256", kid="enc")
    azr = AuthorizationRequest(
        "https://as/authorize",
        client_id="c",
        authorization_server_jwks=jwks,
        authorization_response_decryption_key=decryption_key,
    )

    serialized = AuthorizationRequestSerializer().dumps(azr)
    loaded = AuthorizationRequestSerializer().loads(serialized)

    data = decode(serialized)
    assert "authorization_server_jwks" not in data
    assert "authorization_response_decryption_key" not in data
    assert decryption_key["d"] not in json.dumps(data)
    assert loaded == azr
    assert loaded.authorization_server_jwks is None
    assert loaded.authorization_response_decryption_key is None


@settings(max_examples=50, deadline=None)
@given(
    state=st.none() | st.text(min_size=1, max_size=20),
    nonce=st.none() | st.text(min_size=1, max_size=20),
    scope=st.none() | st.lists(st.from_regex(r"[a-z:]{1,8}", fullmatch=True), min_size=1, max_size=3),
    max_age=st.none() | st.integers(min_value=0, max_value=10**9),
    extra=st.dictionaries(
        st.from_regex(r"x_[a-z]{1,8}", fullmatch=True), st.text(max_size=10) | st.integers(), max_size=3
    ),
)
def test_authorization_request_round_trip_property(
    state: str | None, nonce: str | None, scope: list[str] | None, max_age: int | None, extra: dict[str, Any]
) -> None:
    azr = AuthorizationRequest(
        "https://as/authorize", client_id="c", state=state, nonce=nonce, scope=scope, max_age=max_age, **extra
    )

    loaded = AuthorizationRequestSerializer().loads(AuthorizationRequestSerializer().dumps(azr))

    assert loaded == azr
    assert loaded.uri == azr.uri


def test_request_parameter_authorization_request_round_trip() -> None:
    azr = AuthorizationRequest("https://as/authorize", client_id="c", redirect_uri="https://cb")
    signed = azr.sign(Jwk.generate(alg="ES256", kid="k"), lifetime=60, extra="1")
    assert isinstance(signed, RequestParameterAuthorizationRequest)

    serialized = AuthorizationRequestSerializer().dumps(signed)
    loaded = AuthorizationRequestSerializer().loads(serialized)

    assert type(loaded) is RequestParameterAuthorizationRequest
    assert loaded == signed
    assert loaded.expires_at == signed.expires_at
    assert loaded.uri == signed.uri
    data = decode(serialized)
    assert data["request"] == str(signed.request)
    assert isinstance(data["expires_at"], int)


def test_request_uri_parameter_authorization_request_round_trip() -> None:
    key = DPoPKey.generate()
    azr = RequestUriParameterAuthorizationRequest(
        "https://as/authorize",
        client_id="c",
        request_uri="urn:ietf:params:oauth:request_uri:abc",
        expires_at=EXPIRES_AT,
        dpop_key=key,
        custom="x",
    )

    serialized = AuthorizationRequestSerializer().dumps(azr)
    loaded = AuthorizationRequestSerializer().loads(serialized)

    assert type(loaded) is RequestUriParameterAuthorizationRequest
    assert loaded == azr
    assert loaded.expires_at == EXPIRES_AT
    assert loaded.dpop_key is not None
    assert loaded.dpop_key.private_key == key.private_key
    assert decode(serialized) == {
        "authorization_endpoint": "https://as/authorize",
        "client_id": "c",
        "request_uri": "urn:ietf:params:oauth:request_uri:abc",
        "expires_at": 1893553445,
        "dpop_key": DPoPKeySerializer().dumps(key).decode(),
        "custom": "x",
    }


def test_authorization_request_payload_from_version_1_7() -> None:
    """In 1.7, the DPoP key was a nested dict holding the private JWK (generators written as text)."""
    key = DPoPKey.generate()
    verifier = "a" * 43 + "b" * 20
    payload = {
        "authorization_endpoint": "https://as/authorize",
        "client_id": "c",
        "redirect_uri": "https://cb",
        "scope": ["openid"],
        "response_type": "code",
        "state": "s" * 43,
        "nonce": "n" * 43,
        "code_challenge_method": "S256",
        "acr_values": None,
        "max_age": None,
        "custom": "v",
        "code_verifier": verifier,
        "authorization_response_iss_parameter_supported": False,
        "issuer": None,
        "dpop_key": {
            "alg": "ES256",
            "private_key": dict(key.private_key),
            "jti_generator": "<function DPoPKey.<lambda> at 0x7f>",
            "iat_generator": "<function DPoPKey.<lambda> at 0x7f>",
            "dpop_token_class": "<class 'requests_oauth2client.dpop.DPoPToken'>",
            "as_nonce": None,
            "rs_nonce": None,
        },
    }

    loaded = AuthorizationRequestSerializer().loads(encode(payload))

    assert loaded == AuthorizationRequest(
        "https://as/authorize",
        client_id="c",
        redirect_uri="https://cb",
        scope="openid",
        state="s" * 43,
        nonce="n" * 43,
        code_verifier=verifier,
        dpop_key=key,
        custom="v",
    )


def test_authorization_request_payload_from_version_1_7_without_dpop() -> None:
    payload = {
        "authorization_endpoint": "https://as/authorize",
        "client_id": "c",
        "redirect_uri": None,
        "scope": None,
        "response_type": "code",
        "state": "xyz",
        "nonce": None,
        "code_challenge_method": None,
        "acr_values": ["a", "b"],
        "max_age": 0,
        "code_verifier": None,
        "authorization_response_iss_parameter_supported": False,
        "issuer": None,
        "dpop_key": None,
    }

    loaded = AuthorizationRequestSerializer().loads(encode(payload))

    assert loaded.state == "xyz"
    assert loaded.acr_values == ("a", "b")
    assert loaded.max_age == 0
    assert loaded.dpop_key is None
    assert loaded.code_verifier is None


# ----------------------------------------------------------------------------------------------- refusal of bad data


def raw_deflate(data: bytes) -> str:
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    return base64.urlsafe_b64encode(compressor.compress(data) + compressor.flush()).rstrip(b"=").decode()


GARBAGE = {
    "empty": "",
    "not base64url": "not/base64+url!",
    "impossible base64 length": "abcde",
    "non-ASCII text": "éé",
    "not DEFLATE": base64.urlsafe_b64encode(b"\xff\xfe\xfd" * 4).decode(),
    "zlib with header": base64.urlsafe_b64encode(zlib.compress(b'{"access_token":"at"}')).decode(),
    "truncated DEFLATE": raw_deflate(b'{"access_token":"' + hashlib.sha512(b"x").hexdigest().encode() + b'"}')[:40],
    "trailing data": base64.urlsafe_b64encode(
        base64.urlsafe_b64decode(raw_deflate(b'{"access_token":"at"}') + "==") + b"junk"
    ).decode(),
    "not JSON": raw_deflate(b"hello"),
    "not UTF-8": raw_deflate(b'{"access_token":"\xff"}'),
    "JSON list": raw_deflate(b'["access_token"]'),
    "JSON string": raw_deflate(b'"access_token"'),
    "deeply nested JSON": raw_deflate(b'{"a":' + b"[" * 200_000 + b"]" * 200_000 + b"}"),
}


@pytest.mark.parametrize("serialized", GARBAGE.values(), ids=GARBAGE.keys())
@pytest.mark.parametrize(
    "serializer",
    [TokenSerializer(), DPoPKeySerializer(), AuthorizationRequestSerializer()],
    ids=["token", "dpop_key", "authorization_request"],
)
def test_garbage_is_refused(serializer: Serializer[Any], serialized: str) -> None:
    with pytest.raises(InvalidSerializedData, match=r"^Invalid serialized data: "):
        serializer.loads(serialized)


@pytest.mark.parametrize("value", [None, 42, ["a"], object()])
def test_wrong_input_types_are_refused(value: Any) -> None:
    with pytest.raises(InvalidSerializedData, match="expected bytes or str"):
        TokenSerializer().loads(value)


def test_zip_bomb_is_refused_without_inflating_it() -> None:
    bomb = raw_deflate(b'{"access_token":"' + b"a" * (50 * MAX_DECOMPRESSED_SIZE) + b'"}')
    assert len(bomb) < 100_000

    with pytest.raises(InvalidSerializedData, match=f"more than {MAX_DECOMPRESSED_SIZE} bytes"):
        TokenSerializer().loads(bomb)


def test_data_just_under_the_limit_is_accepted() -> None:
    filler = "a" * (MAX_DECOMPRESSED_SIZE - 100)
    token = TokenSerializer().loads(encode({"access_token": "at", "x": filler}))
    assert token.x == filler


BAD_TOKENS = {
    "no access_token": {"token_type": "Bearer"},
    "int access_token": {"access_token": 123},
    "string expires_at": {"access_token": "at", "expires_at": "2030-01-01"},
    "float expires_at": {"access_token": "at", "expires_at": 1.5},
    "bool expires_at": {"access_token": "at", "expires_at": True},
    "huge expires_at": {"access_token": "at", "expires_at": 10**20},
    "list scope": {"access_token": "at", "scope": ["a"]},
    "int refresh_token": {"access_token": "at", "refresh_token": 1},
    "int token_type": {"access_token": "at", "token_type": 1},
    "dict id_token": {"access_token": "at", "id_token": {}},
    "list dpop_key": {"access_token": "at", "token_type": "DPoP", "dpop_key": ["k"]},
    "dpop_key without key": {"access_token": "at", "token_type": "DPoP", "dpop_key": {"alg": "ES256"}},
    "dpop_key with bad key": {"access_token": "at", "token_type": "DPoP", "dpop_key": {"private_key": {"kty": "x"}}},
    "dpop_key with int alg": {
        "access_token": "at",
        "token_type": "DPoP",
        "dpop_key": {"private_key": {"kty": "EC"}, "alg": 1},
    },
    "DPoP without key": {"access_token": "at", "token_type": "DPoP"},
    "unexpected self": {"access_token": "at", "self": 1},
}


@pytest.mark.parametrize("payload", BAD_TOKENS.values(), ids=BAD_TOKENS.keys())
def test_wrongly_typed_token_data_is_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidSerializedData):
        TokenSerializer().loads(encode(payload))


def test_invalid_values_raise_typed_value_errors() -> None:
    with pytest.raises(UnsupportedTokenTypeError):
        TokenSerializer().loads(encode({"access_token": "at", "token_type": "MAC"}))
    with pytest.raises(ValueError, match="Invalid ID Token"):
        TokenSerializer().loads(encode({"access_token": "at", "id_token": "garbage"}))


BAD_REQUESTS = {
    "no endpoint": {"client_id": "c"},
    "int client_id": {"authorization_endpoint": "https://as/authorize", "client_id": 1},
    "int state": {"authorization_endpoint": "https://as/authorize", "client_id": "c", "state": 1},
    "string max_age": {"authorization_endpoint": "https://as/authorize", "client_id": "c", "max_age": "1"},
    "dict scope": {"authorization_endpoint": "https://as/authorize", "client_id": "c", "scope": {}},
    "int dpop_key": {"authorization_endpoint": "https://as/authorize", "client_id": "c", "dpop_key": 1},
    "garbage dpop_key": {"authorization_endpoint": "https://as/authorize", "client_id": "c", "dpop_key": "!!"},
    "int request": {"authorization_endpoint": "https://as/authorize", "client_id": "c", "request": 1},
    "request_uri without client_id": {"authorization_endpoint": "https://as/authorize", "request_uri": "urn:x"},
    "bad expires_at": {
        "authorization_endpoint": "https://as/authorize",
        "client_id": "c",
        "request_uri": "urn:x",
        "expires_at": "soon",
    },
}


@pytest.mark.parametrize("payload", BAD_REQUESTS.values(), ids=BAD_REQUESTS.keys())
def test_wrongly_typed_request_data_is_refused(payload: dict[str, Any]) -> None:
    with pytest.raises(InvalidSerializedData):
        AuthorizationRequestSerializer().loads(encode(payload))


def test_error_messages_do_not_leak_the_data() -> None:
    secret = "super-secret-refresh-token"
    with pytest.raises(InvalidSerializedData) as exc_info:
        TokenSerializer().loads(encode({"access_token": secret, "expires_at": secret}))
    assert secret not in str(exc_info.value)


@settings(max_examples=300)
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_random_input_only_raises_value_errors(data: bytes | str) -> None:
    try:
        token = TokenSerializer().loads(data)
    except ValueError:
        return
    assert isinstance(token, BearerToken)  # pragma: no cover (practically unreachable)


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [*sorted(RESERVED), "other", "authorization_endpoint", "client_id", "request", "request_uri", "state"]
        ),
        json_values,
        max_size=6,
    )
)
def test_random_payloads_only_raise_value_errors(payload: dict[str, Any]) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        for serializer in (TokenSerializer(), AuthorizationRequestSerializer()):
            try:
                result = serializer.loads(encode(payload))
            except ValueError:
                continue
            assert isinstance(result, (BearerToken, AuthorizationRequest))


# ----------------------------------------------------------------------------------- DPoP nonces keep their origin


def _nonce_from(url: str, nonce: str) -> requests.Response:
    response = requests.Response()
    response.status_code = 401
    response.headers["DPoP-Nonce"] = nonce
    response.request = requests.Request("GET", url).prepare()
    return response


def _proof_nonce(key: DPoPKey, url: str) -> str | None:
    nonce: str | None = key.proof("GET", url).claims.get("nonce")
    return nonce


def test_dpop_nonces_keep_their_origin_through_the_token_serializer() -> None:
    key = DPoPKey.generate()
    key.handle_as_provided_dpop_nonce(_nonce_from("https://as-a.example.com/token", "as-a"))
    key.handle_as_provided_dpop_nonce(_nonce_from("https://as-b.example.com/token", "as-b"))
    key.handle_rs_provided_dpop_nonce(_nonce_from("https://rs-a.example.com/api", "rs-a"))
    key.handle_rs_provided_dpop_nonce(_nonce_from("https://rs-b.example.com/api", "rs-b"))
    token = DPoPToken("at", _dpop_key=key)

    loaded = TokenSerializer().loads(TokenSerializer().dumps(token))

    assert isinstance(loaded, DPoPToken)
    assert loaded == token
    loaded_key = loaded.dpop_key
    # each server gets its own nonce back, and no other server gets any
    assert loaded_key.as_nonce_for("https://as-a.example.com/token") == "as-a"
    assert loaded_key.as_nonce_for("https://as-b.example.com/token") == "as-b"
    assert loaded_key.as_nonce_for("https://as-c.example.com/token") is None
    assert _proof_nonce(loaded_key, "https://rs-a.example.com/api") == "rs-a"
    assert _proof_nonce(loaded_key, "https://rs-b.example.com/api") == "rs-b"
    assert _proof_nonce(loaded_key, "https://rs-c.example.com/api") is None
    assert decode(TokenSerializer().dumps(token))["dpop_key"]["as_nonces"] == {
        "https://as-a.example.com:443": "as-a",
        "https://as-b.example.com:443": "as-b",
    }


@pytest.mark.parametrize("nonce_name", ["as_nonce", "rs_nonce"])
def test_an_older_serialized_dpop_key_loads_and_its_nonce_goes_nowhere(dpop_key: DPoPKey, nonce_name: str) -> None:
    # the format before per-origin nonces: which server a nonce came from is unknown
    key_data = {"alg": "ES256", "private_key": dict(dpop_key.private_key), "jwt_typ": "dpop+jwt", nonce_name: "n1"}
    payload = {"access_token": "at", "token_type": "DPoP", "dpop_key": key_data}

    loaded = TokenSerializer().loads(encode(payload))

    assert isinstance(loaded, DPoPToken)
    assert loaded.dpop_key.private_key == dpop_key.private_key
    assert getattr(loaded.dpop_key, nonce_name) == "n1"
    for url in ("https://as.example.com/token", "https://rs.example.com/api"):
        assert loaded.dpop_key.as_nonce_for(url) is None
        assert _proof_nonce(loaded.dpop_key, url) is None
    # a new nonce from a server is used for that server
    loaded.dpop_key.handle_rs_provided_dpop_nonce(_nonce_from("https://rs.example.com/api", "rs-1"))
    assert _proof_nonce(loaded.dpop_key, "https://rs.example.com/api") == "rs-1"


@pytest.mark.parametrize(
    "nonces",
    [[], "n", {"https://as:443": 1}, {"https://as:443": "bad nonce"}, {"https://as:443": None}, {"x": ""}],
)
def test_malformed_per_origin_nonces_are_refused(dpop_key: DPoPKey, nonces: object) -> None:
    key_data = {"alg": "ES256", "private_key": dict(dpop_key.private_key), "as_nonces": nonces}
    with pytest.raises(InvalidSerializedData, match="as_nonces"):
        TokenSerializer().loads(encode({"access_token": "at", "token_type": "DPoP", "dpop_key": key_data}))


def test_authorization_request_keeps_its_jarm_alg() -> None:
    azr = AuthorizationRequest(
        "https://as.example.com/authorize",
        client_id="client",
        response_mode="query.jwt",
        authorization_signed_response_alg="ES256",
    )
    serializer = AuthorizationRequestSerializer()
    serialized = serializer.dumps(azr)
    assert decode(serialized)["authorization_signed_response_alg"] == "ES256"
    assert serializer.loads(serialized).authorization_signed_response_alg == "ES256"
    assert "authorization_signed_response_alg" not in decode(
        serializer.dumps(AuthorizationRequest("https://as.example.com/authorize", client_id="client"))
    )
