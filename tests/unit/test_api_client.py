from __future__ import annotations

import copy
import pickle
import posixpath
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import attrs
import pytest
import requests
import requests_mock as rm
from hypothesis import given
from hypothesis import strategies as st

from requests_oauth2client import (
    BearerToken,
    MismatchingCertificateBinding,
    MissingClientCertificate,
    OAuth2Client,
    OAuth2ClientCredentialsAuth,
    TlsClientAuth,
    certificate_thumbprint,
)
from requests_oauth2client._http.api_paths import resolve as _resolve
from requests_oauth2client.api_client import (
    ApiClient,
    InvalidBoolFieldsParam,
    InvalidPathParam,
    validate_bool_fields,
)
from tests.integration.pki import TestPki

BASE = "https://api.example.com/root"


class HeaderAuth(requests.auth.AuthBase):
    """A static auth handler that sets a recognisable Authorization header."""

    def __init__(self, value: str = "Bearer static") -> None:
        self.value = value

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = self.value
        return request


@pytest.fixture
def api() -> ApiClient:
    return ApiClient(BASE)


# --- construction -------------------------------------------------------------------------------------------------


def test_defaults() -> None:
    api = ApiClient(BASE)
    assert api.base_url == BASE
    assert api.auth is None
    assert api.timeout == 60
    assert api.raise_for_status is True
    assert api.none_fields == "exclude"
    assert api.bool_fields == ("true", "false")
    assert isinstance(api.session, requests.Session)
    assert api.session.headers["User-Agent"] == requests.utils.default_user_agent()


def test_fields_order_and_frozen() -> None:
    assert [f.name for f in attrs.fields(ApiClient)] == [
        "base_url",
        "auth",
        "timeout",
        "raise_for_status",
        "none_fields",
        "bool_fields",
        "session",
    ]
    api = ApiClient(BASE)
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        api.base_url = "https://other"  # type: ignore[misc]


def test_bool_fields_none_means_requests_default() -> None:
    assert ApiClient(BASE, bool_fields=None).bool_fields == ("True", "False")
    assert ApiClient(BASE, bool_fields=["yes", "no"]).bool_fields == ("yes", "no")


@pytest.mark.parametrize("value", [("a",), ("a", "b", "c"), 1, "abc"])
def test_invalid_bool_fields(value: Any) -> None:
    with pytest.raises(InvalidBoolFieldsParam) as exc_info:
        ApiClient(BASE, bool_fields=value)
    assert exc_info.value.value == value
    assert isinstance(exc_info.value, ValueError)


def test_validate_bool_fields() -> None:
    assert validate_bool_fields(("1", "0")) == ("1", "0")
    with pytest.raises(InvalidBoolFieldsParam):
        validate_bool_fields(None)  # type: ignore[arg-type]


def test_invalid_none_fields() -> None:
    with pytest.raises(ValueError, match="none_fields"):
        ApiClient(BASE, none_fields="drop")  # type: ignore[arg-type]


def test_session_kwargs_headers_cookies_user_agent() -> None:
    session = requests.Session()
    api = ApiClient(
        BASE,
        session=session,
        headers={"X-A": 1},
        cookies={"c": 2},
        user_agent="my-agent/1.0",
        proxies={"https": "http://localhost:3128"},
        verify=False,
    )
    assert api.session is session
    assert session.headers["X-A"] == "1"
    assert session.cookies["c"] == "2"
    assert session.headers["User-Agent"] == "my-agent/1.0"
    assert session.proxies == {"https": "http://localhost:3128"}
    assert session.verify is False


def test_unknown_session_kwarg_is_refused() -> None:
    with pytest.raises(TypeError, match="not_a_session_attribute"):
        ApiClient(BASE, not_a_session_attribute=1)


def test_user_agent_none_and_headers_on_the_wire(requests_mock: rm.Mocker) -> None:
    requests_mock.get(f"{BASE}/x")
    ApiClient(BASE, user_agent=None, headers={"X-A": 1}).get("x")
    sent = requests_mock.last_request.headers
    assert "User-Agent" not in sent
    assert sent["X-A"] == "1"


