import logging
from typing import Any

import pytest
import requests
import requests_mock

from requests_oauth2client._transport import MAX_DPOP_NONCE_ATTEMPTS, raise_endpoint_error, send_to_endpoint
from requests_oauth2client.exceptions import (
    ERROR_CLASSES,
    EndpointError,
    InvalidGrant,
    InvalidTokenResponse,
    UnknownTokenEndpointError,
)

URL = "https://as.example.com/token"


class FakeClient:
    exception_classes = ERROR_CLASSES

    def __init__(self) -> None:
        self.session = requests.Session()
        self.auth = None


class FakeDPoPKey:
    """Duck-typed DPoP key recording the nonces of the proofs it signs."""

    def __init__(self) -> None:
        self.as_nonce: str | None = None
        self.proof_nonces: list[str | None] = []

    def _proof_str(self, htm: str, htu: str, nonce: str | None = None) -> str:
        self.proof_nonces.append(nonce)
        return f"proof-{len(self.proof_nonces)}"

    def as_nonce_for(self, url: str) -> str | None:
        return self.as_nonce

    def update_as_nonce(self, response: requests.Response) -> bool:
        nonce = response.headers.get("DPoP-Nonce")
        if nonce:
            self.as_nonce = nonce
        return bool(nonce)

    def handle_as_provided_dpop_nonce(self, response: requests.Response) -> None:
        from requests_oauth2client.dpop import MissingDPoPNonce, RepeatedDPoPNonce

        nonce = response.headers.get("DPoP-Nonce")
        if not nonce:
            raise MissingDPoPNonce(response)
        if nonce == self.as_nonce:
            raise RepeatedDPoPNonce(response)
        self.as_nonce = nonce


def ok(response: requests.Response, *, dpop_key: Any = None) -> Any:
    return response.json()


def fail(response: requests.Response, *, dpop_key: Any = None) -> Any:
    raise_endpoint_error(
        FakeClient(), response, unknown_error=UnknownTokenEndpointError, invalid_response=InvalidTokenResponse
    )


def test_success_and_form_without_none_values(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(URL, json={"a": 1})
    assert send_to_endpoint(FakeClient(), "token", URL, data={"x": "1", "y": None}, on_success=ok, on_failure=fail) == {
        "a": 1
    }
    assert requests_mock.last_request.text == "x=1"
    assert requests_mock.last_request.headers["Accept"] == "application/json"


def test_error_is_mapped(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(
        URL, status_code=400, json={"error": "invalid_grant", "error_description": "d", "error_uri": "u"}
    )
    with pytest.raises(InvalidGrant) as exc_info:
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail)
    exc = exc_info.value
    assert (exc.error, exc.description, exc.uri) == ("invalid_grant", "d", "u")
    assert exc.response.status_code == 400
    assert str(exc) == "The remote endpoint returned an error: d"


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({"json": {"error": "whatever"}}, UnknownTokenEndpointError),
        ({"text": "<html>oops</html>"}, InvalidTokenResponse),
        ({"json": ["error"]}, InvalidTokenResponse),
        ({"json": {"error": 1}}, InvalidTokenResponse),
        ({"text": '{"error": "inv'}, InvalidTokenResponse),
    ],
)
def test_non_standard_errors(requests_mock: requests_mock.Mocker, kwargs: dict[str, Any], expected: type) -> None:
    requests_mock.post(URL, status_code=400, **kwargs)
    with pytest.raises(expected) as exc_info:
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail)
    assert type(exc_info.value) is expected


def test_description_of_wrong_type_is_ignored(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(URL, status_code=400, json={"error": "invalid_grant", "error_description": ["x"]})
    with pytest.raises(InvalidGrant) as exc_info:
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail)
    assert exc_info.value.description is None


def test_revocation_style_returns_instead_of_raising(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(URL, status_code=400, text="nope")
    assert (
        raise_endpoint_error(FakeClient(), requests.post(URL), unknown_error=EndpointError, invalid_response=None)
        is None
    )


def test_dpop_nonce_retry(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(
        URL,
        [
            {"status_code": 400, "json": {"error": "use_dpop_nonce"}, "headers": {"DPoP-Nonce": "n1"}},
            {"json": {"ok": True}, "headers": {"DPoP-Nonce": "n2"}},
        ],
    )
    key = FakeDPoPKey()
    result = send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail, dpop_key=key)
    assert result == {"ok": True}
    assert key.proof_nonces == [None, "n1"]
    assert [r.headers["DPoP"] for r in requests_mock.request_history] == ["proof-1", "proof-2"]
    assert key.as_nonce == "n2"  # a nonce on a successful answer is kept for the next request


def test_dpop_nonce_retry_is_bounded(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(
        URL,
        [
            {"status_code": 400, "json": {"error": "use_dpop_nonce"}, "headers": {"DPoP-Nonce": f"n{i}"}}
            for i in range(10)
        ],
    )
    with pytest.raises(InvalidTokenResponse, match="in a row"):
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail, dpop_key=FakeDPoPKey())
    assert requests_mock.call_count == MAX_DPOP_NONCE_ATTEMPTS


@pytest.mark.parametrize("headers", [{}, {"DPoP-Nonce": "same"}])
def test_dpop_nonce_missing_or_repeated(requests_mock: requests_mock.Mocker, headers: dict[str, str]) -> None:
    requests_mock.post(URL, status_code=400, json={"error": "use_dpop_nonce"}, headers=headers)
    key = FakeDPoPKey()
    key.as_nonce = "same"
    with pytest.raises(InvalidTokenResponse):
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail, dpop_key=key)
    assert requests_mock.call_count == 1


def test_use_dpop_nonce_without_dpop(requests_mock: requests_mock.Mocker) -> None:
    requests_mock.post(URL, status_code=400, json={"error": "use_dpop_nonce"}, headers={"DPoP-Nonce": "n"})
    with pytest.raises(InvalidTokenResponse, match="does not use DPoP"):
        send_to_endpoint(FakeClient(), "token", URL, data={}, on_success=ok, on_failure=fail)


def test_debug_log_has_no_secrets(requests_mock: requests_mock.Mocker, caplog: pytest.LogCaptureFixture) -> None:
    requests_mock.post(URL, json={"access_token": "SECRET-TOKEN"})
    with caplog.at_level(logging.DEBUG, logger="requests_oauth2client"):
        send_to_endpoint(
            FakeClient(), "token_endpoint", URL, data={"client_secret": "SECRET-VALUE"}, on_success=ok, on_failure=fail
        )
    messages = [r.getMessage() for r in caplog.records if r.name == "requests_oauth2client"]
    assert len(messages) == 1
    assert "POST token_endpoint" in messages[0]
    assert "HTTP 200" in messages[0]
    assert "SECRET" not in messages[0]
