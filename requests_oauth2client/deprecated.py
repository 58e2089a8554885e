"""Deprecated names kept so that code written for version 1.7 keeps working.

Each old name is an alias of the class that replaced it:

| old name (1.7) | new name |
|---|---|
| `BaseTokenEndpointPoolingJob` | `polling.BaseTokenEndpointPollingJob` |
| `DeviceAuthorizationPoolingJob` | `device_authorization.DeviceAuthorizationPollingJob` |
| `BackChannelAuthenticationPoolingJob` | `backchannel_authentication.BackChannelAuthenticationPollingJob` |

Using an alias emits a `DeprecationWarning`:

- calling it builds an instance of the new class (`type(obj) is NewClass`);
- subclassing it creates a subclass of the new class;
- `isinstance(obj, Alias)` and `issubclass(cls, Alias)` answer as for the new class.

Type checkers see each alias as the new class itself.
"""

from __future__ import annotations

import warnings
from typing import TYPE_CHECKING, Any

from requests_oauth2client.backchannel_authentication import BackChannelAuthenticationPollingJob
from requests_oauth2client.device_authorization import DeviceAuthorizationPollingJob
from requests_oauth2client.polling import BaseTokenEndpointPollingJob
from requests_oauth2client.serializers import BearerTokenSerializer

__all__ = [
    "BackChannelAuthenticationPoolingJob",
    "BaseTokenEndpointPoolingJob",
    "BearerTokenSerializer",
    "DeviceAuthorizationPoolingJob",
]

# `BearerTokenSerializer` (1.7's token serializer, replaced by `serializers.TokenSerializer`) warns when it is
# instantiated; it lives in `serializers`, next to the format it shares with `TokenSerializer`.


def _renamed_warning(old_name: str, new_class: type) -> None:
    warnings.warn(
        f"{old_name} has been renamed to {new_class.__name__}. Please use {new_class.__name__} instead;"
        f" {old_name} will be removed in a future version.",
        DeprecationWarning,
        stacklevel=3,
    )


class _DeprecatedClassMeta(type):
    """Metaclass of the deprecated aliases of renamed classes.

    An alias is a class whose `_renamed_to` attribute is the new class. Calling the alias, or subclassing it,
    warns and acts on the new class instead; instance and subclass checks are forwarded to the new class.
    """

    _renamed_to: type

    def __new__(mcs, name: str, bases: tuple[type, ...], namespace: dict[str, Any], **kwargs: Any) -> Any:
        aliases = [base for base in bases if isinstance(base, _DeprecatedClassMeta)]
        if not aliases:  # creating an alias itself
            return super().__new__(mcs, name, bases, namespace, **kwargs)
        # Subclassing an alias: build a regular subclass of the new class(es), with their own metaclass.
        for alias in aliases:
            _renamed_warning(alias.__name__, alias._renamed_to)
        new_bases = tuple(base._renamed_to if isinstance(base, _DeprecatedClassMeta) else base for base in bases)
        return type(name, new_bases, namespace, **kwargs)

    def __call__(cls, *args: Any, **kwargs: Any) -> Any:
        _renamed_warning(cls.__name__, cls._renamed_to)
        return cls._renamed_to(*args, **kwargs)

    def __instancecheck__(cls, instance: object) -> bool:
        return isinstance(instance, cls._renamed_to)

    def __subclasscheck__(cls, subclass: type) -> bool:
        return subclass is cls or issubclass(subclass, cls._renamed_to)

    def __getattr__(cls, name: str) -> Any:
        # class attributes and methods of the new class, e.g. `Alias.token_request`
        new_class = cls.__dict__.get("_renamed_to")
        if new_class is None or (name.startswith("__") and name.endswith("__")):
            raise AttributeError(name)
        return getattr(new_class, name)


def _deprecated_alias(old_name: str, new_class: type) -> Any:
    """Create a deprecated alias named `old_name` for `new_class`."""
    namespace = {
        "__module__": __name__,
        "__qualname__": old_name,
        "__doc__": f"Deprecated alias of `{new_class.__module__}.{new_class.__name__}`.",
        "_renamed_to": new_class,
    }
    return _DeprecatedClassMeta(old_name, (), namespace)


if TYPE_CHECKING:
    BaseTokenEndpointPoolingJob = BaseTokenEndpointPollingJob
    DeviceAuthorizationPoolingJob = DeviceAuthorizationPollingJob
    BackChannelAuthenticationPoolingJob = BackChannelAuthenticationPollingJob
else:
    BaseTokenEndpointPoolingJob = _deprecated_alias("BaseTokenEndpointPoolingJob", BaseTokenEndpointPollingJob)
    DeviceAuthorizationPoolingJob = _deprecated_alias("DeviceAuthorizationPoolingJob", DeviceAuthorizationPollingJob)
    BackChannelAuthenticationPoolingJob = _deprecated_alias(
        "BackChannelAuthenticationPoolingJob", BackChannelAuthenticationPollingJob
    )
