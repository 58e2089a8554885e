"""The one place that talks HTTP to the Authorization Server.

`send_to_endpoint()` sends a request (a form, or a JSON body) to an AS endpoint with the client authentication, adds
a DPoP proof when a DPoP key is in play, retries when the AS asks for a DPoP nonce (a bounded number of times), then
hands the response to a success or an error handler. `raise_endpoint_error()` turns an error response into the exception
that the `error` code maps to. `get_json_document()` fetches the public documents of the AS (metadata, keys).
Everything else in the library builds parameters and parses results.

Redirects: requests to AS endpoints carry credentials and never follow a redirect (a 3xx answer raises
`UnexpectedRedirect`, nothing is sent again); public documents follow redirects within their origin only.

TLS: every request applies the session's `verify` (a CA bundle or False) even where `REQUESTS_CA_BUNDLE` is set
(`_http.tls`), and every request to an endpoint presents the client certificate (`mtls.client_certificate`: the
`cert` of a TLS client authentication, else the session's; RFC 8705), whatever its own `auth` is (a bound access
token at the UserInfo endpoint needs the certificate too).
"""

from __future__ import annotations

import codecs
import json
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any, NoReturn, Protocol, TypeVar, cast
from urllib.parse import urlsplit

import requests

from requests_oauth2client._errors.dpop import InvalidUseDPoPNonceResponse
from requests_oauth2client._errors.endpoint_messages import describe_body
from requests_oauth2client._http.origins import redirect_location, same_origin
from requests_oauth2client._http.tls import tls_kwargs
from requests_oauth2client._protocol.metadata import oauth_authorization_server_url
from requests_oauth2client.dpop import DPoPKey
from requests_oauth2client.exceptions import (
    DiscoveryHTTPError,
    DiscoveryRedirectError,
    EndpointError,
    InvalidParam,
    InvalidTokenResponse,
    OAuth2Error,
    ServerUnavailable,
    UnexpectedRedirect,
    UseDPoPNonce,
    endpoint_error_class,
)
from requests_oauth2client.mtls import client_certificate

logger = logging.getLogger("requests_oauth2client")

T = TypeVar("T")

MAX_DPOP_NONCE_ATTEMPTS = 3
"""How many times a request is sent at most when the AS keeps asking for a new DPoP nonce."""

MAX_DOCUMENT_REDIRECTS = 5
"""How many redirects (within the document's origin) a GET of a public AS document follows at most."""

DEFAULT_TIMEOUT = 10.0
"""The timeout of each request to the AS, in seconds, unless the client or the call sets another."""

Timeout = float | tuple[float, float] | None
"""A timeout as `requests` takes it (seconds, or `(connect, read)`), or None for no `timeout` keyword at all."""


class EndpointClient(Protocol):
    """A client that can send to an Authorization Server endpoint: what the transport uses from it.

    `OAuth2Client` provides it; its parts (`_client.part.ClientPart`) are typed with it.
    """

    @property
    def session(self) -> requests.Session:
        """The HTTP session."""
        ...  # pragma: no cover

    @property
    def auth(self) -> requests.auth.AuthBase:
        """The client authentication handler."""
        ...  # pragma: no cover

    @property
    def exception_classes(self) -> Mapping[str, type[EndpointError]]:
        """The map of `error` codes to exception classes."""
        ...  # pragma: no cover

    @property
    def timeout(self) -> Timeout:
        """The timeout of each request, unless a call gives its own (None: no `timeout` keyword for `requests`)."""
        ...  # pragma: no cover


def json_body(response: requests.Response) -> Any:
    """Decode a response body as JSON, read as UTF-8 whatever charset the Content-Type names.

    JSON exchanged between systems is UTF-8 (RFC 8259 §8.1); a byte order mark is ignored. Only JSON is
    accepted: `NaN` and `Infinity` are refused, and so is a nesting too deep to decode.

    Raises:
        ValueError: when the body is not UTF-8 JSON; its message says what the body is instead (an HTML page, an
            empty body...), without quoting it.
    """
    content = response.content
    if content.startswith(codecs.BOM_UTF8):  # (the C UTF-8 decoder is much faster than the "utf-8-sig" codec)
        content = content[len(codecs.BOM_UTF8) :]
    try:
        return _JSON_DECODER.decode(content.decode("utf-8"))
    except RecursionError as exc:
        raise ValueError("the JSON body is nested too deeply") from exc
    except UnicodeDecodeError as exc:
        raise ValueError("the body is not UTF-8 text") from exc
    except json.JSONDecodeError as exc:
        raise ValueError(f"the body is {describe_body(response) or 'not JSON'}") from exc


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON value")


