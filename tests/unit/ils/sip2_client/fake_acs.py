"""A scripted SIP2 server on 127.0.0.1 for the connection's tests (a real socket, real bytes).

``FakeAcs(answer)`` calls ``answer(message, raw, connection_number)`` for every frame a client
sends and writes back what it returns: bytes (sent as they are), :data:`SILENT` (no answer)
or :data:`CLOSE` (the connection is closed). :func:`standard` answers login, status and a
few requests the way a correct server does.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import threading
from collections.abc import Callable

from kiosk.ils.sip2.codec import FrameReader, Message, decode, encode, request

SILENT = b""
CLOSE = b"\x00close"
Answer = Callable[[Message, bytes, int], bytes]


def reply(message: Message, request_message: Message, checksum: bool = True) -> bytes:
    """``message`` encoded as the answer to ``request_message`` (same sequence number)."""
    sequence = request_message.sequence if checksum else None
    return encode(message, sequence=sequence, checksum=checksum)


def status_reply() -> Message:
    return request(
        "98",
        [("AO", "3171"), ("BX", "YYYYYYYYYYYYYYYY")],
        online_status="Y", checkin_ok="Y", checkout_ok="Y", acs_renewal_policy="Y",
        status_update_ok="N", offline_ok="N", timeout_period="030", retries_allowed="003",
        date_time_sync="20261121    120000", protocol_version="2.00",
    )  # fmt: skip


def item_reply(item: str = "33171000000018", status: str = "03", due: str = "") -> Message:
    return request(
        "18",
        [("AB", item), ("AJ", "Laskar Pelangi"), *([("AH", due)] if due else [])],
        circulation_status=status,
        security_marker="00",
        fee_type="01",
        transaction_date="20261121    120000",
    )


def checkout_reply(ok: str = "1") -> Message:
    return request(
        "12",
        [("AO", "3171"), ("AA", "23171000000010"), ("AB", "33171000000018"),
         ("AJ", "Laskar Pelangi"), ("AH", "20261205    235959" if ok == "1" else "")],
        ok=ok, renewal_ok="N", magnetic_media="N", desensitize="Y",
        transaction_date="20261121    120000",
    )  # fmt: skip


def patron_reply(pin_ok: bool = True) -> Message:
    return request(
        "64",
        [("AO", "3171"), ("AA", "23171000000010"), ("AE", "Sutrisno"), ("BL", "Y"),
         ("CQ", "Y" if pin_ok else "N"), ("CB", "0005")],
        patron_status=" " * 14, language="000", transaction_date="20261121    120000",
        hold_items_count="0000", overdue_items_count="0000", charged_items_count="0000",
        fine_items_count="0000", recall_items_count="0000", unavailable_holds_count="0000",
    )  # fmt: skip


def standard(message: Message, raw: bytes, connection: int) -> bytes:
    """A correct server: login ok, status, 17/11/63 answered."""
    canned = {
        "93": lambda: request("94", ok="1"),
        "99": status_reply,
        "17": item_reply,
        "11": checkout_reply,
        "63": patron_reply,
    }
    made = canned.get(message.code)
    return reply(made(), message) if made is not None else SILENT


class FakeAcs:
    """A scripted SIP2 server; ``received`` holds every frame (without terminator) in order."""

    def __init__(self, answer: Answer = standard, tls: ssl.SSLContext | None = None) -> None:
        self.answer = answer
        self._tls = tls
        self.received: list[bytes] = []
        self.connections = 0
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.host, self.port = "127.0.0.1", self._listener.getsockname()[1]
        self._open: list[socket.socket] = []
        self._closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def codes(self) -> list[str]:
        return [frame[:2].decode("ascii", "replace") for frame in self.received]

    def close_clients(self) -> None:
        """Close every client connection (a server's idle timeout)."""
        for sock in self._open:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()
        self._open.clear()

    def close(self) -> None:
        self._closed = True
        self.close_clients()
        self._listener.close()

    def _accept(self) -> None:
        while not self._closed:
            try:
                sock, _ = self._listener.accept()
            except OSError:
                return
            self.connections += 1
            self._open.append(sock)
            number = self.connections
            threading.Thread(target=self._serve, args=(sock, number), daemon=True).start()

    def _serve(self, sock: socket.socket, number: int) -> None:
        reader = FrameReader()
        if self._tls is not None:
            try:
                sock = self._tls.wrap_socket(sock, server_side=True)
            except (OSError, ssl.SSLError):
                return  # the client did not trust us, or spoke no TLS
        with contextlib.suppress(OSError):
            while data := sock.recv(65536):
                for frame in reader.feed(data):
                    self.received.append(frame)
                    answer = self.answer(decode(frame, verify=False), frame, number)
                    if answer == CLOSE:
                        sock.close()
                        return
                    if answer:
                        sock.sendall(answer)
