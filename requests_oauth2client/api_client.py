"""`ApiClient`: a `requests.Session` wrapper bound to the root URL of an API.

Paths given to `ApiClient` are always resolved *under* its `base_url`: absolute URLs, scheme-relative
`//host` paths, backslash tricks and `..` segments that would climb above the base path are refused with
`InvalidPathParam`, so a client never sends a request (nor its credentials) outside its API.

Example:
    ```python
    from requests_oauth2client import ApiClient

    api = ApiClient("https://myapi.local/root", auth=auth)
    api.get("/resource/foo")  # GET https://myapi.local/root/resource/foo
    api.get(["users", 1234, "x y"])  # GET https://myapi.local/root/users/1234/x%20y
    api.users.get("userid")  # GET https://myapi.local/root/users/userid
    ```
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, MutableMapping
from typing import IO, TYPE_CHECKING, Any, Generic, Literal, TypeVar

import requests
from attrs import fields, frozen

from ._http.api_paths import InvalidPathParam, PathType, join_parts, resolve, resolve_cached
from ._http.tls import tls_kwargs
from ._http.transport import get_json_document
from .auth import OAuth2AccessTokenAuth
from .discovery import WellKnownDocument, oauth2_protected_resource_metadata_url, well_known_uri
from .mtls import CertType, check_certificate_binding
from .protected_resource import check_authorization_server, raise_for_resource_error, validate_resource_metadata
from .tokens import BearerToken

if TYPE_CHECKING:
    from types import TracebackType

    from typing_extensions import Self

__all__ = ["ApiClient", "InvalidBoolFieldsParam", "InvalidPathParam", "validate_bool_fields"]

if TYPE_CHECKING:  # a default (PEP 696): a bare `ApiClient` is `ApiClient[AuthBase | tuple[str, str] | None]`
    from typing_extensions import TypeVar as TypeVarWithDefault

    AuthT_co = TypeVarWithDefault(
        "AuthT_co",
        bound="requests.auth.AuthBase | tuple[str, str] | None",
        default="requests.auth.AuthBase | tuple[str, str] | None",
        covariant=True,
    )
else:
    AuthT_co = TypeVar("AuthT_co", covariant=True)

AuthT = TypeVar("AuthT", bound="requests.auth.AuthBase | tuple[str, str] | None")

NoneFieldsType = Literal["include", "exclude", "empty"]

_NONE_FIELDS = ("include", "exclude", "empty")
_REQUESTS_BOOL_FIELDS = ("True", "False")
_DEFAULT_USER_AGENT = requests.utils.default_user_agent()


class InvalidBoolFieldsParam(ValueError):
    """Raised when the `bool_fields` parameter is not a pair of values.

    Args:
        bool_fields: the offending value, also available as `.value`.
    """

    def __init__(self, bool_fields: object) -> None:
        super().__init__(
            "Invalid value for `bool_fields` parameter. It must be an iterable of exactly 2 values, "
            "to use for `True` and `False` respectively."
        )
        self.value = bool_fields


def validate_bool_fields(bool_fields: Iterable[str]) -> tuple[str, str]:
    """Check that `bool_fields` is a pair of values, and return them as strings.

    Args:
        bool_fields: the values to use for `True` and `False`, in that order.

    Returns:
        the `(true_value, false_value)` tuple.

    Raises:
        InvalidBoolFieldsParam: if `bool_fields` does not unpack into exactly 2 values.
    """
    try:
        true_value, false_value = bool_fields
    except (TypeError, ValueError) as exc:
        raise InvalidBoolFieldsParam(bool_fields) from exc
    return str(true_value), str(false_value)


@frozen(init=False)
class _ApiClientFields:
    """The fields of `ApiClient`, which adds its type parameter and its behaviour (see `ApiClient`)."""

    base_url: str
    auth: requests.auth.AuthBase | tuple[str, str] | None
    timeout: float | tuple[float, float] | None
    raise_for_status: bool
    none_fields: NoneFieldsType
    bool_fields: tuple[str, str]
    session: requests.Session


class ApiClient(_ApiClientFields, Generic[AuthT_co]):
    """A wrapper around `requests.Session` that sends every request under a root URL.

    Paths passed to the request methods are joined under `base_url` (a leading `/` does not reset the path to
    the root of the host). A path can also be an iterable of parts, each one URL-quoted and joined with `/`.
    Requests never leave `base_url`: see `to_absolute_url()`.

    Sub-clients are available with attribute or item access: `api.users` and `api["users"]` are `ApiClient`s
    with base URL `<base_url>/users`, sharing this client's session, **auth**, timeout, `raise_for_status`,
    `none_fields` and `bool_fields`.

    `ApiClient` is generic in the type of its auth handler, for type checkers: `ApiClient(url, auth=handler).auth`
    has the type of `handler` (an `ApiClient[OAuth2ClientCredentialsAuth]`, say), and so have its sub-clients.

    Args:
        base_url: the root URL of the API.
        auth: the `requests` auth handler to use by default (e.g. an `OAuth2ClientCredentialsAuth`).
        timeout: the default timeout, in seconds, for each request.
        raise_for_status: whether to raise for error statuses (can be overridden per call): a refusal whose
            challenge names `insufficient_scope` or `insufficient_user_authentication` raises `InsufficientScope` or
            `InsufficientUserAuthentication` (see `protected_resource`), any other `response.raise_for_status()`.
        none_fields: what to do with `None` values in `data` and `json` mappings: `"exclude"` removes them,
            `"empty"` sends them as empty strings, `"include"` leaves them to `requests` (which drops `None`
            form values and sends JSON `null`).
        bool_fields: the strings to send for `True` and `False` values in `data` and `params` mappings.
            `None` keeps `requests`' rendering (`"True"` / `"False"`).
        cookies: cookies to add to the session (values are converted with `str()`).
        headers: headers to add to the session (values are converted with `str()`).
        user_agent: the `User-Agent` header to send; `None` to send none.
        session: a preconfigured `requests.Session` to use (a new one by default).
        **session_kwargs: attributes to set on the session, e.g. `proxies`, `verify` or `cert`.

    Raises:
        InvalidBoolFieldsParam: if `bool_fields` is not a pair of values.
        ValueError: if `none_fields` is not one of `"include"`, `"exclude"`, `"empty"`.
        TypeError: if a `session_kwargs` name is not an attribute of `requests.Session`.

    Example:
        ```python
        api = ApiClient("https://myapi.local/root", auth=auth, raise_for_status=False)
        resp = api.post("items", json={"name": "x"})
        with ApiClient("https://myapi.local", verify="/path/to/ca.pem") as api:
            api.get(["users", 1234])
        ```
    """

    __slots__ = ()

    if TYPE_CHECKING:

        @property
        def auth(self) -> AuthT_co:
            """The `requests` auth handler used by default (None: no authentication)."""
            ...

    def __init__(
        self,
        base_url: str,
        *,
        auth: AuthT_co = None,  # type: ignore[assignment] # None unless given: the default of the type variable
        timeout: float | tuple[float, float] | None = 60,
        raise_for_status: bool = True,
        none_fields: NoneFieldsType = "exclude",
        bool_fields: Iterable[str] | None = ("true", "false"),
        cookies: Mapping[str, object] | None = None,
        headers: Mapping[str, object] | None = None,
        user_agent: str | None = _DEFAULT_USER_AGENT,
        session: requests.Session | None = None,
        **session_kwargs: Any,
    ) -> None:
        if none_fields not in _NONE_FIELDS:
            msg = f"Invalid value for `none_fields`: {none_fields!r}; expected one of {', '.join(_NONE_FIELDS)}."
            raise ValueError(msg)
        true_false = _REQUESTS_BOOL_FIELDS if bool_fields is None else validate_bool_fields(bool_fields)

        session = session if session is not None else requests.Session()
        for name, value in session_kwargs.items():
            if not hasattr(session, name):
                msg = f"ApiClient() got an unexpected keyword argument {name!r}"
                raise TypeError(msg)
            setattr(session, name, value)
        if cookies:
            session.cookies.update({key: str(value) for key, value in cookies.items()})
        if headers:
            session.headers.update({key: str(value) for key, value in headers.items()})
        if user_agent is None:
            session.headers.pop("User-Agent", None)
        else:
            session.headers["User-Agent"] = user_agent

        self.__attrs_init__(
            base_url=str(base_url),
            auth=auth,
            timeout=timeout,
            raise_for_status=raise_for_status,
            none_fields=none_fields,
            bool_fields=true_false,
            session=session,
        )

    @classmethod
    def from_metadata_endpoint(
        cls,
        resource: str,
        auth: AuthT,
        *,
        session: requests.Session | None = None,
        document: str = WellKnownDocument.OAUTH_PROTECTED_RESOURCE,
        at_root: bool = True,
        **kwargs: Any,
    ) -> ApiClient[AuthT]:
        """Build an `ApiClient` for a protected resource, from its metadata (RFC 9728).

        The metadata is fetched from the well-known URL of `resource` (RFC 9728 §3.1), following redirects within its
        origin only, then checked by `from_metadata_document()`: its `resource` must be `resource` exactly, and the
        issuer of the client behind `auth` must be one of its `authorization_servers`.

        Args:
            resource: the resource identifier (the URL of the API).
            auth: the auth handler, usually an `OAuth2AccessTokenAuth` (or another handler of this library) whose
                `client` has the `issuer` to check.
            session: the session to fetch the metadata with, and then used by the `ApiClient`.
            document: the name of the well-known document.
            at_root: whether the well-known path goes right after the host (RFC 9728) or after the resource path.
            **kwargs: other parameters for `from_metadata_document()` and the `ApiClient` constructor.

        Returns:
            an `ApiClient` whose `base_url` is the resource.

        Raises:
            DiscoveryHTTPError: when the metadata is answered with an error status (a `requests.HTTPError`).
            DiscoveryRedirectError: when fetching it is redirected to another origin.
            InvalidDiscoveryDocument: when it is not valid.
            MismatchingResourceIdentifier: when it is not about `resource`.
            MismatchingAuthorizationServerIdentifier: when the client's issuer is not one of its authorization servers.

        Example:
            ```python
            api = ApiClient.from_metadata_endpoint("https://api.example.com/v1", OAuth2AccessTokenAuth(client, token))
            ```
        """
        if document == WellKnownDocument.OAUTH_PROTECTED_RESOURCE and at_root:
            url = oauth2_protected_resource_metadata_url(resource)
        else:
            url = well_known_uri(resource, document, at_root=at_root)
        session = session if session is not None else requests.Session()
        metadata = get_json_document(session, "protected resource metadata", url)
        return cls.from_metadata_document(
            metadata, auth, document_url=url, resource=resource, session=session, **kwargs
        )

    @classmethod
    def from_metadata_document(
        cls,
        document: object,
        auth: AuthT,
        *,
        document_url: str | None = None,
        base_url: str | None = None,
        check_issuer: bool = True,
        resource: str | None = None,
        **kwargs: Any,
    ) -> ApiClient[AuthT]:
        """Build an `ApiClient` for a protected resource, from its metadata document (RFC 9728).

        The document is checked with `validate_resource_metadata()`: its `resource` must be `resource` when given,
        else the resource that `document_url` names when it is a well-known URL. With `check_issuer`, the issuer of
        the client behind `auth` (`auth.client.issuer`) must be one of its `authorization_servers`, so that tokens
        are never sent to a resource that does not accept their issuer.

        Args:
            document: the decoded metadata document.
            auth: the auth handler (see `from_metadata_endpoint()`).
            document_url: the URL the document was fetched from.
            base_url: the base URL of the `ApiClient`, when not the `resource` of the document.
            check_issuer: check the client's issuer against `authorization_servers`.
            resource: the resource identifier the document must describe.
            **kwargs: other parameters for the `ApiClient` constructor.

        Raises:
            InvalidDiscoveryDocument: when the document is not valid.
            MismatchingResourceIdentifier: when it is not about the expected resource.
            MismatchingAuthorizationServerIdentifier: when the client's issuer is not one of its authorization
                servers, or is unknown (pass `check_issuer=False` for an auth handler without a client).
        """
        metadata = validate_resource_metadata(document, resource, url=document_url)
        if check_issuer:
            check_authorization_server(metadata, getattr(getattr(auth, "client", None), "issuer", None))
        api_class: type[ApiClient[AuthT]] = cls  # type: ignore[assignment] # this class, for an auth handler of that type
        return api_class(base_url if base_url is not None else metadata.resource, auth=auth, **kwargs)

    def request(
        self,
        method: str,
        path: PathType | None = None,
        *,
        params: Any = None,
        data: Any = None,
        headers: Mapping[str, str] | None = None,
        cookies: Any = None,
        files: Mapping[str, IO[Any] | tuple[Any, ...]] | None = None,
        auth: requests.auth.AuthBase | tuple[str, str] | None = None,
        timeout: float | tuple[float, float] | None = None,
        allow_redirects: bool = False,
        proxies: MutableMapping[str, str] | None = None,
        hooks: Any = None,
        stream: bool | None = None,
        verify: bool | str | None = None,
        cert: str | tuple[str, str] | None = None,
        json: Any = None,
        raise_for_status: bool | None = None,
        none_fields: NoneFieldsType | None = None,
        bool_fields: Iterable[str] | None = None,
    ) -> requests.Response:
        """Send a request to `path`, joined under `base_url`.

        Parameters are those of `requests.Session.request`, plus per-call overrides of `raise_for_status`,
        `none_fields` and `bool_fields`. Redirects are not followed unless `allow_redirects=True`.

        Args:
            method: the HTTP method.
            path: the path (or iterable of path parts) under `base_url`; `None` for `base_url` itself.
            params: query parameters.
            data: the form data or body.
            headers: extra headers.
            cookies: extra cookies.
            files: files to upload.
            auth: an auth handler overriding the client's.
            timeout: a timeout overriding the client's.
            allow_redirects: whether to follow redirects.
            proxies: proxies to use.
            hooks: `requests` hooks.
            stream: whether to stream the response.
            verify: TLS verification setting (by default, the session's: a CA bundle set on the session applies even
                where `REQUESTS_CA_BUNDLE` is set).
            cert: client certificate (by default, that of the auth handler's client, RFC 8705: a
                certificate-bound token goes with its certificate; else the session's).
            json: a JSON body.
            raise_for_status: overrides the client's `raise_for_status` for this call.
            none_fields: overrides the client's `none_fields` for this call.
            bool_fields: overrides the client's `bool_fields` for this call.

        Returns:
            the `requests.Response`.

        Raises:
            InvalidPathParam: if `path` is unusable or leads outside `base_url`.
            MismatchingCertificateBinding: if the token is bound to another certificate than the one the request
                presents (`MissingClientCertificate` when it presents none); nothing is sent.
            InsufficientScope: on a 401 or 403 whose challenge says `insufficient_scope` (RFC 6750), when
                `raise_for_status` applies; it carries the challenge and the `scope` needed.
            InsufficientUserAuthentication: the same with `insufficient_user_authentication` (RFC 9470), carrying
                the `acr_values` and `max_age` to log the user in with again.
            requests.HTTPError: on other error statuses, when `raise_for_status` applies.
        """
        url = self.to_absolute_url(path)
        true_value, false_value = self.bool_fields if bool_fields is None else validate_bool_fields(bool_fields)
        # Most requests have no body nor params: skip the field rewriting (and its ABC instance checks) for them.
        if data is not None or json is not None:
            none_mode = self.none_fields if none_fields is None else none_fields
            data = _apply_none_fields(data, none_mode)
            json = _apply_none_fields(json, none_mode)
            data = _apply_bool_fields(data, true_value, false_value)
        if params is not None:
            params = _apply_bool_fields(params, true_value, false_value)
        if auth is None:
            auth = self.auth
        if cert is None:
            cert = _client_certificate_of(auth)
        if isinstance(auth, BearerToken):  # a handler checks its tokens itself
            check_certificate_binding(auth, cert if cert is not None else self.session.cert)
        if verify is None:
            verify = tls_kwargs(self.session).get("verify")

        response = self.session.request(
            method,
            url,
            params=params,
            data=data,
            headers=headers,
            cookies=cookies,
            files=files,
            auth=auth,
            timeout=timeout if timeout is not None else self.timeout,
            allow_redirects=allow_redirects,
            proxies=proxies,
            hooks=hooks,
            stream=stream,
            verify=verify,
            cert=cert,
            json=json,
        )
        if response.status_code >= 400 and (self.raise_for_status if raise_for_status is None else raise_for_status):
            raise_for_resource_error(response)  # a challenge naming insufficient_scope or insufficient_user_auth...
            response.raise_for_status()
        return response

    def get(
        self, path: PathType | None = None, *, raise_for_status: bool | None = None, **kwargs: Any
    ) -> requests.Response:
        """Send a GET request under `base_url`. See `request()` for the parameters."""
        return self.request("GET", path, raise_for_status=raise_for_status, **kwargs)

    def post(
        self, path: PathType | None = None, *, raise_for_status: bool | None = None, **kwargs: Any
    ) -> requests.Response:
        """Send a POST request under `base_url`. See `request()` for the parameters."""
        return self.request("POST", path, raise_for_status=raise_for_status, **kwargs)

    def patch(
        self, path: PathType | None = None, *, raise_for_status: bool | None = None, **kwargs: Any
    ) -> requests.Response:
        """Send a PATCH request under `base_url`. See `request()` for the parameters."""
        return self.request("PATCH", path, raise_for_status=raise_for_status, **kwargs)

    def put(
        self, path: PathType | None = None, *, raise_for_status: bool | None = None, **kwargs: Any
    ) -> requests.Response:
        """Send a PUT request under `base_url`. See `request()` for the parameters."""
        return self.request("PUT", path, raise_for_status=raise_for_status, **kwargs)

    def delete(
        self, path: PathType | None = None, *, raise_for_status: bool | None = None, **kwargs: Any
    ) -> requests.Response:
        """Send a DELETE request under `base_url`. See `request()` for the parameters."""
        return self.request("DELETE", path, raise_for_status=raise_for_status, **kwargs)

    def to_absolute_url(self, path: PathType | None = None) -> str:
        """Return the absolute URL for `path`, which is always under `base_url`.

        A string path is joined under `base_url` even when it starts with `/`, and may carry a query string.
        An iterable path has each part converted with `str()` (bytes are decoded), stripped of leading and
        trailing `/`, URL-quoted (so `/`, `?` or `#` inside a part stay inside that part), and joined with `/`;
        empty parts are skipped.

        Args:
            path: the relative path, or an iterable of path parts. `None` returns `base_url`.

        Returns:
            the absolute URL.

        Raises:
            InvalidPathParam: if `path` is not a string or an iterable, or is an absolute URL (`scheme:` or
                `//host`), contains backslashes or control characters, or has `..` segments (also
                percent-encoded) that climb above the base path.
        """
        if type(path) is str:  # the usual case, cached; subclasses of str take the general path below
            return resolve_cached(self.base_url, path)
        if path is None:
            return self.base_url
        if isinstance(path, bytes):
            try:
                relative = path.decode()
            except UnicodeDecodeError as exc:
                raise InvalidPathParam(path, "it is not valid UTF-8") from exc
        elif isinstance(path, str):
            relative = path
        elif isinstance(path, Iterable):
            relative = join_parts(path, path)
        else:
            raise InvalidPathParam(path, "it must be a string or an iterable of path parts")
        return resolve(self.base_url, path, relative)

    def _child(self, path: PathType) -> Self:
        """Return a copy of this client (same session, auth and settings) rooted at `path`."""
        base_url = self.to_absolute_url(path)
        child = object.__new__(type(self))
        for field in fields(type(self)):
            object.__setattr__(child, field.name, getattr(self, field.name))
        object.__setattr__(child, "base_url", base_url)
        return child

    def __getattr__(self, item: str) -> Self:
        """Return a sub-client rooted at `<base_url>/<item>`. Private and dunder names are not sub-clients."""
        if item.startswith("_") or item in {field.name for field in fields(type(self))}:
            # private/dunder names (copy, pickle, hasattr probes) and unset fields are not sub-clients
            raise AttributeError(item)
        return self._child(item)

    def __getitem__(self, item: str | bytes | int | Iterable[str | bytes | int]) -> Self:
        """Return a sub-client rooted at `<base_url>/<item>` (an int is taken as one path part)."""
        return self._child([item] if isinstance(item, int) else item)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc_value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the session. Exceptions raised inside the `with` block propagate."""
        self.session.close()


def _client_certificate_of(auth: object) -> CertType | None:
    """The client certificate of an auth handler's client (RFC 8705), which its certificate-bound tokens need."""
    return auth.client.client_certificate if isinstance(auth, OAuth2AccessTokenAuth) else None


def _apply_none_fields(value: Any, mode: NoneFieldsType) -> Any:
    """Apply the `none_fields` policy to a `data` or `json` mapping (other values are returned as is)."""
    if not isinstance(value, Mapping) or mode == "include":
        return value
    if mode == "exclude":
        return {key: item for key, item in value.items() if item is not None}
    return {key: "" if item is None else item for key, item in value.items()}


def _apply_bool_fields(value: Any, true_value: str, false_value: str) -> Any:
    """Render `True`/`False` values of a `data` or `params` mapping (other values are returned as is)."""
    if not isinstance(value, MutableMapping):
        return value
    return {key: true_value if item is True else false_value if item is False else item for key, item in value.items()}
