import contextlib
from urllib.parse import urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from jwskate import Jwk, JwkSet

from requests_oauth2client import OAuth2Client
from requests_oauth2client._protocol.metadata import (
    ENDPOINT_KEYS,
    client_settings_from_metadata,
    issuer_from_well_known_url,
    jwks_from_document,
)
from requests_oauth2client.exceptions import (
    InvalidDiscoveryDocument,
    InvalidParam,
    MismatchingDiscoveryIssuer,
    MissingIssuerParam,
)

ISSUER = "https://as.example.com"
DOC = {
    "issuer": ISSUER,
    **{key: f"{ISSUER}/{key}" for key in ENDPOINT_KEYS},
    "authorization_response_iss_parameter_supported": True,
    "mtls_endpoint_aliases": {"token_endpoint": "https://mtls.as.example.com/token"},
}


def test_every_endpoint_is_used() -> None:
    settings = client_settings_from_metadata(DOC, ISSUER)
    for key in ENDPOINT_KEYS:
        assert settings[key] == f"{ISSUER}/{key}"
    assert settings["issuer"] == ISSUER
    assert settings["authorization_response_iss_parameter_supported"] is True


def test_issuer_defaults_to_the_document() -> None:
    assert client_settings_from_metadata(DOC)["issuer"] == ISSUER


def test_mtls_aliases() -> None:
    assert client_settings_from_metadata(DOC, mtls=True)["token_endpoint"] == "https://mtls.as.example.com/token"


@pytest.mark.parametrize("expected", ["https://as.example.com/", "https://other.example.com"])
def test_issuer_must_match_exactly(expected: str) -> None:
    with pytest.raises(InvalidParam, match="Mismatching issuer"):
        client_settings_from_metadata(DOC, expected)


@pytest.mark.parametrize(
    "doc",
    [
        [],
        {"issuer": ISSUER},
        {"issuer": ISSUER, "token_endpoint": 1},
        {"issuer": 1, "token_endpoint": "https://x/t"},
        {"issuer": ISSUER, "token_endpoint": "https://x/t", "jwks_uri": ["x"]},
    ],
)
def test_bad_documents(doc: object) -> None:
    with pytest.raises(InvalidDiscoveryDocument):
        client_settings_from_metadata(doc)


def test_iss_flag_must_be_true_literally() -> None:
    doc = {"issuer": ISSUER, "token_endpoint": "https://x/t", "authorization_response_iss_parameter_supported": "no"}
    assert client_settings_from_metadata(doc)["authorization_response_iss_parameter_supported"] is False


# ------------------------------------------------------------------------------------------------ issue 12


@pytest.mark.parametrize(
    ("url", "issuer"),
    [
        ("https://as.example.com/.well-known/openid-configuration", "https://as.example.com"),
        ("https://as.example.com/t/.well-known/openid-configuration", "https://as.example.com/t"),
        ("https://as.example.com/a/b/.well-known/openid-configuration?p=x", "https://as.example.com/a/b"),
        ("https://as.example.com/.well-known/oauth-authorization-server", "https://as.example.com"),
        ("https://as.example.com/.well-known/oauth-authorization-server/t", "https://as.example.com/t"),
        ("https://as.example.com/.well-known/openid-configuration/t", "https://as.example.com/t"),
        ("http://127.0.0.1:9000/.well-known/openid-configuration", "http://127.0.0.1:9000"),
        ("https://as.example.com/metadata", None),
        ("https://as.example.com/.well-known/jwks.json", None),
        ("https://as.example.com/x/.well-known/openid-configuration-v2", None),
        ("/.well-known/openid-configuration", None),
        ("https://[::1/.well-known/openid-configuration", None),
    ],
)
def test_issuer_from_well_known_url(url: str, issuer: str | None) -> None:
    assert issuer_from_well_known_url(url) == issuer