# --- URL building -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (None, BASE),
        ("", BASE),
        ("/", BASE),
        ("/path", f"{BASE}/path"),
        ("path", f"{BASE}/path"),
        ("resource/foo", f"{BASE}/resource/foo"),
        ("/resource/foo/", f"{BASE}/resource/foo/"),
        (b"/bytes", f"{BASE}/bytes"),
        ("items?page=2&sort=a", f"{BASE}/items?page=2&sort=a"),
        ("items#frag?x", f"{BASE}/items#frag?x"),
        ("a/./b", f"{BASE}/a/./b"),
        ("a/../b", f"{BASE}/a/../b"),
        ("v1/projects/p:run", f"{BASE}/v1/projects/p:run"),
        (["users", 1, "x y"], f"{BASE}/users/1/x%20y"),
        (["a/b", "c?d", "e#f"], f"{BASE}/a%2Fb/c%3Fd/e%23f"),
        (["", "a", "", b"b"], f"{BASE}/a/b"),
        (("users", 1234, "details"), f"{BASE}/users/1234/details"),
        ([], BASE),
        # slashes around a part are separators: stripped; inside a part, a slash stays encoded
        (["/users", 42], f"{BASE}/users/42"),
        (["/users/", "/42/", b"/x/"], f"{BASE}/users/42/x"),
        (["/a/b/"], f"{BASE}/a%2Fb"),
        (["/", "//", "x"], f"{BASE}/x"),
    ],
)
def test_to_absolute_url(api: ApiClient, path: Any, expected: str) -> None:
    assert api.to_absolute_url(path) == expected


def test_to_absolute_url_with_trailing_slash_base() -> None:
    api = ApiClient("https://api.example.com/api/v2/")
    assert api.to_absolute_url("users") == "https://api.example.com/api/v2/users"
    assert api.to_absolute_url("/users") == "https://api.example.com/api/v2/users"
    assert api.to_absolute_url() == "https://api.example.com/api/v2/"


def test_to_absolute_url_host_only_base() -> None:
    api = ApiClient("https://api.example.com")
    assert api.to_absolute_url("/users") == "https://api.example.com/users"


@pytest.mark.parametrize(
    "path",
    [
        "https://other/x",
        "http://api.example.com/root/x",
        "/https://other/x",
        "x?next=https://evil",
        "https:other",
        "javascript:alert(1)",
        "mailto:a@b",
        "//evil.example/x",
        "///evil.example/x",
        "\\\\evil.example\\x",
        "/\\evil.example",
        "a\\..\\..\\x",
        "..",
        "../x",
        "/../x",
        "./../x",
        "a/../../x",
        "a/b/../../..",
        "%2e%2e/x",
        "%2E%2E/admin",
        ".%2e/x",
        "a%2f..%2f..%2fx",
        "a%5c..%5c..%5cx",
        "%2F..",
        "a//../../x",
        "..\t/x",
        "a\n",
        [".."],
        ["a", "..", ".."],
        ["a/../.."],
        b"../x",
        123,
        object(),
    ],
)
def test_to_absolute_url_refuses_escapes(api: ApiClient, path: Any) -> None:
    with pytest.raises(InvalidPathParam) as exc_info:
        api.to_absolute_url(path)
    assert exc_info.value.url is path or exc_info.value.url == path
    assert isinstance(exc_info.value, TypeError)
    assert isinstance(exc_info.value, ValueError)


def test_failing_iteration_is_invalid_path(api: ApiClient) -> None:
    class Bad:
        def __str__(self) -> str:
            raise ValueError

    with pytest.raises(InvalidPathParam):
        api.to_absolute_url([Bad()])  # type: ignore[list-item]


