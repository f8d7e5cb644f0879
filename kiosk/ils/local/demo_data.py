"""Deterministic demo data for the embedded demo library.

:func:`generate` builds the same library for the same seed: items (Indonesian and English
books, children's books, cookbooks, reference works), patrons with Indonesian names, and the
loans and holds that exist when the library is first opened. The first patrons and items are
fixed special cases that the README documents (:data:`DEMO_CARDS`); everything after them is
drawn from ``random.Random(seed)``.

Dates are absolute, not relative to today, so the data never changes, and chosen so that
the calendar does not change it either: cards of patrons in good standing expire in the
2090s (well past any kiosk's life; a real library renews them), the expired card expired
in 2024. The backend judges expiry by the kiosk's injected clock. Loan dates are around
:data:`SEED_DATE`; the backend moves them to the day it seeds the file, so an overdue loan
is overdue by the same days and a ready hold is ready, whatever the calendar.

The cards and items for returns, renewals, holds and fees (schema 3) have sequence numbers
from :data:`SERVICE_SEQUENCE` on, after the random part, so adding them changed no earlier
barcode or PIN: a file seeded by an older version is upgraded by adding just them.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from devices.codabar import make
from kiosk.core.i18n import rupiah
from kiosk.core.model import FineReason, Refusal, SortBin
from kiosk.ils.local import catalogue as cat

DEFAULT_SEED = 20240817
INSTITUTION = 3171
PATRON_TYPE_DIGIT = 2
"""First digit of the demo library's patron barcodes."""
ITEM_TYPE_DIGIT = 3
"""First digit of the demo library's item barcodes."""
FINES_LIMIT = 50_000
"""Patrons owing more than this many Rupiah may not borrow."""
LOAN_LIMIT = 5
LOAN_DAYS = 14
NEW_ITEM_LOAN_DAYS = 7
PATRON_COUNT = 60
ITEM_COUNT = 320
SEED_DATE = dt.date(2026, 6, 1)
"""Loans that exist at seed time were made in the weeks before this date."""
RENEWAL_LIMIT = 2
"""Renewals per loan."""
FINE_PER_DAY = 1_000
"""Rupiah charged for each day an item is returned late."""
HOLD_PICKUP_DAYS = 7
"""Days a ready hold waits on the hold shelf."""
OTHER_BRANCH = "Perpustakaan Cabang Kebayoran"
"""The branch some items belong to; returned here, they travel back there."""
BLOCKED_MESSAGE = "Kartu diblokir karena ada buku yang hilang. Silakan ke bagian sirkulasi."
"""The library's message (SIP2 AF) for a card it blocked, in the library's language."""
SERVICE_SEQUENCE = 1001
"""First sequence number of the cards and items added for returns, renewals and fees."""


@dataclass(frozen=True, slots=True)
class DemoPatron:
    """A library member. ``pin`` is in clear here; the backend stores it hashed."""

    barcode: str
    name: str
    pin: str
    expires: dt.date
    fines: int
    loan_limit: int = LOAN_LIMIT
    blocked: bool = False


@dataclass(frozen=True, slots=True)
class DemoItem:
    """One physical copy with its own barcode. ``new`` items lend for 7 days."""

    barcode: str
    title: str
    author: str
    reference: bool = False
    new: bool = False
    home_branch: str = ""
    """Empty: this library's own; else the branch it goes back to when returned here."""
    loan_fee: int = 0
    """Rupiah charged for each loan (e.g. a new DVD)."""
    note: str = ""
    """The library's message shown when it is returned (SIP2 screen message)."""


@dataclass(frozen=True, slots=True)
class DemoLoan:
    """An item on loan when the library is first opened."""

    item_barcode: str
    patron_barcode: str
    checked_out: dt.date
    due: dt.date
    renewals: int = 0


@dataclass(frozen=True, slots=True)
class DemoHold:
    """A hold (reservation) waiting when the library is first opened."""

    item_barcode: str
    patron_barcode: str


