"""Log a user in from a command-line tool or a desktop app: the loopback redirect flow (RFC 8252).

`login_with_browser(client)`, also available as `OAuth2Client.login_with_browser()`, runs the whole authorization
code flow of a native app:

1. it listens on the loopback IP literal `127.0.0.1` (RFC 8252 §7.3; not `localhost`, §8.3), for one request only,
   on the port and path of the client's `redirect_uri` when that is a `http://127.0.0.1` URL (port 0 or no port:
   any free port), else on a free port with the path `/callback`;
2. it builds the authorization request (`state`, `nonce`, PKCE, and any other parameter given), pushes it first
   when asked to (PAR, RFC 9126), and sends the user's browser to it;
3. it waits, at most `timeout` seconds, for the browser to come back to that address. Requests on other paths
   (`/favicon.ico`...) get a 404 and other methods than GET a 405; the first request on the path is the
   authorization response: it is validated (`state`, `iss`, error responses), the browser gets a small page saying
   whether it worked and that the window can be closed, and the listener stops;
4. it exchanges the code for tokens; the ID Token, if any, is validated against the request.

The listener never logs what it receives: the query string holds the authorization code.

This module does not import the client: it uses what it needs from it through `LoopbackLoginClient`.
"""

from __future__ import annotations

import html
import logging
import sys
import threading
import time
import webbrowser
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from typing import Any, Protocol
from urllib.parse import urlsplit

from requests_oauth2client.authorization_request import (
    AuthorizationRequest,
    AuthorizationResponse,
    RequestUriParameterAuthorizationRequest,
)
from requests_oauth2client.exceptions import AuthorizationResponseError, InvalidAuthResponse, InvalidParam
from requests_oauth2client.tokens import BearerToken, IdToken

__all__ = [
    "DEFAULT_CALLBACK_PATH",
    "LOOPBACK_HOST",
    "LoginTimeout",
    "LoopbackLoginClient",
    "LoopbackPortUnavailable",
    "OpenBrowser",
    "listen_address",
    "login_with_browser",
]

logger = logging.getLogger(__name__)

LOOPBACK_HOST = "127.0.0.1"
"""The address the listener binds to, and the host of the redirect URI (RFC 8252 §7.3, §8.3)."""

DEFAULT_CALLBACK_PATH = "/callback"
"""The path of the redirect URI when the client's `redirect_uri` is not a `http://127.0.0.1` URL."""

IDLE_CONNECTION_TIMEOUT = 30
"""Seconds after which the listener closes a connection that sends no request (browsers open spare ones)."""

OpenBrowser = bool | Callable[[str], object]
"""How `login_with_browser` sends the user to the authorization URL: `True` opens the system browser (`webbrowser`),
`False` prints the URL on stderr, a callable is given the URL."""


class LoopbackLoginClient(Protocol):
    """What `login_with_browser` uses from a client; `OAuth2Client` provides it."""

    @property
    def redirect_uri(self) -> str | None:
        """The client's redirect URI, if any."""
        ...  # pragma: no cover

    def authorization_request(self, **kwargs: Any) -> AuthorizationRequest:
        """Build an authorization request with the client's settings."""
        ...  # pragma: no cover

    def pushed_authorization_request(
        self, authorization_request: AuthorizationRequest, /
    ) -> RequestUriParameterAuthorizationRequest:
        """Push an authorization request (PAR) and return the `request_uri` request to send the browser to."""
        ...  # pragma: no cover

    def authorization_code(self, code: AuthorizationResponse, /, *, resource: str = ...) -> BearerToken[IdToken | None]:
        """Exchange the code of a validated authorization response for tokens (the ID Token validated)."""
        ...  # pragma: no cover


class LoginTimeout(TimeoutError):
    """No authorization response came back to the loopback redirect URI in time.

    The user did not finish logging in, or their browser could not reach the redirect URI.

    Attributes:
        redirect_uri: the redirect URI that was listened on.
        timeout: how long it was listened on, in seconds.
    """

    def __init__(self, redirect_uri: str, timeout: float) -> None:
        super().__init__(
            f"No authorization response reached {redirect_uri} within {timeout:g} seconds: the login was not"
            " completed in the browser. Start it again (with a longer `timeout` if needed)."
        )
        self.redirect_uri = redirect_uri
        self.timeout = timeout


class LoopbackPortUnavailable(OSError):
    """The loopback listener cannot listen on the port of the redirect URI.

    Attributes:
        port: the port.
    """

    def __init__(self, port: int, reason: str) -> None:
        super().__init__(
            f"Cannot listen on {LOOPBACK_HOST}:{port} for the redirect URI ({reason}). Another program may use"
            " that port: stop it, or use a redirect URI without a port (`http://127.0.0.1/callback`, which"
            " native clients may register, RFC 8252 §7.3) so that any free port is used."
        )
        self.port = port


