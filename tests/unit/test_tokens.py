"""Tests for `requests_oauth2client.tokens`: BearerToken, IdToken, id_token_converter and the ID Token errors."""

from __future__ import annotations

import copy
import hashlib
import pickle
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace
from typing import Any, ClassVar

import attrs
import jwskate
import pytest
import requests
import requests_mock
from binapy import BinaPy
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from requests_oauth2client.exceptions import UnsupportedTokenTypeError
from requests_oauth2client.tokens import (
    BearerToken,
    ExpiredAccessToken,
    ExpiredIdToken,
    IdToken,
    IdTokenAuthTimeTooOld,
    IdTokenSigningKeyNotFound,
    InvalidIdToken,
    MismatchingIdTokenAcr,
    MismatchingIdTokenAlg,
    MismatchingIdTokenAudience,
    MismatchingIdTokenAzp,
    MismatchingIdTokenHash,
    MismatchingIdTokenIssuer,
    MismatchingIdTokenNonce,
    MismatchingIdTokenSubject,
    MissingIdToken,
    MissingIdTokenClaim,
    TokenResponse,
    id_token_converter,
)
from requests_oauth2client.utils import accepts_expires_in

FROZEN = "2024-05-01T12:00:00Z"
T0 = datetime(2024, 5, 1, 12, 0, 0, tzinfo=timezone.utc)
ISSUER = "https://as.example.com"
CLIENT_ID = "client_id"
NONCE = "the_nonce"


def b64u(data: bytes) -> str:
    return BinaPy(data).to("b64u").ascii()


# --------------------------------------------------------------------------------------------- basics (§18 1-7)


def test_defaults() -> None:
    token = BearerToken("x")
    assert token.token_type == "Bearer"
    assert token.expires_at is None
    assert token.expires_in is None
    assert token.is_expired() is None
    assert token.as_dict() == {"access_token": "x", "token_type": "Bearer"}
    assert str(token) == "x"
    assert token.authorization_header() == "Bearer x"
    assert isinstance(token, TokenResponse)
    assert isinstance(token, requests.auth.AuthBase)
    assert BearerToken.TOKEN_TYPE == "Bearer"
    assert BearerToken.AUTHORIZATION_HEADER == "Authorization"
    assert BearerToken.AUTHORIZATION_SCHEME == "Bearer"


def test_field_order_and_equality() -> None:
    assert [field.name for field in attrs.fields(BearerToken)] == [
        "access_token",
        "expires_at",
        "scope",
        "refresh_token",
        "token_type",
        "id_token",
        "kwargs",
    ]
    assert BearerToken("x", scope="a", foo="bar") == BearerToken("x", scope="a", foo="bar")
    assert BearerToken("x", foo="bar") != BearerToken("x", foo="baz")


def test_frozen() -> None:
    token = BearerToken("x")
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        token.access_token = "y"  # type: ignore[misc]


def test_expires_in_is_computed_at_access_time() -> None:
    with freeze_time("2024-05-01T12:00:00.654321Z") as frozen:
        token = BearerToken("x", expires_in=180)
        assert token.expires_at == T0 + timedelta(seconds=180)  # microseconds dropped
        frozen.move_to("2024-05-01T12:00:00Z")
        assert token.expires_in == 180
        frozen.tick(60)
        assert token.expires_in == 120
        frozen.tick(0.5)
        assert token.expires_in == 120  # rounded up
        frozen.tick(200)
        assert token.expires_in == -80
        assert token.is_expired() is True


@freeze_time(FROZEN)
def test_expires_in_as_string_and_zero() -> None:
    assert BearerToken("x", expires_in="60") == BearerToken("x", expires_in=60)
    assert BearerToken("x", expires_in="60").expires_in == 60
    assert BearerToken("x", expires_in=0).expires_at is None
    # the one `expires_in` policy (tests/unit/test_expires_in.py): floats count, other strings give no expiry
    assert BearerToken("x", expires_in=90.0).expires_at == T0 + timedelta(seconds=90)
    assert BearerToken("x", expires_in=1.5).expires_at == T0 + timedelta(seconds=2)
    assert BearerToken("x", expires_in="soon").expires_at is None
    # expires_in wins over expires_at
    assert BearerToken("x", expires_at=T0, expires_in=10).expires_at == T0 + timedelta(seconds=10)
    assert BearerToken("x", expires_at=T0, expires_in=0).expires_at == T0


