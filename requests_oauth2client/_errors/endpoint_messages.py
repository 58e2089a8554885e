"""How the errors of Authorization Server endpoints read: which endpoint, which status and code, then what to do.

A message is one line, `The <endpoint> (<url>) answered HTTP <status>: <detail>`, followed by a `Hint:` line for the
common mistakes a person can fix: a client authentication method the AS does not expect (`invalid_client`), a
wrong URL (404, or a web page instead of an answer), a refresh token that expired or was revoked (`invalid_grant`
on refresh), a server that failed (5xx without an OAuth error). The body of an answer is described ("an HTML page",
"an empty body"), never quoted, and a secret the client sent (its secret, a code, a token, an assertion) is masked
wherever the server echoed it back.

The endpoint is named by matching the URL of the answer with the endpoints of the client that sent the request.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, quote_plus, urlsplit, urlunsplit

import requests

from requests_oauth2client.enums import Endpoints

__all__ = ["describe_body", "endpoint_message"]

SECRET_FORM_FIELDS = frozenset(
    {
        "client_secret",
        "client_assertion",
        "code",
        "code_verifier",
        "refresh_token",
        "access_token",
        "password",
        "token",
        "subject_token",
        "actor_token",
        "assertion",
        "device_code",
        "auth_req_id",
        "request",
        "id_token_hint",
        "login_hint_token",
    }
)
"""The form fields whose values are secrets: masked in a message that would repeat them."""

MASK = "<redacted>"
HTML_PAGE = "an HTML page, not JSON"

_LABELS = {Endpoints.USER_INFO.value: "UserInfo endpoint", Endpoints.JWKS.value: "JWKS URI"}


def endpoint_label(client: object, url: str | None, endpoint: str | None = None) -> str | None:
    """The name of an endpoint ("token endpoint"...): `endpoint` (such as `token_endpoint`) when given, else the
    endpoint of `client` at `url`; None when none of them is there.
    """  # noqa: D205
    if endpoint is None and url:
        endpoint = next((e for e in Endpoints if getattr(client, e.value, None) == url), None)
    if endpoint is None:
        return None
    name = str(endpoint)  # the value of an `Endpoints` member
    return _LABELS.get(name, name.replace("_", " "))


def describe_body(response: requests.Response) -> str | None:
    """Say what the body of an answer is when it is not JSON ("an HTML page", "an empty body"), else None.

    Never quotes the body: it may hold anything.
    """
    content = response.content or b""
    if not content.strip():
        return "an empty body"
    content_type = response.headers.get("Content-Type", "").lower()
    if "html" in content_type or content.lstrip()[:1] == b"<":
        return HTML_PAGE
    return None


def _url_of(response: requests.Response) -> str | None:
    """The URL that answered, without its query string and fragment."""
    url = response.url or (response.request.url if response.request is not None else None)
    if not url:
        return None
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


def _sent_form(response: requests.Response) -> dict[str, str]:
    """The form the request carried (empty when it had none)."""
    body = response.request.body if response.request is not None else None
    if isinstance(body, bytes):
        body = body.decode("latin-1")
    if not isinstance(body, str):
        return {}
    return dict(parse_qsl(body, keep_blank_values=True))


def _mask_secrets(text: str, response: requests.Response, client: object) -> str:
    """Mask in `text` every secret value the request carried (form fields, the client secret, the credentials of
    the `Authorization` header), in case the server echoed one back."""  # noqa: D205, D209
    secrets = {value for name, value in _sent_form(response).items() if name in SECRET_FORM_FIELDS}
    client_secret = getattr(client, "client_secret", None)
    if isinstance(client_secret, str):
        secrets.add(client_secret)
    authorization = response.request.headers.get("Authorization") if response.request is not None else None
    if authorization:  # a Bearer or DPoP token (an initial access token...), or Basic credentials
        secrets.add(authorization.partition(" ")[2])
    forms = {form for secret in secrets if len(secret) >= 4 for form in (secret, quote_plus(secret))}
    for form in sorted(forms, key=len, reverse=True):  # as sent, and form-encoded
        text = text.replace(form, MASK)
    return text


def _auth_method(client: object) -> str:
    """The name of the client authentication method of `client` (`client_secret_post`...)."""
    auth = getattr(client, "auth", None)
    method = getattr(type(auth), "TOKEN_ENDPOINT_AUTH_METHOD", None)
    if not isinstance(method, str):
        return "a method of its own" if auth is not None else "an unknown method"
    return "`none` (a public client)" if method == "none" else f"`{method}`"


def hints(response: requests.Response, client: object, error: str | None) -> list[str]:
    """The hints for the common mistakes that an answer reveals."""
    status = response.status_code
    found = []
    if error == "invalid_client":
        found.append(
            f"the client authenticates with {_auth_method(client)}: check its credentials, and whether the "
            "authorization server expects another method (its metadata lists them in "
            "`token_endpoint_auth_methods_supported`)"
        )
    elif error == "invalid_grant" and _sent_form(response).get("grant_type") == "refresh_token":
        found.append("the refresh token expired or was revoked (or was already used): the user must log in again")
    if status == 404:
        found.append("check the endpoint URL: the server has nothing at this address")
    elif error is None and status >= 500:
        found.append("the server failed or is unavailable, without an OAuth error: retrying later may succeed")
    elif error is None and describe_body(response) == HTML_PAGE:
        found.append("check the endpoint URL: a web page is not an answer of an OAuth endpoint")
    return found


def endpoint_message(
    response: requests.Response | None,
    client: object,
    description: str | None,
    *,
    error: str | None = None,
    uri: str | None = None,
    endpoint: str | None = None,
) -> str:
    """The message of an error about the answer of an endpoint.

    Args:
        response: the answer.
        client: the client that sent the request (its endpoints name the one that answered).
        description: what is wrong; for a standard error response, the server's `error_description`.
        error: the `error` code of a standard error response.
        uri: the `error_uri` of a standard error response.
        endpoint: the name of the endpoint (`token_endpoint`...); by default, the endpoint of `client` whose URL
            answered.

    Returns:
        `The <endpoint> (<url>) answered HTTP <status>, error `<code>`: <description>` (or `...: <description>`
        without a code), then one `Hint:` line per hint; the secrets the request carried are masked.
    """
    detail = f", error `{error}`" if error is not None else ""
    if description or error is None:
        detail += f": {description or 'no description provided'}"
    if uri:
        detail += f" (see {uri})"
    if not isinstance(response, requests.Response):
        return f"The remote endpoint returned an error{detail}"
    url = _url_of(response)
    label = endpoint_label(client, response.url, endpoint)
    if label is not None:
        where = f"The {label} ({url})"
    elif url is not None:
        where = f"The endpoint at {url}"
    else:
        where = "The endpoint"
    lines = [f"{where} answered HTTP {response.status_code}{detail}"]
    lines.extend(f"Hint: {hint}." for hint in hints(response, client, error))
    return _mask_secrets("\n".join(lines), response, client)
