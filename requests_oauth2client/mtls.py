"""Mutual TLS (RFC 8705): the client certificate, its thumbprint, and certificate-bound access tokens.

A client authenticates with its certificate (`TlsClientAuth`, `SelfSignedTlsClientAuth` in
[requests_oauth2client.client_authentication][]), and the Authorization Server may bind the access tokens it issues to
that certificate (RFC 8705 §3): a resource server then accepts such a token only over a TLS connection where the
client presented the same certificate. This module holds what the rest of the library uses for that:

- `client_certificate()`: the certificate a client presents to the AS (that of its TLS client authentication, else
  that of its session);
- `certificate_thumbprint()`: the `x5t#S256` of a certificate (base64url SHA-256 of its DER form, RFC 8705 §3.1);
- `check_certificate_binding()`: refuses, before it is sent, a token bound to another certificate than the one
  configured (`BearerToken.x5t_s256` is what the token records of its binding).

Example:
    ```python
    from requests_oauth2client import ApiClient, OAuth2Client, OAuth2ClientCredentialsAuth, TlsClientAuth

    session = requests.Session()
    session.verify = "ca.pem"  # applied to every request, whatever REQUESTS_CA_BUNDLE says
    client = OAuth2Client.from_discovery_endpoint(
        issuer="https://as.example",
        auth=TlsClientAuth("client_id", cert=("client.pem", "client.key")),
        session=session,
    )  # its endpoints are the `mtls_endpoint_aliases` of the AS
    api = ApiClient("https://api.example", auth=OAuth2ClientCredentialsAuth(client), session=session)
    api.get("resource")  # sent with the same certificate
    ```
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import requests
from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding

from requests_oauth2client._errors.mtls import (
    ClientCertificateError,
    InvalidClientCertificate,
    MismatchingCertificateBinding,
    MissingClientCertificate,
)
from requests_oauth2client._http.tls import CertType
from requests_oauth2client._jose.encoding import b64u
from requests_oauth2client.client_authentication import SelfSignedTlsClientAuth, TlsClientAuth
from requests_oauth2client.tokens import BearerToken

__all__ = [
    "CertType",
    "ClientCertificateError",
    "InvalidClientCertificate",
    "MismatchingCertificateBinding",
    "MissingClientCertificate",
    "certificate_thumbprint",
    "check_certificate_binding",
    "client_certificate",
    "uses_mtls_endpoint_aliases",
]

_TLS_METHODS = frozenset({TlsClientAuth.TOKEN_ENDPOINT_AUTH_METHOD, SelfSignedTlsClientAuth.TOKEN_ENDPOINT_AUTH_METHOD})


def client_certificate(auth: requests.auth.AuthBase, session: requests.Session) -> CertType | None:
    """Return the client certificate that a client presents to the Authorization Server.

    The `cert` of its `TlsClientAuth` (or `SelfSignedTlsClientAuth`) when it has one, else the `cert` of its
    session, else None.

    Args:
        auth: the client authentication.
        session: the session of the client.

    Raises:
        MissingClientCertificate: when the client authenticates with a certificate and has none.
    """
    if isinstance(auth, TlsClientAuth) and auth.cert is not None:
        return auth.cert
    cert = session.cert or None
    if cert is None and isinstance(auth, TlsClientAuth):
        raise MissingClientCertificate(f"client authentication `{auth.TOKEN_ENDPOINT_AUTH_METHOD}`")
    return cert


def uses_mtls_endpoint_aliases(auth: object, settings: Mapping[str, Any]) -> bool:
    """Tell whether a client with this authentication and these settings uses the `mtls_endpoint_aliases` of the AS.

    RFC 8705 §5: it does when it authenticates with a certificate (`TlsClientAuth`, `SelfSignedTlsClientAuth`, or
    their `token_endpoint_auth_method`), asks for certificate-bound tokens
    (`tls_client_certificate_bound_access_tokens`), or when its `session` carries a client certificate.

    Args:
        auth: the client authentication (as given to `OAuth2Client`).
        settings: the other keyword arguments of `OAuth2Client`.
    """
    session = settings.get("session")
    return (
        isinstance(auth, TlsClientAuth)
        or settings.get("token_endpoint_auth_method") in _TLS_METHODS
        or settings.get("tls_client_certificate_bound_access_tokens") is True
        or (isinstance(session, requests.Session) and bool(session.cert))
    )


def certificate_thumbprint(cert: CertType | bytes) -> str:
    """Return the `x5t#S256` thumbprint of a certificate: base64url of the SHA-256 of its DER form (RFC 8705 §3.1).

    Args:
        cert: the certificate, as `requests` takes it (a PEM file, or a `(cert_file, key_file)` pair: the first
            certificate of the file is the client's), or the certificate itself in PEM or DER form.

    Raises:
        InvalidClientCertificate: when the file cannot be read or holds no certificate.

    Example:
        >>> certificate_thumbprint(("client.pem", "client.key"))  # doctest: +SKIP
        'A4DtL2JmUMhAsvJj5tKyn64SqzmuXbMrJa0n761y5v0'
    """
    if isinstance(cert, bytes):
        return _thumbprint_of(cert, cert)
    path = cert[0] if isinstance(cert, tuple) else cert
    try:
        stat = os.stat(path)
    except OSError as exc:
        raise InvalidClientCertificate(cert, f"the file {path!r} cannot be read ({exc.strerror})") from None
    # a certificate file is read once per version of it (its modification time and size)
    return _file_thumbprint(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=32)
def _file_thumbprint(path: str, _mtime_ns: int, _size: int) -> str:
    try:
        with open(path, "rb") as file:
            content = file.read()
    except OSError as exc:
        raise InvalidClientCertificate(path, f"the file cannot be read ({exc.strerror})") from None
    return _thumbprint_of(content, path)


def _thumbprint_of(content: bytes, source: object) -> str:
    """The thumbprint of the first certificate of PEM `content` (which may also hold a key or a chain), or of DER."""
    try:
        if b"-----BEGIN" in content:
            certificate = x509.load_pem_x509_certificate(content)
        else:
            certificate = x509.load_der_x509_certificate(content)
    except ValueError:
        raise InvalidClientCertificate(source, "it holds no X.509 certificate in PEM or DER form") from None
    return b64u(hashlib.sha256(certificate.public_bytes(Encoding.DER)).digest()).decode("ascii")


def check_certificate_binding(token: BearerToken, cert: CertType | None) -> None:
    """Refuse to use a token bound to another certificate than `cert` (RFC 8705 §3), before it is sent.

    A token whose binding is unknown (`token.x5t_s256` is None) passes.

    Args:
        token: the access token about to be used.
        cert: the client certificate the request will present, if any.

    Raises:
        MissingClientCertificate: when the token is bound to a certificate and `cert` is None.
        MismatchingCertificateBinding: when the token is bound to another certificate.
        InvalidClientCertificate: when `cert` cannot be read.
    """
    expected = token.x5t_s256
    if expected is None:
        return
    if cert is None:
        raise MissingClientCertificate(f"the access token is bound to the certificate with x5t#S256 '{expected}'")
    received = certificate_thumbprint(cert)
    if received != expected:
        raise MismatchingCertificateBinding(expected, received, token)