@freeze_time(FROZEN)
@given(expires_in=st.integers(min_value=-(10**8), max_value=10**8).filter(bool), as_string=st.booleans())
def test_expires_in_property(expires_in: int, as_string: bool) -> None:
    token = BearerToken("x", expires_in=str(expires_in) if as_string else expires_in)
    assert token.expires_at == T0 + timedelta(seconds=expires_in)
    assert token.expires_in == expires_in
    assert token.is_expired() is (expires_in < 0)
    assert token.as_dict()["expires_in"] == expires_in
    assert token.as_dict(with_expires_in=False)["expires_at"] == T0 + timedelta(seconds=expires_in)


@freeze_time(FROZEN)
def test_is_expired_leeway() -> None:
    soon = BearerToken("x", expires_in=2)
    assert soon.is_expired() is False
    assert soon.is_expired(3) is True
    expired = BearerToken("x", expires_in=-1)
    assert expired.is_expired() is True
    assert expired.is_expired(-3) is False


def test_naive_expires_at_is_utc() -> None:
    token = BearerToken("x", expires_at=datetime(2024, 5, 1, 12, 0, 0))
    assert token.expires_at == T0
    assert token.expires_at.tzinfo is not None


@pytest.mark.parametrize("token_type", ["Bearer", "bearer", "BEARER", "bEaReR"])
def test_token_type_case_insensitive(token_type: str) -> None:
    assert BearerToken("x", token_type=token_type).token_type == token_type  # stored as given


@given(token_type=st.text(alphabet="bearBEAR", min_size=6, max_size=6))
def test_token_type_case_insensitive_property(token_type: str) -> None:
    if token_type.lower() == "bearer":
        assert BearerToken("x", token_type=token_type).token_type == token_type
    else:
        with pytest.raises(UnsupportedTokenTypeError):
            BearerToken("x", token_type=token_type)


@given(token_type=st.one_of(st.text(), st.none(), st.integers()).filter(lambda v: str(v).lower() != "bearer"))
def test_unsupported_token_type(token_type: Any) -> None:
    with pytest.raises(UnsupportedTokenTypeError) as exc_info:
        BearerToken("x", token_type=token_type)
    assert isinstance(exc_info.value, ValueError)
    assert exc_info.value.token_type == token_type


def test_token_type_dpop_refused_by_bearer() -> None:
    with pytest.raises(UnsupportedTokenTypeError, match="Unsupported token_type: DPoP"):
        BearerToken("x", token_type="DPoP")


