"""Protected resource metadata (RFC 9728) checks, and the typed errors of resource challenges (RFC 6750, RFC 9470)."""

from __future__ import annotations

from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from requests_oauth2client import ApiClient
from requests_oauth2client.discovery import oauth2_protected_resource_metadata_url
from requests_oauth2client.exceptions import (
    FailedDiscoveryError,
    InsufficientScope,
    InsufficientUserAuthentication,
    InvalidDiscoveryDocument,
    MismatchingAuthorizationServerIdentifier,
    MismatchingResourceIdentifier,
    ProtectedResourceError,
)
from requests_oauth2client.protected_resource import (
    ProtectedResourceMetadata,
    check_authorization_server,
    raise_for_resource_error,
    resource_of_metadata_url,
    validate_resource_metadata,
)

RESOURCE = "https://api.example.com/v1"
METADATA_URL = "https://api.example.com/.well-known/oauth-protected-resource/v1"
ISSUER = "https://as.example.com"
DOCUMENT = {
    "resource": RESOURCE,
    "authorization_servers": [ISSUER],
    "scopes_supported": ["read", "write"],
    "bearer_methods_supported": ["header"],
    "dpop_signing_alg_values_supported": ["ES256"],
    "resource_name": "Example API",
    "dpop_bound_access_tokens_required": False,
}


# ------------------------------------------------------------------------------------------ validation


def test_valid_document() -> None:
    metadata = validate_resource_metadata(DOCUMENT, RESOURCE, url=METADATA_URL)
    assert metadata == ProtectedResourceMetadata(
        resource=RESOURCE,
        authorization_servers=(ISSUER,),
        scopes_supported=("read", "write"),
        document=DOCUMENT,
        url=METADATA_URL,
    )
    assert metadata.get("resource_name") == "Example API"
    assert metadata.get("unknown") is None
    assert metadata.dpop_bound_access_tokens_required is False
    assert validate_resource_metadata({"resource": RESOURCE}).authorization_servers == ()


def test_resource_must_be_identical() -> None:
    """RFC 9728 §3.3: no normalisation at all, a trailing slash included."""
    for expected in (RESOURCE + "/", "https://api.example.com/V1", "https://api.example.com:443/v1", "https://evil/v1"):
        with pytest.raises(MismatchingResourceIdentifier) as exc_info:
            validate_resource_metadata(DOCUMENT, expected, url=METADATA_URL)
        assert exc_info.value.expected == expected
        assert exc_info.value.received == RESOURCE
        assert exc_info.value.url == METADATA_URL
        assert exc_info.value.metadata == DOCUMENT
        assert isinstance(exc_info.value, FailedDiscoveryError)
        assert "RFC 9728 §3.3" in str(exc_info.value)


def test_resource_named_by_the_url() -> None:
    """Without an explicit resource, the one the well-known URL names is expected."""
    assert validate_resource_metadata(DOCUMENT, url=METADATA_URL).resource == RESOURCE
    with pytest.raises(MismatchingResourceIdentifier) as exc_info:
        validate_resource_metadata({**DOCUMENT, "resource": "https://api.example.com/v2"}, url=METADATA_URL)
    assert exc_info.value.expected == RESOURCE
    # the resource of an origin: with or without the slash, the URL is the same
    root_url = "https://api.example.com/.well-known/oauth-protected-resource"
    for root in ("https://api.example.com", "https://api.example.com/"):
        assert validate_resource_metadata({"resource": root}, url=root_url).resource == root
    # a URL that is not a well-known one names nothing: no expectation
    assert validate_resource_metadata(DOCUMENT, url="https://api.example.com/meta.json").resource == RESOURCE


@pytest.mark.parametrize(
    ("document", "message"),
    [
        ([], "not a JSON object"),
        ({}, "no valid `resource`"),
        ({"resource": ""}, "no valid `resource`"),
        ({"resource": 1}, "no valid `resource`"),
        ({"resource": RESOURCE + "#f"}, "no valid `resource`"),
        ({"resource": RESOURCE, "authorization_servers": ISSUER}, "not a list of issuer identifiers"),
        ({"resource": RESOURCE, "authorization_servers": [1]}, "not a list of issuer identifiers"),
        ({"resource": RESOURCE, "authorization_servers": ["as.example.com"]}, "not a list of issuer identifiers"),
        ({"resource": RESOURCE, "authorization_servers": [ISSUER + "?q"]}, "not a list of issuer identifiers"),
        ({"resource": RESOURCE, "authorization_servers": ["https://[x"]}, "not a list of issuer identifiers"),
        ({"resource": RESOURCE, "scopes_supported": "read"}, "`scopes_supported` of the protected"),
        ({"resource": RESOURCE, "bearer_methods_supported": [None]}, "`bearer_methods_supported`"),
        ({"resource": RESOURCE, "jwks_uri": 1}, "`jwks_uri` of the protected resource metadata is not a str"),
        ({"resource": RESOURCE, "dpop_bound_access_tokens_required": "yes"}, "is not a bool"),
    ],
)
def test_invalid_documents(document: Any, message: str) -> None:
    with pytest.raises(InvalidDiscoveryDocument, match=message) as exc_info:
        validate_resource_metadata(document, url=METADATA_URL)
    assert exc_info.value.url == METADATA_URL