_JSON_DECODER = json.JSONDecoder(parse_constant=_refuse_constant)
"""The decoder of `json_body()`, made once (`json.loads()` with an option makes a new one at each call)."""


def read_json_object(response: requests.Response) -> dict[str, Any] | None:
    """Return the JSON object in a response body (see `json_body`), or None when the body is not a JSON object."""
    try:
        obj = json_body(response)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) else None


def endpoint_error(
    client: EndpointClient,
    response: requests.Response,
    *,
    family: type[EndpointError],
    unknown_error: type[EndpointError] | None = None,
) -> EndpointError | None:
    """Return the exception that a standard error response maps to, or None when the body is not a standard error.

    The exception is an instance of the class the `error` code maps to and of the endpoint's `family` alike
    (`exceptions.endpoint_error_class`): an `invalid_client` of the revocation endpoint is an `InvalidClient` and a
    `RevocationError`.

    Args:
        client: the client that sent the request; its `exception_classes` map `error` codes to exceptions.
        response: the error response.
        family: the class of the errors of the endpoint (`TokenEndpointError`, `RevocationError`...).
        unknown_error: the class for an `error` code that the map does not know (`family` by default).

    Returns:
        the mapped exception, carrying `error`, `description` and `uri` from the body; None when the body is not a
        JSON object with a non-empty string `error`.
    """
    body = read_json_object(response)
    error = body.get("error") if body is not None else None
    if body is None or not isinstance(error, str) or not error:
        return None
    description = body.get("error_description")
    uri = body.get("error_uri")
    exception_class = client.exception_classes.get(error, unknown_error or family)
    return endpoint_error_class(exception_class, family)(
        response=response,
        client=client,
        error=error,
        description=description if isinstance(description, str) else None,
        uri=uri if isinstance(uri, str) else None,
    )


def raise_endpoint_error(
    client: EndpointClient,
    response: requests.Response,
    *,
    family: type[EndpointError],
    unknown_error: type[EndpointError] | None = None,
    invalid_response: type[OAuth2Error],
) -> NoReturn:
    """Raise the exception that an error response maps to.

    Args:
        client: the client that sent the request; its `exception_classes` map `error` codes to exceptions.
        response: the error response.
        family: the class of the errors of the endpoint (see `endpoint_error()`).
        unknown_error: the class raised for an `error` code that the map does not know (`family` by default).
        invalid_response: the class raised when the body carries no usable `error` code; for a 5xx status, a
            subclass of it that is also a `ServerUnavailable`.

    Raises:
        EndpointError: the mapped exception, carrying `error`, `description` and `uri` from the body.
        OAuth2Error: `invalid_response` when the body is not a standard error.
    """
    error = endpoint_error(client, response, family=family, unknown_error=unknown_error)
    if error is not None:
        raise error
    if response.status_code >= 500:
        invalid_response = cast("type[OAuth2Error]", endpoint_error_class(ServerUnavailable, invalid_response))
    raise invalid_response(response, client, _not_a_standard_error(response))


def _not_a_standard_error(response: requests.Response) -> str:
    """Say what an error answer without a usable `error` code is (never quoting it)."""
    try:
        body = json_body(response)
    except ValueError as exc:
        return str(exc)
    if not isinstance(body, dict):
        return "the body is JSON, but not an object"
    return "the body has no valid `error` code, it is not a standard error response"


