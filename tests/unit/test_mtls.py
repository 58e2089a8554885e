from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st
from jwskate import Jwk, Jwt

from requests_oauth2client import (
    BearerToken,
    ClientSecretPost,
    PrivateKeyJwt,
    SelfSignedTlsClientAuth,
    TlsClientAuth,
)
from requests_oauth2client._http.tls import as_cert, tls_kwargs
from requests_oauth2client._jose.encoding import b64u
from requests_oauth2client.mtls import (
    ClientCertificateError,
    InvalidClientCertificate,
    MismatchingCertificateBinding,
    MissingClientCertificate,
    certificate_thumbprint,
    check_certificate_binding,
    client_certificate,
    uses_mtls_endpoint_aliases,
)
from tests.integration.pki import CertFiles, TestPki


def expected_thumbprint(files: CertFiles) -> str:
    return b64u(hashlib.sha256(files.der()).digest()).decode()


def session_with(cert: str | tuple[str, str] | None = None) -> requests.Session:
    session = requests.Session()
    session.cert = cert
    return session


# ----------------------------------------------------------------------------------------------- thumbprints


def test_thumbprint_of_a_certificate_file(pki: TestPki) -> None:
    thumbprint = expected_thumbprint(pki.client_tls)
    assert certificate_thumbprint(pki.client_tls.pair) == thumbprint
    assert certificate_thumbprint(str(pki.client_tls.cert_file)) == thumbprint
    assert certificate_thumbprint(pki.client_tls.cert_file.read_bytes()) == thumbprint
    assert certificate_thumbprint(pki.client_tls.der()) == thumbprint
    assert certificate_thumbprint(pki.client_other.pair) != thumbprint
    assert len(thumbprint) == 43  # base64url of 32 bytes, no padding


def test_thumbprint_of_a_file_holding_the_key_then_the_certificate(pki: TestPki, tmp_path: Path) -> None:
    combined = tmp_path / "combined.pem"
    combined.write_bytes(pki.client_tls.key_file.read_bytes() + pki.client_tls.cert_file.read_bytes())
    assert certificate_thumbprint(str(combined)) == expected_thumbprint(pki.client_tls)


def test_a_changed_certificate_file_is_read_again(pki: TestPki, tmp_path: Path) -> None:
    path = tmp_path / "client.pem"
    shutil.copy(pki.client_tls.cert_file, path)
    assert certificate_thumbprint(str(path)) == expected_thumbprint(pki.client_tls)
    shutil.copy(pki.client_other.cert_file, path)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))  # whatever the clock resolution
    assert certificate_thumbprint(str(path)) == expected_thumbprint(pki.client_other)


def test_unusable_certificates(pki: TestPki, tmp_path: Path) -> None:
    missing = str(tmp_path / "missing.pem")
    with pytest.raises(InvalidClientCertificate) as exc_info:
        certificate_thumbprint((missing, missing))
    assert missing in str(exc_info.value)
    assert exc_info.value.cert == (missing, missing)
    with pytest.raises(InvalidClientCertificate) as exc_info:
        certificate_thumbprint(str(pki.client_tls.key_file))  # a key, no certificate
    assert "BEGIN" not in str(exc_info.value)  # no key material
    assert isinstance(exc_info.value, ClientCertificateError)
    assert isinstance(exc_info.value, ValueError)
    with pytest.raises(InvalidClientCertificate):
        certificate_thumbprint(b"not a certificate")


# ------------------------------------------------------------------------------------------ client certificate


def test_client_certificate(pki: TestPki) -> None:
    mine, other = pki.client_tls.pair, pki.client_other.pair
    assert client_certificate(TlsClientAuth("c", cert=mine), session_with(other)) == mine  # the auth's wins
    assert client_certificate(TlsClientAuth("c"), session_with(other)) == other
    assert client_certificate(SelfSignedTlsClientAuth("c"), session_with(other)) == other
    assert client_certificate(ClientSecretPost("c", "s"), session_with(other)) == other
    assert client_certificate(ClientSecretPost("c", "s"), session_with()) is None
    for auth in (TlsClientAuth("c"), SelfSignedTlsClientAuth("c")):
        with pytest.raises(MissingClientCertificate) as exc_info:
            client_certificate(auth, session_with())
        assert auth.TOKEN_ENDPOINT_AUTH_METHOD in str(exc_info.value)


