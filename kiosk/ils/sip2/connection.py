"""One SIP2 connection from this kiosk to the library's ACS: socket, TLS, login, retries.

Wire format (the codec, :mod:`kiosk.ils.sip2.codec`, writes and reads each message)::

    request  = code fixed-fields {field-code value "|"} [AY<n> AZ<xxxx>] CR
    reply    = the same shape; the reply code is the request's + 1 (11 -> 12, 99 -> 98)
    resend   = "97" [AZ<xxxx>] CR  (kiosk: send your last reply again)
               "96" [AZ<xxxx>] CR  (ACS: send your last request again)

With checksums on, every request carries ``AY`` (a sequence number 0-9, counting up) and
``AZ`` (the checksum over the bytes up to and including ``AZ``), and the ACS answers with
the same ``AY``.

The life of the connection: connect (TCP, then TLS when configured) -> login (93/94;
refused -> :class:`~kiosk.core.ports.IlsUnreachable` naming it) -> status (99/98). Requests
then go one at a time under one lock (the ILS worker and the reconciler share the
connection; a call waits its turn). A small daemon thread sends a status request (99) when
the connection has been idle for ``keepalive`` seconds, before the server's idle timeout
closes it (Koha's ``client_timeout``, Evergreen's ``timeout``; typically 60-600 s), and
reconnects in the background after a drop. A drop means reconnect and log in again, with
exponential backoff: while in backoff, calls fail at once with ``IlsUnreachable`` and
nothing is sent.

Errors, as the kiosk's offline mode needs them told apart:

- :class:`~kiosk.core.ports.IlsUnreachable`: the request was certainly not sent (connect
  refused or timed out, TLS refused, login refused, in backoff).
- :class:`~kiosk.core.ports.IlsUnavailable`: it was sent and no usable answer came (no
  answer within ``timeout``, the connection dropped, replies that stayed broken after
  ``resend_limit`` resends): the ILS may have done it.

Known quirks of real servers, and what this module does about them:

- A reply with a wrong checksum (or that is not SIP2 at all) is answered with 97, at most
  ``resend_limit`` times. Evergreen renumbers the reply to a 97 (another ``AY``), so after
  a 97 the reply's sequence number is not checked. invenio-sip2 sends that reply without
  its final CR, glued to the next one: the codec's FrameReader splits them.
- A 96 from the ACS (it could not read our request) -> the same request again, bytes for
  bytes (the same ``AY``), within the same limit.
- After a timeout the connection is closed: a late reply must never be taken for the
  answer to the next request.
- Before a request, a connection the server has closed while idle (or that holds bytes
  nobody asked for) is replaced first, so an idle timeout does not cost a request.
- pysip2 drops the connection on a blank date or a missing final ``|`` and stalls on CRLF;
  the codec always writes the final ``|`` and the backend never sends a blank date unless
  configured to; CRLF is a setting (``terminator``).

The request buffer kept for a 96 is zeroed after each reply; the login password and PINs
never reach a log line: traces get :func:`~kiosk.ils.sip2.codec.masked` frames, logs get
message codes and sizes only.
"""

from __future__ import annotations

import contextlib
import logging
import select
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from kiosk.core.ports import IlsUnavailable, IlsUnreachable
from kiosk.ils.sip2.codec import Message, Sip2ProtocolError, encode, masked, request, seal
from kiosk.ils.sip2.reader import SENT, ReplyReader, Trace, os_timeouts

_log = logging.getLogger(__name__)

CLOSE_WAIT = 0.2
"""Seconds :meth:`Sip2Connection.close` waits for a request in flight before cutting it."""

# BX (98 supported messages): position -> request code, per SIP2 2.00.
_SUPPORTED_ORDER = ("23", "11", "09", "01", "99", "97", "93", "63", "35", "37", "17", "19",
                    "25", "15", "29", "65")  # fmt: skip


