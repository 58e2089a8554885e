"""The optional `yarl` dependency (`pip install requests_oauth2client[yarl]`), imported on first use only.

Private: the public faces are the `.yarl` properties of authorization requests, `yarl.URL` callbacks accepted by
`AuthorizationRequest.validate_callback()`, and the `.url` of callback errors.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from types import ModuleType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yarl import URL

__all__ = ["callback_url", "import_yarl", "is_url_like", "is_yarl_url"]

YARL_MISSING = "this feature needs yarl, an optional dependency: `pip install requests_oauth2client[yarl]`"


def import_yarl() -> ModuleType:
    """Return the `yarl` module.

    Raises:
        ImportError: when yarl is not installed, saying what to install.
    """
    try:
        import yarl
    except ImportError as exc:
        raise ImportError(YARL_MISSING) from exc
    return yarl


def is_yarl_url(value: object) -> bool:
    """Whether `value` is a `yarl.URL` (without importing yarl: a URL object exists only once yarl is imported)."""
    yarl = sys.modules.get("yarl")
    return yarl is not None and isinstance(value, yarl.URL)


def is_url_like(text: str) -> bool:
    """Whether a callback string is a URL, rather than a bare query string.

    It is a URL when a `?`, `#` or `://` comes before its first `=`.
    """
    head = text.split("=", 1)[0]
    return "?" in head or "#" in head or "://" in head


def callback_url(response: object) -> URL | None:
    """The authorization response (a URL, a query string or a mapping of parameters) as a `yarl.URL`.

    Returns:
        the URL (a bare query string or a mapping gives a relative URL with that query), or None when yarl is not
        installed or the response cannot be represented as a URL.
    """
    if is_yarl_url(response):
        return response  # type: ignore[return-value]
    try:
        yarl = import_yarl()
    except ImportError:
        return None
    try:
        if isinstance(response, str):
            if is_url_like(response):
                return yarl.URL(response)  # type: ignore[no-any-return]
            return yarl.URL.build(query_string=response)  # type: ignore[no-any-return]
        if isinstance(response, Mapping):
            return yarl.URL.build(query=dict(response))  # type: ignore[no-any-return]
    except (ValueError, TypeError):
        return None
    return None