def send_to_endpoint(
    client: EndpointClient,
    endpoint: str,
    url: str,
    *,
    on_success: Callable[..., T],
    on_failure: Callable[..., T],
    method: str = "POST",
    data: Mapping[str, Any] | None = None,
    json: Any = None,
    auth: requests.auth.AuthBase | bool | None = True,
    dpop_key: DPoPKey | None = None,
    **requests_kwargs: Any,
) -> T:
    """Send a request to an Authorization Server endpoint and hand its response to a handler.

    Args:
        client: the client sending the request (its `session`, `auth` and `exception_classes` are used).
        endpoint: the endpoint name, for logs.
        url: the endpoint URL.
        on_success: called as `on_success(response, dpop_key=dpop_key)` for a response with a 2xx status.
        on_failure: called the same way for a 4xx or 5xx status; it is expected to raise.
        method: the HTTP method.
        data: the form parameters; None values are left out.
        json: a JSON body, sent as it is (in place of a form: dynamic client registration, RFC 7591).
        auth: True for the client authentication, False or None for none, or a specific auth handler.
        dpop_key: a DPoP key whose proof goes in a `DPoP` header.
        **requests_kwargs: other keyword arguments for `requests.Session.request` (`allow_redirects` is ignored:
            redirects are never followed; `cert`, `verify` and `timeout` win over the client's, see `with_timeout()`).

    Returns:
        whatever the handler returns.

    Raises:
        MissingClientCertificate: when the client authenticates with a certificate and has none (nothing is sent).
        UnexpectedRedirect: when the endpoint answers with a redirect (3xx); nothing is sent again.
        InvalidTokenResponse: when the AS asks for a DPoP nonce and none can be used, or keeps asking for
            a new one.
    """
    form = None if data is None else {key: value for key, value in data.items() if value is not None}
    request_auth: requests.auth.AuthBase | None
    if auth is True:
        request_auth = client.auth
    elif auth is False:
        request_auth = None
    else:
        request_auth = auth
    headers = dict(requests_kwargs.pop("headers", None) or {})
    headers.setdefault("Accept", "application/json")
    requests_kwargs.pop("allow_redirects", None)
    if "cert" not in requests_kwargs:
        requests_kwargs["cert"] = client_certificate(client.auth, client.session)
    with_timeout(requests_kwargs, client.timeout)
    for attempt in range(1, MAX_DPOP_NONCE_ATTEMPTS + 1):
        if dpop_key is not None:
            headers["DPoP"] = dpop_key.compact_proof(method, url, nonce=dpop_key.as_nonce_for(url))
        response = _send(
            client.session,
            method,
            endpoint,
            url,
            data=form,
            json=json,
            auth=request_auth,
            headers=headers,
            allow_redirects=False,
            **requests_kwargs,
        )
        status = response.status_code
        if 300 <= status < 400:  # every redirect status (`response.is_redirect` is a subset of them)
            raise UnexpectedRedirect(response, client, endpoint, redirect_location(response))
        if status < 400:  # `response.ok`
            if dpop_key is not None:
                # a nonce may come with any answer, to be used by the next request (RFC 9449 §8)
                dpop_key.update_as_nonce(response)
            return on_success(response, dpop_key=dpop_key)
        try:
            return on_failure(response, dpop_key=dpop_key)
        except UseDPoPNonce as exc:
            _handle_use_dpop_nonce(client, response, dpop_key, attempt, exc)
    raise AssertionError("unreachable")  # pragma: no cover


def _send(session: requests.Session, method: str, endpoint: str, url: str, **kwargs: Any) -> requests.Response:
    """Send one request with the session's TLS settings and log it (method, endpoint, status and duration; never a
    parameter or a header).
    """  # noqa: D205
    for name, value in tls_kwargs(session).items():
        kwargs.setdefault(name, value)
    started = time.perf_counter()
    response = session.request(method, url, **kwargs)
    if logger.isEnabledFor(logging.DEBUG):
        logger.debug(
            "%s %s (%s) -> HTTP %s in %.1f ms",
            method,
            endpoint,
            url,
            response.status_code,
            (time.perf_counter() - started) * 1000,
        )
    return response


def check_timeout(timeout: object) -> Timeout:
    """Check a timeout given to the client: seconds (above 0), a `(connect, read)` pair of them, or None.

    Raises:
        InvalidParam: for anything else.
    """
    parts = timeout if isinstance(timeout, tuple) and len(timeout) == 2 else (timeout,)
    for part in parts:
        if part is None:  # no timeout (as `requests` reads it, in a pair), or no `timeout` keyword at all
            continue
        if isinstance(part, bool) or not isinstance(part, (int, float)) or not part > 0:  # `not >` refuses NaN
            raise InvalidParam(
                f"`timeout` must be a number of seconds above 0, a `(connect, read)` pair, or None: {timeout!r}"
            )
    return cast("Timeout", timeout)


def with_timeout(requests_kwargs: dict[str, Any], timeout: Timeout) -> dict[str, Any]:
    """Set the `timeout` keyword of a request: the one of the call (in `requests_kwargs`) wins over `timeout`.

    A timeout of None means no `timeout` keyword at all, so that a default the session applies (a `Session`
    subclass or an adapter that sets one) is not overridden.

    Returns:
        `requests_kwargs`, changed in place.
    """
    timeout = requests_kwargs.pop("timeout", timeout)
    if timeout is not None:
        requests_kwargs["timeout"] = timeout
    return requests_kwargs


