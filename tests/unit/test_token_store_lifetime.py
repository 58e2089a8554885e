"""The lifetime a token is stored with (`ro2c_lifetime`): written by auth handlers, read back defensively."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from requests_oauth2client import BearerToken, TokenSerializer
from requests_oauth2client._stores.lifetime import (
    LIFETIME_MEMBER,
    stored_lifetime,
    with_stored_lifetime,
    without_stored_lifetime,
)
from requests_oauth2client.dpop import DPoPKey, DPoPToken


def test_a_lifetime_survives_the_serializer() -> None:
    token = BearerToken("at", expires_in=300, refresh_token="rt", custom="kept")
    stored = TokenSerializer().loads(TokenSerializer().dumps(with_stored_lifetime(token, 299.25)))
    assert stored_lifetime(stored) == 299.25
    read, lifetime = without_stored_lifetime(stored)
    assert lifetime == 299.25
    assert read == token
    assert LIFETIME_MEMBER not in read.kwargs
    assert read.kwargs == {"custom": "kept"}


def test_a_dpop_token_keeps_its_key() -> None:
    key = DPoPKey.generate()
    token = DPoPToken("at", _dpop_key=key, expires_in=60)
    tagged = with_stored_lifetime(token, 60)
    assert isinstance(tagged, DPoPToken)
    assert tagged.dpop_key is key
    read, lifetime = without_stored_lifetime(tagged)
    assert (read, lifetime) == (token, 60)


def test_nothing_to_add_or_remove() -> None:
    token = BearerToken("at", expires_in=60)
    assert with_stored_lifetime(token, None) is token
    assert without_stored_lifetime(token) == (token, None)
    assert stored_lifetime(token) is None


@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True, allow_infinity=True),
        st.text(max_size=5),
        st.lists(st.integers(), max_size=3),
        st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    )
)
def test_any_stored_value_reads_as_a_usable_lifetime_or_none(value: Any) -> None:
    """What a store holds is untrusted: anything but a finite, non-negative number is ignored."""
    token = BearerToken("at", expires_in=60, **{LIFETIME_MEMBER: value})
    lifetime = stored_lifetime(token)
    usable = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value) and value >= 0
    assert lifetime == (float(value) if usable else None)
    read, read_lifetime = without_stored_lifetime(token)
    assert read_lifetime == lifetime
    assert LIFETIME_MEMBER not in read.kwargs