@dataclass(frozen=True, slots=True)
class DemoFine:
    """An amount owed when the library is first opened (a patron's fines, itemised)."""

    patron_barcode: str
    reason: FineReason
    amount: int
    title: str = ""


@dataclass(frozen=True, slots=True)
class DemoLibrary:
    """Everything the demo library is seeded with.

    Holds are in queue order; a hold on an item that is not on loan is ready for pickup.
    """

    patrons: tuple[DemoPatron, ...]
    items: tuple[DemoItem, ...]
    loans: tuple[DemoLoan, ...]
    holds: tuple[DemoHold, ...]
    fines: tuple[DemoFine, ...] = ()


def patron_barcode(sequence: int) -> str:
    """Barcode of the demo patron with this sequence number."""
    return make(PATRON_TYPE_DIGIT, INSTITUTION, sequence)


def item_barcode(sequence: int) -> str:
    """Barcode of the demo item with this sequence number."""
    return make(ITEM_TYPE_DIGIT, INSTITUTION, sequence)


# --- fixed special cases (the first patrons and items) -------------------------------------

_FAR = dt.date(2099, 12, 31)
SUTRISNO = DemoPatron(patron_barcode(1), "Sutrisno", "1234", _FAR, 0)
SITI = DemoPatron(patron_barcode(2), "Siti Nurhaliza", "2468", _FAR, 5_000)
MADE = DemoPatron(patron_barcode(3), "Made Wirawan", "1111", _FAR, 75_500)
RUTH = DemoPatron(patron_barcode(4), "Ruth Simanjuntak", "4321", dt.date(2024, 3, 31), 0)
RIZKI = DemoPatron(patron_barcode(5), "Muhammad Rizki", "5555", _FAR, 0)
HENDRA = DemoPatron(patron_barcode(6), "Hendra Gunawan", "6789", _FAR, 0, blocked=True)
SPECIAL_PATRONS = (SUTRISNO, SITI, MADE, RUTH, RIZKI, HENDRA)

AVAILABLE = DemoItem(item_barcode(1), "Laskar Pelangi", "Andrea Hirata")
NEW_ITEM = DemoItem(item_barcode(2), "Laut Bercerita", "Leila S. Chudori", new=True)
REFERENCE = DemoItem(
    item_barcode(3), *cat.REFERENCE_BOOKS[0], reference=True
)  # Kamus Besar Bahasa Indonesia
HELD_FOR_SITI = DemoItem(item_barcode(4), "Cantik Itu Luka", "Eka Kurniawan")
LENT_TO_SITI = DemoItem(item_barcode(5), "Ronggeng Dukuh Paruk", "Ahmad Tohari")
ENGLISH_ITEM = DemoItem(item_barcode(6), "The Little Prince", "Antoine de Saint-Exupéry")
_RIZKI_BOOKS = (
    ("Bumi Manusia", "Pramoedya Ananta Toer"),
    ("Negeri 5 Menara", "Ahmad Fuadi"),
    ("Perahu Kertas", "Dee Lestari"),
    ("Filosofi Teras", "Henry Manampiring"),
    ("Atomic Habits", "James Clear"),
)
LENT_TO_RIZKI = tuple(
    DemoItem(item_barcode(7 + i), title, author) for i, (title, author) in enumerate(_RIZKI_BOOKS)
)
SPECIAL_ITEMS: tuple[DemoItem, ...] = (
    AVAILABLE,
    NEW_ITEM,
    REFERENCE,
    HELD_FOR_SITI,
    LENT_TO_SITI,
    ENGLISH_ITEM,
)
SPECIAL_ITEMS += LENT_TO_RIZKI
UNKNOWN_PATRON_BARCODE = patron_barcode(99_000_001)
UNKNOWN_ITEM_BARCODE = item_barcode(99_000_001)

