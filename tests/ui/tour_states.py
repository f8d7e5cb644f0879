"""The screenshot tour's table: every screen and state a patron can meet, and how to get there.

The tour (``screen_probe.py tour``, run by ``test_screenshots.py``) starts each state from
a fresh attract screen, calls its ``reach`` and then draws and checks it at every window
size, language and text size. A new service adds its states here, one
:class:`TourState` each (its screens, each refusal it can show, empty and long lists,
its help), with a line of patron-facing text per language that proves the screen is
there and translated::

    TourState("returns.list", "returns.list", reach_returns_list,
              expect={"id": "Buku dikembalikan", "en": "Books returned"}),

``reach`` gets the probe (``p.kiosk`` is the real kiosk with a hand-wound clock, ``p.vm``
its view-model) and drives it as a patron would: scans, typed PINs, buttons. Nothing in
it waits for real time. The helpers below (``sign_in``, ``scan_all``, ``wrong_pins``) are
for reuse.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from devices import codabar
from kiosk.core.ports import IlsUnavailable, IlsUnreachable

SUTRISNO, SUTRISNO_PIN = "23171000000010", "1234"
SITI, SITI_PIN = "23171000000028", "2468"
YOHANA = "23171000010027"
FINES_CARD, FINES_PIN = "23171000000036", "1111"
EXPIRED_CARD, EXPIRED_PIN = "23171000000044", "4321"
FULL_CARD, FULL_PIN = "23171000000051", "5555"
BLOCKED_CARD, BLOCKED_PIN = "23171000000069", "6789"
UNKNOWN_CARD = "23171990000012"

LASKAR, LITTLE_PRINCE, LAUT = "33171000000018", "33171000000067", "33171000000026"
REFERENCE, HELD_FOR_SITI, LENT_TO_SITI = "33171000000034", "33171000000042", "33171000000059"
FEE_DVD, HELD_FOR_YOHANA, UNKNOWN_ITEM = "33171000010074", "33171000010066", "33171990000010"
ILS_DOWN_ITEM = codabar.make(3, 3171, 88_000_001)  # tour_ils raises for this item
ILS_DOWN_CARD = codabar.make(2, 3171, 88_000_001)  # and this card
OFFLINE_CARD, OFFLINE_PIN = codabar.make(2, 3171, 88_000_002), "2580"  # tour_ils: unreachable
OFFLINE_ITEM = codabar.make(3, 3171, 88_000_002)  # the ILS unreachable: lent offline
LENDABLE = ("33171000000125", "33171000000133", "33171000000141", "33171000000166")
"""Books on the shelf that anyone may borrow (besides Laskar Pelangi and The Little Prince)."""
LONG_LIST = 40
STAFF_PIN = "2580"
STAFF_PIN_HASH = (
    "scrypt$32768$8$1$c2NyZWVuc2hvdC10b3VyIQ==$mtiVR/CmmEKdyjNJkcXza3RcvkFcS1x4+Et3iDN3X8A="
)
"""``kiosk.core.staff.hash_pin(STAFF_PIN, salt=b"screenshot-tour!")``: the probes' config
has it, so the technician screen is in the tour (tests/unit/core/test_staff.py checks it)."""

Reach = Callable[[Any], None]


@dataclass(frozen=True)
class TourState:
    """One screen state of the tour.

    Attributes:
        name: file name of its pictures and its name in findings (``borrow.pin-wrong``).
        screen: the view-model's screen once reached (``borrow.pin``).
        reach: drives the kiosk from the attract screen to this state.
        expect: per language, a text that must be on the screen (proof it is translated).
        help: also shown with Help open (one state per screen is enough).
    """

    name: str
    screen: str
    reach: Reach
    expect: dict[str, str] = field(default_factory=dict)
    help: bool = False


class TourIls:
    """The demo library, unreachable for :data:`ILS_DOWN_CARD` and :data:`ILS_DOWN_ITEM`
    (what a patron sees when the library system is down). The probe wraps its ILS in it."""

    def __init__(self, ils: Any) -> None:
        self._ils = ils

    def __getattr__(self, name: str) -> Any:
        return getattr(self._ils, name)

    def identify_patron(self, barcode: str) -> Any:
        if barcode == ILS_DOWN_CARD:
            raise IlsUnavailable("the tour's library system is down for this card")
        if barcode == OFFLINE_CARD:
            raise IlsUnreachable("the tour's library system cannot be reached for this card")
        return self._ils.identify_patron(barcode)

    def check_patron(self, barcode: str, pin: str) -> Any:
        if barcode == ILS_DOWN_CARD:
            raise IlsUnavailable("the tour's library system is down for this card")
        if barcode == OFFLINE_CARD:
            raise IlsUnreachable("the tour's library system cannot be reached for this card")
        return self._ils.check_patron(barcode, pin)

    def checkout(self, patron: str, item: str, *args: Any, **kwargs: Any) -> Any:
        if item == ILS_DOWN_ITEM:
            raise IlsUnavailable("the tour's library system is down for this item")
        if item == OFFLINE_ITEM:
            raise IlsUnreachable("the tour's library system cannot be reached for this item")
        return self._ils.checkout(patron, item, *args, **kwargs)


# ----- helpers for reach functions -------------------------------------------------------


def sign_in(p: Any, card: str = SUTRISNO, pin: str = SUTRISNO_PIN) -> None:
    """Scan a card and type its PIN (the screen after it depends on the card)."""
    p.kiosk.scan(card)
    p.kiosk.type(pin)


def scan_all(p: Any, codes: list[str] | tuple[str, ...]) -> None:
    """Scan item barcodes one after another, then wait for every answer."""
    for code in codes:
        p.vm.scan(code)
    p.kiosk.settle()


def wrong_pins(p: Any, card: str, count: int) -> None:
    """Scan ``card`` and type ``count`` wrong PINs (each one a different wrong guess)."""
    p.kiosk.scan(card)
    for attempt in range(count):
        p.kiosk.type(f"90{attempt:02d}")


def unknown_items(count: int, start: int = 0) -> list[str]:
    """Valid item barcodes the demo library does not hold."""
    return [codabar.make(3, 9999, 91_000_000 + start + n) for n in range(count)]


# ----- the states ------------------------------------------------------------------------


def _attract(p: Any) -> None:
    """The attract screen as the next patron finds it."""


def _attract_typed(p: Any) -> None:
    for digit in SUTRISNO[:6]:  # a card number being typed on the keypad
        p.vm.type_char(digit)


def _pin(p: Any) -> None:
    p.kiosk.scan(SUTRISNO)
    for digit in SUTRISNO_PIN[:3]:
        p.vm.type_char(digit)


def _pin_wrong(p: Any) -> None:
    wrong_pins(p, SUTRISNO, 1)


def _scanning_empty(p: Any) -> None:
    sign_in(p)


def _scanning(p: Any) -> None:
    sign_in(p)
    scan_all(p, [LASKAR, LITTLE_PRINCE, REFERENCE])


def _scanning_long(p: Any) -> None:
    sign_in(p)
    # Three lent, then unknown books: more than the 30 refused lines listed one by one,
    # so the "and n more" row shows too.
    scan_all(p, [LASKAR, LITTLE_PRINCE, LAUT])
    scan_all(p, unknown_items(LONG_LIST - 3))


def _scanning_refusals(p: Any) -> None:
    """One line for each answer a book can get while borrowing: lent, already yours, each
    refusal (unknown, reference only, on hold, on loan to another, library system down,
    loan limit, a loan fee declined), with a book number half typed."""
    sign_in(p)
    scan_all(p, [LASKAR])
    p.vm.finish()
    p.kiosk.settle()
    p.kiosk.session.end()  # Laskar Pelangi is now Sutrisno's: "already yours" next time
    p.vm.refresh()
    sign_in(p)
    # Laskar Pelangi and four more reach Sutrisno's limit of 5: the last one is refused.
    scan_all(
        p,
        [
            LASKAR,
            UNKNOWN_ITEM,
            REFERENCE,
            HELD_FOR_SITI,
            LENT_TO_SITI,
            HELD_FOR_YOHANA,
            ILS_DOWN_ITEM,
            LITTLE_PRINCE,
        ],
    )
    scan_all(p, [FEE_DVD])  # the loan fee is asked: "no, don't borrow it"
    p.vm.cancel()
    p.kiosk.settle()
    scan_all(p, LENDABLE)
    p.vm.type_char("4")


def _scanning_offline(p: Any) -> None:
    """Offline mode: a card seen online signs in without the ILS, a book is lent offline,
    and the top bar shows the staff's small "offline" mark."""
    p.kiosk.parts.replayer.desk.remember(OFFLINE_CARD, OFFLINE_PIN)  # seen online before
    sign_in(p, OFFLINE_CARD, OFFLINE_PIN)
    scan_all(p, [OFFLINE_ITEM])


