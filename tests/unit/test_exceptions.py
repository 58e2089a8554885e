import pytest
import requests

from requests_oauth2client import exceptions as exc_module
from requests_oauth2client.exceptions import (
    ERROR_CLASSES,
    AccessDenied,
    AuthorizationPending,
    AuthorizationResponseError,
    EndpointError,
    ExpiredToken,
    InvalidAuthResponse,
    InvalidEndpointUri,
    InvalidIssuer,
    InvalidParam,
    InvalidTokenResponse,
    MismatchingIssuer,
    MismatchingState,
    MissingAuthCode,
    MissingEndpointUri,
    OAuth2Error,
    SlowDown,
    TokenEndpointError,
    UnauthorizedClient,
    UnknownSubjectTokenType,
    UnknownTokenType,
    UnsupportedTokenType,
    UnsupportedTokenTypeError,
)
from requests_oauth2client.utils import InvalidUri


def make_response() -> requests.Response:
    response = requests.Response()
    response.status_code = 400
    response.request = requests.Request("POST", "https://as/token").prepare()
    return response


def test_error_table() -> None:
    assert ERROR_CLASSES["invalid_grant"].__name__ == "InvalidGrant"
    assert ERROR_CLASSES["use_dpop_nonce"].__name__ == "UseDPoPNonce"
    assert ERROR_CLASSES["unsupported_token_type"] is UnsupportedTokenType
    assert len(ERROR_CLASSES) == 17
    for cls in ERROR_CLASSES.values():
        assert issubclass(cls, EndpointError)


@pytest.mark.parametrize(
    ("error", "name"),
    [
        ("invalid_redirect_uri", "InvalidRedirectUri"),
        ("invalid_client_metadata", "InvalidClientMetadata"),
        ("invalid_software_statement", "InvalidSoftwareStatement"),
        ("unapproved_software_statement", "UnapprovedSoftwareStatement"),
    ],
)
def test_registration_errors_in_the_table(error: str, name: str) -> None:
    """RFC 7591 §3.2.2 error codes: subclasses of RegistrationError."""
    import requests_oauth2client
    from requests_oauth2client.exceptions import RegistrationError

    cls = ERROR_CLASSES[error]
    assert cls.__name__ == name
    assert issubclass(cls, RegistrationError)
    assert getattr(requests_oauth2client.exceptions, name) is cls


@pytest.mark.parametrize("cls", [SlowDown, AuthorizationPending, ExpiredToken])
def test_polling_errors_are_token_endpoint_errors(cls: type) -> None:
    assert issubclass(cls, TokenEndpointError)


@pytest.mark.parametrize("cls", [AccessDenied, UnauthorizedClient])
def test_some_errors_are_not_token_endpoint_errors(cls: type) -> None:
    assert issubclass(cls, EndpointError)
    assert not issubclass(cls, TokenEndpointError)


def test_oauth2_error_message_and_request() -> None:
    response = make_response()
    exc = InvalidTokenResponse(response, client=None, description="bad")
    assert str(exc) == "The endpoint at https://as/token answered HTTP 400: bad"
    assert exc.request is response.request
    assert (
        str(OAuth2Error(response, None))
        == "The endpoint at https://as/token answered HTTP 400: no description provided"
    )


def test_endpoint_error_attributes() -> None:
    exc = AccessDenied(make_response(), "client", "access_denied", "nope", "https://doc")
    assert (exc.error, exc.description, exc.uri, exc.client) == ("access_denied", "nope", "https://doc", "client")


def test_auth_response_errors() -> None:
    exc = MismatchingState("received", "expected", "req", "resp")
    assert isinstance(exc, InvalidAuthResponse)
    assert isinstance(exc, ValueError)
    assert (exc.received, exc.expected, exc.request, exc.response) == ("received", "expected", "req", "resp")
    assert str(exc).startswith("The Authorization Response is invalid: mismatching `state`")
    assert "`iss`" in str(MismatchingIssuer("a", "b", None, None))
    assert "`code`" in str(MissingAuthCode(None, None))
    error = AuthorizationResponseError("req", "resp", "access_denied", "denied")
    assert error.error == "access_denied"
    assert "denied" in str(error)


