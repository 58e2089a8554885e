"""The lifetime a stored token was issued with: what the leeway rule of auth handlers needs, and tokens do not keep.

An auth handler renews a token it obtained when it expires within `min(leeway, lifetime / 2)` seconds (see
`_auth.renewal`), `lifetime` being how long the token was valid when the handler received it. A token has no field
for that, and another process reading it from a store could not tell a token that lives 5 seconds from one that
lives an hour. So the token an auth handler writes to a store carries one extra member, `ro2c_lifetime` (seconds,
a number): it travels in the token's extra fields (`kwargs`), which every serializer keeps, and the handlers remove
it from the tokens they read, so that the application never sees it.

A value read from a store is untrusted: a member that is not a finite, non-negative number is ignored (the token
then has the plain leeway rule).
"""

from __future__ import annotations

import math

from requests_oauth2client.tokens import BearerToken, with_fields

__all__ = ["LIFETIME_MEMBER", "stored_lifetime", "with_stored_lifetime", "without_stored_lifetime"]

LIFETIME_MEMBER = "ro2c_lifetime"
"""The extra member of a stored token that holds the lifetime it was issued with, in seconds."""


def stored_lifetime(token: BearerToken) -> float | None:
    """The lifetime held by the `ro2c_lifetime` member of `token`, or None (no member, or not a usable number)."""
    value = token.kwargs.get(LIFETIME_MEMBER)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value < 0:
        return None
    return float(value)


def with_stored_lifetime(token: BearerToken, lifetime: float | None) -> BearerToken:
    """A copy of `token` that carries `lifetime`, to be written to a store (`token` itself when it is None)."""
    if lifetime is None:
        return token
    return with_fields(token, kwargs={**token.kwargs, LIFETIME_MEMBER: round(lifetime, 3)})


def without_stored_lifetime(token: BearerToken) -> tuple[BearerToken, float | None]:
    """`token` as read from a store, without its `ro2c_lifetime` member; and that lifetime (or None)."""
    if LIFETIME_MEMBER not in token.kwargs:
        return token, None
    kwargs = {name: value for name, value in token.kwargs.items() if name != LIFETIME_MEMBER}
    return with_fields(token, kwargs=kwargs), stored_lifetime(token)