def _scanning_no_scanner(p: Any) -> None:
    """The serial scanner unplugged while a patron borrows: the top bar says to type the
    number instead (the reader posts DeviceChanged; here it is posted as it would)."""
    from kiosk.core.events import DeviceChanged

    sign_in(p)
    scan_all(p, [LASKAR])
    p.kiosk.driver.post(DeviceChanged("scanner", False, "[Errno 5] Input/output error"))
    p.kiosk.driver.drain()


def _scanning_busy(p: Any) -> None:
    sign_in(p)
    p.vm.scan(LITTLE_PRINCE)  # not answered yet: after 0.3 s "please wait" shows
    p.kiosk.clock.advance(1.0)
    p.vm.refresh()


def _warning(p: Any) -> None:
    sign_in(p)
    scan_all(p, [LASKAR])
    p.kiosk.wait(50)  # idle long enough for the countdown, not for the end


def _summary(p: Any) -> None:
    sign_in(p)
    scan_all(p, [LASKAR, LITTLE_PRINCE, REFERENCE, UNKNOWN_ITEM])
    p.vm.finish()
    p.kiosk.settle()


def _rate(p: Any) -> None:
    _summary(p)
    p.vm.finish()
    p.kiosk.settle()


def _thanks(p: Any) -> None:
    _rate(p)
    p.vm.rate(4)  # thanks shows until the rating is stored: its answer is not applied yet


