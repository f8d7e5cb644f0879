"""SIP2 benchmark: the codec against the PyPI ``sip2`` package, and the client's overhead.

    python bench/sip2.py [--seconds 4] [--count 2000]

Prints, in one run, the codec figures below and then the client's own overhead
(``bench/sip2_roundtrip.py``): a check-out round trip through the whole client stack
against a loopback server that answers a canned reply at once, divided by a raw socket
round trip of the same bytes (target: at most 1.5).

Both codecs do what a self-check client does for the same three exchanges: write a
check-out request (11) and read its response (12), write a patron information request (63)
and read a response with item lists (64), write a check-in (09) and read its response (10),
with sequence numbers and checksums on, a transaction date formatted per request, bytes out
and bytes in. For the ``sip2`` package that is what its client does around the socket in
``get_response``: the request text encoded, the reply decoded and its checksum checked
(``_crc_verify``, which computes the checksum although its comparison accepts any), then
parsed by the ``sip_*_response`` method.

Target (issue 9): our codec at least 3x the ``sip2`` package.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from kiosk.ils.sip2 import decode, encode, format_datetime, request

TARGET_RATIO = 3.0
TZ = ZoneInfo("Asia/Jakarta")

CHECKOUT_RESPONSE = (
    "121NNY20261121    072611AOPERPUS|AA0123456789|AB9786020000001|AJLaskar Pelangi|"
    "AH20261205    235900|CK001|AFSelamat membaca|"
)
PATRON_RESPONSE = (
    "64  Y           00020261121    072611000200010003000100000000AOPERPUS|AA0123456789|"
    "AESiti Aminah|BZ0005|CA0003|CB0010|BLY|CQY|BHIDR|BV5000.00|CC50000.00|"
    "ASB0001|ASB0002|ATB0003|AUB0003|AUB0004|AUB0005|AVB0003 5000.00 Bumi Manusia|"
    "BDJl. Merdeka 1, Bandung|BEsiti@example.org|BF022 555 1234|AFAda 1 buku terlambat|"
)
CHECKIN_RESPONSE = (
    "101YNY20261121    072611AOPERPUS|AB9786020000001|AQRak Umum|AJLaskar Pelangi|"
    "CLHOLD|AA0123456789|CK001|AFTaruh di rak pesanan|"
)


def _with_trailer(text: str, sequence: int) -> str:
    body = f"{text}AY{sequence}AZ"
    return body + f"{-sum(body.encode()) & 0xFFFF:04X}"


RESPONSES = [_with_trailer(text, n) for n, text in enumerate(
    (CHECKOUT_RESPONSE, PATRON_RESPONSE, CHECKIN_RESPONSE)
)]  # fmt: skip
RESPONSE_BYTES = [text.encode() for text in RESPONSES]


def ours_encode() -> None:
    """Our codec writes the three requests (a transaction date formatted for each)."""
    patron = [("AO", "PERPUS"), ("AA", "0123456789")]
    checkout = request(
        "11",
        [*patron, ("AB", "9786020000001"), ("AC", ""), ("AD", "1234"), ("BO", "N")],
        sc_renewal_policy="Y",
        no_block="N",
        transaction_date=format_datetime(dt.datetime.now(TZ), TZ),
        nb_due_date=format_datetime(dt.datetime(2026, 12, 5, 23, 59), TZ),
    )
    info = request(
        "63",
        [*patron, ("AC", ""), ("AD", "1234"), ("BP", "1"), ("BQ", "5")],
        language="001",
        transaction_date=format_datetime(dt.datetime.now(TZ), TZ),
        summary="  Y       ",
    )
    now = format_datetime(dt.datetime.now(TZ), TZ)
    checkin = request(
        "09",
        [("AP", "LOBBY"), ("AO", "PERPUS"), ("AB", "9786020000001"), ("AC", "")],
        no_block="N",
        transaction_date=now,
        return_date=now,
    )
    for sequence, msg in enumerate((checkout, info, checkin)):
        encode(msg, sequence=sequence)


def ours_decode() -> None:
    """Our codec reads the three responses (checksums verified)."""
    for frame in RESPONSE_BYTES:
        decode(frame)


def theirs_halves() -> tuple[Callable[[], None], Callable[[], None]]:
    """The PyPI ``sip2`` package (import name ``Sip2``) on the same messages: (write, read)."""
    from Sip2.sip2 import Sip2  # a dev dependency only, for this comparison

    class QuietSip2(Sip2):  # type: ignore[misc]
        def __del__(self) -> None:
            pass

    client = QuietSip2()
    # Its optional-field path logs through self.log, set only by its file-logging set-up;
    # a silent logger keeps the comparison to encoding and decoding.
    quiet = logging.getLogger("bench.sip2.package")
    quiet.disabled = True
    client.log = quiet
    client.institutionId = "PERPUS"
    client.patron = "0123456789"
    client.patronpwd = "1234"
    client.scLocation = "LOBBY"
    parsers = (
        client.sip_checkout_response,
        client.sip_patron_information_response,
        client.sip_checkin_response,
    )

    def theirs_encode() -> None:
        client.sip_checkout_request("9786020000001", scRenewalPolicy="Y").encode()
        client.sip_patron_information_request("charged").encode()
        client.sip_checkin_request("9786020000001").encode()

    def theirs_decode() -> None:
        for frame, parse in zip(RESPONSE_BYTES, parsers, strict=True):
            text = frame.decode()
            client._crc_verify(text)
            parse(text)

    return theirs_encode, theirs_decode


def _seconds_per_round(round_once: Callable[[], None], seconds: float) -> float:
    count = 0
    started = time.perf_counter()
    elapsed = 0.0
    while elapsed < seconds:
        for _ in range(20):
            round_once()
        count += 20
        elapsed = time.perf_counter() - started
    return elapsed / count


def codec_figures(seconds: float = 4.0) -> None:
    """Print both codecs' encode, decode and encode+decode throughput and their ratios.

    The four halves are measured in alternating slices and the best slice of each is kept,
    so that a busy machine (other processes on the same cores) slows both codecs alike.
    """
    theirs_encode, theirs_decode = theirs_halves()
    halves = {
        "ours encode": ours_encode,
        "ours decode": ours_decode,
        "theirs encode": theirs_encode,
        "theirs decode": theirs_decode,
    }
    for half in halves.values():  # warm-up
        for _ in range(200):
            half()
    slices = 25
    best = dict.fromkeys(halves, float("inf"))
    for _ in range(slices):
        for name, half in halves.items():
            best[name] = min(best[name], _seconds_per_round(half, seconds / slices / 4))
    # Three messages per half round: three requests written, or three responses read.
    for kind in ("encode", "decode"):
        ours_rate, theirs_rate = 3 / best[f"ours {kind}"], 3 / best[f"theirs {kind}"]
        print(
            f"codec: {kind}         ours {ours_rate:>9,.0f} msg/s   sip2 1.1 "
            f"{theirs_rate:>9,.0f} msg/s   {ours_rate / theirs_rate:4.1f}x"
        )
    ours_rate = 6 / (best["ours encode"] + best["ours decode"])
    theirs_rate = 6 / (best["theirs encode"] + best["theirs decode"])
    ratio = ours_rate / theirs_rate
    verdict = "met" if ratio >= TARGET_RATIO else "NOT met"
    print(
        f"codec: encode+decode  ours {ours_rate:>9,.0f} msg/s   sip2 1.1 "
        f"{theirs_rate:>9,.0f} msg/s   {ratio:4.1f}x  (target >= {TARGET_RATIO:.0f}x: {verdict})"
    )


def main() -> None:
    """Run the SIP2 benchmarks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0, help="time for the codec figures")
    parser.add_argument("--count", type=int, default=2000, help="round trips per measurement")
    args = parser.parse_args()
    codec_figures(args.seconds)
    print()
    from sip2_roundtrip import roundtrip_figures  # bench/ is this script's own folder

    roundtrip_figures(args.count)


if __name__ == "__main__":
    main()