@dataclass(frozen=True, slots=True)
class Sip2Options:
    """How to reach and talk to the ACS (``[sip2]`` in the config, after its preset).

    Attributes:
        host, port: the ACS's address.
        user, password: the login (93 CN/CO); no login is sent when ``user`` is empty.
        location: the login's location code (93 CP).
        tls: wrap the connection in TLS; ``tls_verify`` False skips the certificate check
            (only when the config says so explicitly); ``ca_file`` the CA to trust instead
            of the system's; ``client_cert``/``client_key`` a client certificate.
        terminator: ``b"\\r"`` (SIP2) or ``b"\\r\\n"``.
        encoding: the ACS's character set.
        checksums: error detection (AY/AZ) on requests, and checked on replies.
        timeout: seconds for a connect and for each answer.
        keepalive: idle seconds before a status request keeps the connection open (0: never).
        resend_limit: 97s (and repeats after a 96) per request before giving up.
        backoff_first, backoff_max: the first and the longest wait between reconnects.
    """

    host: str
    port: int
    user: str = ""
    password: str = field(default="", repr=False)
    location: str = ""
    tls: bool = False
    tls_verify: bool = True
    ca_file: str = ""
    client_cert: str = ""
    client_key: str = ""
    terminator: bytes = b"\r"
    encoding: str = "utf-8"
    checksums: bool = True
    timeout: float = 5.0
    keepalive: float = 40.0
    resend_limit: int = 3
    backoff_first: float = 1.0
    backoff_max: float = 15.0  # a reconnect at most every 15 s: offline ends soon after

    @property
    def where(self) -> str:
        """``host:port``, for messages."""
        return f"{self.host}:{self.port}"


