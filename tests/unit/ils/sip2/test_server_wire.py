"""Our SIP2 server on the wire: login, checksums, resends, CRLF, garbage, dropped and idle
connections, the connection limit, TLS, and logs that never hold a PIN or password."""

from __future__ import annotations

import logging
import shutil
import socket
import ssl
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from unit.ils.sip2.server_support import (
    Client,
    checkout,
    login,
    patron_status,
    served,
    status,
)

from kiosk.ils.local import demo_data as demo
from kiosk.ils.sip2 import FrameReader, checksum, decode, encode
from kiosk.ils.sip2.server import DEMO_PASSWORD, ServerError, start_demo_server
from kiosk.ils.sip2.server.listener import ServerSettings, Sip2Server


def test_nothing_but_status_before_login(tmp_path: Path) -> None:
    with served(tmp_path) as running:
        client = running.connect()
        assert client.ask(status()).code == "98"  # allowed before login
        client.send(encode(patron_status(demo.SUTRISNO.barcode, "1234"), sequence=2))
        assert client.closed()
        again = running.connect()  # the server goes on serving
        assert again.login().fixed["ok"] == "1"
        assert again.ask(patron_status(demo.SUTRISNO.barcode, "1234")).get("CQ") == "Y"


def test_a_wrong_login_is_refused_and_three_close_the_connection(tmp_path: Path) -> None:
    with served(tmp_path) as running:
        client = running.connect()
        assert client.login(password="guess").fixed["ok"] == "0"
        client.send(encode(checkout(demo.SUTRISNO.barcode, demo.AVAILABLE.barcode), sequence=5))
        assert client.closed()  # still not logged in
        client = running.connect()
        assert client.login(password="one").fixed["ok"] == "0"
        assert client.login(password="two").fixed["ok"] == "0"
        assert client.login(password="three").fixed["ok"] == "0"
        assert client.closed()
        assert not running.ils.item_status(demo.AVAILABLE.barcode).on_loan  # type: ignore[union-attr]


def test_a_bad_checksum_is_answered_96(tmp_path: Path) -> None:
    with served(tmp_path) as running:
        client = running.connect()
        client.login()
        good = encode(patron_status(demo.SUTRISNO.barcode, "1234"), sequence=3)
        client.send(good[:-5] + b"0000\r")
        assert client.raw() == b"96AZFEF6\r"
        client.send(b"2300020261121    090000AO3171|AA123|AC|AD|\r")  # no checksum: valid
        assert decode(client.frame()).code == "24"
        client.send(b"this is not SIP2\r")
        assert client.raw() == b"96\r"
        client.send(good)
        assert decode(client.frame()).get("CQ") == "Y"  # and it goes on


def test_97_resends_the_last_reply_byte_for_byte(tmp_path: Path) -> None:
    with served(tmp_path) as running:
        client = running.connect()
        client.send(b"97AZFEF5\r")
        assert client.raw() == b"96AZFEF6\r"  # nothing to resend yet: please resend yours
        client.send(encode(login(), sequence=1))
        client.raw()
        client.send(encode(patron_status(demo.SUTRISNO.barcode, "1234"), sequence=2))
        first = client.raw()
        client.send(b"97AZFEF5\r")
        assert client.raw() == first
        client.send(b"96\r")  # a 96 from the machine means nothing: the same again
        assert client.raw() == first


def test_crlf_and_no_error_detection(tmp_path: Path) -> None:
    with served(tmp_path) as running:
        client = running.connect()
        client.send(b"9300CNkiosk|CO" + DEMO_PASSWORD.encode() + b"|CPX|\r\n")
        assert client.raw() == b"941\r"  # no AY/AZ asked, none given; CR ends it
        reply = client.ask(status(), checksum=False, terminator=b"\r\n")
        assert reply.sequence is None
        client.send(encode(status(), sequence=4, checksum=False))
        raw = client.raw()
        assert raw.endswith(b"|AY4\r")  # AY alone is answered with AY alone
        client.send(encode(status(), sequence=7))
        raw = client.raw()
        assert raw[-10:-5] == b"AY7AZ" and raw[-5:-1] == checksum(raw[:-5]).encode()


