import pytest

from requests_oauth2client.discovery import (
    WellKnownDocument,
    oauth2_discovery_document_url,
    oauth2_protected_resource_metadata_url,
    oidc_discovery_document_url,
    well_known_uri,
)


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


@pytest.mark.parametrize(
    ("resource", "expected"),
    [
        ("https://rs.example.com", "https://rs.example.com/.well-known/oauth-protected-resource"),
        ("https://rs.example.com/", "https://rs.example.com/.well-known/oauth-protected-resource"),
        ("https://rs.example.com/v1", "https://rs.example.com/.well-known/oauth-protected-resource/v1"),
        # RFC 9728 §3.1: the path is kept as it is (the `resource` must be identical), and so is a query
        ("https://rs.example.com/v1/", "https://rs.example.com/.well-known/oauth-protected-resource/v1/"),
        (
            "https://rs.example.com:8443/a?b=c#d",
            "https://rs.example.com:8443/.well-known/oauth-protected-resource/a?b=c",
        ),
    ],
)
def test_oauth2_protected_resource_metadata_url(resource: str, expected: str) -> None:
    assert oauth2_protected_resource_metadata_url(resource) == expected


def test_well_known_document_names() -> None:
    assert WellKnownDocument.OPENID_CONFIGURATION == "openid-configuration"
    assert WellKnownDocument.OAUTH_AUTHORIZATION_SERVER == "oauth-authorization-server"
    assert str(WellKnownDocument.OAUTH_PROTECTED_RESOURCE) == "oauth-protected-resource"