# Returns, renewals, holds and fees (schema 3). Names the random pools cannot draw.
DEWI = DemoPatron(patron_barcode(SERVICE_SEQUENCE), "Dewi Anggraini", "3141", _FAR, 3_000)
YOHANA = DemoPatron(patron_barcode(SERVICE_SEQUENCE + 1), "Yohana Manurung", "2718", _FAR, 0)
SERVICE_PATRONS = (DEWI, YOHANA)
OVERDUE_5_DAYS = DemoItem(item_barcode(SERVICE_SEQUENCE), "Sang Pemimpi", "Andrea Hirata")
OVERDUE_12_DAYS = DemoItem(
    item_barcode(SERVICE_SEQUENCE + 1), "Hujan Bulan Juni", "Sapardi Djoko Damono"
)
HELD_FOR_YOHANA = DemoItem(item_barcode(SERVICE_SEQUENCE + 2), "Bumi", "Tere Liye")
AT_RENEWAL_LIMIT = DemoItem(item_barcode(SERVICE_SEQUENCE + 3), "Matahari", "Tere Liye")
OTHER_BRANCH_ITEM = DemoItem(
    item_barcode(SERVICE_SEQUENCE + 4),
    "Negeri Para Bedebah",
    "Tere Liye",
    home_branch=OTHER_BRANCH,
)
READY_FOR_YOHANA = DemoItem(item_barcode(SERVICE_SEQUENCE + 5), "Aroma Karsa", "Dee Lestari")
FEE_DVD = DemoItem(
    item_barcode(SERVICE_SEQUENCE + 6),
    "Laskar Pelangi (film, DVD)",
    "Riri Riza",
    new=True,
    loan_fee=5_000,
    note="Periksa: cakram DVD ada di dalam kotaknya.",
)
SERVICE_ITEMS = (
    OVERDUE_5_DAYS,
    OVERDUE_12_DAYS,
    HELD_FOR_YOHANA,
    AT_RENEWAL_LIMIT,
    OTHER_BRANCH_ITEM,
    READY_FOR_YOHANA,
    FEE_DVD,
)


def _special_loans() -> list[DemoLoan]:
    out = [DemoLoan(LENT_TO_SITI.barcode, SITI.barcode, dt.date(2026, 5, 20), dt.date(2026, 6, 3))]
    for i, item in enumerate(LENT_TO_RIZKI):
        start = dt.date(2026, 5, 11) + dt.timedelta(days=i)
        out.append(DemoLoan(item.barcode, RIZKI.barcode, start, start + dt.timedelta(LOAN_DAYS)))
    return out


def _service_loans() -> list[DemoLoan]:
    """Dewi's four loans (two late, one held for Yohana, one renewed twice) and Yohana's one."""

    def lent(item: DemoItem, who: DemoPatron, due_in: int, renewals: int = 0) -> DemoLoan:
        due = SEED_DATE + dt.timedelta(days=due_in)
        start = due - dt.timedelta(days=LOAN_DAYS * (renewals + 1))
        return DemoLoan(item.barcode, who.barcode, start, due, renewals)

    return [
        lent(OVERDUE_5_DAYS, DEWI, -5),
        lent(OVERDUE_12_DAYS, DEWI, -12),
        lent(HELD_FOR_YOHANA, DEWI, 6),
        lent(AT_RENEWAL_LIMIT, DEWI, 9, renewals=RENEWAL_LIMIT),
        lent(OTHER_BRANCH_ITEM, YOHANA, 8),
    ]


SERVICE_HOLDS = (
    DemoHold(READY_FOR_YOHANA.barcode, YOHANA.barcode),  # on the shelf: ready for pickup
    DemoHold(HELD_FOR_YOHANA.barcode, YOHANA.barcode),  # on loan to Dewi: Yohana is first
    DemoHold(HELD_FOR_YOHANA.barcode, SITI.barcode),  # ... and Siti second
)
ITEMISED_FINES = (
    DemoFine(SITI.barcode, FineReason.OVERDUE, 5_000, "Pulang"),
    DemoFine(MADE.barcode, FineReason.LOST_ITEM, 65_000, "Kubah"),
    DemoFine(MADE.barcode, FineReason.OVERDUE, 10_500, "Edensor"),
    DemoFine(DEWI.barcode, FineReason.OVERDUE, 3_000, "Bulan"),
)
"""The special patrons' fines, itemised; every other patron's is one overdue fine."""