def _error(card: str, pin: str) -> Reach:
    def reach(p: Any) -> None:
        sign_in(p, card, pin)

    return reach


def _error_wrong_pin(p: Any) -> None:
    wrong_pins(p, SITI, 3)


def _error_pin_locked(p: Any) -> None:
    wrong_pins(p, YOHANA, 3)  # the session's three tries: the error screen
    p.vm.dismiss()
    p.kiosk.settle()
    wrong_pins(p, YOHANA, 2)  # five wrong for this card at this kiosk: locked


def _error_ils_down(p: Any) -> None:
    sign_in(p, ILS_DOWN_CARD, "0000")


def _fee(p: Any) -> None:
    sign_in(p)
    scan_all(p, [FEE_DVD])  # a loan fee: the question, before anything is lent


def _fee_long(p: Any) -> None:
    """The loan fee asked with five books already in the list (one lent, four refused with
    their long reasons) and a notice in the strip at the bottom: the tester's 1280x800
    large-print screen, whose Yes/No buttons were cut by the notice strip."""
    sign_in(p)
    scan_all(p, [LASKAR, REFERENCE, UNKNOWN_ITEM, LENT_TO_SITI, HELD_FOR_SITI])
    scan_all(p, [FEE_DVD])
    p.kiosk.scan(SITI)  # another patron's card while the question is open: a notice
    p.kiosk.settle()


def _fee_siti(p: Any) -> None:
    """Siti's fee question after a book already on her card and one held for her: rows
    with long reasons beside the question (their text ran past the rows' left edge)."""
    sign_in(p, SITI, SITI_PIN)
    scan_all(p, [LENT_TO_SITI, HELD_FOR_SITI, FEE_DVD])


def _summary_fee(p: Any) -> None:
    """A summary with a loan fee accepted, five books lent and refusals: every summary line
    (count, not borrowed, fees, totals) above the list, the receipt choice below it."""
    sign_in(p)
    scan_all(p, [LASKAR, LITTLE_PRINCE, LAUT, FEE_DVD])
    p.vm.dismiss()  # yes, borrow it
    p.kiosk.settle()
    scan_all(p, [LENDABLE[0], REFERENCE, UNKNOWN_ITEM])
    p.vm.finish()
    p.kiosk.settle()