def listen_address(redirect_uri: str | None) -> tuple[int, str]:
    """Return the port and path the loopback listener uses for a client's redirect URI.

    A `http://127.0.0.1` redirect URI gives its path (`/` when it has none) and its port; 0 means any free port,
    which is also what a URL without port gives (RFC 8252 §7.3: the AS ignores the port of loopback redirect URIs
    of native clients). Any other redirect URI (none, `https://...`, `localhost`: RFC 8252 §8.3) gives any free
    port and `DEFAULT_CALLBACK_PATH`.

    Example:
        >>> listen_address("http://127.0.0.1:8400/cb")
        (8400, '/cb')
        >>> listen_address("https://app.example.com/callback")
        (0, '/callback')

    Raises:
        InvalidParam: when a `http://127.0.0.1` redirect URI has an invalid port.
    """
    if redirect_uri:
        parts = urlsplit(redirect_uri)
        if parts.scheme == "http" and parts.hostname == LOOPBACK_HOST:
            try:
                port = parts.port or 0
            except ValueError:
                raise InvalidParam(f"The redirect_uri {redirect_uri!r} has an invalid port.") from None
            return port, parts.path or "/"
    return 0, DEFAULT_CALLBACK_PATH


def login_with_browser(
    client: LoopbackLoginClient,
    *,
    open_browser: OpenBrowser = True,
    timeout: float = 300.0,
    use_par: bool = False,
    **authorization_request_kwargs: Any,
) -> BearerToken[IdToken | None]:
    """Log a user in with their browser and a loopback redirect URI, and return their tokens.

    See the module documentation for the steps. The authorization response must come back in the query string of a
    GET: the default response mode, or the JARM `query.jwt` and `jwt` modes (not `form_post`).

    Args:
        client: the client (an `OAuth2Client`); it needs an authorization endpoint, and a PAR endpoint with
            `use_par=True`.
        open_browser: `True` to open the system browser (`webbrowser`; the URL is printed on stderr when no browser
            can be opened), `False` to only print the URL on stderr, or a callable that is given the URL.
        timeout: how long to wait for the browser to come back, in seconds, counted from the opening of the browser.
        use_par: push the authorization request first (RFC 9126); the browser then only carries a `request_uri`.
        **authorization_request_kwargs: parameters for `client.authorization_request()`: `scope`, `login_hint`,
            `prompt`, `resource`, `dpop`... A `redirect_uri` here replaces the client's, with the same rules. One
            `resource` (a str) is sent again in the token request (RFC 8707 §2.2), so that the access token is for it.

    Returns:
        the token response, its ID Token validated when there is one.

    Raises:
        LoginTimeout: when no authorization response came back within `timeout` seconds.
        LoopbackPortUnavailable: when the port of the redirect URI is in use.
        AuthorizationResponseError: (or a subclass) when the AS answers with an error, e.g. `access_denied` when
            the user refuses.
        InvalidAuthResponse: (or a subclass: `MismatchingState`, `MismatchingIssuer`, `MissingIssuer`...) when the
            authorization response fails validation.
        EndpointError: when the token endpoint refuses the code; `InvalidIdToken` when the ID Token is not valid.
    """
    redirect_uri = authorization_request_kwargs.pop("redirect_uri", None) or client.redirect_uri
    port, path = listen_address(redirect_uri)
    with _CallbackListener(port, path) as listener:
        request = client.authorization_request(redirect_uri=listener.redirect_uri, **authorization_request_kwargs)
        url = client.pushed_authorization_request(request).uri if use_par else request.uri
        listener.start(request.validate_callback)
        deadline = time.monotonic() + timeout
        _send_user_to(url, open_browser)
        logger.debug("Waiting for the authorization response at %s", listener.redirect_uri)
        response = listener.wait(max(0.0, deadline - time.monotonic()), timeout)
    # RFC 8707 §2.2: the access token is asked for the one resource the authorization was for
    resource = authorization_request_kwargs.get("resource")
    return client.authorization_code(response, **({"resource": resource} if isinstance(resource, str) else {}))


def _send_user_to(url: str, open_browser: OpenBrowser) -> None:
    """Open the browser at `url`, or print it, or hand it to the caller's callable."""
    if callable(open_browser):
        open_browser(url)
        return
    if open_browser:
        try:
            if webbrowser.open(url):
                return
        except webbrowser.Error:
            pass
    sys.stderr.write(f"Open this URL in your browser to log in:\n\n    {url}\n\n")
    sys.stderr.flush()