@pytest.mark.parametrize(
    "kwargs",
    [
        {"access_token": None},
        {"access_token": 123},
        {"access_token": "x", "scope": ["a", "b"]},
        {"access_token": "x", "refresh_token": 1},
        {"access_token": "x", "expires_at": "tomorrow"},
    ],
)
def test_wrongly_typed_fields(kwargs: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        BearerToken(**kwargs)


def test_extra_fields() -> None:
    token = BearerToken("x", custom_attr="v", zero=0, empty="", false=False, none=None)
    assert token.custom_attr == "v"
    for falsy in ("zero", "empty", "false", "none"):  # as published (API.md §6.1): read them with token[...]
        with pytest.raises(AttributeError):
            getattr(token, falsy)
    assert token["custom_attr"] == "v"
    assert token["zero"] == 0
    assert token["empty"] == ""
    assert token["false"] is False
    assert "custom_attr" in token
    assert "unknown" not in token
    assert token.kwargs == {"custom_attr": "v", "zero": 0, "empty": "", "false": False, "none": None}
    with pytest.raises(AttributeError):
        _ = token.unknown
    with pytest.raises(KeyError):
        _ = token["unknown"]
    assert not hasattr(token, "unknown")
    assert getattr(token, "unknown", "default") == "default"
    with pytest.raises(AttributeError):
        _ = token.__deepcopy_hook__  # dunder names never come from the response


def test_subscription_with_dotted_names() -> None:
    token = BearerToken("x", **{"my.custom.attr": "v"})
    assert token["my.custom.attr"] == "v"


def test_repr_hides_tokens() -> None:
    token = BearerToken("secret-access-token", refresh_token="secret-refresh-token", scope="openid")
    text = repr(token)
    assert "secret-access-token" not in text
    assert "secret-refresh-token" not in text
    assert "scope='openid'" in text
    assert text.startswith("BearerToken(access_token=")
    assert "refresh_token=None" in repr(BearerToken("secret"))


def test_copy_and_pickle(rsa_key: jwskate.Jwk) -> None:
    id_token = jwskate.Jwt.sign({"sub": "u"}, rsa_key)
    token = BearerToken("x", expires_in=60, refresh_token="r", id_token=str(id_token), custom="c")
    for clone in (copy.copy(token), copy.deepcopy(token), pickle.loads(pickle.dumps(token))):  # noqa: S301
        assert clone == token
        assert isinstance(clone.id_token, IdToken)
        assert clone.custom == "c"


def test_auth_header_on_prepared_request() -> None:
    request = requests.Request("GET", "https://rs.example.com/api", auth=BearerToken("my_token")).prepare()
    assert request.headers["Authorization"] == "Bearer my_token"


def test_auth_with_requests() -> None:
    with requests_mock.Mocker() as mock:
        mock.get("https://rs.example.com/api", json={"ok": True})
        response = requests.get("https://rs.example.com/api", auth=BearerToken("my_token"), timeout=10)
    assert response.json() == {"ok": True}
    assert mock.last_request is not None
    assert mock.last_request.headers["Authorization"] == "Bearer my_token"


@freeze_time(FROZEN)
def test_expired_token_as_auth() -> None:
    token = BearerToken("secret-access-token", expires_in=-10)
    with pytest.raises(ExpiredAccessToken) as exc_info:
        requests.Request("GET", "https://rs.example.com/api", auth=token).prepare()
    assert isinstance(exc_info.value, RuntimeError)
    assert exc_info.value.args[0] is token
    assert "secret-access-token" not in str(exc_info.value)
    assert "secret-access-token" not in repr(exc_info.value)
    assert str(exc_info.value) == "The access token expired at 2024-05-01 11:59:50+00:00"


def test_as_dict_order_and_none_values() -> None:
    with freeze_time(FROZEN):
        token = BearerToken("x", expires_in=60, scope="s", refresh_token="r", extra=1, dropped=None)
        as_dict = token.as_dict()
    assert list(as_dict) == ["access_token", "scope", "refresh_token", "token_type", "expires_in", "extra"]
    assert as_dict["expires_in"] == 60
    as_dict = token.as_dict(with_expires_in=False)
    assert list(as_dict) == ["access_token", "expires_at", "scope", "refresh_token", "token_type", "extra"]
    assert as_dict["expires_at"] == T0 + timedelta(seconds=60)


def test_as_dict_keeps_id_token_object(rsa_key: jwskate.Jwk) -> None:
    raw = str(jwskate.Jwt.sign({"sub": "u"}, rsa_key))
    as_dict = BearerToken("x", id_token=raw).as_dict()
    assert isinstance(as_dict["id_token"], IdToken)
    assert as_dict["id_token"] == raw
    assert BearerToken(**as_dict) == BearerToken("x", id_token=raw)


def test_access_token_jwt(ec_key: jwskate.Jwk) -> None:
    jwt = jwskate.Jwt.sign({"scope": "a"}, ec_key)
    token = BearerToken(str(jwt))
    assert token.access_token_jwt == jwt
    assert token.access_token_jwt.claims == {"scope": "a"}
    assert token.access_token_jwt is token.access_token_jwt  # cached
    with pytest.raises(jwskate.InvalidJwt):
        _ = BearerToken("opaque").access_token_jwt


# --------------------------------------------------------------------------------------------- id_token conversion


@pytest.fixture(scope="module")
def rsa_key() -> jwskate.Jwk:
    return jwskate.Jwk.generate(alg="RS256", kid="rsa1")


@pytest.fixture(scope="module")
def ec_key() -> jwskate.Jwk:
    return jwskate.Jwk.generate(alg="ES256", kid="ec1")


def test_id_token_converter(rsa_key: jwskate.Jwk) -> None:
    signed = jwskate.Jwt.sign({"sub": "u"}, rsa_key)
    assert id_token_converter(None) is None
    assert isinstance(id_token_converter(str(signed)), IdToken)
    assert isinstance(id_token_converter(bytes(signed)), IdToken)
    assert isinstance(id_token_converter(signed), IdToken)
    assert id_token_converter(signed) == signed
    id_token = IdToken(str(signed))
    assert id_token_converter(id_token) is id_token
    jwe = signed.encrypt(jwskate.Jwk.generate(alg="ECDH-ES", crv="P-256").public_jwk(), enc="A128GCM")
    assert isinstance(id_token_converter(str(jwe)), jwskate.JweCompact)
    assert id_token_converter(jwe) is jwe


@pytest.mark.parametrize("garbage", ["garbage", "", "a.b.c", "e30.W10.", b"\xff\xfe", 123, ["a"]])
def test_bearer_token_with_garbage_id_token(garbage: Any) -> None:
    with pytest.raises(InvalidIdToken) as exc_info:
        BearerToken("at", id_token=garbage)
    assert str(exc_info.value).startswith("Invalid ID Token: ")


def test_bearer_token_with_valid_id_token(rsa_key: jwskate.Jwk) -> None:
    raw = str(jwskate.Jwt.sign({"sub": "u"}, rsa_key))
    token = BearerToken("at", id_token=raw)
    assert isinstance(token.id_token, IdToken)
    assert token.id_token == raw


# --------------------------------------------------------------------------------------------- IdToken


def test_id_token_accessors(rsa_key: jwskate.Jwk) -> None:
    id_token = IdToken(str(jwskate.Jwt.sign({"azp": "c", "auth_time": 1714564800, "nonce": "n"}, rsa_key)))
    assert id_token.authorized_party == "c"
    assert id_token.auth_datetime == T0
    assert id_token.nonce == "n"
    empty = IdToken(str(jwskate.Jwt.sign({}, rsa_key)))
    assert empty.authorized_party is None
    assert empty.auth_datetime is None


@pytest.mark.parametrize(
    ("claims", "accessor"),
    [
        ({"azp": 1}, "authorized_party"),
        ({"auth_time": "x"}, "auth_datetime"),
        ({"auth_time": -5}, "auth_datetime"),
        ({"auth_time": True}, "auth_datetime"),
    ],
)
def test_id_token_accessors_wrong_types(claims: dict[str, Any], accessor: str, ec_key: jwskate.Jwk) -> None:
    id_token = IdToken(str(jwskate.Jwt.sign(claims, ec_key)))
    with pytest.raises(AttributeError):
        getattr(id_token, accessor)


def test_id_token_rejects_non_object_payload(ec_key: jwskate.Jwk) -> None:
    raw = jwskate.Jwt.sign_arbitrary(claims=[1, 2], headers={"alg": "ES256"}, key=ec_key)  # type: ignore[arg-type]
    with pytest.raises(jwskate.InvalidJwt):
        IdToken(str(raw))


def left_half_b64u(digest: bytes) -> str:
    return b64u(digest[: len(digest) // 2])


@pytest.mark.parametrize(
    ("alg", "hash_function"),
    [
        ("RS256", hashlib.sha256),
        ("PS384", hashlib.sha384),
        ("ES256", hashlib.sha256),
        ("ES512", hashlib.sha512),
        ("HS256", hashlib.sha256),
        ("HS512", hashlib.sha512),
    ],
)
def test_hash_method(alg: str, hash_function: Any, rsa_key: jwskate.Jwk) -> None:
    if alg.startswith("HS"):
        key = jwskate.SymmetricJwk.generate(alg=alg)
    elif alg.startswith("ES"):
        key = jwskate.Jwk.generate(alg=alg)
    else:
        key = jwskate.Jwk(dict(rsa_key.public_jwk(), alg=alg))
    value = "the_value_to_hash"
    expected = left_half_b64u(hash_function(value.encode()).digest())
    assert IdToken.hash_method(key)(value) == expected
    assert IdToken.hash_method(dict(key), alg)(value) == expected


def test_hash_method_at_hash_example_from_oidc_core(rsa_key: jwskate.Jwk) -> None:
    # OpenID Connect Core, appendix A: at_hash of this access token with RS256
    assert IdToken.hash_method(rsa_key)("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y") == "77QmUPtjPfzWtF2AnpK9RQ"


def test_hash_method_eddsa() -> None:
    value = "the_value_to_hash"
    ed25519 = jwskate.Jwk.generate(alg="EdDSA", crv="Ed25519")
    assert IdToken.hash_method(ed25519)(value) == b64u(hashlib.sha512(value.encode()).digest()[:32])
    ed448 = jwskate.Jwk.generate(alg="EdDSA", crv="Ed448")
    assert IdToken.hash_method(ed448, "EdDSA")(value) == b64u(hashlib.shake_256(value.encode()).digest(114)[:57])


def test_hash_method_errors() -> None:
    with pytest.raises(jwskate.UnsupportedAlg):
        IdToken.hash_method(jwskate.Jwk.generate(alg="ES256"), "foo")
    with pytest.raises(jwskate.UnsupportedAlg):
        IdToken.hash_method(jwskate.OKPJwk.generate(crv="X25519"), "EdDSA")
    with pytest.raises(jwskate.ExpectedAlgRequired):
        IdToken.hash_method(jwskate.ECJwk.generate(crv="P-256"))


# --------------------------------------------------------------------------------------------- validate_id_token


def make_client(rsa_key: jwskate.Jwk, **overrides: Any) -> SimpleNamespace:
    attributes: dict[str, Any] = {
        "client_id": CLIENT_ID,
        "client_secret": None,
        "issuer": ISSUER,
        "authorization_server_jwks": jwskate.JwkSet(keys=[rsa_key.public_jwk()]),
        "id_token_signed_response_alg": "RS256",
        "id_token_encrypted_response_alg": None,
        "id_token_decryption_key": None,
    }
    attributes.update(overrides)
    return SimpleNamespace(**attributes)


def make_azr(**overrides: Any) -> SimpleNamespace:
    attributes: dict[str, Any] = {
        "code": "the_code",
        "state": "the_state",
        "nonce": NONCE,
        "acr_values": None,
        "max_age": None,
        "issuer": None,
    }
    attributes.update(overrides)
    return SimpleNamespace(**attributes)


def id_token_for(key: jwskate.Jwk, alg: str | None = None, **overrides: Any) -> str:
    now = int(datetime.now(tz=timezone.utc).timestamp())
    claims = {"iss": ISSUER, "sub": "user", "aud": CLIENT_ID, "iat": now, "exp": now + 60, "nonce": NONCE}
    claims.update(overrides)
    return str(jwskate.Jwt.sign({k: v for k, v in claims.items() if v is not None}, key, alg=alg))


@freeze_time(FROZEN)
def test_validate_id_token_returns_new_instance(rsa_key: jwskate.Jwk) -> None:
    at_hash = IdToken.hash_method(rsa_key)("at")
    raw = id_token_for(rsa_key, at_hash=at_hash, c_hash=IdToken.hash_method(rsa_key)("the_code"))
    token = BearerToken("at", expires_in=60, id_token=raw, extra="e")
    validated = token.validate_id_token(make_client(rsa_key), make_azr())
    assert validated is not token
    assert type(validated) is BearerToken
    assert validated == token
    assert isinstance(validated.id_token, IdToken)
    assert validated.extra == "e"


@freeze_time(FROZEN)
@pytest.mark.parametrize(
    ("overrides", "azr_overrides", "error"),
    [
        ({"aud": "other"}, {}, MismatchingIdTokenAudience),
        ({"aud": [CLIENT_ID, "other"], "azp": "other"}, {}, MismatchingIdTokenAzp),
        ({"nonce": "other"}, {}, MismatchingIdTokenNonce),
        ({"acr": "loa1"}, {"acr_values": ("loa2", "loa3")}, MismatchingIdTokenAcr),
        ({"exp": int(T0.timestamp()) - 1}, {}, ExpiredIdToken),
        ({"at_hash": "wrong"}, {}, MismatchingIdTokenHash),
        ({"iss": "https://evil"}, {}, MismatchingIdTokenIssuer),
        ({}, {"issuer": "https://other"}, MismatchingIdTokenIssuer),
        ({}, {"max_age": 60}, MissingIdTokenClaim),
        ({"auth_time": int(T0.timestamp()) - 3600}, {"max_age": 60}, IdTokenAuthTimeTooOld),
    ],
)
def test_validate_id_token_refusals(
    overrides: dict[str, Any], azr_overrides: dict[str, Any], error: type[InvalidIdToken], rsa_key: jwskate.Jwk
) -> None:
    token = BearerToken("at", id_token=id_token_for(rsa_key, **overrides))
    with pytest.raises(error) as exc_info:
        token.validate_id_token(make_client(rsa_key), make_azr(**azr_overrides))
    assert exc_info.value.token_resp is token
    assert isinstance(exc_info.value, InvalidIdToken)


@freeze_time(FROZEN)
def test_validate_id_token_wrong_alg_and_unknown_kid(rsa_key: jwskate.Jwk, ec_key: jwskate.Jwk) -> None:
    with pytest.raises(MismatchingIdTokenAlg):
        BearerToken("at", id_token=id_token_for(ec_key)).validate_id_token(make_client(rsa_key), make_azr())
    unknown = jwskate.Jwk.generate(alg="ES256", kid="unknown")
    client = make_client(rsa_key, id_token_signed_response_alg="ES256")
    with pytest.raises(IdTokenSigningKeyNotFound):
        BearerToken("at", id_token=id_token_for(unknown)).validate_id_token(client, make_azr())


def test_validate_id_token_missing() -> None:
    token = BearerToken("at")
    with pytest.raises(MissingIdToken) as exc_info:
        token.validate_id_token(SimpleNamespace(client_id=CLIENT_ID), make_azr())
    assert exc_info.value.token_resp is token


@freeze_time(FROZEN)
def test_validate_id_token_decrypts(rsa_key: jwskate.Jwk) -> None:
    enc_key = jwskate.Jwk.generate(alg="ECDH-ES+A128KW", crv="P-256")
    signed = id_token_for(rsa_key)
    jwe = jwskate.SignedJwt(signed).encrypt(enc_key.public_jwk(), enc="A128GCM")
    token = BearerToken("at", id_token=str(jwe))
    assert isinstance(token.id_token, jwskate.JweCompact)
    client = make_client(rsa_key, id_token_encrypted_response_alg="ECDH-ES+A128KW", id_token_decryption_key=enc_key)
    validated = token.validate_id_token(client, make_azr())
    assert isinstance(validated.id_token, IdToken)
    assert validated.id_token == signed


@freeze_time(FROZEN)
def test_validate_refreshed_id_token(rsa_key: jwskate.Jwk) -> None:
    previous = BearerToken("old", id_token=id_token_for(rsa_key))
    new = BearerToken("new", id_token=id_token_for(rsa_key, nonce=None))
    client = make_client(rsa_key)
    for prev in (previous, previous.id_token, None):
        assert isinstance(new.validate_refreshed_id_token(client, prev).id_token, IdToken)
    other_user = BearerToken("new", id_token=id_token_for(rsa_key, sub="other", nonce=None))
    with pytest.raises(MismatchingIdTokenSubject) as exc_info:
        other_user.validate_refreshed_id_token(client, previous)
    assert exc_info.value.token_resp is other_user
    assert isinstance(other_user.validate_refreshed_id_token(client).id_token, IdToken)


# --------------------------------------------------------------------------------------------- subclassing


class _Binding:
    """Stands for a DPoP key: a mutable object that must be carried over, not copied."""


@attrs.frozen(init=False)
class _BoundToken(BearerToken):
    TOKEN_TYPE: ClassVar[str] = "Bound"
    AUTHORIZATION_SCHEME: ClassVar[str] = "Bound"

    binding: _Binding = attrs.field(kw_only=True, alias="_binding")

    @accepts_expires_in
    def __init__(self, access_token: str, *, _binding: _Binding, token_type: str = TOKEN_TYPE, **kwargs: Any) -> None:
        fields = {
            name: kwargs.pop(name) for name in ("expires_at", "scope", "refresh_token", "id_token") if name in kwargs
        }
        self.__attrs_init__(
            access_token=access_token, token_type=token_type, kwargs=kwargs, _binding=_binding, **fields
        )

    def _check_token_type(self) -> None:
        """Accept anything."""


@freeze_time(FROZEN)
def test_subclass_keeps_extra_fields(rsa_key: jwskate.Jwk) -> None:
    binding = _Binding()
    token = _BoundToken("at", _binding=binding, token_type="Bearer", expires_in=60, id_token=id_token_for(rsa_key))
    assert token.authorization_header() == "Bound at"
    assert list(token.as_dict()) == ["access_token", "token_type", "id_token", "binding", "expires_in"]
    validated = token.validate_id_token(make_client(rsa_key), make_azr())
    assert type(validated) is _BoundToken
    assert validated.binding is binding
    assert validated.expires_at == token.expires_at
    refreshed = token.validate_refreshed_id_token(make_client(rsa_key), token)
    assert refreshed.binding is binding


def test_id_token_errors_are_reexported_by_tokens_and_the_root() -> None:
    import requests_oauth2client
    from requests_oauth2client import tokens
    from requests_oauth2client._errors import id_token as _id_token_errors

    for name in _id_token_errors.__all__:
        assert name in tokens.__all__
        assert getattr(tokens, name) is getattr(_id_token_errors, name)
    for name in ("InvalidIdToken", "ExpiredIdToken", "MismatchingIdTokenNonce", "ExpiredAccessToken", "MissingIdToken"):
        assert getattr(requests_oauth2client, name) is getattr(_id_token_errors, name)


@pytest.mark.parametrize("value", ["at\r\nX-Injected: 1", "at\nmore", "jeton-été", "tab\there"])
def test_a_token_that_cannot_be_sent_in_a_header_is_refused_without_echo(requests_mock: Any, value: str) -> None:
    from requests_oauth2client import InvalidAccessTokenValue, OAuth2AccessTokenAuth, OAuth2Client

    api = requests_mock.get("https://api.example.com/resource", text="ok")
    token = BearerToken(value)  # built by hand: accepted, as published
    with pytest.raises(InvalidAccessTokenValue) as exc_info:
        token.authorization_header()
    assert value not in str(exc_info.value)
    assert exc_info.value.access_token == value
    with pytest.raises(InvalidAccessTokenValue):
        requests.get("https://api.example.com/resource", auth=token, timeout=5)
    client = OAuth2Client("https://as.example.com/token", ("cid", "secret"))
    with pytest.raises(InvalidAccessTokenValue):
        requests.get("https://api.example.com/resource", auth=OAuth2AccessTokenAuth(client, token), timeout=5)
    assert not api.called
    assert BearerToken("a printable token ~!").authorization_header() == "Bearer a printable token ~!"


# ------------------------------------------------------------------------------------- confirmation (RFC 8705)


def test_with_cnf_records_the_binding_in_a_copy() -> None:
    token = BearerToken("at", expires_in=60, scope="s", custom="c")
    bound = token.with_cnf({"x5t#S256": "thumb"})
    assert bound.x5t_s256 == "thumb"
    assert bound["cnf"] == {"x5t#S256": "thumb"}
    assert (bound.access_token, bound.expires_at, bound.scope, bound.custom) == ("at", token.expires_at, "s", "c")
    assert token.x5t_s256 is None  # the original is unchanged
    assert "cnf" not in token
    assert bound.with_cnf({"jkt": "k"}).x5t_s256 is None
    with pytest.raises(TypeError):
        token.with_cnf("thumb")  # type: ignore[arg-type]


def test_with_cnf_keeps_the_class_of_the_token() -> None:
    from requests_oauth2client.dpop import DPoPKey, DPoPToken

    token = DPoPToken("at", _dpop_key=DPoPKey.generate())
    bound = token.with_cnf({"jkt": token.dpop_key.dpop_jkt})
    assert type(bound) is DPoPToken
    assert bound.dpop_key is token.dpop_key