def _printing(p: Any) -> None:
    _summary(p)
    p.vm.print_receipt()  # its answer waits for settle(): "printing" stays up


def _not_printed(p: Any) -> None:
    from devices.sim import get_printer
    from devices.sim.escpos_decoder import Paper

    printer = get_printer()
    printer.set_paper(Paper.OUT)
    try:
        _summary(p)
        p.vm.print_receipt()
        p.kiosk.settle()  # out of paper: the summary comes back, saying so
    finally:
        printer.set_paper(Paper.OK)


DEWI, DEWI_PIN = "23171000010019", "3141"  # overdue loans and fines: the account's tour


def _account_card(p: Any) -> None:
    p.vm.choose("account")


def _account_pin(p: Any) -> None:
    p.vm.choose("account")
    p.kiosk.scan(DEWI)


def _account(p: Any) -> None:
    p.vm.choose("account")
    sign_in(p, DEWI, DEWI_PIN)
    p.kiosk.settle()


def _account_renewed(p: Any) -> None:
    _account(p)
    p.vm.act("renew_all")  # each of Dewi's books is refused, each with its reason
    p.kiosk.settle()


def _account_summary(p: Any) -> None:
    _account_renewed(p)
    p.vm.finish()
    p.kiosk.settle()


def _account_settings(p: Any) -> None:
    _account(p)
    p.vm.act("settings")
    p.kiosk.settle()


def _account_settings_saved(p: Any) -> None:
    # Dewi saves the kiosk's defaults (what the screen shows when it is reached), so her
    # card in a later state of the tour looks just as it would have without them.
    _account_settings(p)
    p.vm.act("save_settings")
    p.kiosk.settle()


def _returning(p: Any) -> None:
    from kiosk.ils.local import demo_data as demo

    p.vm.choose("return")
    returned = (demo.OVERDUE_5_DAYS, demo.HELD_FOR_YOHANA, demo.OTHER_BRANCH_ITEM)
    scan_all(p, [item.barcode for item in returned])  # a fine, the hold shelf, transit
    scan_all(p, [demo.AVAILABLE.barcode, UNKNOWN_ITEM])  # not on loan, unknown


def _return_summary(p: Any) -> None:
    sign_in(p)
    scan_all(p, [LASKAR, LITTLE_PRINCE])
    p.kiosk.session.end()
    p.vm.refresh()
    p.vm.choose("return")
    scan_all(p, [LASKAR, LITTLE_PRINCE, UNKNOWN_ITEM])
    p.vm.finish()
    p.kiosk.settle()


def _technician_pin(p: Any) -> None:
    p.vm.open_technician()  # what Ctrl+Alt+T does
    for digit in STAFF_PIN[:2]:
        p.vm.type_char(digit)


def _technician_pin_wrong(p: Any) -> None:
    p.vm.open_technician()
    p.kiosk.type("1111")


def _technician_locked(p: Any) -> None:
    p.vm.open_technician()
    for pin in ("1111", "2222", "3333"):
        p.kiosk.type(pin)


def _technician_status(p: Any) -> None:
    import datetime as dt

    from kiosk.core.diagnostics import ScannerFrame, Verdict
    from kiosk.core.privacy import mask_code

    frames = p.kiosk.parts.diagnostics.frames  # what the scanner's reader thread adds
    at = dt.datetime(2026, 11, 20, 2, 15, 7, tzinfo=dt.UTC)
    frames.add(ScannerFrame(at, mask_code(SUTRISNO), Verdict.PATRON, "]F0"))
    frames.add(ScannerFrame(at, mask_code(LASKAR), Verdict.ITEM, "]F0"))
    frames.add(ScannerFrame(at, mask_code("@#~%&*!?"), Verdict.NOISE))
    p.vm.open_technician()
    p.kiosk.type(STAFF_PIN)
    p.vm.act("test_scan")
    p.vm.scan(LASKAR)
    p.kiosk.settle()


