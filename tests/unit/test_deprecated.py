"""Unit tests for `requests_oauth2client.deprecated`: the 1.7 "Pooling" names as deprecated aliases."""

from __future__ import annotations

import importlib
import warnings
from datetime import timedelta
from typing import Any

import pytest
import requests
from attrs import define
from freezegun import freeze_time

from requests_oauth2client import deprecated, polling
from requests_oauth2client.backchannel_authentication import (
    BackChannelAuthenticationPollingJob,
    BackChannelAuthenticationResponse,
)
from requests_oauth2client.deprecated import (
    BackChannelAuthenticationPoolingJob,
    BaseTokenEndpointPoolingJob,
    DeviceAuthorizationPoolingJob,
)
from requests_oauth2client.device_authorization import DeviceAuthorizationPollingJob, DeviceAuthorizationResponse
from requests_oauth2client.exceptions import AuthorizationPending, SlowDown
from requests_oauth2client.polling import BaseTokenEndpointPollingJob

TOKEN = object()

ALIASES = [
    ("BaseTokenEndpointPoolingJob", BaseTokenEndpointPollingJob, (None, {}, {}, 5, 5), {}),
    ("DeviceAuthorizationPoolingJob", DeviceAuthorizationPollingJob, (None, "dc"), {"interval": 3}),
    ("BackChannelAuthenticationPoolingJob", BackChannelAuthenticationPollingJob, (None, "req"), {"interval": 3}),
]


class FakeClient:
    def __init__(self, *outcomes: Any) -> None:
        self.outcomes = list(outcomes)

    def _next(self) -> Any:
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    def device_code(self, device_code: str, requests_kwargs: Any = None, **kwargs: Any) -> Any:
        return self._next()

    def ciba(self, auth_req_id: str, requests_kwargs: Any = None, **kwargs: Any) -> Any:
        return self._next()