def test_the_well_known_url_decides_the_issuer_when_none_is_given() -> None:
    url = "https://as.example.com/.well-known/openid-configuration"
    assert client_settings_from_metadata(DOC, url=url)["issuer"] == ISSUER
    assert client_settings_from_metadata({**DOC, "issuer": ISSUER + "/"}, url=url)["issuer"] == ISSUER + "/"
    with pytest.raises(MismatchingDiscoveryIssuer) as exc_info:
        client_settings_from_metadata({**DOC, "issuer": "https://evil.example.net"}, url=url)
    exc = exc_info.value
    assert isinstance(exc, InvalidDiscoveryDocument) and isinstance(exc, InvalidParam)
    assert (exc.received, exc.expected, exc.url) == ("https://evil.example.net", ISSUER, url)
    for missing in ({k: v for k, v in DOC.items() if k != "issuer"}, {**DOC, "issuer": ISSUER + "?x=1"}):
        with pytest.raises(MismatchingDiscoveryIssuer):
            client_settings_from_metadata(missing, url=url)
    # an explicit issuer wins, and is compared exactly
    assert client_settings_from_metadata(DOC, ISSUER, url="https://other.example.org/.well-known/x")["issuer"]


@pytest.mark.parametrize("endpoint", ["https:///token", "http:///token", "https://:8443/t", "/token", "token", ""])
@pytest.mark.parametrize("key", ["token_endpoint", "jwks_uri", "userinfo_endpoint"])
def test_endpoints_need_a_host(endpoint: str, key: str) -> None:
    with pytest.raises(InvalidDiscoveryDocument, match=key):
        client_settings_from_metadata({**DOC, key: endpoint})
    with pytest.raises(InvalidDiscoveryDocument, match=key):
        client_settings_from_metadata({**DOC, "mtls_endpoint_aliases": {key: endpoint}}, mtls=True)


def test_jwks_from_document() -> None:
    key = Jwk.generate(alg="ES256", kid="k1").public_jwk()
    jwks = jwks_from_document({"keys": [dict(key), {"kty": "future", "kid": "f"}, 1, "x", {"kty": "EC"}]})
    assert [k.kid for k in jwks.jwks] == ["k1"]  # unusable keys are left out
    assert len(jwks_from_document({"keys": []})) == 0
    for bad in (None, [], {"keys": {}}, {"keys": None}, {}, "keys"):
        with pytest.raises(InvalidDiscoveryDocument) as exc_info:
            jwks_from_document(bad, "https://as/jwks")
        assert exc_info.value.url == "https://as/jwks"
        assert exc_info.value.metadata == bad


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=8), children, max_size=3),
    max_leaves=10,
)
_urlish = st.sampled_from(
    ["https://as.example.com/x", "https:///x", "http://127.0.0.1:1/x", "/x", "", "https://[::1/x", "https://as:99999/"]
) | st.text(max_size=20)


@settings(max_examples=300, deadline=None)
@given(
    doc=st.fixed_dictionaries(
        {},
        optional={
            "issuer": _urlish | _json,
            **dict.fromkeys(ENDPOINT_KEYS, _urlish | _json),
            "mtls_endpoint_aliases": st.dictionaries(st.sampled_from(ENDPOINT_KEYS), _urlish | _json) | _json,
            "authorization_response_iss_parameter_supported": _json,
        },
    )
    | _json,
    url=st.none() | _urlish | st.just("https://as.example.com/.well-known/openid-configuration"),
    mtls=st.booleans(),
)
def test_any_metadata_gives_settings_or_a_typed_error(doc: object, url: str | None, mtls: bool) -> None:
    try:
        settings_ = client_settings_from_metadata(doc, mtls=mtls, url=url)
    except InvalidDiscoveryDocument:
        return
    assert "token_endpoint" in settings_
    for key in ENDPOINT_KEYS:
        if key in settings_:
            assert urlsplit(settings_[key]).hostname
    with contextlib.suppress(InvalidDiscoveryDocument, InvalidParam, MissingIssuerParam):
        OAuth2Client.from_discovery_document(doc, client_id="c", mtls=mtls, testing=True)  # type: ignore[arg-type]


@settings(max_examples=300, deadline=None)
@given(doc=st.fixed_dictionaries({"keys": st.lists(st.dictionaries(st.text(max_size=4), _json) | _json)}) | _json)
def test_any_jwks_gives_a_key_set_or_a_typed_error(doc: object) -> None:
    try:
        jwks = jwks_from_document(doc)
    except InvalidDiscoveryDocument:
        return
    assert isinstance(jwks, JwkSet)