@given(st.dictionaries(st.sampled_from([*DOCUMENT, "x"]), st.none() | st.integers() | st.text() | st.lists(st.text())))
def test_any_document_is_checked_or_refused_with_a_typed_error(document: dict[str, Any]) -> None:
    try:
        metadata = validate_resource_metadata(document, url=METADATA_URL)
    except FailedDiscoveryError:
        return
    assert metadata.resource == document["resource"] == RESOURCE


def test_resource_of_metadata_url() -> None:
    assert resource_of_metadata_url(METADATA_URL) == RESOURCE
    assert resource_of_metadata_url(METADATA_URL + "?a=b") == RESOURCE + "?a=b"
    assert resource_of_metadata_url("https://api.example.com/.well-known/oauth-protected-resource") == (
        "https://api.example.com"
    )
    for other in (
        "https://x/.well-known/oauth-protected-resourceX",
        "/.well-known/oauth-protected-resource",
        "http://[x",
    ):
        assert resource_of_metadata_url(other) is None


@pytest.mark.parametrize(
    "resource",
    [
        "https://api.example.com/v1",
        "https://api.example.com/v1/",
        "https://api.example.com/a/b?x=1",
        "https://api.example.com",
    ],
)
def test_metadata_url_round_trip(resource: str) -> None:
    assert resource_of_metadata_url(oauth2_protected_resource_metadata_url(resource)) == resource


def test_check_authorization_server() -> None:
    metadata = validate_resource_metadata(DOCUMENT, RESOURCE)
    check_authorization_server(metadata, ISSUER)
    for issuer in ("https://other.example.com", ISSUER + "/", None):
        with pytest.raises(MismatchingAuthorizationServerIdentifier) as exc_info:
            check_authorization_server(metadata, issuer)
        assert exc_info.value.expected == issuer
        assert exc_info.value.received == [ISSUER]
    with pytest.raises(MismatchingAuthorizationServerIdentifier, match="does not know its issuer"):
        check_authorization_server(metadata, None)


# ------------------------------------------------------------------------------------------ resource errors


def refusal(status: int, header: str | None, url: str = RESOURCE + "/items?secret=x") -> requests.Response:
    response = requests.Response()
    response.status_code = status
    response.url = url
    if header is not None:
        response.headers["WWW-Authenticate"] = header
    return response


def test_insufficient_scope() -> None:
    response = refusal(403, 'Bearer error="insufficient_scope", error_description="needs write", scope="a b"')
    with pytest.raises(InsufficientScope) as exc_info:
        raise_for_resource_error(response)
    exc = exc_info.value
    assert isinstance(exc, requests.HTTPError)
    assert isinstance(exc, ProtectedResourceError)
    assert exc.response is response
    assert exc.scope == ("a", "b")
    assert exc.error == "insufficient_scope"
    assert exc.description == "needs write"
    assert exc.challenge.scheme == "Bearer"
    assert str(exc) == (
        f"The resource at '{RESOURCE}/items' answered HTTP 403 with the Bearer error 'insufficient_scope'"
        " (needs write): it needs the scope 'a b'; obtain a token with it."
    )


def test_insufficient_user_authentication() -> None:
    header = 'Bearer realm="r", DPoP error="insufficient_user_authentication", acr_values="mfa hwk", max_age="0"'
    with pytest.raises(InsufficientUserAuthentication) as exc_info:
        raise_for_resource_error(refusal(401, header))
    exc = exc_info.value
    assert exc.acr_values == ("mfa", "hwk")
    assert exc.max_age == 0
    assert exc.challenge.scheme == "DPoP"
    assert "log the user in again with acr_values 'mfa hwk' and max_age 0" in str(exc)
    assert "secret" not in str(exc)
    with pytest.raises(InsufficientUserAuthentication, match=r"\): log the user in again\.$") as bare:
        raise_for_resource_error(refusal(401, 'Bearer error="insufficient_user_authentication", error_description="x"'))
    assert bare.value.acr_values is None
    assert bare.value.max_age is None