@pytest.mark.parametrize(("old_name", "new_class", "args", "kwargs"), ALIASES)
def test_calling_an_alias_warns_and_builds_the_new_class(
    old_name: str, new_class: type, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    alias = getattr(deprecated, old_name)
    with pytest.warns(DeprecationWarning, match=f"^{old_name} has been renamed to {new_class.__name__}") as record:
        obj = alias(*args, **kwargs)
    assert type(obj) is new_class
    assert len(record) == 1
    assert record[0].filename == __file__  # the warning points at the caller


@pytest.mark.parametrize(("old_name", "new_class", "args", "kwargs"), ALIASES)
def test_instance_and_subclass_checks(
    old_name: str, new_class: type, args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    alias = getattr(deprecated, old_name)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # checks must not warn
        obj = new_class(*args, **kwargs)
        assert isinstance(obj, alias)
        assert issubclass(new_class, alias)
        assert issubclass(alias, alias)
        assert not isinstance(object(), alias)
        assert not issubclass(int, alias)
        assert isinstance(obj, (int, alias))


def test_subclasses_of_the_new_class_match_the_base_alias() -> None:
    job = DeviceAuthorizationPollingJob(None, "dc")  # type: ignore[arg-type]
    assert isinstance(job, BaseTokenEndpointPoolingJob)
    assert issubclass(DeviceAuthorizationPollingJob, BaseTokenEndpointPoolingJob)
    assert not isinstance(job, BackChannelAuthenticationPoolingJob)
    assert not issubclass(DeviceAuthorizationPollingJob, BackChannelAuthenticationPoolingJob)


def test_alias_names_and_class_attributes() -> None:
    assert DeviceAuthorizationPoolingJob.__name__ == "DeviceAuthorizationPoolingJob"
    assert DeviceAuthorizationPoolingJob.__module__ == "requests_oauth2client.deprecated"
    assert "DeviceAuthorizationPollingJob" in (DeviceAuthorizationPoolingJob.__doc__ or "")
    assert DeviceAuthorizationPoolingJob.token_request is DeviceAuthorizationPollingJob.token_request
    with pytest.raises(AttributeError):
        DeviceAuthorizationPoolingJob.no_such_attribute  # noqa: B018


def test_subclassing_an_alias_warns_and_derives_from_the_new_class() -> None:
    with pytest.warns(
        DeprecationWarning, match="DeviceAuthorizationPoolingJob has been renamed to DeviceAuthorizationPollingJob"
    ) as record:

        class CustomJob(DeviceAuthorizationPoolingJob):
            def authorization_pending(self) -> None:
                super().authorization_pending()
                self.token_kwargs["pending_seen"] = True

    assert len(record) == 1
    assert record[0].filename == __file__
    assert DeviceAuthorizationPollingJob in CustomJob.__mro__
    assert type(CustomJob) is type(DeviceAuthorizationPollingJob)
    assert issubclass(CustomJob, DeviceAuthorizationPoolingJob)

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # instantiating the subclass does not warn again
        job = CustomJob(FakeClient(), "dc")
    assert type(job) is CustomJob
    assert isinstance(job, DeviceAuthorizationPoolingJob)
    job.authorization_pending()  # zero-argument super() works in the subclass
    assert job.token_kwargs == {"pending_seen": True}


def test_subclassing_an_alias_with_attrs() -> None:
    with pytest.warns(DeprecationWarning, match="BaseTokenEndpointPoolingJob has been renamed"):

        @define
        class MyJob(BaseTokenEndpointPoolingJob):
            def token_request(self) -> Any:
                return TOKEN

    job = MyJob(None, {}, {}, 5, 0)  # type: ignore[arg-type]
    assert isinstance(job, BaseTokenEndpointPollingJob)
    assert issubclass(MyJob, BaseTokenEndpointPoolingJob)


def test_readme_device_flow_with_the_old_name(monkeypatch: pytest.MonkeyPatch) -> None:
    """The 1.7 usage shown in the README keeps working (with a DeprecationWarning)."""
    sleeps: list[float] = []
    monkeypatch.setattr(polling.time, "sleep", sleeps.append)
    client = FakeClient(
        AuthorizationPending(requests.Response(), None, "authorization_pending"),
        SlowDown(requests.Response(), None, "slow_down"),
        TOKEN,
    )
    with freeze_time("2024-05-01 12:00:00"):
        da_resp = DeviceAuthorizationResponse("dc", "uc", "https://as/device", expires_in=300, interval=4)
        with pytest.warns(DeprecationWarning, match="DeviceAuthorizationPoolingJob has been renamed"):
            pool_job = DeviceAuthorizationPoolingJob(client, da_resp)
        resp = None
        while resp is None:
            resp = pool_job()
    assert resp is TOKEN
    assert sleeps == [4, 4, 9]


def test_readme_ciba_flow_with_the_old_name(monkeypatch: pytest.MonkeyPatch) -> None:
    sleeps: list[float] = []
    monkeypatch.setattr(polling.time, "sleep", sleeps.append)
    client = FakeClient(AuthorizationPending(requests.Response(), None, "authorization_pending"), TOKEN)
    ba_resp = BackChannelAuthenticationResponse("req", interval=1)
    with pytest.warns(DeprecationWarning, match="BackChannelAuthenticationPoolingJob has been renamed"):
        pool_job = BackChannelAuthenticationPoolingJob(client, ba_resp)
    resp = None
    while resp is None:
        resp = pool_job()
    assert resp is TOKEN
    assert sleeps == [1, 1]


def test_old_names_are_not_defined_in_the_new_modules() -> None:
    # The 1.7 module paths still resolve (with a warning, see below), but the new modules neither define nor
    # export the old names.
    device_authorization = importlib.import_module("requests_oauth2client.device_authorization")
    backchannel_authentication = importlib.import_module("requests_oauth2client.backchannel_authentication")
    assert "DeviceAuthorizationPoolingJob" not in vars(device_authorization)
    assert "DeviceAuthorizationPoolingJob" not in device_authorization.__all__
    assert "BackChannelAuthenticationPoolingJob" not in vars(backchannel_authentication)
    assert "BackChannelAuthenticationPoolingJob" not in backchannel_authentication.__all__
    assert not hasattr(polling, "BaseTokenEndpointPoolingJob")  # 1.7 had it in `pooling`, which still exists


MOVED_PATHS = [
    ("tokens", "BearerTokenSerializer", "deprecated"),
    ("authorization_request", "AuthorizationRequestSerializer", "serializers"),
    ("device_authorization", "DeviceAuthorizationPoolingJob", "deprecated"),
    ("backchannel_authentication", "BackChannelAuthenticationPoolingJob", "deprecated"),
]


@pytest.mark.parametrize(("old_module", "name", "current_module"), MOVED_PATHS)
def test_the_1_7_module_paths_resolve_with_a_deprecation_warning(
    old_module: str, name: str, current_module: str
) -> None:
    old = importlib.import_module(f"requests_oauth2client.{old_module}")
    current = importlib.import_module(f"requests_oauth2client.{current_module}")
    with pytest.warns(
        DeprecationWarning, match=rf"`requests_oauth2client\.{old_module}\.{name}` .* version 1\.7"
    ) as record:
        value = getattr(old, name)
    assert value is getattr(current, name)
    assert record[0].filename == __file__  # the warning points at the code that uses the old path
    with pytest.warns(DeprecationWarning, match=f"import {name} from `requests_oauth2client.{current_module}`"):
        exec(f"from requests_oauth2client.{old_module} import {name}", {})  # noqa: S102 - the 1.7 import statement
    with pytest.raises(AttributeError, match="no attribute 'NoSuchName'"):
        old.NoSuchName  # noqa: B018


def test_the_1_7_serializer_paths_work_as_in_1_7() -> None:
    from requests_oauth2client import AuthorizationRequest, BearerToken

    with pytest.warns(DeprecationWarning):
        from requests_oauth2client.authorization_request import AuthorizationRequestSerializer
        from requests_oauth2client.tokens import BearerTokenSerializer
    with pytest.warns(DeprecationWarning):
        token_serializer = BearerTokenSerializer()
    token = BearerToken("at", expires_in=60)
    assert token_serializer.loads(token_serializer.dumps(token)).access_token == "at"
    request = AuthorizationRequest("https://as.example.com/authorize", client_id="c", redirect_uri="https://rp/cb")
    request_serializer = AuthorizationRequestSerializer()
    assert request_serializer.loads(request_serializer.dumps(request)) == request


@pytest.mark.parametrize("old_name", [name for name, *_ in ALIASES])
def test_old_names_are_importable_from_the_root(old_name: str) -> None:
    root = importlib.import_module("requests_oauth2client")
    assert getattr(root, old_name) is getattr(deprecated, old_name)


def test_polling_expiry_still_applies_through_an_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(polling.time, "sleep", lambda seconds: None)
    with freeze_time("2024-05-01 12:00:00") as frozen:
        da_resp = DeviceAuthorizationResponse("dc", "uc", "https://as/device", expires_in=10)
        with pytest.warns(DeprecationWarning, match="DeviceAuthorizationPoolingJob has been renamed"):
            job = DeviceAuthorizationPoolingJob(FakeClient(), da_resp)
        frozen.tick(timedelta(seconds=11))
        with pytest.raises(polling.PollingExpired):
            job()


def test_the_1_7_module_paths_still_import() -> None:
    """Code written for 1.7 imports these from their 1.7 modules."""
    from requests_oauth2client import enums, exceptions, pooling, tokens

    assert pooling.BaseTokenEndpointPoolingJob is BaseTokenEndpointPoolingJob
    assert issubclass(BaseTokenEndpointPollingJob, pooling.BaseTokenEndpointPoolingJob)
    assert tokens.TokenType is enums.TokenType
    assert tokens.AccessTokenTypes is enums.AccessTokenTypes
    # in `tokens`, 1.7's UnsupportedTokenType is the error for a bad token_type (not the revocation error)
    assert tokens.UnsupportedTokenType is exceptions.UnsupportedTokenTypeError
    with pytest.raises(tokens.UnsupportedTokenType) as exc_info:
        tokens.BearerToken("x", token_type="bar")
    assert exc_info.value.token_type == "bar"
