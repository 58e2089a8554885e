"""The errors of mutual TLS (RFC 8705): a client certificate is missing, unreadable, or not the one a token is bound to.

Private module: every name is re-exported by [requests_oauth2client.exceptions][] and [requests_oauth2client.mtls][].
Certificate thumbprints and file names are not secrets and appear in messages; key material never does.
"""

from __future__ import annotations

from typing import Any

from requests_oauth2client._errors.params import InvalidParam

__all__ = [
    "ClientCertificateError",
    "InvalidClientCertificate",
    "MismatchingCertificateBinding",
    "MissingClientCertificate",
]


class ClientCertificateError(InvalidParam):
    """Base class of the errors about the client certificate of mutual TLS (RFC 8705)."""


class MissingClientCertificate(ClientCertificateError):
    """A client certificate is needed and none is configured.

    Raised before anything is sent: by a client that authenticates with `tls_client_auth` or
    `self_signed_tls_client_auth`, or asks for certificate-bound tokens, without a certificate (neither the `cert`
    of its client authentication nor the `cert` of its session); or when a token bound to a certificate is about to
    be used without one.

    Args:
        reason: what needs the certificate.
    """

    def __init__(self, reason: str) -> None:
        super().__init__(
            f"A client certificate is required ({reason}), and none is configured: give the certificate and its key "
            "as `cert=` to the client authentication (`TlsClientAuth(client_id, cert=(cert_file, key_file))`) or to "
            "the session (`session.cert = (cert_file, key_file)`)."
        )
        self.reason = reason


class InvalidClientCertificate(ClientCertificateError):
    """A client certificate cannot be read: the file is missing, or holds no PEM certificate.

    Args:
        cert: the certificate as configured (a file name, or a `(cert_file, key_file)` pair).
        reason: what is wrong with it.
    """

    def __init__(self, cert: Any, reason: str) -> None:
        super().__init__(f"The client certificate {cert!r} is not usable: {reason}.")
        self.cert = cert
        self.reason = reason


class MismatchingCertificateBinding(ClientCertificateError):
    """An access token is bound to another certificate than the configured one (RFC 8705 §3).

    A resource server would refuse it; it is not sent. The token (its value never appears in the message) is in
    `token`.

    Args:
        expected: the `x5t#S256` thumbprint the token is bound to.
        received: the `x5t#S256` thumbprint of the configured certificate.
        token: the access token.
    """

    def __init__(self, expected: str, received: str, token: Any) -> None:
        super().__init__(
            f"The access token is bound to the certificate with x5t#S256 '{expected}', but the configured client "
            f"certificate has x5t#S256 '{received}' (RFC 8705 §3): use the certificate the token was issued for, or "
            "obtain a new token with this certificate."
        )
        self.expected = expected
        self.received = received
        self.token = token