@pytest.mark.parametrize(
    ("status", "header"),
    [
        (200, 'Bearer error="insufficient_scope"'),
        (400, 'Bearer error="insufficient_scope"'),
        (401, None),
        (401, 'Bearer error="invalid_token"'),
        (403, 'Bearer realm="x"'),
        (403, 'Bearer error="insufficient_scope" scope="no comma"'),
    ],
)
def test_other_responses_raise_nothing(status: int, header: str | None) -> None:
    raise_for_resource_error(refusal(status, header))


# ------------------------------------------------------------------------------------------ ApiClient


class FakeClient:
    issuer = ISSUER


class FakeAuth(requests.auth.AuthBase):
    client = FakeClient()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = "Bearer at"
        return request


def test_api_client_from_metadata_endpoint(requests_mock: Any) -> None:
    requests_mock.get(METADATA_URL, json=DOCUMENT)
    session = requests.Session()
    api = ApiClient.from_metadata_endpoint(RESOURCE, FakeAuth(), session=session, timeout=5)
    assert api.base_url == RESOURCE
    assert api.session is session
    assert api.timeout == 5
    assert isinstance(api.auth, FakeAuth)
    requests_mock.get(RESOURCE + "/items", json={})
    api.get("items")
    assert requests_mock.last_request.headers["Authorization"] == "Bearer at"


def test_api_client_from_metadata_endpoint_refuses_another_resource(requests_mock: Any) -> None:
    requests_mock.get(METADATA_URL, json={**DOCUMENT, "resource": "https://api.example.com/v2"})
    with pytest.raises(MismatchingResourceIdentifier):
        ApiClient.from_metadata_endpoint(RESOURCE, FakeAuth())


def test_api_client_from_metadata_endpoint_redirects_within_the_origin_only(requests_mock: Any) -> None:
    from requests_oauth2client.exceptions import DiscoveryRedirectError

    moved = "https://api.example.com/meta"
    requests_mock.get(METADATA_URL, status_code=302, headers={"Location": moved})
    requests_mock.get(moved, json=DOCUMENT)
    assert ApiClient.from_metadata_endpoint(RESOURCE, FakeAuth()).base_url == RESOURCE
    requests_mock.get(METADATA_URL, status_code=302, headers={"Location": "https://evil.example.com/meta"})
    with pytest.raises(DiscoveryRedirectError):
        ApiClient.from_metadata_endpoint(RESOURCE, FakeAuth())


def test_api_client_from_metadata_endpoint_other_locations(requests_mock: Any) -> None:
    requests_mock.get("https://api.example.com/v1/.well-known/custom", json=DOCUMENT)
    api = ApiClient.from_metadata_endpoint(RESOURCE, FakeAuth(), document="custom", at_root=False)
    assert api.base_url == RESOURCE


def test_api_client_from_metadata_document_checks_the_issuer() -> None:
    with pytest.raises(MismatchingAuthorizationServerIdentifier):
        ApiClient.from_metadata_document({**DOCUMENT, "authorization_servers": ["https://other"]}, FakeAuth())
    with pytest.raises(MismatchingAuthorizationServerIdentifier, match="does not know its issuer"):
        ApiClient.from_metadata_document(DOCUMENT, None)
    api = ApiClient.from_metadata_document(DOCUMENT, None, check_issuer=False, base_url=RESOURCE + "/sub")
    assert api.base_url == RESOURCE + "/sub"
    assert api.auth is None


def test_api_client_raises_typed_errors(requests_mock: Any) -> None:
    api = ApiClient(RESOURCE)
    requests_mock.get(
        RESOURCE + "/write",
        status_code=403,
        headers={"WWW-Authenticate": 'Bearer error="insufficient_scope", scope="write"'},
    )
    with pytest.raises(InsufficientScope) as exc_info:
        api.get("write")
    assert exc_info.value.scope == ("write",)
    assert api.get("write", raise_for_status=False).status_code == 403
    requests_mock.get(RESOURCE + "/other", status_code=403, headers={"WWW-Authenticate": 'Bearer error="x"'})
    with pytest.raises(requests.HTTPError) as plain:
        api.get("other")
    assert type(plain.value) is requests.HTTPError