def test_uses_mtls_endpoint_aliases(pki: TestPki) -> None:
    private_key_jwt = PrivateKeyJwt("c", Jwk.generate(alg="ES256", kid="k"))
    assert uses_mtls_endpoint_aliases(TlsClientAuth("c", cert=pki.client_tls.pair), {})
    assert uses_mtls_endpoint_aliases(None, {"token_endpoint_auth_method": "self_signed_tls_client_auth"})
    assert uses_mtls_endpoint_aliases(private_key_jwt, {"tls_client_certificate_bound_access_tokens": True})
    assert uses_mtls_endpoint_aliases(private_key_jwt, {"session": session_with(pki.client_tls.pair)})
    assert not uses_mtls_endpoint_aliases(private_key_jwt, {"session": session_with()})
    assert not uses_mtls_endpoint_aliases(("c", "secret"), {"token_endpoint_auth_method": "client_secret_basic"})


# ---------------------------------------------------------------------------------------- token binding


def test_check_certificate_binding(pki: TestPki) -> None:
    thumbprint = expected_thumbprint(pki.client_tls)
    bound = BearerToken("secret-access-token", cnf={"x5t#S256": thumbprint})
    check_certificate_binding(bound, pki.client_tls.pair)  # the right certificate
    check_certificate_binding(BearerToken("unbound"), None)  # a binding that is not known: nothing to check
    check_certificate_binding(BearerToken("unbound"), pki.client_other.pair)
    with pytest.raises(MismatchingCertificateBinding) as exc_info:
        check_certificate_binding(bound, pki.client_other.pair)
    error = exc_info.value
    assert (error.expected, error.received, error.token) == (
        thumbprint,
        expected_thumbprint(pki.client_other),
        bound,
    )
    assert "secret-access-token" not in str(error)
    assert "RFC 8705" in str(error)
    with pytest.raises(MissingClientCertificate) as missing_info:
        check_certificate_binding(bound, None)
    assert thumbprint in str(missing_info.value)
    assert "secret-access-token" not in str(missing_info.value)


# --------------------------------------------------------------------------------- TLS settings of a request


def test_tls_kwargs() -> None:
    session = requests.Session()
    assert tls_kwargs(session) == {}  # the default: requests (and the environment) decide
    session.verify = "/etc/ca.pem"
    assert tls_kwargs(session) == {"verify": "/etc/ca.pem"}
    session.verify = False
    assert tls_kwargs(session, ("c.pem", "k.pem")) == {"verify": False, "cert": ("c.pem", "k.pem")}


def test_as_cert(tmp_path: Path) -> None:
    assert as_cert(None) is None
    assert as_cert("c.pem") == "c.pem"
    assert as_cert(tmp_path / "c.pem") == str(tmp_path / "c.pem")
    assert as_cert(["c.pem", tmp_path / "k.pem"]) == ("c.pem", str(tmp_path / "k.pem"))
    for wrong in (42, ("c.pem",), ("c.pem", "k.pem", "x"), (b"c", b"k")):
        with pytest.raises(TypeError):
            as_cert(wrong)  # type: ignore[arg-type]


@given(
    st.one_of(
        st.none(), st.text(), st.binary(), st.integers(), st.lists(st.text()), st.dictionaries(st.text(), st.text())
    )
)
def test_x5t_s256_of_any_server_value(cnf: object) -> None:
    """A `cnf` of any shape reads as a thumbprint or None; it never raises."""
    token = BearerToken("at", cnf=cnf)
    value = token.x5t_s256
    assert value is None or isinstance(value, str)


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), min_size=1))
def test_x5t_s256_of_any_access_token(access_token: str) -> None:
    """Whatever the access token (a JWT or not), reading its binding never raises."""
    value = BearerToken(access_token).x5t_s256
    assert value is None or isinstance(value, str)


def test_x5t_s256_of_a_jwt_access_token(pki: TestPki) -> None:
    key = Jwk.generate(alg="ES256", kid="as")
    thumbprint = expected_thumbprint(pki.client_tls)
    jwt = str(Jwt.sign({"sub": "s", "cnf": {"x5t#S256": thumbprint}}, key))
    assert BearerToken(jwt).x5t_s256 == thumbprint
    assert BearerToken(str(Jwt.sign({"sub": "s", "cnf": {"jkt": "x"}}, key))).x5t_s256 is None
    assert BearerToken(str(Jwt.sign({"sub": "s", "cnf": "x"}, key))).x5t_s256 is None
    # a `cnf` recorded in the token wins over the claim
    assert BearerToken(jwt, cnf={"x5t#S256": "other"}).x5t_s256 == "other"