def test_refused_path_sends_nothing(requests_mock: rm.Mocker) -> None:
    api = ApiClient(BASE, auth=HeaderAuth())
    for path in ("https://evil.example/steal", "//evil.example/steal", "../steal"):
        with pytest.raises(InvalidPathParam):
            api.get(path)
    assert requests_mock.call_count == 0


_segment = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)


@given(parts=st.lists(st.one_of(_segment, st.integers()), max_size=6))
def test_iterable_paths_stay_under_base_or_are_refused(parts: list[str | int]) -> None:
    api = ApiClient(BASE)
    try:
        url = api.to_absolute_url(parts)
    except InvalidPathParam:
        assert any(str(p) == ".." for p in parts) or any(".." in str(p).replace("%", "") for p in parts)
        return
    assert url == BASE or url.startswith(BASE + "/")
    assert "?" not in url
    assert "#" not in url


_TRICKY = ["..", ".", "/", "%2e", "%2E", "%2f", "%5c", "\\", "//", "?", "#", ":", "@", "a", "evil.example", "https"]


@given(
    path=st.one_of(
        st.text(max_size=30),
        st.lists(st.sampled_from(_TRICKY), max_size=10).map("".join),
    )
)
def test_str_paths_never_leave_base(path: str) -> None:
    api = ApiClient(BASE)
    try:
        url = api.to_absolute_url(path)
    except InvalidPathParam:
        return
    assert url == BASE or url.startswith(BASE + "/")
    # what requests would actually send stays under the base path, after its own normalisation
    prepared = requests.Request("GET", url).prepare()
    assert prepared.url is not None
    assert prepared.url == BASE or prepared.url.startswith(BASE + "/")
    # and a server decoding percent-escapes then removing dot segments would stay there too
    decoded_path = unquote(urlsplit(prepared.url).path).replace("\\", "/")
    assert (posixpath.normpath(decoded_path) + "/").startswith("/root/")


# --- requests -----------------------------------------------------------------------------------------------------


def test_get_with_iterable_path(requests_mock: rm.Mocker, api: ApiClient) -> None:
    requests_mock.get(f"{BASE}/users/1/x%20y", json={"ok": True})
    resp = api.get(["users", 1, "x y"])
    assert resp.json() == {"ok": True}
    assert requests_mock.last_request.url == f"{BASE}/users/1/x%20y"
    requests_mock.get(f"{BASE}/users/42", json={"ok": True})
    api.get(["/users", 42])
    assert requests_mock.last_request.url == f"{BASE}/users/42"


@pytest.mark.parametrize("parts", [["/..", "x"], ["../", "x"], ["users", "/../", "/../", "x"], ["//evil.example"]])
def test_stripping_slashes_keeps_the_confinement(requests_mock: rm.Mocker, parts: list[str]) -> None:
    api = ApiClient(BASE)
    try:
        url = api.to_absolute_url(parts)
    except InvalidPathParam:
        assert requests_mock.call_count == 0
        return
    assert url.startswith(BASE + "/")
    assert "evil.example" not in url.split("/root/", 1)[0]


@pytest.mark.parametrize("method", ["get", "post", "patch", "put", "delete"])
def test_verbs(requests_mock: rm.Mocker, api: ApiClient, method: str) -> None:
    requests_mock.register_uri(method.upper(), f"{BASE}/x", text="ok")
    resp = getattr(api, method)("x")
    assert resp.text == "ok"
    assert requests_mock.last_request.method == method.upper()


def test_raise_for_status_is_keyword_only(api: ApiClient) -> None:
    with pytest.raises(TypeError):
        api.get("x", False)  # type: ignore[misc]