def _fines(patrons: tuple[DemoPatron, ...]) -> tuple[DemoFine, ...]:
    itemised = {fine.patron_barcode for fine in ITEMISED_FINES}
    rest = tuple(
        DemoFine(p.barcode, FineReason.OVERDUE, p.fines)
        for p in patrons
        if p.fines and p.barcode not in itemised
    )
    return ITEMISED_FINES + rest


# --- random part ---------------------------------------------------------------------------


def _random_name(rng: random.Random) -> str:
    group = rng.choices(
        ("jv1", "jv", "jvw", "su", "batak", "minang", "bali", "baliw", "chinese", "muslim", "east"),
        weights=(3, 4, 4, 4, 4, 3, 2, 2, 3, 5, 2),
    )[0]
    pools: dict[str, tuple[str, ...]] = {
        "jv1": cat.JAVANESE_SINGLE,
        "su": cat.SUNDANESE,
        "minang": cat.MINANG,
        "chinese": cat.CHINESE_INDONESIAN,
        "muslim": cat.MUSLIM,
        "east": cat.EASTERN,
    }
    if group in pools:
        return rng.choice(pools[group])
    given, family = {
        "jv": cat.JAVANESE,
        "jvw": cat.JAVANESE_WOMEN,
        "batak": cat.BATAK,
        "bali": cat.BALINESE_MEN,
    }.get(group, cat.BALINESE_WOMEN)
    return f"{rng.choice(given)} {rng.choice(family)}"


def _random_patrons(rng: random.Random) -> list[DemoPatron]:
    taken = {p.name for p in SPECIAL_PATRONS}
    patrons: list[DemoPatron] = []
    sequence = len(SPECIAL_PATRONS)
    while len(patrons) < PATRON_COUNT - len(SPECIAL_PATRONS):
        name = _random_name(rng)
        if name in taken:
            continue
        taken.add(name)
        sequence += 1
        # As wide a range as the 2029-2034 of schema 1, so the draws and every PIN stay the same.
        expires = dt.date(rng.randint(2094, 2099), rng.randint(1, 12), rng.randint(1, 28))
        fines = rng.choice((0, 0, 0, 0, 0, 0, 1_000, 2_500, 5_000, 12_000, 20_000))
        pin = f"{rng.randrange(10_000):04d}"
        patrons.append(DemoPatron(patron_barcode(sequence), name, pin, expires, fines))
    return patrons


def _titles(rng: random.Random) -> list[tuple[str, str]]:
    """Every lendable title once, with generated non-fiction credited to invented authors."""
    titles = list(cat.INDONESIAN_BOOKS) + list(cat.ENGLISH_BOOKS)
    for template, words in cat.INDONESIAN_TEMPLATES:
        for word in words:
            titles.append((template.format(word), _invented_author(rng)))
    for tale in cat.CHILDREN_FOLK_TALES:
        titles.append((f"{tale}: Cerita Rakyat Bergambar", _invented_author(rng)))
    for template, words in cat.ENGLISH_TEMPLATES:
        for word in words:
            titles.append((template.format(word), rng.choice(cat.ENGLISH_AUTHORS)))
    return titles


def _invented_author(rng: random.Random) -> str:
    given, family = rng.choice(
        (cat.JAVANESE, cat.JAVANESE_WOMEN, cat.BATAK, cat.BALINESE_MEN, cat.BALINESE_WOMEN)
    )
    return f"{rng.choice(given)} {rng.choice(family)}"


