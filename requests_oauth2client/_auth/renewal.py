"""When auth handlers renew a token, and what they tell the application when they do.

**The leeway rule.** A handler renews its token when it expires within `leeway` seconds. For a token the handler
obtained itself, the leeway is `min(leeway, lifetime / 2)`, where `lifetime` is the `expires_in` the token was
issued with: a token that lives 5 seconds is used for 2.5 seconds with the default leeway of 20 s, instead of being
renewed before every request. A token given to the handler (`token=`, or assigned to `handler.token`) has no
known lifetime and keeps the plain rule (renewed when it expires within `leeway` seconds). A token read from a token
store knows the lifetime it was issued with from its stored form (see `_stores.lifetime`).

**The `on_token` hook** is called with each token the handler obtains from the Authorization Server (not with
tokens it reads from a store, nor with tokens given to it). What it raises is logged, without its message (which
could quote the token), and does not fail the request.
"""

from __future__ import annotations

import logging
import math
import time
import traceback
from collections.abc import Callable

from requests_oauth2client.id_token import IdToken
from requests_oauth2client.tokens import BearerToken

__all__ = ["call_on_token", "lifetime_from_now", "renewal_deadline", "subject_of"]

logger = logging.getLogger("requests_oauth2client")


def renewal_deadline(expires_at: float | None, lifetime: float | None, leeway: float) -> float:
    """The POSIX time from which a token needs renewal (`math.inf` for a token that does not expire).

    Args:
        expires_at: the token's expiration (POSIX time), or None.
        lifetime: the seconds the token was issued for, when the handler obtained it; None for a given token.
        leeway: the handler's leeway, in seconds (a negative leeway counts as 0).
    """
    if expires_at is None:
        return math.inf
    effective = leeway if lifetime is None else min(leeway, lifetime / 2)
    return expires_at - max(effective, 0)


def lifetime_from_now(token: BearerToken) -> float | None:
    """The lifetime of a token just received: the seconds until its expiration, or None when it does not expire.

    That is the `expires_in` of the answer less the fraction of a second that expiration dates drop (they are whole
    seconds): the time the token can really be used, so that half of it is never less than what the token has.
    """
    expires_at = token.expires_at
    if expires_at is None:
        return None
    return max(expires_at.timestamp() - time.time(), 0.0)


def subject_of(token: BearerToken | None) -> str | None:
    """The `sub` of the token's ID Token, when it has a (decrypted) one."""
    id_token = None if token is None else token.id_token
    if not isinstance(id_token, IdToken):
        return None
    subject = id_token.claims.get("sub")
    return subject if isinstance(subject, str) and subject else None


def call_on_token(hook: Callable[[BearerToken], object] | None, token: BearerToken, handler: str) -> None:
    """Call `hook(token)`; log what it raises (its type and where, never its message) instead of raising it."""
    if hook is None:
        return
    try:
        hook(token)
    except Exception as exc:  # the hook is the application's code: its failure must not fail the request
        frame = traceback.extract_tb(exc.__traceback__)[-1]
        logger.warning(
            "The on_token hook of %s raised %s (%s, line %s); the request goes on with the new token.",
            handler,
            type(exc).__name__,
            frame.filename,
            frame.lineno,
        )