# --------------------------------------------------------------------------------------------- the listener

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>{title}</title>
<style>body {{ font-family: system-ui, sans-serif; max-width: 36rem; margin: 4rem auto; padding: 0 1rem; }}</style>
</head>
<body><h1>{title}</h1><p id="message">{message}</p>{footer}</body>
</html>
"""
_SUCCESS = "The application received the answer of the authorization server."
_CLOSE = "<p>You can close this window and return to the application.</p>"
_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
    "X-Content-Type-Options": "nosniff",
}


def _page(title: str, message: str, *, footer: bool = True) -> bytes:
    """A small HTML page; `title` and `message` are escaped."""
    return _PAGE.format(
        title=html.escape(title), message=html.escape(message), footer=_CLOSE if footer else ""
    ).encode()


def _failure_message(exc: Exception) -> str:
    """What the browser page says about a failed login: the AS error, or only the kind of validation failure."""
    if isinstance(exc, AuthorizationResponseError):
        detail = f" ({exc.description})" if exc.description else ""
        return f"The authorization server answered with the error {exc.error!r}{detail}."
    if isinstance(exc, InvalidAuthResponse):
        # Details (such as the expected state) stay in the application, which gets the exception.
        return f"The authorization response is not valid ({type(exc).__name__})."
    return f"The login failed ({type(exc).__name__})."


class _CallbackServer(ThreadingHTTPServer):
    """The HTTP server of `_CallbackListener`: it records the outcome of the first request on `callback_path`."""

    daemon_threads = True

    def __init__(self, port: int, callback_path: str) -> None:
        self.callback_path = callback_path
        self.validate: Callable[[str], AuthorizationResponse] | None = None
        self.outcome: AuthorizationResponse | Exception | None = None
        self.done = threading.Event()
        self.lock = threading.Lock()
        super().__init__((LOOPBACK_HOST, port), _CallbackHandler)

    def server_bind(self) -> None:
        """Bind, without the reverse DNS lookup `HTTPServer` does for `server_name`."""
        TCPServer.server_bind(self)
        self.server_name = LOOPBACK_HOST
        self.server_port = self.server_address[1]

    @property
    def redirect_uri(self) -> str:
        return f"http://{LOOPBACK_HOST}:{self.server_port}{self.callback_path}"

    def receive(self, url: str) -> AuthorizationResponse | Exception | None:
        """Validate the first callback and keep the outcome; return None for any later one."""
        with self.lock:
            if self.outcome is not None or self.validate is None:
                return None
            try:
                self.outcome = self.validate(url)
            except Exception as exc:  # any failure is handed to the waiting thread, which raises it
                self.outcome = exc
            return self.outcome


class _CallbackHandler(BaseHTTPRequestHandler):
    """Answers GET on the callback path with the outcome page, and 404 or 405 to anything else."""

    server: _CallbackServer
    timeout = IDLE_CONNECTION_TIMEOUT

    def do_GET(self) -> None:
        target = urlsplit(self.path)
        if target.path != self.server.callback_path:
            self._reply(404, _page("Not found", "Nothing here.", footer=False))
            return
        try:
            outcome = self.server.receive(f"{self.server.redirect_uri}?{target.query}")
            if outcome is None:
                self._reply(404, _page("Not found", "No login is in progress here.", footer=False))
            elif isinstance(outcome, Exception):
                self._reply(400, _page("Login failed", _failure_message(outcome)))
            else:
                self._reply(200, _page("Login complete", _SUCCESS))
        finally:
            if self.server.outcome is not None:
                self.server.done.set()

    def _method_not_allowed(self) -> None:
        self._reply(405, _page("Method not allowed", "Only GET is accepted here.", footer=False), Allow="GET")

    do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = do_OPTIONS = _method_not_allowed  # noqa: N815

    def _reply(self, status: int, body: bytes, **headers: str) -> None:
        self.send_response(status)
        for name, value in {**_HEADERS, **headers, "Content-Length": str(len(body))}.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Log nothing: request lines carry the authorization code."""


class _CallbackListener:
    """A one-shot listener for the redirect back from the authorization endpoint, on 127.0.0.1.

    Bind with the constructor (the port is then known), `start(validate)` serving in a background thread,
    `wait()` for the validated response, and close (as a context manager).
    """

    def __init__(self, port: int, path: str) -> None:
        try:
            self._server = _CallbackServer(port, path)
        except OSError as exc:
            raise LoopbackPortUnavailable(port, exc.strerror or str(exc)) from exc
        self._thread: threading.Thread | None = None

    @property
    def redirect_uri(self) -> str:
        """The redirect URI to send in the authorization request."""
        return self._server.redirect_uri

    def start(self, validate: Callable[[str], AuthorizationResponse]) -> None:
        """Start serving; the first request on the callback path is validated with `validate`."""
        self._server.validate = validate
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="loopback-redirect", daemon=True
        )
        self._thread.start()

    def wait(self, timeout: float, reported_timeout: float) -> AuthorizationResponse:
        """Wait for the callback; return the validated response or raise the validation error.

        Raises:
            LoginTimeout: when no callback arrived within `timeout` seconds (`reported_timeout` in its message).
        """
        if not self._server.done.wait(timeout):
            raise LoginTimeout(self.redirect_uri, reported_timeout)
        outcome = self._server.outcome
        if isinstance(outcome, Exception):
            raise outcome
        assert outcome is not None  # noqa: S101 - `done` is only set once there is an outcome
        return outcome

    def close(self) -> None:
        """Stop serving and release the port."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
        self._server.server_close()

    def __enter__(self) -> _CallbackListener:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