def _random_items(rng: random.Random) -> list[DemoItem]:
    titles = _titles(rng)
    copies: list[tuple[str, str, bool]] = [(t, a, False) for t, a in titles]
    copies += [(t, a, True) for t, a in cat.REFERENCE_BOOKS for _ in range(2)]
    while len(copies) < ITEM_COUNT - len(SPECIAL_ITEMS):
        title, author = rng.choice(titles)
        copies.append((title, author, False))
    rng.shuffle(copies)
    items = []
    for offset, (title, author, reference) in enumerate(copies, start=len(SPECIAL_ITEMS) + 1):
        new = not reference and rng.random() < 0.08
        items.append(DemoItem(item_barcode(offset), title, author, reference=reference, new=new))
    return items


def _random_circulation(
    rng: random.Random, patrons: list[DemoPatron], items: list[DemoItem]
) -> tuple[list[DemoLoan], list[DemoHold]]:
    lendable = [item for item in items if not item.reference]
    rng.shuffle(lendable)
    loans: list[DemoLoan] = []
    for patron in patrons:
        for _ in range(rng.choice((0, 0, 0, 1, 1, 2, 3))):
            item = lendable.pop()
            start = SEED_DATE - dt.timedelta(days=rng.randint(1, 30))
            days = NEW_ITEM_LOAN_DAYS if item.new else LOAN_DAYS
            loans.append(DemoLoan(item.barcode, patron.barcode, start, start + dt.timedelta(days)))
    borrower = {loan.item_barcode: loan.patron_barcode for loan in loans}
    on_loan = [item for item in items if item.barcode in borrower]
    holds: list[DemoHold] = []
    for item in rng.sample(on_loan, 8) + lendable[:4]:
        candidates = [p for p in patrons if p.barcode != borrower.get(item.barcode)]
        holds.append(DemoHold(item.barcode, rng.choice(candidates).barcode))
    return loans, holds


def generate(seed: int = DEFAULT_SEED) -> DemoLibrary:
    """Build the demo library. The same seed always gives an equal :class:`DemoLibrary`.

    Args:
        seed: seed for ``random.Random``; the special cases do not depend on it.
    """
    rng = random.Random(seed)
    patrons = _random_patrons(rng)
    items = _random_items(rng)
    loans, holds = _random_circulation(rng, patrons, items)
    all_patrons = SPECIAL_PATRONS + tuple(patrons) + SERVICE_PATRONS
    return DemoLibrary(
        patrons=all_patrons,
        items=SPECIAL_ITEMS + tuple(items) + SERVICE_ITEMS,
        loans=tuple(_special_loans() + loans + _service_loans()),
        holds=(DemoHold(HELD_FOR_SITI.barcode, SITI.barcode), *holds, *SERVICE_HOLDS),
        fines=_fines(all_patrons),
    )


# --- documented demo cards -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class DemoPatronCard:
    """A card for the README. ``expected`` is what ``check_patron(barcode, pin)`` answers."""

    barcode: str
    pin: str
    name: str
    what_happens: str
    expected: Refusal | None


@dataclass(frozen=True, slots=True)
class DemoItemCard:
    """An item label for the README. ``outcomes``: (patron barcode, checkout refusal or None).

    ``returned``: where a return sends it (None: not tried); ``renewals``: (patron barcode,
    renewal refusal or None).
    """

    barcode: str
    title: str
    what_happens: str
    outcomes: tuple[tuple[str, Refusal | None], ...]
    returned: SortBin | None = None
    renewals: tuple[tuple[str, Refusal | None], ...] = ()