def _guestbook(p: Any, kind: str = "") -> None:
    p.vm.choose("guestbook")
    if kind:
        p.vm.act("kind", kind)
        p.kiosk.settle()


def _guestbook_member(p: Any) -> None:
    _guestbook(p, "member")
    for digit in SITI[:5]:
        p.vm.type_char(digit)


def _guestbook_not_member(p: Any) -> None:
    _guestbook(p, "member")
    p.kiosk.scan(UNKNOWN_CARD)


def _guestbook_name(p: Any) -> None:
    _guestbook(p, "guest")
    for char in "Dewi Lest":
        p.kiosk.clock.advance(0.2)
        p.vm.type_char(char)


def _guestbook_institution(p: Any) -> None:
    _guestbook(p, "guest")
    p.kiosk.type("Dewi Lestari")


def _guestbook_people(p: Any) -> None:
    _guestbook(p, "group")
    p.kiosk.type("Pak Joko Widodo")
    p.kiosk.type("SD Negeri 1 Sleman")


def _guestbook_people_male(p: Any) -> None:
    _guestbook_people(p)
    p.kiosk.type("25")


def _guestbook_purpose(p: Any) -> None:
    _guestbook_institution(p)
    p.kiosk.type("Sekolah Menengah Atas Negeri 1 Yogyakarta")


def _guestbook_occupation(p: Any) -> None:
    _guestbook_purpose(p)
    for code in ("study", "female", "19_25", "bachelor"):
        p.vm.act("pick", code)


def _guestbook_confirm(p: Any) -> None:
    _guestbook_occupation(p)
    p.vm.act("pick", "teacher")


def _guestbook_confirm_group(p: Any) -> None:
    _guestbook_people_male(p)
    p.kiosk.type("10")
    p.vm.act("pick", "event")


def _guestbook_done(p: Any) -> None:
    _guestbook(p)
    p.kiosk.scan(SITI)


def _guestbook_done_guest(p: Any) -> None:
    _guestbook_confirm(p)
    p.vm.act("save")
    p.kiosk.settle()


def _guestbook_repeat(p: Any) -> None:
    for _ in range(2):
        _guestbook(p)
        p.kiosk.scan(SUTRISNO)