def test_data_none_and_bool_fields(requests_mock: rm.Mocker) -> None:
    requests_mock.post(f"{BASE}/form")
    requests_mock.get(f"{BASE}/form")
    data = {"a": None, "b": True, "c": False, "d": 1}
    ApiClient(BASE).post("form", data=data)
    assert requests_mock.last_request.text == "b=true&c=false&d=1"
    assert data == {"a": None, "b": True, "c": False, "d": 1}  # the caller's dict is left untouched

    ApiClient(BASE, none_fields="empty").post("form", data=data)
    assert parse_qs(requests_mock.last_request.text, keep_blank_values=True) == {
        "a": [""],
        "b": ["true"],
        "c": ["false"],
        "d": ["1"],
    }

    ApiClient(BASE, bool_fields=None).post("form", data={"b": True})
    assert requests_mock.last_request.text == "b=True"
    ApiClient(BASE, bool_fields=("1", "0")).get("form", params={"b": True, "c": False})
    assert urlsplit(requests_mock.last_request.url).query == "b=1&c=0"

    ApiClient(BASE, none_fields="include").post("form", data={"a": None, "b": "x"})
    assert requests_mock.last_request.text == "b=x"


def test_per_call_none_and_bool_fields(requests_mock: rm.Mocker, api: ApiClient) -> None:
    requests_mock.post(f"{BASE}/form")
    api.post("form", data={"a": None, "b": True}, none_fields="empty", bool_fields=("1", "0"))
    assert requests_mock.last_request.text == "a=&b=1"


def test_bool_fields_apply_to_params_not_json(requests_mock: rm.Mocker, api: ApiClient) -> None:
    requests_mock.post(f"{BASE}/q")
    api.post("q", params={"flag": True, "off": False}, json={"j": True, "n": None, "k": 1})
    # `.qs` lowercases values: check the query string as sent
    assert urlsplit(requests_mock.last_request.url).query == "flag=true&off=false"
    assert requests_mock.last_request.json() == {"j": True, "k": 1}


def test_params_alone_get_bool_fields(requests_mock: rm.Mocker, api: ApiClient) -> None:
    requests_mock.get(f"{BASE}/q")
    api.get("q", params={"flag": True, "off": False, "n": 1})
    assert urlsplit(requests_mock.last_request.url).query == "flag=true&off=false&n=1"
    assert requests_mock.last_request.body is None


def test_json_alone_gets_none_fields(requests_mock: rm.Mocker, api: ApiClient) -> None:
    requests_mock.put(f"{BASE}/j")
    api.put("j", json={"n": None, "b": True})
    assert requests_mock.last_request.json() == {"b": True}


def test_invalid_per_call_bool_fields_refused_without_body(requests_mock: rm.Mocker, api: ApiClient) -> None:
    with pytest.raises(InvalidBoolFieldsParam):
        api.get("x", bool_fields=("only-one",))
    assert requests_mock.call_count == 0


def test_json_none_fields(requests_mock: rm.Mocker) -> None:
    requests_mock.post(f"{BASE}/j")
    ApiClient(BASE, none_fields="include").post("j", json={"n": None})
    assert requests_mock.last_request.json() == {"n": None}
    ApiClient(BASE, none_fields="empty").post("j", json={"n": None})
    assert requests_mock.last_request.json() == {"n": ""}


def test_raise_for_status(requests_mock: rm.Mocker) -> None:
    requests_mock.get(f"{BASE}/missing", status_code=404)
    with pytest.raises(requests.HTTPError):
        ApiClient(BASE).get("missing")
    assert ApiClient(BASE).get("missing", raise_for_status=False).status_code == 404
    lax = ApiClient(BASE, raise_for_status=False)
    assert lax.get("missing").status_code == 404
    with pytest.raises(requests.HTTPError):
        lax.get("missing", raise_for_status=True)


def test_redirects_are_not_followed(requests_mock: rm.Mocker, api: ApiClient) -> None:
    requests_mock.get(f"{BASE}/r", status_code=302, headers={"Location": "https://evil.example/"})
    requests_mock.get("https://evil.example/", text="evil")
    resp = api.get("r")
    assert resp.status_code == 302
    assert requests_mock.call_count == 1