DEMO_CARDS: tuple[DemoPatronCard | DemoItemCard, ...] = (
    DemoPatronCard(SUTRISNO.barcode, SUTRISNO.pin, SUTRISNO.name,
                   "Good standing, no loans: may borrow up to 5 items.", None),
    DemoPatronCard(SITI.barcode, SITI.pin, SITI.name,
                   "Good standing, 1 loan, owes Rp 5.000; Cantik Itu Luka waits for her on "
                   "the hold shelf, and she is 2nd in the queue for Bumi.", None),
    DemoPatronCard(MADE.barcode, MADE.pin, MADE.name,
                   "Owes Rp 75.500 (limit Rp 50.000): refused, fines over limit.",
                   Refusal.FINES_OVER_LIMIT),
    DemoPatronCard(RUTH.barcode, RUTH.pin, RUTH.name,
                   "Card expired on 31 March 2024: refused.", Refusal.CARD_EXPIRED),
    DemoPatronCard(RIZKI.barcode, RIZKI.pin, RIZKI.name,
                   "Already has 5 of 5 items: refused, too many items.", Refusal.TOO_MANY_ITEMS),
    DemoPatronCard(HENDRA.barcode, HENDRA.pin, HENDRA.name,
                   "Blocked by the library (lost items): refused, with the library's own "
                   "message.", Refusal.PATRON_BLOCKED),
    DemoPatronCard(DEWI.barcode, DEWI.pin, DEWI.name,
                   "4 loans: 2 overdue (5 and 12 days late, Rp 1.000 a day accruing), "
                   "1 that Yohana waits for, 1 renewed twice already; owes Rp 3.000 more.",
                   None),
    DemoPatronCard(YOHANA.barcode, YOHANA.pin, YOHANA.name,
                   "1 loan (another branch's book, renewable); Aroma Karsa is ready for her "
                   "on the hold shelf, and she is 1st in the queue for Bumi.", None),
    DemoPatronCard(SUTRISNO.barcode, "0000", SUTRISNO.name,
                   "Sutrisno's card with a wrong PIN: refused, wrong PIN.", Refusal.WRONG_PIN),
    DemoPatronCard(UNKNOWN_PATRON_BARCODE, "1234", "(nobody)",
                   "Valid barcode the library does not know: unknown card.",
                   Refusal.UNKNOWN_PATRON),
    DemoItemCard(AVAILABLE.barcode, AVAILABLE.title,
                 "On the shelf: lent for 14 days.", ((SUTRISNO.barcode, None),)),
    DemoItemCard(NEW_ITEM.barcode, NEW_ITEM.title,
                 "New acquisition: lent for 7 days.", ((SUTRISNO.barcode, None),)),
    DemoItemCard(ENGLISH_ITEM.barcode, ENGLISH_ITEM.title,
                 "English book on the shelf: lent for 14 days.", ((SUTRISNO.barcode, None),)),
    DemoItemCard(REFERENCE.barcode, REFERENCE.title,
                 "Reference only: refused, not loanable.",
                 ((SUTRISNO.barcode, Refusal.NOT_LOANABLE),)),
    DemoItemCard(HELD_FOR_SITI.barcode, HELD_FOR_SITI.title,
                 "On hold for Siti: refused for Sutrisno, with the library's own screen message; "
                 "Siti gets it, lent for 14 days.",
                 ((SUTRISNO.barcode, Refusal.ON_HOLD_FOR_ANOTHER), (SITI.barcode, None))),
    DemoItemCard(LENT_TO_SITI.barcode, LENT_TO_SITI.title,
                 "On loan to Siti: Sutrisno is refused (on loan to another); "
                 "Siti is told it is already hers.",
                 ((SUTRISNO.barcode, Refusal.ON_LOAN_TO_ANOTHER),
                  (SITI.barcode, Refusal.ALREADY_YOURS))),
    DemoItemCard(FEE_DVD.barcode, FEE_DVD.title,
                 "New DVD with a loan fee of Rp 5.000: the kiosk asks first; yes: lent for 7 "
                 "days and the fee is added to the fines; no: not lent, nothing charged.",
                 ((SUTRISNO.barcode, Refusal.FEE_REQUIRED),)),
    DemoItemCard(READY_FOR_YOHANA.barcode, READY_FOR_YOHANA.title,
                 "Ready for Yohana on the hold shelf: refused for Sutrisno (on hold); "
                 "Yohana gets it, lent for 14 days.",
                 ((SUTRISNO.barcode, Refusal.ON_HOLD_FOR_ANOTHER), (YOHANA.barcode, None))),
    DemoItemCard(OVERDUE_5_DAYS.barcode, OVERDUE_5_DAYS.title,
                 "Dewi's, 5 days overdue: not renewed (overdue); returned, Rp 5.000 is "
                 "charged and it goes back on the shelf.",
                 ((SUTRISNO.barcode, Refusal.ON_LOAN_TO_ANOTHER),), SortBin.SHELF,
                 ((DEWI.barcode, Refusal.ITEM_OVERDUE),)),
    DemoItemCard(OVERDUE_12_DAYS.barcode, OVERDUE_12_DAYS.title,
                 "Dewi's, 12 days overdue: returned, Rp 12.000 is charged.",
                 ((SUTRISNO.barcode, Refusal.ON_LOAN_TO_ANOTHER),), SortBin.SHELF,
                 ((DEWI.barcode, Refusal.ITEM_OVERDUE),)),
    DemoItemCard(HELD_FOR_YOHANA.barcode, HELD_FOR_YOHANA.title,
                 "Dewi's, Yohana and Siti wait for it: not renewed (on hold for another); "
                 "returned, it goes to the hold shelf for Yohana.",
                 ((SUTRISNO.barcode, Refusal.ON_LOAN_TO_ANOTHER),), SortBin.HOLD_SHELF,
                 ((DEWI.barcode, Refusal.ON_HOLD_FOR_ANOTHER),)),
    DemoItemCard(AT_RENEWAL_LIMIT.barcode, AT_RENEWAL_LIMIT.title,
                 f"Dewi's, renewed {RENEWAL_LIMIT} times already: not renewed "
                 "(renewal limit reached).",
                 ((SUTRISNO.barcode, Refusal.ON_LOAN_TO_ANOTHER),), SortBin.SHELF,
                 ((DEWI.barcode, Refusal.RENEWAL_LIMIT), (SUTRISNO.barcode,
                                                          Refusal.ON_LOAN_TO_ANOTHER))),
    DemoItemCard(OTHER_BRANCH_ITEM.barcode, OTHER_BRANCH_ITEM.title,
                 f"Yohana's, belongs to {OTHER_BRANCH}: Yohana may renew it; returned, it "
                 "goes in the transit box for that branch.",
                 ((SUTRISNO.barcode, Refusal.ON_LOAN_TO_ANOTHER),), SortBin.TRANSIT,
                 ((YOHANA.barcode, None),)),
    DemoItemCard(UNKNOWN_ITEM_BARCODE, "(none)",
                 "Valid barcode the library does not know: unknown item.",
                 ((SUTRISNO.barcode, Refusal.UNKNOWN_ITEM),)),
)  # fmt: skip


def demo_cards_markdown() -> str:
    """Render :data:`DEMO_CARDS` as two Markdown tables (patrons, then items) for the README."""
    lines = [
        "| Card barcode | PIN | Name | What happens |",
        "|---|---|---|---|",
    ]
    for card in DEMO_CARDS:
        if isinstance(card, DemoPatronCard):
            lines.append(f"| `{card.barcode}` | `{card.pin}` | {card.name} | {card.what_happens} |")
    lines += ["", "| Item barcode | Title | What happens |", "|---|---|---|"]
    for card in DEMO_CARDS:
        if isinstance(card, DemoItemCard):
            lines.append(f"| `{card.barcode}` | {card.title} | {card.what_happens} |")
    lines += [
        "",
        "Item outcomes are for Sutrisno unless the row says otherwise. Every other card in "
        f"the demo library is in good standing; fines limit {rupiah(FINES_LIMIT)}, loan "
        f"limit {LOAN_LIMIT} items, {RENEWAL_LIMIT} renewals per loan, late returns "
        f"{rupiah(FINE_PER_DAY)} a day, ready holds wait {HOLD_PICKUP_DAYS} days. Loan and "
        "hold dates count from the day the demo library was first opened.",
    ]
    return "\n".join(lines) + "\n"