STATES: list[TourState] = [
    TourState(
        "idle",
        "idle",
        _attract,
        {"id": "Selamat datang di perpustakaan", "en": "Welcome to the library"},
        help=True,
    ),
    TourState("idle-typed", "idle", _attract_typed, {"id": "Nomor kartu", "en": "Card number"}),
    TourState(
        "borrow.pin",
        "borrow.pin",
        _pin,
        {"id": "Masukkan PIN Anda", "en": "Enter your PIN"},
        help=True,
    ),
    TourState("borrow.pin-wrong", "borrow.pin", _pin_wrong, {"id": "PIN salah", "en": "Wrong PIN"}),
    TourState(
        "borrow.scanning-empty",
        "borrow.scanning",
        _scanning_empty,
        {"id": "Halo, Sutrisno", "en": "Hello, Sutrisno"},
        help=True,
    ),
    TourState(
        "borrow.scanning",
        "borrow.scanning",
        _scanning,
        {"id": "Kembalikan paling lambat", "en": "Return by"},
    ),
    TourState(
        "borrow.scanning-long",
        "borrow.scanning",
        _scanning_long,
        {"id": "buku lain tidak dipinjam", "en": "more books not borrowed"},
    ),
    TourState(
        "borrow.scanning-refusals",
        "borrow.scanning",
        _scanning_refusals,
        {"id": "Sudah Anda pinjam", "en": "Already on your card"},
    ),
    TourState(
        "borrow.scanning-busy",
        "borrow.scanning",
        _scanning_busy,
        {"id": "Mohon tunggu", "en": "Please wait"},
    ),
    TourState(
        "borrow.scanning-warning",
        "borrow.scanning",
        _warning,
        {"id": "Saya perlu waktu lagi", "en": "I need more time"},
    ),
    TourState(
        "borrow.summary",
        "borrow.summary",
        _summary,
        {"id": "Terima kasih, Sutrisno!", "en": "Thank you, Sutrisno!"},
        help=True,
    ),
    TourState(
        "rate",
        "rate",
        _rate,
        {"id": "Bagaimana kunjungan Anda hari ini?", "en": "How was your visit today?"},
        help=True,
    ),
    TourState("thanks", "thanks", _thanks, help=True),
    TourState(
        "borrow.fee",
        "borrow.fee",
        _fee,
        {"id": "dikenai biaya pinjam Rp 5.000", "en": "has a loan fee of Rp 5.000"},
        help=True,
    ),
    TourState(
        "borrow.fee-long",
        "borrow.fee",
        _fee_long,
        {"id": "dikenai biaya pinjam Rp 5.000", "en": "has a loan fee of Rp 5.000"},
    ),
    TourState(
        "borrow.fee-siti",
        "borrow.fee",
        _fee_siti,
        {"id": "Ronggeng Dukuh Paruk", "en": "Ronggeng Dukuh Paruk"},
    ),
    TourState(
        "borrow.summary-fee",
        "borrow.summary",
        _summary_fee,
        {"id": "Anda menyetujui biaya pinjam", "en": "You agreed to loan fees"},
    ),
    TourState(
        "printing",
        "printing",
        _printing,
        {"id": "Struk Anda sedang dicetak", "en": "Printing your receipt"},
        help=True,
    ),
    TourState(
        "borrow.summary-not-printed",
        "borrow.summary",
        _not_printed,
        {"id": "struk tidak dapat dicetak", "en": "the receipt could not be printed"},
    ),
    TourState(
        "error-fines",
        "error",
        _error(FINES_CARD, FINES_PIN),
        {"id": "Denda Anda melebihi batas", "en": "Your fines are over the limit"},
        help=True,
    ),
    TourState("error-expired", "error", _error(EXPIRED_CARD, EXPIRED_PIN)),
    TourState("error-too-many", "error", _error(FULL_CARD, FULL_PIN)),
    TourState("error-blocked", "error", _error(BLOCKED_CARD, BLOCKED_PIN)),
    TourState("error-unknown-card", "error", _error(UNKNOWN_CARD, "1234")),
    TourState("error-wrong-pin", "error", _error_wrong_pin),
    TourState("error-pin-locked", "error", _error_pin_locked),
    TourState("error-ils-down", "error", _error_ils_down),
    TourState(
        "account.card",
        "account.card",
        _account_card,
        {"id": "Pindai kartu perpustakaan Anda", "en": "Scan your library card"},
        help=True,
    ),
    TourState(
        "account.pin",
        "account.pin",
        _account_pin,
        {"id": "Akun saya dan perpanjang", "en": "My account and renew"},
        help=True,
    ),
    TourState(
        "account.overview",
        "account.overview",
        _account,
        {"id": "4 buku dipinjam. 2 terlambat.", "en": "4 books on loan. 2 are overdue."},
        help=True,
    ),
    TourState(
        "account.overview-renewed",
        "account.overview",
        _account_renewed,
        {"id": "Tidak diperpanjang", "en": "Not renewed"},
    ),
    TourState(
        "account.summary",
        "account.summary",
        _account_summary,
        {"id": "Tidak ada buku yang diperpanjang.", "en": "No books were renewed."},
        help=True,
    ),
    TourState(
        "account.settings",
        "account.settings",
        _account_settings,
        {"id": "Simpan untuk kartu saya", "en": "Save for my card"},
        help=True,
    ),
    TourState(
        "account.settings-saved",
        "account.settings",
        _account_settings_saved,
        {"id": "Hapus yang tersimpan", "en": "Delete saved settings"},
    ),
    TourState(
        "guestbook.choose",
        "guestbook.choose",
        lambda p: _guestbook(p),
        {"id": "Siapa yang berkunjung?", "en": "Who is visiting?"},
        help=True,
    ),
    TourState(
        "guestbook.member",
        "guestbook.member",
        _guestbook_member,
        {"id": "PIN tidak diperlukan", "en": "No PIN is needed"},
        help=True,
    ),
    TourState(
        "guestbook.not_member",
        "guestbook.not_member",
        _guestbook_not_member,
        {"id": "Isi sebagai tamu", "en": "Sign in as a guest"},
        help=True,
    ),
    TourState(
        "guestbook.name",
        "guestbook.name",
        _guestbook_name,
        {"id": "Siapa nama Anda?", "en": "What is your name?"},
        help=True,
    ),
    TourState(
        "guestbook.institution",
        "guestbook.institution",
        _guestbook_institution,
        {"id": "Lewati", "en": "Skip"},
        help=True,
    ),
    TourState(
        "guestbook.people",
        "guestbook.people",
        _guestbook_people,
        {"id": "Berapa orang dalam rombongan", "en": "How many people are in the group"},
        help=True,
    ),
    TourState(
        "guestbook.people_male",
        "guestbook.people_male",
        _guestbook_people_male,
        {"id": "Dari 25 orang", "en": "Of the 25 people"},
        help=True,
    ),
    TourState(
        "guestbook.choice",
        "guestbook.choice",
        _guestbook_purpose,
        {"id": "Apa tujuan kunjungan Anda?", "en": "What is the purpose of your visit?"},
        help=True,
    ),
    TourState(
        "guestbook.choice-occupation",
        "guestbook.choice",
        _guestbook_occupation,
        {"id": "Tidak ingin menjawab", "en": "Prefer not to say"},
    ),
    TourState(
        "guestbook.confirm",
        "guestbook.confirm",
        _guestbook_confirm,
        {"id": "Periksa jawaban Anda", "en": "Check your answers"},
        help=True,
    ),
    TourState(
        "guestbook.confirm-group",
        "guestbook.confirm",
        _guestbook_confirm_group,
        {"id": "Perempuan", "en": "Women"},
    ),
    TourState(
        "guestbook.done",
        "guestbook.done",
        _guestbook_done,
        {"id": "Selamat datang, Siti Nurhaliza!", "en": "Welcome, Siti Nurhaliza!"},
        help=True,
    ),
    TourState(
        "guestbook.done-guest",
        "guestbook.done",
        _guestbook_done_guest,
        {"id": "Terima kasih, Dewi Lestari!", "en": "Thank you, Dewi Lestari!"},
    ),
    TourState(
        "guestbook.done-repeat",
        "guestbook.done",
        _guestbook_repeat,
        {"id": "Anda sudah tercatat", "en": "You are already in the guest book"},
    ),
    TourState(
        "technician.staff_pin",
        "technician.staff_pin",
        _technician_pin,
        {"id": "PIN staf", "en": "Staff PIN"},
        help=True,
    ),
    TourState(
        "technician.staff_pin-wrong",
        "technician.staff_pin",
        _technician_pin_wrong,
        {"id": "PIN staf salah", "en": "Wrong staff PIN"},
    ),
    TourState(
        "technician.status",
        "technician.status",
        _technician_status,
        {"id": "adalah buku", "en": "is an item (a book)"},
        help=True,
    ),
    TourState(
        "error-technician-locked",
        "error",
        _technician_locked,
        {"id": "Layar teknisi terkunci", "en": "The technician screen is locked"},
    ),
    # Last: returning takes Dewi's and Yohana's demo books back for good.
    TourState(
        "return.summary",
        "return.summary",
        _return_summary,
        {"id": "2 buku dikembalikan.", "en": "2 books returned."},
        help=True,
    ),
    TourState(
        "return.scanning",
        "return.scanning",
        _returning,
        {"id": "TRANSIT", "en": "TRANSIT"},
        help=True,
    ),
    # After every other: its offline loan waits for a library system that never answers.
    TourState(
        "borrow.scanning-offline",
        "borrow.scanning",
        _scanning_offline,
        {"id": "Luring", "en": "Offline"},
    ),
    # Last too: the scanner stays unplugged for the rest of the kiosk's life.
    TourState(
        "borrow.scanning-no-scanner",
        "borrow.scanning",
        _scanning_no_scanner,
        {"id": "Pemindai tidak tersedia", "en": "Scanner unavailable"},
    ),
]
"""Every state of the tour, in the order it is visited. Services add theirs here."""