def test_auth_timeout_and_overrides(requests_mock: rm.Mocker) -> None:
    requests_mock.get(f"{BASE}/x")
    api = ApiClient(BASE, auth=HeaderAuth("Bearer default"), timeout=12)
    api.get("x")
    assert requests_mock.last_request.headers["Authorization"] == "Bearer default"
    assert requests_mock.last_request.timeout == 12
    api.get("x", auth=HeaderAuth("Bearer call"), timeout=3)
    assert requests_mock.last_request.headers["Authorization"] == "Bearer call"
    assert requests_mock.last_request.timeout == 3


def test_per_call_headers_and_cookies(requests_mock: rm.Mocker, api: ApiClient) -> None:
    requests_mock.get(f"{BASE}/x")
    api.get("x", headers={"X-Call": "1"}, cookies={"k": "v"})
    assert requests_mock.last_request.headers["X-Call"] == "1"
    assert requests_mock.last_request.headers["Cookie"] == "k=v"


# --- sub-clients --------------------------------------------------------------------------------------------------


def test_sub_clients_keep_auth_and_settings(requests_mock: rm.Mocker) -> None:
    auth = HeaderAuth()
    api = ApiClient(BASE, auth=auth, timeout=5, raise_for_status=False, none_fields="empty", bool_fields=("y", "n"))
    for sub in (api.foo, api["foo"], api[b"foo"]):
        assert isinstance(sub, ApiClient)
        assert sub.base_url == f"{BASE}/foo"
        assert sub.session is api.session
        assert sub.auth is auth
        assert (sub.timeout, sub.raise_for_status, sub.none_fields, sub.bool_fields) == (5, False, "empty", ("y", "n"))
    assert api[1234].base_url == f"{BASE}/1234"
    assert api["users"]["42"].details.base_url == f"{BASE}/users/42/details"

    requests_mock.get(f"{BASE}/foo/bar", status_code=500)
    assert api.foo.get("bar").status_code == 500
    assert requests_mock.last_request.headers["Authorization"] == "Bearer static"


def test_sub_client_does_not_touch_session_headers() -> None:
    api = ApiClient(BASE, user_agent=None)
    _ = api.foo
    assert "User-Agent" not in api.session.headers


def test_sub_clients_refuse_escapes(api: ApiClient) -> None:
    with pytest.raises(InvalidPathParam):
        api[".."]
    with pytest.raises(InvalidPathParam):
        api["https://evil.example"]
    with pytest.raises(InvalidPathParam):
        api.users.get("../admin")


def test_private_and_dunder_attributes_are_not_sub_clients(api: ApiClient) -> None:
    with pytest.raises(AttributeError):
        _ = api._private
    with pytest.raises(AttributeError):
        _ = api.__missing_dunder__
    assert not hasattr(api, "__deepcopy_nope__")


def test_copy_and_pickle(api: ApiClient) -> None:
    clone = copy.copy(api)
    assert clone.base_url == api.base_url
    assert clone.session is api.session
    restored = pickle.loads(pickle.dumps(ApiClient(BASE, timeout=7)))  # noqa: S301 - our own data
    assert restored.base_url == BASE
    assert restored.timeout == 7


# --- context manager ----------------------------------------------------------------------------------------------


def test_context_manager_closes_session_and_propagates() -> None:
    class TrackingSession(requests.Session):
        closed = False

        def close(self) -> None:
            self.closed = True
            super().close()

    session = TrackingSession()
    with ApiClient(BASE, session=session) as api:
        assert isinstance(api, ApiClient)
    assert session.closed

    session2 = TrackingSession()
    with pytest.raises(KeyError, match="boom"), ApiClient(BASE, session=session2):
        raise KeyError("boom")
    assert session2.closed


def test_same_str_path_resolves_under_each_base_url() -> None:
    # resolved URLs are cached per (base_url, path): the same path under another base gets its own URL
    first, second = ApiClient(BASE), ApiClient("https://other.example/api/")
    assert first.to_absolute_url("users?x=1") == f"{BASE}/users?x=1"
    assert second.to_absolute_url("users?x=1") == "https://other.example/api/users?x=1"
    assert first.users.to_absolute_url("users?x=1") == f"{BASE}/users/users?x=1"
    assert first.to_absolute_url("users?x=1") == f"{BASE}/users?x=1"