def test_param_errors() -> None:
    exc = InvalidIssuer(
        "issuer",
        "http://x",
        InvalidUri("http://x", https=True, no_credentials=False, no_port=False, no_fragment=False, path=False),
    )
    assert isinstance(exc, InvalidEndpointUri)
    assert isinstance(exc, InvalidParam)
    assert str(exc) == (
        "Invalid issuer 'http://x' (the issuer identifier of the authorization server): Invalid URI: must use https."
        " `testing=True` allows plain http, for a local server in tests"
    )
    assert (exc.endpoint, exc.uri) == ("issuer", "http://x")
    sub = UnknownSubjectTokenType("tok", None)
    assert isinstance(sub, UnknownTokenType)
    assert isinstance(sub, TypeError)
    assert isinstance(sub, ValueError)
    assert str(sub).startswith("Unable to determine the type of token provided: ")
    assert isinstance(MissingEndpointUri("revocation_endpoint"), AttributeError)
    assert str(MissingEndpointUri("revocation_endpoint")) == "No 'revocation_endpoint' defined for this client."
    assert str(UnsupportedTokenTypeError("foo")) == "Unsupported token_type: foo"


def test_all_is_complete() -> None:
    for name in exc_module.__all__:
        assert hasattr(exc_module, name)


def test_discovery_error_family() -> None:
    from requests_oauth2client import FailedDiscoveryError as RootFailedDiscoveryError
    from requests_oauth2client.exceptions import (
        DiscoveryHTTPError,
        DiscoveryRedirectError,
        FailedDiscoveryError,
        InvalidDiscoveryDocument,
        MismatchingDiscoveryIssuer,
    )

    assert RootFailedDiscoveryError is FailedDiscoveryError
    exc = FailedDiscoveryError("message", {"issuer": "x"}, url="https://as/.well-known/x")
    assert (exc.message, exc.metadata, exc.url, str(exc)) == (
        "message",
        {"issuer": "x"},
        "https://as/.well-known/x",
        "message",
    )
    assert FailedDiscoveryError("m").metadata is None and FailedDiscoveryError("m").url is None
    doc = InvalidDiscoveryDocument("bad", {"a": 1})
    assert isinstance(doc, FailedDiscoveryError) and isinstance(doc, ValueError)
    assert doc.discovery_document == doc.metadata == {"a": 1}
    mismatch = MismatchingDiscoveryIssuer("https://evil", "https://as", {"issuer": "https://evil"})
    assert isinstance(mismatch, InvalidParam) and isinstance(mismatch, InvalidDiscoveryDocument)
    assert (
        str(mismatch)
        == "Mismatching issuer value in discovery document (received 'https://evil', expected 'https://as')."
    )
    response = requests.Response()
    response.status_code = 404
    http = DiscoveryHTTPError(response, "https://as/jwks")
    assert isinstance(http, requests.HTTPError) and isinstance(http, FailedDiscoveryError)
    assert http.response is response and http.url == "https://as/jwks"
    redirect = DiscoveryRedirectError("moved", response, "https://as/jwks", "https://evil/jwks")
    assert redirect.location == "https://evil/jwks" and redirect.response is response


def test_origin_errors_are_typed_and_secret_free() -> None:
    from requests_oauth2client.exceptions import IssuerMixUp, MismatchingUserinfoSubject, UnexpectedRedirect

    response = requests.Response()
    response.status_code = 307
    redirect = UnexpectedRedirect(response, None, "token_endpoint", "https://evil/x")
    assert isinstance(redirect, OAuth2Error)
    assert "token endpoint" in str(redirect) and "https://evil/x" in str(redirect) and "307" in str(redirect)
    mix_up = IssuerMixUp("https://a", "https://b", "azr")
    assert isinstance(mix_up, MismatchingIssuer) and isinstance(mix_up, InvalidAuthResponse)
    assert (mix_up.received, mix_up.expected, mix_up.response) == ("https://a", "https://b", "azr")
    subject = MismatchingUserinfoSubject(response, None, "mallory", "alice")
    assert (subject.received, subject.expected) == ("mallory", "alice")
