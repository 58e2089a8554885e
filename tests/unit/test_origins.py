"""Origins of URLs and where redirects lead: the basis of "credentials never reach another origin"."""

from __future__ import annotations

import pytest
import requests

from requests_oauth2client._http.origins import (
    NO_ORIGIN,
    forget_credentials_before_leaving,
    leaves_origin,
    origin_of,
    redirect_location,
    same_origin,
)


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://As.Example.com/a?b#c", "https://as.example.com:443"),
        ("https://as.example.com:443/a", "https://as.example.com:443"),
        ("http://as.example.com/a", "http://as.example.com:80"),
        ("https://user:pw@as.example.com:8443/", "https://as.example.com:8443"),
        ("https://[::1]:9000/x", "https://[::1]:9000"),
        ("/relative", NO_ORIGIN),
        ("https://[::1/broken", NO_ORIGIN),
    ],
)
def test_origin_of(url: str, origin: str) -> None:
    assert origin_of(url) == origin


def test_same_origin() -> None:
    assert same_origin("https://as.example.com/a", "https://AS.example.com:443/b?c")
    assert not same_origin("https://as.example.com/a", "http://as.example.com/a")
    assert not same_origin("https://as.example.com/a", "https://as.example.com:8443/a")
    assert not same_origin("https://as.example.com/a", "https://evil.example.net/a")
    assert not same_origin("/a", "/a")  # no origin is never the same origin


def _redirect(url: str, status: int, location: str | None) -> requests.Response:
    response = requests.Response()
    response.status_code = status
    if location is not None:
        response.headers["Location"] = location
    response.request = requests.Request("GET", url, headers={"Authorization": "Bearer t", "DPoP": "p"}).prepare()
    response.url = url
    return response


def test_redirect_location_is_absolute() -> None:
    assert redirect_location(_redirect("https://as/a/b", 302, "c")) == "https://as/a/c"
    assert redirect_location(_redirect("https://as/a/b", 302, "//evil/x")) == "https://evil/x"
    assert redirect_location(_redirect("https://as/a/b", 302, None)) is None


@pytest.mark.parametrize(
    ("location", "leaves"),
    [("/same", False), ("https://rs.example.com:443/x", False), ("https://evil.example.net/", True), ("//e/", True)],
)
def test_credentials_are_forgotten_only_when_leaving(location: str, leaves: bool) -> None:
    response = _redirect("https://rs.example.com/api", 307, location)
    assert leaves_origin(response, "https://rs.example.com:443") is leaves
    forget_credentials_before_leaving(response, "https://rs.example.com:443", ("Authorization", "DPoP"))
    assert response.request is not None
    assert ("Authorization" in response.request.headers) is not leaves
    assert ("DPoP" in response.request.headers) is not leaves


def test_a_response_that_is_not_a_redirect_leaves_nothing() -> None:
    response = _redirect("https://rs.example.com/api", 200, "https://evil.example.net/")
    assert not leaves_origin(response, "https://rs.example.com:443")
