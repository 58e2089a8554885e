from datetime import datetime, timezone

import pytest
from freezegun import freeze_time

from requests_oauth2client.utils import (
    InvalidExpiresIn,
    InvalidUri,
    accepts_expires_in,
    join_space_separated,
    split_space_separated,
    validate_endpoint_uri,
    validate_issuer_uri,
)


def test_valid_endpoint_uri_is_returned_unchanged() -> None:
    assert validate_endpoint_uri("https://as.example.com/token") == "https://as.example.com/token"


def test_every_failed_check_is_listed_in_order() -> None:
    with pytest.raises(InvalidUri) as exc_info:
        validate_endpoint_uri("http://u@a.b/#x")
    exc = exc_info.value
    assert str(exc) == (
        "Invalid URI: must use https, must not contain basic credentials, "
        "must not contain a uri fragment, must include a path other than /"
    )
    assert exc.args == ("Invalid endpoint uri.",)
    assert exc.https and exc.no_credentials and exc.no_fragment and exc.path
    assert not exc.no_port
    assert exc.url == "http://u@a.b/#x"


@pytest.mark.parametrize("uri", ["https://as.example.com", "https://as.example.com/"])
def test_root_path_is_refused_for_endpoints_but_fine_for_issuers(uri: str) -> None:
    with pytest.raises(InvalidUri, match="must include a path"):
        validate_endpoint_uri(uri)
    assert validate_issuer_uri(uri) == uri


def test_no_port_accepts_only_443() -> None:
    assert validate_endpoint_uri("https://a.b:443/t", no_port=True)
    with pytest.raises(InvalidUri, match="no custom port"):
        validate_endpoint_uri("https://a.b:8443/t", no_port=True)
    assert validate_endpoint_uri("https://a.b:8443/t")


def test_checks_can_be_disabled() -> None:
    assert validate_endpoint_uri("http://a.b", https=False, path=False) == "http://a.b"


def test_unparsable_uri_is_an_invalid_uri() -> None:
    with pytest.raises(InvalidUri):
        validate_endpoint_uri("https://[::1/token")


@freeze_time("2024-01-01 12:00:00")
def test_accepts_expires_in_decorator() -> None:
    @accepts_expires_in
    def make(*, expires_at: datetime | None = None) -> datetime | None:
        return expires_at

    fixed = datetime(2030, 1, 1, tzinfo=timezone.utc)
    assert make(expires_in=60) == datetime(2024, 1, 1, 12, 1, tzinfo=timezone.utc)
    assert make(expires_in=60, expires_at=fixed) == datetime(2024, 1, 1, 12, 1, tzinfo=timezone.utc)
    assert make(expires_in=0, expires_at=fixed) == fixed
    assert make(expires_in=-5) == datetime(2024, 1, 1, 11, 59, 55, tzinfo=timezone.utc)
    assert make(expires_in=60.0) == datetime(2024, 1, 1, 12, 1, tzinfo=timezone.utc)
    # the rules are those of `_protocol.expires_in`, tested in test_expires_in.py
    assert make(expires_in="soon") is None
    with pytest.raises(InvalidExpiresIn):
        make(expires_in=[60])


@pytest.mark.parametrize("uri", ["https:///token", "https://:443/token", "https://u:p@/token", "https:token"])
def test_a_host_is_always_required(uri: str) -> None:
    with pytest.raises(InvalidUri, match="must include a host") as exc_info:
        validate_endpoint_uri(uri, https=False, no_credentials=False, no_fragment=False, path=False)
    assert exc_info.value.host
    with pytest.raises(InvalidUri, match="must include a host"):
        validate_issuer_uri(uri)


@pytest.mark.parametrize("empty", [None, "", [], (), iter(())])
def test_an_empty_list_parameter_is_no_value(empty: object) -> None:
    assert join_space_separated(empty, ValueError) is None
    assert split_space_separated(empty, ValueError) is None


def test_list_parameters_are_joined_and_split_on_spaces() -> None:
    assert join_space_separated(["a", "b"], ValueError) == "a b"
    assert join_space_separated(("a",), ValueError) == "a"
    assert join_space_separated("a b", ValueError) == "a b"
    assert join_space_separated([""], ValueError) is None
    assert split_space_separated("a b", ValueError) == ("a", "b")
    assert split_space_separated(["a", "b"], ValueError) == ("a", "b")


@pytest.mark.parametrize("bad", [123, [1, 2], b"ab", object()])
def test_list_parameters_that_are_not_strings_raise_the_given_error(bad: object) -> None:
    class Bad(ValueError):
        pass

    with pytest.raises(Bad):
        join_space_separated(bad, Bad)
    with pytest.raises(Bad):
        split_space_separated(bad, Bad)


def test_check_endpoint_url_is_strict_unless_testing() -> None:
    from requests_oauth2client.utils import check_endpoint_url

    assert check_endpoint_url("https://as.example.com/token") == "https://as.example.com/token"
    for uri in ("http://as.example.com/token", "https://as.example.com/", "https://u:p@as.example.com/t"):
        with pytest.raises(InvalidUri):
            check_endpoint_url(uri)
        assert check_endpoint_url(uri, testing=True) == uri  # a local server in tests
    assert check_endpoint_url("https://as.example.com/", path=False) == "https://as.example.com/"
    with pytest.raises(InvalidUri, match="must include a host"):
        check_endpoint_url("http:///token", testing=True)  # a host is needed even then