class Sip2Connection:
    """The kiosk's one connection to the ACS. Thread-safe: one request at a time.

    Connects lazily (the first request, or :meth:`connect`). Build it once per kiosk and
    :meth:`close` it at exit.

    Args:
        options: where and how to connect.
        trace: receives every message exchanged, masked (the technician's transcript).
        monotonic: the clock for backoff and idle time (tests pass a manual one).
        keepalive_thread: run :meth:`keepalive_tick` on a daemon thread (tests call it).
    """

    def __init__(
        self,
        options: Sip2Options,
        *,
        trace: Trace | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        keepalive_thread: bool = True,
    ) -> None:
        self.options = options
        self._trace = trace
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._reader: ReplyReader | None = None
        self._poll: select.poll | None = None  # the socket's readability, for _stale()
        self._sequence = 0
        self._status: Message | None = None
        self._known_status: Message | None = None  # kept across drops, for supports()
        self._last_used = 0.0
        self._backoff = 0.0
        self._retry_at = 0.0
        self._down_reason = ""
        self._was_up = False
        self._sent = bytearray()  # the request in flight, for a 96; zeroed after each reply
        self._closed = False
        self._stop = threading.Event()
        self._keepalive_thread: threading.Thread | None = None
        self._run_keepalive = keepalive_thread

    # ----- public -----------------------------------------------------------------------

    @property
    def status(self) -> Message | None:
        """The ACS status (98) of the current connection, or None before one."""
        return self._status

    def supports(self, code: str) -> bool:
        """Whether the ACS said (98 BX) it supports request ``code``; True when it did not say."""
        status = self._status or self._known_status  # after a drop: what it said last
        flags = status.get("BX") if status is not None else ""
        if code not in _SUPPORTED_ORDER or len(flags) <= _SUPPORTED_ORDER.index(code):
            return True
        return flags[_SUPPORTED_ORDER.index(code)].upper() != "N"

    def connect(self) -> Message:
        """Connect and log in now, if not connected; return the ACS status (98).

        Raises:
            IlsUnreachable: the ACS could not be reached or refused the login.
        """
        with self._lock:
            self._ensure_connected()
            assert self._status is not None  # set by every successful connect
            return self._status

    def request(self, message: Message) -> Message:
        """Send one request and return its reply (code + 1), connecting first if needed.

        Raises:
            IlsUnreachable: not sent (cannot connect, login refused, in backoff, closed).
            IlsUnavailable: sent, but no usable answer; the ACS may have done it.
        """
        body = encode(message, terminator=b"", encoding=self.options.encoding)
        return self.request_body(message.code, body)

    def request_body(self, code: str, body: bytes) -> Message:
        """:meth:`request` for a request already encoded up to its last ``|`` (a
        :class:`~kiosk.ils.sip2.writer.RequestWriter`'s, in this connection's encoding);
        the sequence number, checksum and terminator are added here.

        Raises:
            IlsUnreachable: not sent (cannot connect, login refused, in backoff, closed).
            IlsUnavailable: sent, but no usable answer; the ACS may have done it.
        """
        expected = _REPLY_CODES.get(code) or _reply_code(code)
        # Bounded: a request must not queue for ever behind one stuck on a slow server, nor
        # be sent long after the patron was told it failed (attack trial). Nothing is sent.
        if not self._lock.acquire(timeout=self.options.timeout):
            raise IlsUnreachable(
                f"SIP2 connection to {self.options.where} is busy with a request that has "
                f"not ended after {self.options.timeout:g} s; nothing was sent"
            )
        try:
            self._ensure_connected()
            return self._exchange(code, body, expected)
        finally:
            self._lock.release()

    def close(self) -> None:
        """Close the connection and stop the keep-alive thread; later requests fail.

        Never waits for a request in flight (the kiosk stops within its grace): its socket
        is shut down under it, and that request ends at once with ``IlsUnavailable``.
        """
        self._closed = True
        self._stop.set()
        if self._lock.acquire(timeout=CLOSE_WAIT):
            try:
                self._drop()
            finally:
                self._lock.release()
        else:
            sock = self._sock
            if sock is not None:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
        thread = self._keepalive_thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=CLOSE_WAIT)

    # ----- connecting -------------------------------------------------------------------

    def _ensure_connected(self) -> None:
        if self._closed:
            raise IlsUnreachable(f"SIP2 connection to {self.options.where} is closed")
        if self._sock is not None and self._stale():
            self._drop()
        if self._sock is not None:
            return
        now = self._monotonic()
        if now < self._retry_at:
            raise IlsUnreachable(f"{self._down_reason} (next try in {self._retry_at - now:.0f} s)")
        try:
            self._connect()
        except IlsUnreachable as err:
            self._backoff = min(
                max(self._backoff * 2, self.options.backoff_first), self.options.backoff_max
            )
            self._retry_at = self._monotonic() + self._backoff
            if self._down_reason != str(err):
                _log.warning("%s; retrying with backoff", err)
            self._down_reason = str(err)
            raise
        if self._down_reason:
            _log.info("SIP2 server %s is back", self.options.where)
        self._backoff = 0.0
        self._retry_at = 0.0
        self._down_reason = ""
        self._start_keepalive()

    def _connect(self) -> None:
        opts = self.options
        where = opts.where
        try:
            raw = socket.create_connection((opts.host, opts.port), timeout=opts.timeout)
        except TimeoutError as err:
            raise IlsUnreachable(
                f"SIP2 server {where} did not accept a connection within {opts.timeout:g} s; "
                "check [sip2] host and port and the network"
            ) from err
        except OSError as err:
            raise IlsUnreachable(
                f"SIP2 server {where} cannot be reached ({err.strerror or err}); check [sip2] "
                "host and port, and that the library system's SIP2 service is running"
            ) from err
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        raw.settimeout(None)  # blocking, bounded by the OS timeouts below
        os_timeouts(raw, opts.timeout)
        sock = self._wrap_tls(raw) if opts.tls else raw
        self._sock = sock
        self._poll = select.poll()
        self._poll.register(sock, select.POLLIN)
        self._reader = ReplyReader(
            sock, encoding=opts.encoding, verify=opts.checksums, trace=self._trace
        )
        self._sequence = 0
        try:
            if opts.user:
                fields = [("CN", opts.user), ("CO", opts.password)]
                if opts.location:
                    fields.append(("CP", opts.location))
                login = request("93", fields, uid_algorithm="0", pwd_algorithm="0")
                if self._message(login, "94").fixed.get("ok") != "1":
                    raise IlsUnreachable(
                        f"SIP2 server {where} refused the login of user {opts.user!r}; check "
                        "[sip2] user and password (or KIOSK_SIP2_USER and KIOSK_SIP2_PASSWORD)"
                    )
            status = self._message(status_request(), "98")
        except IlsUnreachable:
            self._drop()
            raise
        except IlsUnavailable as err:
            self._drop()
            raise IlsUnreachable(f"SIP2 login to {where} failed: {err}") from err
        self._status = self._known_status = status
        self._was_up = True
        if status.flag("online_status") is False:
            _log.warning("SIP2 server %s says it is off-line (98 online status N)", where)
        _log.info(
            "SIP2: connected to %s%s%s",
            where,
            " over TLS" if opts.tls else "",
            f" as {opts.user}" if opts.user else "",
        )

    def _wrap_tls(self, raw: socket.socket) -> socket.socket:
        opts = self.options
        where = opts.where
        try:
            context = ssl.create_default_context(cafile=opts.ca_file or None)
            if not opts.tls_verify:
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            if opts.client_cert:
                context.load_cert_chain(opts.client_cert, opts.client_key or None)
        except (OSError, ssl.SSLError) as err:
            raw.close()
            raise IlsUnreachable(
                f"SIP2 TLS set-up for {where} failed ({_reason(err)}); check [sip2] ca_file, "
                "client_cert and client_key"
            ) from err
        try:
            return context.wrap_socket(raw, server_hostname=opts.host)
        except ssl.SSLCertVerificationError as err:
            raw.close()
            raise IlsUnreachable(
                f"SIP2 server {where}: TLS certificate not trusted ({err.verify_message}); set "
                "[sip2] ca_file to the CA that signed it"
            ) from err
        except (OSError, ssl.SSLError) as err:
            raw.close()
            raise IlsUnreachable(
                f"SIP2 server {where}: TLS handshake failed ({_reason(err)}); check that the "
                "server speaks TLS on this port ([sip2] tls)"
            ) from err

    def _stale(self) -> bool:
        """True when the connection cannot carry the next request: the server closed it while
        idle, or it holds bytes nobody asked for (they would be taken for the answer)."""
        sock, reader, poll = self._sock, self._reader, self._poll
        if sock is None or reader is None or poll is None or reader.buffered():
            return True
        try:
            # poll() on a registered descriptor: a third of select()'s time, once a request.
            if not poll.poll(0):
                return False
        except (OSError, ValueError):
            return True
        sock.setblocking(False)
        try:
            sock.recv(1)
        except (ssl.SSLWantReadError, BlockingIOError):
            return False  # TLS housekeeping only (a session ticket), no application data
        except OSError:
            return True
        finally:
            sock.setblocking(True)
        return True  # end of stream, or a stray byte

    def _drop(self) -> None:
        sock = self._sock
        self._sock = None
        self._reader = None
        self._poll = None
        self._status = None
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.close()

    # ----- exchanging -------------------------------------------------------------------

    def _message(self, message: Message, expected: str) -> Message:
        """Send ``message`` on the open connection and return its reply (lock held)."""
        body = encode(message, terminator=b"", encoding=self.options.encoding)
        return self._exchange(message.code, body, expected)

    def _exchange(self, code: str, body: bytes, expected: str) -> Message:
        """Send the request encoded as ``body`` and return its reply (lock held)."""
        opts = self.options
        sequence: int | None = None
        if opts.checksums:
            sequence = self._sequence
            self._sequence = (self._sequence + 1) % 10
        self._sent[:] = seal(
            code, body, sequence=sequence, checksum=opts.checksums, terminator=opts.terminator
        )
        try:
            return self._answer(code, expected, sequence)
        finally:
            self._sent[:] = bytes(len(self._sent))  # zeroed: it may hold a PIN
            self._sent.clear()

    def _answer(self, code: str, expected: str, sequence: int | None) -> Message:
        opts = self.options  # opts.where is formatted only for an error
        self._send(self._sent, code)
        resends = 0
        renumbered = False
        while True:
            try:
                reply = self._read(code)
            except Sip2ProtocolError as err:
                if resends >= opts.resend_limit:
                    self._drop()
                    raise IlsUnavailable(
                        f"SIP2 server {opts.where}: the answer to {code} stayed unreadable after "
                        f"{resends} resends ({err}); the request may have been done"
                    ) from err
                resends += 1
                renumbered = True
                _log.debug("SIP2 %s: unreadable answer, asking for it again (97)", code)
                resend = encode(
                    request("97"),
                    sequence=0 if opts.checksums else None,
                    checksum=opts.checksums,
                    terminator=opts.terminator,
                    encoding=opts.encoding,
                )
                self._send(resend, "97")
                continue
            if reply.code == "96":
                if resends >= opts.resend_limit:
                    self._drop()
                    raise IlsUnavailable(
                        f"SIP2 server {opts.where} could not read {code} after {resends} resends "
                        "(96); check [sip2] checksums, encoding and terminator"
                    )
                resends += 1
                _log.debug("SIP2 %s: the server asks for it again (96)", code)
                self._send(self._sent, code)
                continue
            if reply.code != expected:
                self._drop()
                raise IlsUnavailable(
                    f"SIP2 server {opts.where} answered {code} with a {reply.code} message, not "
                    f"{expected}; reconnecting"
                )
            if (
                sequence is not None
                and reply.sequence is not None
                and reply.sequence != sequence
                and not renumbered
            ):
                self._drop()
                raise IlsUnavailable(
                    f"SIP2 server {opts.where} answered {code} with sequence number "
                    f"{reply.sequence}, not {sequence}; reconnecting"
                )
            self._last_used = self._monotonic()
            return reply

    def _send(self, frame: bytes | bytearray, code: str) -> None:
        sock = self._sock
        assert sock is not None
        if self._trace is not None:
            self._trace(SENT, masked(bytes(frame)))
        _log.debug("SIP2 sent %s (%d bytes)", code, len(frame))
        try:
            sock.sendall(frame)
        except OSError as err:  # BlockingIOError too: the send timeout ran out
            self._drop()
            raise IlsUnavailable(
                f"SIP2 connection to {self.options.where} failed while sending {code} "
                f"({_reason(err)}); the request may have been done"
            ) from err

    def _read(self, code: str) -> Message:
        reader = self._reader
        assert reader is not None
        try:
            reply = reader.read(self.options.timeout)
        except TimeoutError as err:
            self._drop()  # a late answer must never be read as the next request's
            raise IlsUnavailable(
                f"SIP2 server {self.options.where} did not answer {code} within "
                f"{self.options.timeout:g} s; the request may have been done"
            ) from err
        except ConnectionError as err:
            self._drop()
            raise IlsUnavailable(
                f"SIP2 connection to {self.options.where} lost while waiting for the answer to "
                f"{code} ({err}); the request may have been done"
            ) from err
        _log.debug("SIP2 received %s", reply.code)
        return reply

    # ----- keep-alive -------------------------------------------------------------------

    def _start_keepalive(self) -> None:
        if self.options.keepalive <= 0 or not self._run_keepalive:
            return
        if self._keepalive_thread is not None:
            return
        self._keepalive_thread = threading.Thread(
            target=self._keepalive_loop, name="sip2-keepalive", daemon=True
        )
        self._keepalive_thread.start()

    def _keepalive_loop(self) -> None:
        interval = min(max(self.options.keepalive / 4, 0.05), 5.0)
        while not self._stop.wait(interval):
            self.keepalive_tick()

    def keepalive_tick(self) -> None:
        """One keep-alive step (the thread calls it; tests call it directly).

        Idle for ``keepalive`` seconds: a status request (99). Dropped after having been
        up, and out of backoff: reconnect now, so the next patron does not wait for it.
        A request in progress means the connection is busy, not idle: nothing to do.
        """
        if not self._lock.acquire(blocking=False):
            return
        try:
            if self._closed:
                return
            if self._sock is None:
                if self._was_up and self._monotonic() >= self._retry_at:
                    self._ensure_connected()
                return
            if self._monotonic() - self._last_used >= self.options.keepalive:
                if self._stale():
                    self._drop()
                    self._ensure_connected()
                    return
                status = self._message(status_request(), "98")
                self._status = status
        except IlsUnavailable as err:
            _log.debug("SIP2 keep-alive: %s", err)
        finally:
            self._lock.release()


def status_request() -> Message:
    """The SC status request (99): status OK, print width 000 (none), protocol 2.00."""
    return request("99", status_code="0", max_print_width="000", protocol_version="2.00")


def _reply_code(code: str) -> str:
    return f"{int(code) + 1:02d}"


_REPLY_CODES = {code: _reply_code(code) for code in _SUPPORTED_ORDER}


def _reason(err: BaseException) -> str:
    if isinstance(err, ssl.SSLError) and err.reason:
        return str(err.reason)
    if isinstance(err, OSError) and err.strerror:
        return err.strerror
    return str(err) or type(err).__name__
