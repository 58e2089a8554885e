import pytest

from requests_oauth2client.discovery import oauth2_discovery_document_url, oidc_discovery_document_url, well_known_uri


@pytest.mark.parametrize("issuer", ["https://as/t", "https://as/t/"])
def test_oidc_discovery_url(issuer: str) -> None:
    assert oidc_discovery_document_url(issuer) == "https://as/t/.well-known/openid-configuration"


@pytest.mark.parametrize("issuer", ["https://as/t", "https://as/t/"])
def test_oauth2_discovery_url(issuer: str) -> None:
    assert oauth2_discovery_document_url(issuer) == "https://as/.well-known/oauth-authorization-server/t"


def test_issuer_without_path() -> None:
    assert oidc_discovery_document_url("https://as") == "https://as/.well-known/openid-configuration"
    assert oauth2_discovery_document_url("https://as/") == "https://as/.well-known/oauth-authorization-server"


def test_well_known_keeps_port_and_nested_path() -> None:
    assert well_known_uri("http://127.0.0.1:9000/a/b", "x", at_root=True) == "http://127.0.0.1:9000/.well-known/x/a/b"
    assert well_known_uri("http://127.0.0.1:9000/a/b", "x", at_root=False) == "http://127.0.0.1:9000/a/b/.well-known/x"
