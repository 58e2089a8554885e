"""`_http.resend.Resend`: the one answer to "can this request be sent again?" (auth handlers and DPoP tokens)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from requests_oauth2client._http.resend import Resend

URL = "https://rs.example.com/api"


class _Connection:
    """Stands for the adapter a response came through: records what it is asked to send again."""

    def __init__(self) -> None:
        self.sent: list[tuple[requests.PreparedRequest, object, dict[str, Any]]] = []

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:
        body = request.body
        self.sent.append((request, body.read() if hasattr(body, "read") else body, kwargs))
        response = requests.Response()
        response.status_code = 200
        response._content = b"again"
        return response


def prepared(body: object = None, url: str = URL) -> requests.PreparedRequest:
    return requests.Request("POST", url, data=body).prepare()  # type: ignore[arg-type]


def answered(request: requests.PreparedRequest, connection: object = None, url: str | None = None) -> requests.Response:
    response = requests.Response()
    response.status_code = 401
    response._content = b""
    response.request = request
    response.url = url or request.url or ""
    if connection is not None:
        response.connection = connection  # type: ignore[attr-defined]
    return response


def add_header(request: requests.PreparedRequest) -> requests.PreparedRequest:
    request.headers["Authorization"] = "Bearer new"
    return request


@pytest.mark.parametrize("body", [None, b"a=1", "a=1", {"a": "1"}])
def test_bodies_in_memory_are_sent_again(body: object) -> None:
    request = prepared(body)
    resend = Resend(request)
    connection = _Connection()
    response = answered(request, connection)
    assert resend.possible(response)
    retried = resend.send_again(response, add_header, timeout=3)
    assert retried.text == "again"
    assert retried.history == [response]
    (sent, sent_body, kwargs) = connection.sent[0]
    assert sent is not request  # a copy
    assert sent.headers["Authorization"] == "Bearer new"
    assert sent_body == request.body
    assert kwargs == {"timeout": 3}
    assert retried.request is sent


def test_a_seekable_stream_is_rewound_to_where_it_was_when_prepared() -> None:
    stream = io.BytesIO(b"skip|payload")
    stream.read(5)
    request = prepared(stream)
    resend = Resend(request)
    stream.read()  # the first send consumed it
    connection = _Connection()
    resend.send_again(answered(request, connection), add_header)
    assert connection.sent[0][1] == b"payload"


def test_a_generator_or_a_stream_that_cannot_seek_is_never_sent_again() -> None:
    def chunks() -> Iterator[bytes]:
        yield b"a"

    class Unseekable(io.RawIOBase):
        def readable(self) -> bool:
            return True

        def seekable(self) -> bool:
            return False

        def tell(self) -> int:
            return 0

    for body in (chunks(), Unseekable()):
        request = prepared(body)
        resend = Resend(request)
        connection = _Connection()
        response = answered(request, connection)
        assert not resend.possible(response)
        assert resend.send_again(response, add_header) is response
        assert connection.sent == []


def test_only_once_and_only_through_the_connection_of_the_response() -> None:
    request = prepared(b"x")
    resend = Resend(request)
    assert not resend.possible(answered(request))  # no connection known
    connection = _Connection()
    response = answered(request, connection)
    assert resend.answered_by_origin(response)
    resend.send_again(response, add_header)
    assert not resend.possible(answered(request, connection))
    assert not resend.answered_by_origin(answered(request, connection))
    assert len(connection.sent) == 1


def test_only_the_origin_the_request_was_sent_to_counts() -> None:
    request = prepared(b"x")
    resend = Resend(request)
    assert resend.origin == "https://rs.example.com:443"
    redirected = prepared(b"x", url="https://other.example.com/api")
    assert not resend.answered_by_origin(answered(redirected, _Connection()))
    assert resend.answered_by_origin(answered(prepared(b"x", url="https://rs.example.com/other"), _Connection()))
