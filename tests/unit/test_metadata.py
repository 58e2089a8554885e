import pytest

from requests_oauth2client._metadata import ENDPOINT_KEYS, client_settings_from_metadata
from requests_oauth2client.exceptions import InvalidDiscoveryDocument, InvalidParam

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