def test_refused_str_path_is_refused_every_time(requests_mock: rm.Mocker, api: ApiClient) -> None:
    api.to_absolute_url("a/..")  # a valid path in the same cache does not change what is refused
    for _ in range(3):
        with pytest.raises(InvalidPathParam):
            api.get("a/../..")
    assert requests_mock.call_count == 0


def test_str_subclass_path_is_checked_like_str(api: ApiClient) -> None:
    class Path(str):
        __slots__ = ()

    assert api.to_absolute_url(Path("a/b")) == f"{BASE}/a/b"
    bad = Path("../x")
    with pytest.raises(InvalidPathParam) as exc_info:
        api.to_absolute_url(bad)
    assert exc_info.value.url is bad


@given(path=st.one_of(st.text(max_size=20), st.lists(st.sampled_from(_TRICKY), max_size=8).map("".join)))
def test_cached_resolution_matches_uncached(path: str) -> None:
    api = ApiClient(BASE)
    try:
        expected = _resolve(BASE, path, path)
    except InvalidPathParam:
        for _ in range(2):  # both the first (uncached) and a repeated call are refused
            with pytest.raises(InvalidPathParam):
                api.to_absolute_url(path)
        return
    assert api.to_absolute_url(path) == expected
    assert api.to_absolute_url(path) == expected


# --- TLS: the CA of the session, the certificate of the auth handler (RFC 8705) ---------------------------------------


def test_the_session_verify_applies_whatever_the_environment_says(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/environment/ca.pem")
    api = ApiClient(BASE, verify="/session/ca.pem")
    with rm.Mocker() as mocker:
        mocker.get(rm.ANY, text="ok")
        api.get("x")
        assert mocker.last_request.verify == "/session/ca.pem"
        api.get("x", verify=False)  # the call's setting wins
        assert mocker.last_request.verify is False
        ApiClient(BASE).get("x")  # by default, requests (and the environment) decide
        assert mocker.last_request.verify == "/environment/ca.pem"


def test_the_certificate_of_the_handler_client_goes_with_its_tokens(pki: TestPki) -> None:
    token_endpoint = "https://as.example.com/token"
    client = OAuth2Client(token_endpoint, auth=TlsClientAuth("client", cert=pki.client_tls.pair))
    thumbprint = certificate_thumbprint(pki.client_tls.pair)
    api = ApiClient(BASE, auth=OAuth2ClientCredentialsAuth(client))
    with rm.Mocker() as mocker:
        mocker.post(token_endpoint, json={"access_token": "at", "token_type": "Bearer"})
        mocker.get(rm.ANY, text="ok")
        api.get("x")
        assert mocker.last_request.cert == pki.client_tls.pair
        assert mocker.last_request.headers["Authorization"] == "Bearer at"
        api.get("x", cert=pki.client_other.pair)  # the call's certificate wins
        assert mocker.last_request.cert == pki.client_other.pair
        # a bare token bound to a certificate is checked against the one the request presents
        bound = BearerToken("bound-at", cnf={"x5t#S256": thumbprint})
        ApiClient(BASE, auth=bound, cert=pki.client_tls.pair).get("x")
        assert mocker.last_request.headers["Authorization"] == "Bearer bound-at"
        calls = mocker.call_count
        with pytest.raises(MismatchingCertificateBinding):
            ApiClient(BASE, auth=bound, cert=pki.client_other.pair).get("x")
        with pytest.raises(MismatchingCertificateBinding):
            ApiClient(BASE, auth=bound).get("x", cert=pki.client_other.pair)
        with pytest.raises(MissingClientCertificate):
            ApiClient(BASE, auth=bound).get("x")
        assert mocker.call_count == calls  # nothing was sent
