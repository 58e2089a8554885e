from datetime import datetime, timedelta, timezone

import pytest
from freezegun import freeze_time
from hypothesis import given
from hypothesis import strategies as st

from requests_oauth2client.utils import (
    InvalidUri,
    accepts_expires_in,
    expires_at_from_expires_in,
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


@freeze_time("2024-01-01 12:00:00.500")
@given(st.integers(min_value=1, max_value=10**8))
def test_expires_in_becomes_an_absolute_date(expires_in: int) -> None:
    now = datetime(2024, 1, 1, 12, 0, 0, tzinfo=timezone.utc)
    assert expires_at_from_expires_in(expires_in) == now + timedelta(seconds=expires_in)
    assert expires_at_from_expires_in(str(expires_in)) == now + timedelta(seconds=expires_in)


@pytest.mark.parametrize("value", [None, 0, "0", "abc", 1.5, True, "", "1.5"])
def test_unusable_expires_in_gives_no_date(value: object) -> None:
    assert expires_at_from_expires_in(value) is None


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
