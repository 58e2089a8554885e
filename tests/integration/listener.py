"""A loopback HTTP listener that plays a client's back-channel endpoint (e.g. `backchannel_logout_uri`).

The authorization server POSTs to it; every request is recorded and, by default, answered `200`. A test can
plug in a WSGI application (a Flask app, for instance) to answer instead, and still sees the recorded requests:

    with listener.serving(app):
        ...  # the server's calls now reach `app`
    request = listener.wait_for(lambda r: r.path == "/backchannel-logout")

Standard library only (no `requests`, no library under test).
"""

from __future__ import annotations

import contextlib
import io
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from socketserver import ThreadingMixIn
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass(frozen=True)
class ReceivedRequest:
    """One request the listener received."""

    method: str
    path: str
    query: str
    headers: dict[str, str]
    body: bytes
    received_at: float = field(compare=False)

    @property
    def form(self) -> dict[str, str]:
        """The body parsed as `application/x-www-form-urlencoded` (first value of each name)."""
        return {k: v[0] for k, v in parse_qs(self.body.decode("utf-8", "replace")).items()}


class _ThreadingWSGIServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class CallbackListener:
    """A threaded WSGI server on 127.0.0.1 recording the requests it gets."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Condition()
        self._received: list[ReceivedRequest] = []
        self._app: WsgiApp | None = None
        self._server = make_server(
            host, port, self._dispatch, server_class=_ThreadingWSGIServer, handler_class=_QuietHandler
        )
        self.host = host
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, name="callback-listener", daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        """The full URL of `path` on this listener."""
        return self.base_url + path

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)

    # ------------------------------------------------------------ recording
    @property
    def received(self) -> list[ReceivedRequest]:
        with self._lock:
            return list(self._received)

    def clear(self) -> None:
        with self._lock:
            self._received.clear()

    def wait_for(
        self, predicate: Callable[[ReceivedRequest], bool] = lambda _: True, timeout: float = 5.0
    ) -> ReceivedRequest:
        """The first recorded request matching `predicate`, waiting up to `timeout` seconds for it."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while True:
                match = next((r for r in self._received if predicate(r)), None)
                if match is not None:
                    return match
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [f"{r.method} {r.path}" for r in self._received]
                    raise AssertionError(f"no matching request within {timeout} s; received: {seen}")
                self._lock.wait(remaining)

    # -------------------------------------------------------------- serving
    @contextlib.contextmanager
    def serving(self, app: WsgiApp) -> Iterator[CallbackListener]:
        """Answer with `app` (a WSGI application) inside the `with` block."""
        self._app = app
        try:
            yield self
        finally:
            self._app = None

    def _dispatch(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = {
            key[5:].replace("_", "-").title(): str(value) for key, value in environ.items() if key.startswith("HTTP_")
        }
        if environ.get("CONTENT_TYPE"):
            headers["Content-Type"] = str(environ["CONTENT_TYPE"])
        request = ReceivedRequest(
            method=str(environ["REQUEST_METHOD"]),
            path=str(environ.get("PATH_INFO") or "/"),
            query=str(environ.get("QUERY_STRING") or ""),
            headers=headers,
            body=body,
            received_at=time.time(),
        )
        with self._lock:
            self._received.append(request)
            self._lock.notify_all()
        app = self._app
        if app is not None:
            environ["wsgi.input"] = io.BytesIO(body)
            return app(environ, start_response)
        start_response("200 OK", [("Content-Type", "text/plain"), ("Cache-Control", "no-store")])
        return [b""]