def test_garbage_and_a_dropped_client_leave_others_served(tmp_path: Path) -> None:
    with served(tmp_path) as running:
        steady = running.connect()
        steady.login()
        vandal = running.connect()
        vandal.send(b"\x00\xff\xfe garbage \x1b[2J\r\x80\x81\r")
        answers = vandal.raw()
        if answers == b"96\r":  # the second may come in its own read
            answers += vandal.raw()
        assert answers == b"96\r96\r"  # one "please resend" per broken frame
        half = running.connect()
        half.send(encode(login(), sequence=1))
        half.frame()
        half.send(encode(checkout(demo.SUTRISNO.barcode, demo.AVAILABLE.barcode), sequence=2)[:20])
        half.sock.shutdown(socket.SHUT_RDWR)
        half.close()  # gone mid-message: nothing was lent
        vandal.close()
        reply = steady.ask(checkout(demo.SUTRISNO.barcode, demo.AVAILABLE.barcode))
        assert reply.fixed["ok"] == "1"


def test_an_oversized_frame_is_refused_and_the_connection_goes_on(tmp_path: Path) -> None:
    with served(tmp_path) as running:
        client = running.connect()
        client.login()
        client.send(b"23" + b"x" * 70_000)
        assert client.raw() == b"96\r"
        client.send(b"\r")
        assert client.ask(status()).code == "98"


def test_an_idle_connection_is_closed(tmp_path: Path) -> None:
    with served(tmp_path, idle_timeout=0.2) as running:
        client = running.connect()
        client.login()
        assert client.closed()
        assert running.connect().login().fixed["ok"] == "1"


def test_connections_beyond_the_limit_are_closed(tmp_path: Path) -> None:
    with served(tmp_path, max_connections=1) as running:
        first = running.connect()
        first.login()
        second = running.connect()
        assert second.closed()
        assert first.ask(status()).code == "98"
        first.close()
        for _ in range(100):  # the slot frees when the first connection's thread ends
            third = running.connect()
            third.send(encode(login(), sequence=1))
            try:
                if decode(third.frame()).fixed["ok"] == "1":
                    break
            except ConnectionError:
                continue
        else:
            pytest.fail("the freed connection slot was never reused")


def test_the_port_in_use_is_one_line(tmp_path: Path) -> None:
    with served(tmp_path) as running:
        library = running.server._library
        other = Sip2Server(library, ServerSettings(port=running.server.port))
        with pytest.raises(ServerError, match=r"cannot listen on 127\.0\.0\.1:\d+ .*--port"):
            other.start()


