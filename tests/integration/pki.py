"""A throw-away X.509 PKI for the TLS instance of the test authorization server.

Node cannot mint certificates, so this module makes them with `cryptography` and writes them as PEM files that
the server (`HARNESS_TLS_*` environment variables, see `server.mjs`) and the tests (`requests`' `verify=` and
`cert=`) read. Keys are P-256 (fast to generate); everything lives one day.

    pki = make_test_pki(directory)
    requests.post(url, cert=pki.client_tls.pair, verify=pki.ca_file)
"""

from __future__ import annotations

import datetime
import ipaddress
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

ORGANIZATION = "requests_oauth2client tests"
VALIDITY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class CertFiles:
    """One certificate and its private key, as PEM files."""

    cert_file: Path
    key_file: Path
    subject_dn: str  # RFC 4514 string, e.g. "CN=client-tls,O=requests_oauth2client tests"

    @property
    def pair(self) -> tuple[str, str]:
        """`(cert, key)` paths, the form `requests` takes as `cert=`."""
        return str(self.cert_file), str(self.key_file)

    def der(self) -> bytes:
        """The certificate in DER form (what RFC 8705 `x5t#S256` thumbprints hash)."""
        return x509.load_pem_x509_certificate(self.cert_file.read_bytes()).public_bytes(serialization.Encoding.DER)


@dataclass(frozen=True)
class TestPki:
    """Files of the test PKI.

    - `ca_file`: the CA that issues the server certificate and the `tls_client_auth` client certificates; give it
      to `requests` as `verify=`.
    - `server`: certificate for `127.0.0.1` (IP SAN) and `localhost`.
    - `client_tls`: CA-issued, with the subject DN `client-tls` is registered with (`tls_client_auth`).
    - `client_other`: CA-issued, another subject DN (refused by `client-tls`, unregistered anywhere).
    - `client_self_signed`: self-signed, registered in the JWKS of `client-self-signed-tls`.
    - `rogue`: self-signed with the same subject DN as `client_tls` (not issued by the CA: refused).
    """

    __test__ = False  # not a pytest test class

    directory: Path
    ca_file: Path
    server: CertFiles
    client_tls: CertFiles
    client_other: CertFiles
    client_self_signed: CertFiles
    rogue: CertFiles

    def server_env(self) -> dict[str, str]:
        """The environment variables that make `tests/server/server.mjs` a TLS instance with these certificates."""
        return {
            "HARNESS_TLS_CERT": str(self.server.cert_file),
            "HARNESS_TLS_KEY": str(self.server.key_file),
            "HARNESS_TLS_CA": str(self.ca_file),
            "HARNESS_TLS_SELF_SIGNED_CLIENT_CERT": str(self.client_self_signed.cert_file),
            "HARNESS_TLS_CLIENT_SUBJECT_DN": self.client_tls.subject_dn,
        }


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANIZATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _write_key(key: ec.EllipticCurvePrivateKey, path: Path) -> None:
    path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    path.chmod(0o600)


def _issue(
    *,
    subject: x509.Name,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    issuer_key: ec.EllipticCurvePrivateKey,
    ca: bool = False,
    server: bool = False,
) -> x509.Certificate:
    now = datetime.datetime.now(datetime.timezone.utc)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALIDITY)
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if ca:
        builder = builder.add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    else:
        usage = ExtendedKeyUsageOID.SERVER_AUTH if server else ExtendedKeyUsageOID.CLIENT_AUTH
        builder = builder.add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
    if issuer_key is not key:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.IPAddress(ipaddress.IPv4Address("127.0.0.1")),
                    x509.DNSName("localhost"),
                ]
            ),
            critical=False,
        )
    return builder.sign(issuer_key, hashes.SHA256())


def _save(directory: Path, stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> CertFiles:
    cert_file = directory / f"{stem}.pem"
    key_file = directory / f"{stem}.key"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    _write_key(key, key_file)
    return CertFiles(cert_file=cert_file, key_file=key_file, subject_dn=cert.subject.rfc4514_string())


def make_test_pki(directory: Path) -> TestPki:
    """Create a CA, a server certificate for 127.0.0.1 and the client certificates under `directory`."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = _name("requests_oauth2client test CA")
    ca_cert = _issue(subject=ca_name, key=ca_key, issuer=ca_name, issuer_key=ca_key, ca=True)
    ca_file = directory / "ca.pem"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))

    def ca_issued(stem: str, common_name: str, *, server: bool = False) -> CertFiles:
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _issue(subject=_name(common_name), key=key, issuer=ca_name, issuer_key=ca_key, server=server)
        return _save(directory, stem, cert, key)

    def self_signed(stem: str, common_name: str) -> CertFiles:
        key = ec.generate_private_key(ec.SECP256R1())
        name = _name(common_name)
        return _save(directory, stem, _issue(subject=name, key=key, issuer=name, issuer_key=key), key)

    return TestPki(
        directory=directory,
        ca_file=ca_file,
        server=ca_issued("server", "127.0.0.1", server=True),
        client_tls=ca_issued("client-tls", "client-tls"),
        client_other=ca_issued("client-other", "client-other"),
        client_self_signed=self_signed("client-self-signed-tls", "client-self-signed-tls"),
        rogue=self_signed("rogue", "client-tls"),
    )
