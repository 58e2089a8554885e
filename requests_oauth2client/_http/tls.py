"""The TLS settings of a request: the CA bundle that verifies the server, and the client certificate.

`requests` lets the `REQUESTS_CA_BUNDLE` and `CURL_CA_BUNDLE` environment variables win over the `verify` of a
`Session` (psf/requests#3829): with one of them set, a CA bundle configured on the session is silently ignored, and
so is `session.verify = False`. `tls_kwargs()` gives the keyword arguments that make the session's own setting, and a
client certificate, apply to one request; the transport (`_http.transport`) and `ApiClient` pass them on every
request they send. A `verify=` or `cert=` given to a call wins over them.
"""

from __future__ import annotations

import os
from typing import Any, TypeAlias

import requests

__all__ = ["CertType", "as_cert", "tls_kwargs"]

CertType: TypeAlias = str | tuple[str, str]
"""A client certificate as `requests` takes it: a PEM file with the certificate and its key, or `(cert_file,
key_file)`."""


def as_cert(
    value: str | os.PathLike[str] | tuple[str | os.PathLike[str], str | os.PathLike[str]] | None,
) -> CertType | None:
    """Convert a client certificate setting to the form `requests` takes: file names as `str`, a pair as a tuple.

    Raises:
        TypeError: when the value is neither a file name nor a `(cert_file, key_file)` pair.
    """
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if isinstance(value, (tuple, list)) and len(value) == 2:
        cert_file, key_file = value
        if isinstance(cert_file, (str, os.PathLike)) and isinstance(key_file, (str, os.PathLike)):
            return os.fspath(cert_file), os.fspath(key_file)
    raise TypeError("a client certificate is a PEM file name, or a (cert_file, key_file) pair of file names")


def tls_kwargs(session: requests.Session, cert: CertType | None = None) -> dict[str, Any]:
    """Return the per-request `verify=` and `cert=` arguments that make a session's TLS settings apply.

    Args:
        session: the session that sends the request. Its `verify` is passed on when it is a CA bundle or `False`
            (an explicit choice, which the environment must not override); the default `True` is left to `requests`,
            so the environment's CA bundle applies then, as usual.
        cert: the client certificate to present, if any (else the session's `cert`, which `requests` uses anyway).

    Returns:
        the keyword arguments to add to `requests.Session.request()`.
    """
    kwargs: dict[str, Any] = {}
    verify = session.verify
    if verify is not True and verify is not None:
        kwargs["verify"] = verify
    if cert is not None:
        kwargs["cert"] = cert
    return kwargs
