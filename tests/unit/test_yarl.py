"""yarl, the optional dependency of the next release's API: `.yarl` URLs of requests, `yarl.URL` callbacks, and the
`.url` of callback errors; without yarl installed, an ImportError that says what to install."""

from __future__ import annotations

import sys

import pytest
import yarl
from jwskate import Jwk

from requests_oauth2client import (
    AuthorizationRequest,
    AuthorizationResponseError,
    InvalidAuthResponse,
    LoginRequired,
    MismatchingState,
    RequestParameterAuthorizationRequest,
    RequestUriParameterAuthorizationRequest,
)
from requests_oauth2client._http.yarl import callback_url, import_yarl, is_url_like, is_yarl_url

ENDPOINT = "https://as.example.com/authorize"
REDIRECT_URI = "https://app.example/cb"


@pytest.fixture
def azr() -> AuthorizationRequest:
    return AuthorizationRequest(ENDPOINT, client_id="c", redirect_uri=REDIRECT_URI, state="s", resource=["r1", "r2"])


@pytest.fixture
def no_yarl(monkeypatch: pytest.MonkeyPatch) -> None:
    """yarl made unimportable, as if it were not installed."""
    monkeypatch.setitem(sys.modules, "yarl", None)


def all_requests(
    azr: AuthorizationRequest,
) -> list[AuthorizationRequest | RequestParameterAuthorizationRequest | RequestUriParameterAuthorizationRequest]:
    return [
        azr,
        azr.sign(Jwk.generate(alg="ES256"), extra="x"),
        RequestUriParameterAuthorizationRequest(ENDPOINT, client_id="c", request_uri="urn:r", other="o"),
    ]


def test_requests_have_a_yarl_url_next_to_their_furl(azr: AuthorizationRequest) -> None:
    for request in all_requests(azr):
        url = request.yarl
        assert isinstance(url, yarl.URL)
        assert str(url) == request.uri
        assert url.host == "as.example.com"
        assert url.path == "/authorize"
        assert url.query["client_id"] == "c"
        assert str(request.furl) == request.uri
    assert azr.yarl.query.getall("resource") == ["r1", "r2"]
    assert azr.yarl.query["redirect_uri"] == REDIRECT_URI


@pytest.mark.usefixtures("no_yarl")
def test_without_yarl_the_yarl_property_says_what_to_install(azr: AuthorizationRequest) -> None:
    for request in all_requests(azr):
        with pytest.raises(ImportError, match=r"pip install requests_oauth2client\[yarl\]"):
            _ = request.yarl
        assert str(request.furl) == request.uri
    with pytest.raises(ImportError, match="yarl"):
        import_yarl()


@pytest.mark.parametrize(
    "callback",
    [yarl.URL(f"{REDIRECT_URI}?code=c&state=s"), yarl.URL(f"{REDIRECT_URI}#code=c&state=s"), "code=c&state=s"],
    ids=str,
)
def test_validate_callback_accepts_a_yarl_url_and_a_bare_query_string(
    azr: AuthorizationRequest, callback: yarl.URL | str
) -> None:
    response = azr.validate_callback(callback)
    assert response.code == "c"
    assert response.state == "s"


def test_on_response_error_accepts_a_yarl_url(azr: AuthorizationRequest) -> None:
    callback = yarl.URL(f"{REDIRECT_URI}?error=login_required&state=s")
    with pytest.raises(LoginRequired) as exc_info:
        azr.on_response_error(callback)
    assert exc_info.value.url is callback
    assert exc_info.value.response is callback
    with pytest.raises(LoginRequired):
        azr.validate_callback(callback)


@pytest.mark.parametrize(
    ("callback", "expected"),
    [
        (f"{REDIRECT_URI}?error=access_denied&state=s", yarl.URL(f"{REDIRECT_URI}?error=access_denied&state=s")),
        ("error=access_denied&state=s", yarl.URL("?error=access_denied&state=s")),
        ({"error": "access_denied", "state": "s"}, yarl.URL("?error=access_denied&state=s")),
    ],
    ids=["url", "query", "mapping"],
)
def test_callback_errors_carry_the_url(
    azr: AuthorizationRequest, callback: str | dict[str, str], expected: yarl.URL
) -> None:
    with pytest.raises(AuthorizationResponseError) as error_info:
        azr.validate_callback(callback)
    assert error_info.value.url == expected
    assert error_info.value.response is callback
    forged = callback.replace("state=s", "state=x") if isinstance(callback, str) else {**callback, "state": "x"}
    with pytest.raises(MismatchingState) as invalid_info:
        azr.validate_callback(forged)
    assert isinstance(invalid_info.value.url, yarl.URL)
    assert invalid_info.value.url.query["state"] == "x"
    assert invalid_info.value.response is forged


def test_an_unparsable_callback_has_no_url(azr: AuthorizationRequest) -> None:
    with pytest.raises(InvalidAuthResponse) as exc_info:
        azr.validate_callback("https://[::1/cb?code=x")
    assert exc_info.value.url is None
    assert exc_info.value.response == "https://[::1/cb?code=x"


@pytest.mark.usefixtures("no_yarl")
def test_without_yarl_callbacks_work_and_errors_have_no_url(azr: AuthorizationRequest) -> None:
    assert azr.validate_callback(f"{REDIRECT_URI}?code=c&state=s").code == "c"
    with pytest.raises(LoginRequired) as error_info:
        azr.validate_callback(f"{REDIRECT_URI}?error=login_required&state=s")
    assert error_info.value.url is None
    with pytest.raises(MismatchingState) as invalid_info:
        azr.validate_callback(REDIRECT_URI)
    assert invalid_info.value.url is None


def test_helpers() -> None:
    assert is_url_like("https://app/cb")
    assert is_url_like("/cb?code=c")
    assert is_url_like("#code=c")
    assert not is_url_like("code=c&next=https://x")
    assert not is_url_like("")
    assert is_yarl_url(yarl.URL("https://a/"))
    assert not is_yarl_url("https://a/")
    assert callback_url(None) is None
    assert callback_url({"a": None}) is None
    assert callback_url(42) is None


@pytest.mark.usefixtures("no_yarl")
def test_is_yarl_url_without_yarl() -> None:
    assert not is_yarl_url("https://a/")
