"""Our SIP2 server: the socket side of an ACS any self-check machine can talk to.

Wire format (3M SIP2 2.00): one message per frame, ``<code><fixed fields><variable
fields>`` and a terminator. The server reads frames ending in CR or CRLF (the codec's
:class:`~kiosk.ils.sip2.codec.FrameReader`; a message split across reads or glued to the
next is fine) and answers each with one frame ending in CR::

    >>> 9300CNkiosk|COkiosk-demo|CPLOBBY|AY0AZF2B1<CR>
    <<< 941AY0AZFDFD<CR>
    >>> 9900302.00AY1AZFCA5<CR>
    <<< 98YYYYNY10000320261121    0726112.00AO3171|AMPerpustakaan Kota (demo)|BX...|AY1AZ....<CR>

Error detection: a request that ends in ``AY<n>AZ<xxxx>`` is answered with the same
sequence number and a checksum; one with ``AY<n>`` alone with ``AY<n>``; one with
neither with neither. A request whose checksum is wrong, or that is not SIP2 at all, is
answered ``96`` (please resend; ``96AZFEF6`` when it carried a checksum). ``97`` (and a
``96`` sent by the machine, which has no meaning coming from it) is answered with the
last reply again, byte for byte; before any reply, with ``96``.

What it answers: 93 login (required before anything but 99: any other message before a
successful login closes the connection, as Evergreen does; 3 failed logins close it; each
failed one is answered only after ``failed_login_delay`` seconds, that connection's thread
sleeping, so guessing by reconnecting gains nothing; a connection not logged in within
``login_timeout`` seconds is closed, so silent ones cannot hold every slot),
99 status, 23 patron status, 63 patron information, 17 item information, 11 check-out,
09 check-in, 29 renew, 65 renew all, 15 hold (refused with the library's own words when
it places none), 35 end session; the answers are :mod:`kiosk.ils.sip2.server.acs`'s.
Messages it does not support (01 block patron, 19, 25, 37) are logged and not answered.

One thread per connection, at most ``max_connections`` at once (more are closed at
once, logged; the slots are shared by every client); a connection idle for
``idle_timeout`` seconds is closed. TLS is optional
(a certificate and key file). Each problem is one technician line in the log, the
request's first bytes masked (:func:`kiosk.ils.sip2.codec.masked`: no PIN or password,
cards by their last 4 digits); never a traceback, and a bad client never stops the
server. A library that fails (its database is down) closes that connection: the machine
sees the drop at once rather than waiting for its timeout. Lines a client can repeat at
will (failed logins, connections closed for them or for not logging in) are throttled:
the first at once, then one line a minute with their count (:mod:`.guard`).

Quirks handled: CRLF from some machines; blank no-block due dates; a 97 before any reply.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kiosk.core.ports import IlsUnavailable
from kiosk.ils.sip2.codec import (
    ChecksumMismatch,
    FrameReader,
    Message,
    Sip2ProtocolError,
    checksum,
    decode,
    encode,
    masked,
    request,
)
from kiosk.ils.sip2.server.acs import Acs
from kiosk.ils.sip2.server.guard import ThrottledLog
from kiosk.ils.sip2.server.library import Library

_log = logging.getLogger(__name__)
_CHECKSUM_END = re.compile(rb"AZ[0-9A-Fa-f]{4}$")
TERMINATOR = b"\r"
READ_SIZE = 4096
ACCEPT_POLL = 0.25
"""How often the accepting thread looks whether it should stop (seconds)."""
TLS_HANDSHAKE_TIMEOUT = 10.0


class ServerError(Exception):
    """The server cannot start. ``str()`` is one line for the technician."""


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """How the server listens.

    Attributes:
        host: address to listen on (loopback by default: a technician opens it on purpose).
        port: TCP port; 0 takes any free one (the server tells which: :attr:`Sip2Server.port`).
        tls_cert, tls_key: PEM files; both or neither. With them every connection is TLS.
        encoding: how text goes on the wire (utf-8, cp850, latin-1, ...).
        idle_timeout: seconds without a byte after which a connection is closed.
        max_connections: connections served at once; more are closed on arrival.
        max_login_attempts: failed logins after which a connection is closed.
        login_timeout: seconds a connection has to log in (93) before it is closed.
        failed_login_delay: seconds before a failed login is answered.
    """

    host: str = "127.0.0.1"
    port: int = 6001
    tls_cert: Path | None = None
    tls_key: Path | None = None
    encoding: str = "utf-8"
    idle_timeout: float = 300.0
    max_connections: int = 16
    max_login_attempts: int = 3
    login_timeout: float = 15.0
    failed_login_delay: float = 1.0


class Sip2Server:
    """A running SIP2 server over a :class:`Library`. Use :meth:`start` and :meth:`stop`.

    Args:
        library: the library it serves.
        settings: where and how it listens.
        sleep: waits before a failed login is answered (injected in tests).
        monotonic: the clock of the throttled log lines (injected in tests).
    """

    def __init__(
        self,
        library: Library,
        settings: ServerSettings | None = None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._library = library
        self._settings = settings or ServerSettings()
        self._sleep = sleep
        self._throttled = ThrottledLog(_log, "SIP2 server: ", monotonic)
        self._acs = Acs(library)
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._connections: dict[int, socket.socket] = {}
        self._threads: list[threading.Thread] = []
        self._listener: socket.socket | None = None
        self._tls: ssl.SSLContext | None = None
        self._address: tuple[str, int] = (self._settings.host, self._settings.port)
        self._serial = 0

    @property
    def host(self) -> str:
        return self._address[0]

    @property
    def port(self) -> int:
        """The port it listens on (the actual one when asked for port 0)."""
        return self._address[1]

    @property
    def tls(self) -> bool:
        return self._tls is not None

    def start(self) -> None:
        """Listen and serve in background threads.

        Raises:
            ServerError: the port is taken, the address is wrong, or the TLS certificate
                or key cannot be used; one line says which.
        """
        settings = self._settings
        if (settings.tls_cert is None) != (settings.tls_key is None):
            raise ServerError("TLS needs both a certificate file and a key file")
        if settings.tls_cert is not None and settings.tls_key is not None:
            self._tls = _tls_context(settings.tls_cert, settings.tls_key)
        try:
            "".encode(settings.encoding)  # an unknown encoding fails here, not per message
        except LookupError as err:
            raise ServerError(f"unknown text encoding {settings.encoding!r}") from err
        where = f"{settings.host}:{settings.port}"
        try:
            listener = socket.create_server(
                (settings.host, settings.port), backlog=settings.max_connections
            )
        except OSError as err:
            reason = os.strerror(err.errno) if err.errno else str(err)
            hint = "choose another with --port" if _in_use(err) else "check --host"
            raise ServerError(f"cannot listen on {where} ({reason}); {hint}") from err
        listener.settimeout(ACCEPT_POLL)
        self._listener = listener
        host, port = listener.getsockname()[:2]
        self._address = (str(host), int(port))
        thread = threading.Thread(target=self._accept, name=f"sip2-server:{port}", daemon=True)
        self._threads.append(thread)
        thread.start()
        _log.info("SIP2 server listening on %s:%d%s", host, port, " (TLS)" if self._tls else "")

    def stop(self, timeout: float = 2.0) -> None:
        """Stop listening, close every connection, and wait for the threads (bounded)."""
        self._stopping.set()
        if self._listener is not None:
            with contextlib.suppress(OSError):
                self._listener.close()
        with self._lock:
            sockets = list(self._connections.values())
            threads = list(self._threads)
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
        deadline = time.monotonic() + timeout
        for thread in threads:
            if thread is not threading.current_thread():
                thread.join(max(0.0, deadline - time.monotonic()))
        self._throttled.flush()

    def __enter__(self) -> Sip2Server:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----- accepting ----------------------------------------------------------------------

    def _accept(self) -> None:
        assert self._listener is not None
        while not self._stopping.is_set():
            self._throttled.tick()  # every ACCEPT_POLL: a minute's summary is on time
            try:
                sock, peer = self._listener.accept()
            except TimeoutError:
                continue
            except OSError:
                if not self._stopping.is_set():
                    _log.error("SIP2 server: stopped accepting connections (listener closed)")
                return
            with self._lock:
                if len(self._connections) >= self._settings.max_connections:
                    full = True
                else:
                    full = False
                    self._serial += 1
                    key = self._serial
                    self._connections[key] = sock
                    self._threads = [t for t in self._threads if t.is_alive()]
            if full:
                self._throttled.note(
                    "connections refused",
                    f"connection from {_peer(peer)} refused: already "
                    f"{self._settings.max_connections} connections (the most allowed, shared "
                    "by every client); close idle self-check sessions or raise the limit",
                )
                with contextlib.suppress(OSError):
                    sock.close()
                continue
            thread = threading.Thread(
                target=self._serve, args=(key, sock, peer), name=f"sip2-conn-{key}", daemon=True
            )
            with self._lock:
                self._threads.append(thread)
            thread.start()

    def _serve(self, key: int, sock: socket.socket, peer: object) -> None:
        where = _peer(peer)
        try:
            if self._tls is not None:
                wrapped = self._handshake(key, sock, where)
                if wrapped is None:
                    return  # the plain socket is closed below
                sock = wrapped
            sock.settimeout(self._settings.idle_timeout)
            _Connection(self, sock, where).run()
        except Exception as err:  # a bug must not end the server or print a traceback
            _log.error("SIP2 server: connection from %s ended by an internal error: %s: %s",
                       where, type(err).__name__, err)  # fmt: skip
            _log.debug("SIP2 server: internal error", exc_info=True)
        finally:
            with self._lock:
                self._connections.pop(key, None)
            with contextlib.suppress(OSError):
                sock.close()

    def _handshake(self, key: int, sock: socket.socket, where: str) -> socket.socket | None:
        assert self._tls is not None
        sock.settimeout(TLS_HANDSHAKE_TIMEOUT)
        try:
            wrapped = self._tls.wrap_socket(sock, server_side=True)
        except (OSError, ssl.SSLError) as err:
            self._throttled.note(
                "failed TLS handshakes",
                f"TLS handshake with {where} failed ({_reason(err)}); is the machine set to "
                "use TLS?",
            )
            return None
        with self._lock:
            self._connections[key] = wrapped
        return wrapped


class _Connection:
    """One self-check machine's connection: its login state and last reply."""

    def __init__(self, server: Sip2Server, sock: socket.socket, where: str) -> None:
        self._server = server
        self._sock = sock
        self._where = where
        self._settings = server._settings
        self._acs = server._acs
        self._library = server._library
        self._logged_in = False
        self._failed_logins = 0
        self._last_reply: bytes | None = None

    def run(self) -> None:
        # Before login a connection is anyone's: DEBUG, so that a flood of them is not a
        # flood of lines (the throttled lines say what they did).
        _log.debug("SIP2 server: %s connected", self._where)
        reader = FrameReader()
        login_deadline = time.monotonic() + self._settings.login_timeout
        waiting_for_login = True
        while not self._server._stopping.is_set():
            if waiting_for_login:
                if self._logged_in:
                    waiting_for_login = False
                    self._sock.settimeout(self._settings.idle_timeout)
                else:
                    left = login_deadline - time.monotonic()
                    if left <= 0:
                        self._no_login()
                        return
                    self._sock.settimeout(min(left, self._settings.idle_timeout))
            try:
                data = self._sock.recv(READ_SIZE)
            except TimeoutError:
                if not self._logged_in and time.monotonic() >= login_deadline:
                    self._no_login()
                else:
                    _log.info("SIP2 server: %s idle for %.0f s; connection closed",
                              self._where, self._settings.idle_timeout)  # fmt: skip
                return
            except OSError:
                return
            if not data:
                break
            try:
                frames = reader.feed(data)
            except Sip2ProtocolError as err:
                self._warn(f"unreadable input ({err})")
                if not self._send(self._resend_request(False)):
                    return
                continue
            for frame in frames:
                if frame.strip() and not self._handle(frame):
                    return
        level = logging.INFO if self._logged_in else logging.DEBUG
        _log.log(level, "SIP2 server: %s disconnected", self._where)

    def _no_login(self) -> None:
        self._server._throttled.note(
            "connections closed for not logging in",
            f"{self._where} did not log in (93) within {self._settings.login_timeout:g} s; "
            "connection closed (a machine set to another user or not speaking SIP2?)",
        )

    def _handle(self, frame: bytes) -> bool:
        """Answer one frame; False closes the connection."""
        with_checksum = _CHECKSUM_END.search(frame) is not None
        try:
            message = decode(frame, encoding=self._settings.encoding, verify=True)
        except ChecksumMismatch:
            self._warn(f"bad checksum in {masked(frame, log_safe=True)}; asked to resend (96)")
            return self._send(self._resend_request(with_checksum))
        except Sip2ProtocolError as err:
            self._warn(f"not a SIP2 message ({err}); asked to resend (96)")
            return self._send(self._resend_request(with_checksum))
        code = message.code
        if code in ("97", "96"):
            return self._send(self._last_reply or self._resend_request(with_checksum))
        if code == "93":
            return self._login(message, with_checksum)
        if not self._logged_in and code != "99":
            self._warn(f"sent {code} before logging in (93); connection closed")
            return False
        if not self._acs.handles(code):
            self._warn(f"sent message {code}, which this server does not support; not answered")
            return True
        try:
            reply = self._acs.answer(message)
        except IlsUnavailable as err:
            self._warn(f"the library failed to answer {code} ({err}); connection closed")
            return False
        return self._reply(reply, with_checksum, message)

    def _login(self, message: Message, with_checksum: bool) -> bool:
        ok = self._library.verify_login(message.get("CN"), message.get("CO"), message.get("CP"))
        self._logged_in = self._logged_in or ok
        if ok:
            return self._reply(request("94", ok="1"), with_checksum, message)
        self._failed_logins += 1
        closing = self._failed_logins >= self._settings.max_login_attempts
        ending = f"; {self._failed_logins} failed, connection closed" if closing else ""
        self._server._throttled.note(
            "failed logins",
            f"{self._where} login refused for user {message.get('CN')!r} (wrong user or "
            f"password){ending}",
        )
        # Only this connection's thread waits: guesses cost time however many connections
        # they come over, and every other machine is served meanwhile.
        self._server._sleep(self._settings.failed_login_delay)
        sent = self._reply(request("94", ok="0"), with_checksum, message)
        return sent and not closing

    def _reply(self, reply: Message, with_checksum: bool, message: Message) -> bool:
        data = encode(
            reply,
            sequence=message.sequence,
            checksum=with_checksum,
            terminator=TERMINATOR,
            encoding=self._settings.encoding,
        )
        self._last_reply = data
        return self._send(data)

    @staticmethod
    def _resend_request(with_checksum: bool) -> bytes:
        if not with_checksum:
            return b"96" + TERMINATOR
        return b"96AZ" + checksum(b"96AZ").encode("ascii") + TERMINATOR

    def _send(self, data: bytes) -> bool:
        try:
            self._sock.sendall(data)
        except OSError:
            return False
        return True

    def _warn(self, what: str) -> None:
        if self._logged_in:
            _log.warning("SIP2 server: %s %s", self._where, what)
        else:  # anyone can send these, as often as they like
            self._server._throttled.note(
                "problems before login", f"{self._where} {what} (not logged in)"
            )


def _tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    try:
        context.load_cert_chain(certfile=str(cert), keyfile=str(key))
    except (OSError, ssl.SSLError) as err:
        raise ServerError(
            f"cannot use TLS certificate {cert} with key {key} ({_reason(err)}); "
            "give a PEM certificate and its matching private key"
        ) from err
    return context


def _reason(err: BaseException) -> str:
    if isinstance(err, ssl.SSLError) and err.reason:
        return str(err.reason)
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__


def _in_use(err: OSError) -> bool:
    return err.errno == errno.EADDRINUSE


def _peer(peer: object) -> str:
    if isinstance(peer, tuple) and len(peer) >= 2:
        return f"{peer[0]}:{peer[1]}"
    return str(peer)
