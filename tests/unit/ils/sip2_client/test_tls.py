"""TLS: the server's certificate is verified (against ca_file or the system's CAs) unless
the config explicitly says not to; a failed check is IlsUnreachable naming it."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from unit.ils.sip2_client.fake_acs import FakeAcs

from kiosk.core.ports import IlsUnreachable
from kiosk.ils.sip2.connection import Sip2Connection, Sip2Options

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-keyout", str(key), "-out", str(cert), "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


@pytest.fixture
def tls_acs(certificate: tuple[Path, Path]) -> Iterator[FakeAcs]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*certificate)
    server = FakeAcs(tls=context)
    yield server
    server.close()


def connect(server: FakeAcs, **options: object) -> Sip2Connection:
    return Sip2Connection(
        Sip2Options(
            server.host,
            server.port,
            user="kiosk",
            password="pw",
            tls=True,
            keepalive=0.0,
            **options,
        )
    )


def test_untrusted_certificate_is_refused(tls_acs: FakeAcs) -> None:
    connection = connect(tls_acs)
    with pytest.raises(IlsUnreachable, match="TLS certificate not trusted"):
        connection.connect()
    assert tls_acs.received == []  # the login (and its password) never went out


def test_certificate_signed_by_ca_file_is_trusted(
    tls_acs: FakeAcs, certificate: tuple[Path, Path]
) -> None:
    connection = connect(tls_acs, ca_file=str(certificate[0]))
    assert connection.connect().code == "98"
    assert tls_acs.codes() == ["93", "99"]
    connection.close()


def test_verification_off_only_when_asked(tls_acs: FakeAcs) -> None:
    connection = connect(tls_acs, tls_verify=False)
    assert connection.connect().code == "98"
    connection.close()


def test_plain_client_against_tls_server_fails_cleanly(
    certificate: tuple[Path, Path], tls_acs: FakeAcs
) -> None:
    plain = Sip2Connection(
        Sip2Options(
            tls_acs.host, tls_acs.port, user="kiosk", password="pw", timeout=1.0, keepalive=0.0
        )
    )
    with pytest.raises(IlsUnreachable):
        plain.connect()