def get_json_document(
    session: requests.Session, endpoint: str, url: str, *, timeout: Timeout = DEFAULT_TIMEOUT, **requests_kwargs: Any
) -> dict[str, Any] | None:
    """GET a public JSON document of the AS (metadata, keys), without client authentication.

    Redirects are followed within the origin of `url` only, at most `MAX_DOCUMENT_REDIRECTS` times: another
    origin must not be able to substitute its own metadata or keys. A `timeout` in `requests_kwargs` wins over
    `timeout` (see `with_timeout()`).

    Returns:
        the decoded JSON object, or None when the body is not a JSON object.

    Raises:
        DiscoveryHTTPError: when the server answers with an error status (it is a `requests.HTTPError` too).
        DiscoveryRedirectError: when a redirect leads to another origin, or when there are too many redirects.
    """
    headers = dict(requests_kwargs.pop("headers", None) or {})
    headers.setdefault("Accept", "application/json")
    requests_kwargs.pop("allow_redirects", None)
    with_timeout(requests_kwargs, timeout)
    current = url
    for _ in range(MAX_DOCUMENT_REDIRECTS + 1):
        response = _send(
            session,
            "GET",
            endpoint,
            current,
            headers=headers,
            allow_redirects=False,
            **requests_kwargs,
        )
        if not response.is_redirect:
            if response.status_code >= 500:
                raise endpoint_error_class(ServerUnavailable, DiscoveryHTTPError)(response, url)
            if response.status_code >= 400:
                raise DiscoveryHTTPError(response, url)
            return read_json_object(response)
        location = redirect_location(response)
        if location is None or not same_origin(location, url):
            raise DiscoveryRedirectError(
                f"The {endpoint} at '{url}' redirects to '{location}', outside its origin: not followed.",
                response,
                url,
                location,
            )
        current = location
    raise DiscoveryRedirectError(
        f"The {endpoint} at '{url}' redirects more than {MAX_DOCUMENT_REDIRECTS} times.", response, url, current
    )


def get_metadata_document(
    session: requests.Session, url: str, *, timeout: Timeout
) -> tuple[dict[str, Any] | None, str]:
    """GET the metadata document of an AS, or its RFC 8414 one when the OpenID Connect one is not found.

    A server that publishes RFC 8414 metadata only answers 404 at `/.well-known/openid-configuration`: for an
    issuer without path, `/.well-known/oauth-authorization-server` is fetched instead. For an issuer with a path,
    the RFC 8414 URL is not at the same place (`https://host/.well-known/oauth-authorization-server/path`, RFC 8414
    §3.1): the error says to use it.

    Returns:
        the document (None when it is not a JSON object), and the URL it was fetched from.

    Raises:
        DiscoveryHTTPError: (see `get_json_document()`) when the document is not found, or cannot be fetched.
    """
    try:
        return get_json_document(session, "discovery document", url, timeout=timeout), url
    except DiscoveryHTTPError as exc:
        rfc8414_url = oauth_authorization_server_url(url) if exc.response.status_code == 404 else None
        if rfc8414_url is None:
            raise
        if urlsplit(rfc8414_url).path != "/.well-known/oauth-authorization-server":  # an issuer path: not the same
            raise DiscoveryHTTPError(
                exc.response,
                url,
                hint=f"If the server publishes RFC 8414 metadata only, pass `url='{rfc8414_url}'` (RFC 8414 §3.1).",
            ) from exc
        try:
            return get_json_document(session, "discovery document", rfc8414_url, timeout=timeout), rfc8414_url
        except DiscoveryHTTPError as rfc8414_exc:
            raise DiscoveryHTTPError(
                rfc8414_exc.response, rfc8414_url, hint=f"('{url}' answered HTTP 404 before.)"
            ) from rfc8414_exc


def _handle_use_dpop_nonce(
    client: EndpointClient,
    response: requests.Response,
    dpop_key: DPoPKey | None,
    attempt: int,
    exc: UseDPoPNonce,
) -> None:
    """Store the nonce the AS provided, or raise when the request must not be sent again."""
    if dpop_key is None:
        raise InvalidTokenResponse(
            response, client, "the server asked for a DPoP nonce but this request does not use DPoP"
        ) from exc
    if attempt >= MAX_DPOP_NONCE_ATTEMPTS:
        raise InvalidTokenResponse(
            response, client, f"the server asked for a new DPoP nonce {attempt} times in a row"
        ) from exc
    try:
        dpop_key.handle_as_provided_dpop_nonce(response)
    except InvalidUseDPoPNonceResponse as nonce_exc:
        raise InvalidTokenResponse(response, client, str(nonce_exc)) from nonce_exc
