"""The names that version 1.7 published in modules that no longer define them: one table, resolved on first access.

Code written for version 1.7 imports a few names from their old modules (`from requests_oauth2client.tokens import
BearerTokenSerializer`). Each old module gets its PEP 562 `__getattr__` from `moved_names(__name__)` (hidden from type
checkers, which see only the current names); a name of `MOVED` is imported from its current module with `importlib`
(the current homes are higher layers, which the old modules must not import), with a `DeprecationWarning` naming the
current path. With the package root's lazy table, these are the only dynamic imports of the package.
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from typing import Any

__all__ = ["MOVED", "moved_names"]

PACKAGE = __name__.rpartition(".")[0]

MOVED: Mapping[str, Mapping[str, str]] = {
    "authorization_request": {"AuthorizationRequestSerializer": "serializers"},
    "backchannel_authentication": {"BackChannelAuthenticationPoolingJob": "deprecated"},
    "device_authorization": {"DeviceAuthorizationPoolingJob": "deprecated"},
    "tokens": {"BearerTokenSerializer": "deprecated"},
}
"""For each old module (relative to the package), the names it published in version 1.7 and their current module."""


def moved_names(module: str) -> Callable[[str], Any]:
    """Return the module `__getattr__` of an old module (`module` is its `__name__`): it resolves the moved names.

    Raises:
        KeyError: when `module` has no entry in `MOVED`.
    """
    moved = MOVED[module.removeprefix(f"{PACKAGE}.")]

    def resolve(name: str) -> Any:
        current = moved.get(name)
        if current is None:
            raise AttributeError(f"module {module!r} has no attribute {name!r}")
        warnings.warn(
            f"`{module}.{name}` is the module path of version 1.7 and is deprecated:"
            f" import {name} from `{PACKAGE}.{current}` instead.",
            DeprecationWarning,
            stacklevel=2,
        )
        return getattr(importlib.import_module(f"{PACKAGE}.{current}"), name)

    return resolve