def test_logs_never_hold_a_pin_or_password(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    with served(tmp_path) as running:
        client = running.connect()
        client.login(password="Wrong-Secret-9")
        client.login()
        client.ask(patron_status(demo.SUTRISNO.barcode, "1234"))
        good = encode(patron_status(demo.SITI.barcode, "2468"), sequence=3)
        client.send(good[:-5] + b"0000\r")  # logged as a bad checksum, masked
        client.raw()
        client.send(b"2300020261121    090000AO3171|AA23171000000028|AC|AD2468\r")
        client.frame()
    text = caplog.text
    assert "bad checksum" in text
    for secret in ("Wrong-Secret-9", DEMO_PASSWORD, "|AD1234", "AD2468", demo.SITI.barcode):
        assert secret not in text


def _self_signed(folder: Path) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        pytest.skip("openssl is not installed")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
         "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    return cert, key


# A thread's traceback (a plain connection's failed handshake once raised one) fails it.
@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_tls(tmp_path: Path) -> None:
    cert, key = _self_signed(tmp_path)
    with served(tmp_path, tls_cert=cert, tls_key=key) as running:
        context = ssl.create_default_context(cafile=str(cert))
        context.check_hostname = False
        raw = socket.create_connection((running.server.host, running.server.port), 10)
        client = Client(context.wrap_socket(raw))
        assert client.login().fixed["ok"] == "1"
        assert client.ask(patron_status(demo.SUTRISNO.barcode, "1234")).get("AE") == "Sutrisno"
        plain = running.connect()  # a machine not set for TLS: refused, server unharmed
        plain.send(encode(login(), sequence=1))
        assert plain.closed()
        assert client.ask(status()).code == "98"


def test_bad_tls_files_are_one_line(tmp_path: Path) -> None:
    from kiosk.ils.local import LocalIls
    from kiosk.ils.sip2.server import LocalLibrary

    (tmp_path / "cert.pem").write_text("not a certificate")
    library = LocalLibrary(LocalIls.open(tmp_path / "demo.sqlite3"), name="Uji")
    settings = ServerSettings(port=0, tls_cert=tmp_path / "cert.pem", tls_key=tmp_path / "cert.pem")
    with pytest.raises(ServerError, match=r"cannot use TLS certificate .*cert\.pem"):
        Sip2Server(library, settings).start()


def test_start_demo_server_tells_its_port(tmp_path: Path) -> None:
    from kiosk.ils.local import LocalIls

    ils = LocalIls.open(tmp_path / "demo.sqlite3")
    server = start_demo_server(ils)
    try:
        assert server.host == "127.0.0.1" and server.port > 0
        sock = socket.create_connection((server.host, server.port), 10)
        sock.sendall(encode(login(), sequence=0))
        reader = FrameReader()
        frames: list[bytes] = []
        while not frames:
            frames = reader.feed(sock.recv(100))
        assert decode(frames[0]).fixed["ok"] == "1"
        sock.close()
    finally:
        server.stop()
        ils.close()


def test_a_failing_library_closes_only_that_connection(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import sqlite3

    from kiosk.ils.local import schema

    monkeypatch.setattr(schema, "LOCK_WAIT_MS", 100)  # a locked file fails at once
    with served(tmp_path) as running:
        client = running.connect()
        client.login()
        lock = sqlite3.connect(tmp_path / "demo-library.sqlite3", isolation_level=None)
        lock.execute("BEGIN EXCLUSIVE")  # another program holds the library's file
        try:
            client.send(encode(checkout(demo.SUTRISNO.barcode, demo.AVAILABLE.barcode), sequence=1))
            assert client.closed()  # the machine sees the drop at once
        finally:
            lock.execute("ROLLBACK")
            lock.close()
        line = next(r.getMessage() for r in caplog.records if "library failed" in r.getMessage())
        assert "\n" not in line and "Traceback" not in caplog.text
        again = running.connect()
        again.login()
        assert again.ask(checkout(demo.SUTRISNO.barcode, demo.AVAILABLE.barcode)).fixed["ok"] == "1"


@pytest.mark.filterwarnings("error::pytest.PytestUnhandledThreadExceptionWarning")
def test_arbitrary_bytes_never_stop_the_server(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    prefixes = st.sampled_from([b"", b"93", b"97", b"23", b"11", b"99", b"09", b"63"])
    chunk = st.tuples(prefixes, st.binary(max_size=200), st.sampled_from([b"", b"\r", b"\r\n"]))

    with served(tmp_path) as running:

        @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
        @given(st.lists(chunk, min_size=1, max_size=6))
        def feed(chunks: list[tuple[bytes, bytes, bytes]]) -> None:
            vandal = running.connect()
            try:
                vandal.send(encode(login(), sequence=0))
                for parts in chunks:
                    vandal.send(b"".join(parts))
            except OSError:
                pass  # the server may close on it (a message before login, 3 bad logins)
            vandal.close()
            fresh = running.connect()
            try:
                assert fresh.ask(status()).code == "98"
            finally:
                fresh.close()

        feed()
    assert not [r for r in caplog.records if "internal error" in r.getMessage()]
