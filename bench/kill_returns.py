"""Acceptance bench (issue 7): kill -9 the kiosk at random moments while it takes books back
and renews loans.

Runs the real kiosk (``python -m kiosk.cli run --headless``, demo library) with a serial
scanner on a pseudo-terminal, as ``kill_checkouts.py`` does (``bench/_kiosk_process.py``).
Before the run the demo library in the bench's private data folder is given, through its
own API (``LocalIls.add``), ``--patrons`` bench patrons with ``LOANS_EACH`` books each on
loan, due in 10 days, so there is plenty to return and to renew (2 renewals per loan).

Each round starts the kiosk, waits for the attract screen and then either

* returns: ``:choose return``, scans a burst of books on loan (now and then one already
  returned, which must be refused, never recorded), or
* renewals: ``:choose account``, scans a bench patron's card, types the PIN, waits for the
  account and renews: one to three loans one by one (``:act renew <item>``), Renew all
  (``:act renew_all``), or one loan and, once its row says renewed, Renew all (which
  renews that loan once more at the library),

and sends SIGKILL: in most rounds after a random delay, so kills land before, during and
after the ILS calls; in some as soon as the bench, watching the demo library's file from
outside, sees the ILS commit a return or a renewal, so the kill lands between the ILS's
commit and the store's. There is no test hook in the kiosk: only timing. The kiosk is
restarted every round; its start-up reconciliation settles what the kill left open.

At the end the kiosk is started once more and left to reconcile, then stopped normally,
and the bench compares the two databases directly:

* returns: every loan the ILS ended during the run has exactly one kiosk ``returns`` row;
  a kiosk return of an item the ILS did not take back is a phantom;
* renewals: per item, the renewals the ILS made during the run (its loan's ``renewals``
  counter, read after every round since a return ends the loan) equal the kiosk's
  ``renewals`` rows for it (fewer: missing, more: phantom), and the last row's due date is
  the ILS's due date for a loan still out;
* every return and renewal row has its outbox event; no intent is left open.

    python bench/kill_returns.py [--returns 60] [--renewals 60] [--seed 7]

Exits 1 on any mismatch. About 2-4 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._kiosk_process import (  # noqa: E402
    ILS_FILE,
    STORE_FILE,
    Kiosk,
    first_start,
    kill_timer,
    query,
    wait_settled,
)
from devices import codabar  # noqa: E402
from devices.sim import PtyScannerSimulator  # noqa: E402
from kiosk.ils.local import LocalIls  # noqa: E402
from kiosk.ils.local.demo_data import (  # noqa: E402
    INSTITUTION,
    RENEWAL_LIMIT,
    SEED_DATE,
    DemoItem,
    DemoLibrary,
    DemoLoan,
    DemoPatron,
)

BENCH_SERIAL = 700_000  # sequence numbers far beyond the demo data's (no clash)
BENCH_PIN = "1357"
LOANS_EACH = 6  # loans per bench patron: Renew all renews at most this many at once
BURST = 4  # books scanned per return round
TARGETED = 0.4  # share of rounds killed just after the ILS commits
STRAY = 0.2  # share of return rounds that also scan a book already returned
SHOWN = 10  # mismatched items listed by name
OPEN_SQL = "SELECT count(*) FROM item_intents WHERE resolution IS NULL"

Loans = dict[str, tuple[str, int, str]]
"""Item barcode -> (patron barcode, renewals, due date) of every loan the ILS holds."""


def seed(ils_file: Path, patrons: int) -> dict[str, str]:
    """Add bench patrons with ``LOANS_EACH`` loans each; returns item barcode -> title."""
    cards = [codabar.make(2, INSTITUTION, BENCH_SERIAL + n) for n in range(patrons)]
    people = tuple(
        DemoPatron(card, f"Pembaca Uji {n}", BENCH_PIN, dt.date(2099, 12, 31), 0, 100)
        for n, card in enumerate(cards)
    )
    items: list[DemoItem] = []
    loans: list[DemoLoan] = []
    for n in range(patrons * LOANS_EACH):
        barcode = codabar.make(3, INSTITUTION, BENCH_SERIAL + n)
        items.append(DemoItem(barcode, f"Buku uji {n:03d}", "Penulis Uji"))
        due = SEED_DATE + dt.timedelta(days=10)  # moved to today + 10 at seeding
        loans.append(DemoLoan(barcode, cards[n // LOANS_EACH], SEED_DATE, due))
    ils = LocalIls.open(ils_file)
    try:
        ils.add(DemoLibrary(patrons=people, items=tuple(items), loans=tuple(loans), holds=()))
    finally:
        ils.close()
    return {item.barcode: item.title for item in items}


def ils_loans(ils: Path) -> Loans:
    """Every loan the demo library holds now (read from its file, from outside)."""
    rows = query(
        ils,
        "SELECT i.barcode, p.barcode, l.renewals, l.due FROM loans l "
        "JOIN patrons p ON p.id = l.patron_id JOIN items i ON i.id = l.item_id",
    )
    return {str(i): (str(p), int(n), str(d)) for i, p, n, d in rows}  # type: ignore[call-overload]


def kill_when(kiosk: Kiosk, rng: random.Random, changed: Callable[[], bool],
              kill_after: Callable[[], float]) -> str:  # fmt: skip
    """Kill the kiosk just after the ILS commits (``changed``) or after a random delay."""
    if rng.random() < TARGETED:
        # Watch the ILS from outside and kill as soon as it has committed: the kiosk is
        # then usually between the ILS's commit and its own.
        deadline = time.monotonic() + 5.0
        while not changed() and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(rng.uniform(0.0, 0.01))
        kiosk.kill()
        return "just after an ILS commit"
    time.sleep(kill_after())
    kiosk.kill()
    return "at a random moment"


def return_round(kiosk: Kiosk, scanner: PtyScannerSimulator, ils: Path, rng: random.Random,
                 bench_items: list[str], kill_after: Callable[[], float]) -> str:  # fmt: skip
    """Return a burst of books, then kill."""
    kiosk.type(":choose return")
    if not kiosk.wait_for("return.scanning"):
        kiosk.kill()
        return "return: no scanning screen"
    lent = ils_loans(ils)
    out = [item for item in bench_items if item in lent]
    books = rng.sample(out, min(BURST, len(out)))
    back = [item for item in bench_items if item not in lent]
    if back and rng.random() < STRAY:
        books.insert(rng.randrange(len(books) + 1), rng.choice(back))
    for book in books:
        scanner.send(book)
    when = kill_when(kiosk, rng, lambda: len(ils_loans(ils)) < len(lent), kill_after)
    return f"return: killed {when}"


def renewal_round(kiosk: Kiosk, scanner: PtyScannerSimulator, ils: Path, store: Path,
                  rng: random.Random, titles: dict[str, str],
                  kill_after: Callable[[], float]) -> str:  # fmt: skip
    """Sign a bench patron in to My account, renew, then kill."""
    lent = ils_loans(ils)
    renewable: dict[str, list[str]] = {}
    for item, (card, renewals, _due) in lent.items():
        if item in titles and renewals < RENEWAL_LIMIT:
            renewable.setdefault(card, []).append(item)
    if not renewable:
        kiosk.stop()
        return "renewal: no renewable loan left"
    card = rng.choice(sorted(renewable))
    mine = [item for item, loan in lent.items() if loan[0] == card]
    kiosk.type(":choose account")
    if not kiosk.wait_for("account.card"):
        kiosk.kill()
        return "renewal: no card screen"
    scanner.send(card)
    if not kiosk.wait_for("account.pin"):
        kiosk.kill()
        return "renewal: no PIN screen"
    kiosk.type(BENCH_PIN)
    # The account is loaded once one of the patron's titles is on the screen.
    deadline = time.monotonic() + 30
    while not any(titles[item] in kiosk.screen() for item in mine):
        if time.monotonic() > deadline or kiosk.process.poll() is not None:
            kiosk.kill()
            return "renewal: account not shown"
        time.sleep(0.02)

    def renewed() -> int:
        return sum(renewals for item, (_c, renewals, _d) in ils_loans(ils).items() if item in mine)

    before = renewed()
    way = rng.choice(("one by one", "one by one", "all", "one, then all"))
    if way == "one by one":
        for item in rng.sample(renewable[card], min(len(renewable[card]), rng.randint(1, 3))):
            kiosk.type(f":act renew {item}")
    elif way == "all":
        kiosk.type(":act renew_all")
    else:
        first = rng.choice(renewable[card])
        done_sql = (
            "SELECT count(*) FROM item_intents WHERE action = 'renewal' AND item_barcode = ? "
            "AND resolution IS NOT NULL"
        )
        resolved = query(store, done_sql, first)[0][0]
        kiosk.type(f":act renew {first}")
        deadline = time.monotonic() + 10
        while query(store, done_sql, first)[0][0] == resolved and time.monotonic() < deadline:
            time.sleep(0.005)
        time.sleep(0.3)  # its answer reaches the screen: Renew all waits for it
        before = renewed()
        kiosk.type(":act renew_all")
    when = kill_when(kiosk, rng, lambda: renewed() > before, kill_after)
    return f"renewal ({way}): killed {when}"


def in_window(data: Path) -> set[tuple[str, str]]:
    """Open intents the ILS has already carried out: the kill fell between the two commits.

    Returns (action, intent id) pairs.
    """
    lent = ils_loans(data / ILS_FILE)
    rows = query(
        data / STORE_FILE,
        "SELECT action, intent_id, item_barcode, due_before FROM item_intents "
        "WHERE resolution IS NULL",
    )
    found = set()
    for action, intent_id, item, due_before in rows:
        done_return = action == "return" and item not in lent
        done_renewal = action == "renewal" and item in lent and lent[str(item)][2] > str(due_before)
        if done_return or done_renewal:
            found.add((str(action), str(intent_id)))
    return found


def settle(data: Path, scanner: PtyScannerSimulator, log: Path) -> int:
    """Start the kiosk without killing it, let it reconcile, stop it. Returns its exit code."""
    kiosk = Kiosk(data, scanner, log)
    kiosk.wait_for("idle")
    wait_settled(kiosk, data / STORE_FILE, OPEN_SQL)
    return kiosk.stop()


def report(data: Path, start: Loans, renewals_seen: dict[str, int]) -> int:
    """Print the figures; return the number of mismatches."""
    store, end = data / STORE_FILE, ils_loans(data / ILS_FILE)
    ended = set(start) - set(end)
    returns = Counter(str(row[0]) for row in query(store, "SELECT item_barcode FROM returns"))
    missing_returns = [item for item in ended if returns[item] != 1]
    phantom_returns = [item for item in returns if item not in ended]
    ils_renewals = Counter({item: renewals_seen[item] - start[item][1] for item in start})
    rows = query(store, "SELECT item_barcode, due FROM renewals ORDER BY id")
    kiosk_renewals = Counter(str(item) for item, _due in rows)
    last_due = {str(item): str(due) for item, due in rows}
    items = set(ils_renewals) | set(kiosk_renewals)
    missing_renewals = sum(max(0, ils_renewals[i] - kiosk_renewals[i]) for i in items)
    phantom_renewals = sum(max(0, kiosk_renewals[i] - ils_renewals[i]) for i in items)
    wrong_due = [i for i in last_due if i in end and last_due[i] != end[i][2]]
    outbox = Counter(str(k) for (k,) in query(store, "SELECT kind FROM outbox_events"))
    no_outbox = {
        table: int(query(store, f"SELECT count(*) FROM {table} t WHERE NOT EXISTS "
                                "(SELECT 1 FROM outbox_events o WHERE o.event_id = t.event_id "
                                "AND o.kind = ?)", kind)[0][0])  # type: ignore[call-overload]
        for table, kind in (("returns", "return"), ("renewals", "renewal"))
    }  # fmt: skip
    open_intents = int(query(store, OPEN_SQL)[0][0])  # type: ignore[call-overload]
    kinds = {
        "missing return": len(missing_returns),
        "phantom return": len(phantom_returns),
        "return without outbox": no_outbox["returns"],
        "missing renewal": missing_renewals,
        "phantom renewal": phantom_renewals,
        "renewal due differs": len(wrong_due),
        "renewal without outbox": no_outbox["renewals"],
        "open intent": open_intents,
    }
    mismatches = sum(kinds.values())
    details = [
        *(f"missing return: {i} ({returns[i]} rows)" for i in missing_returns),
        *(f"phantom return: {i}" for i in phantom_returns),
        *(
            f"renewals of {i}: ILS {ils_renewals[i]}, kiosk {kiosk_renewals[i]}"
            for i in sorted(items)
            if ils_renewals[i] != kiosk_renewals[i]
        ),
        *(f"renewal due of {i}: ILS {end[i][2]}, kiosk {last_due[i]}" for i in wrong_due),
    ]
    print(f"ILS returns during the run:    {len(ended)}")
    print(f"kiosk return rows:             {returns.total()}")
    print(f"outbox return events:          {outbox['return']}")
    print(f"ILS renewals during the run:   {ils_renewals.total()}")
    print(f"kiosk renewal rows:            {kiosk_renewals.total()}")
    print(f"outbox renewal events:         {outbox['renewal']}")
    print(f"refusals stored (outbox):      {outbox['refusal']}")
    print(f"open intents:                  {open_intents}")
    found = ", ".join(f"{kind} {count}" for kind, count in kinds.items() if count) or "none"
    print(f"mismatches:                    {mismatches}  ({found})")
    for line in details[:SHOWN]:
        print(f"  {line}")
    if len(details) > SHOWN:
        print(f"  ... and {len(details) - SHOWN} more")
    return mismatches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--returns", type=int, default=60, help="ILS returns to make (>= 50)")
    parser.add_argument("--renewals", type=int, default=60, help="ILS renewals to make (>= 30)")
    parser.add_argument(
        "--patrons", type=int, default=20, help=f"bench patrons, {LOANS_EACH} loans each"
    )
    parser.add_argument("--seed", type=int, default=7, help="random seed of the kill timing")
    parser.add_argument("--max-rounds", type=int, default=120)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    kill_after = kill_timer(rng)

    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="kill-returns-") as tmp,
        PtyScannerSimulator() as scanner,
    ):
        data, log = Path(tmp) / "data", Path(tmp) / "kiosk.log"
        ils, store = data / ILS_FILE, data / STORE_FILE
        if not first_start(data, scanner, log):  # creates the demo library and the store
            return 2
        titles = seed(ils, args.patrons)
        bench_items = sorted(titles)
        start = ils_loans(ils)
        seen = {item: renewals for item, (_card, renewals, _due) in start.items()}
        rounds = kills = 0
        window: set[tuple[str, str]] = set()
        outcomes: Counter[str] = Counter()
        while rounds < args.max_rounds:
            now = ils_loans(ils)
            returned = len(set(start) - set(now))
            renewed = sum(seen[item] - start[item][1] for item in start)
            want_return, want_renewal = returned < args.returns, renewed < args.renewals
            if not (want_return or want_renewal):
                break
            rounds += 1
            kiosk = Kiosk(data, scanner, log)
            if not kiosk.wait_for("idle"):
                kiosk.kill()
                outcomes["not started"] += 1
                continue
            if want_return and (not want_renewal or rng.random() < 0.5):
                what = return_round(kiosk, scanner, ils, rng, bench_items, kill_after)
            else:
                what = renewal_round(kiosk, scanner, ils, store, rng, titles, kill_after)
            outcomes[what] += 1
            if what.endswith("left"):
                break
            kills += 1
            window |= in_window(data)
            for item, (_card, renewals, _due) in ils_loans(ils).items():
                seen[item] = max(seen[item], renewals)
        code = settle(data, scanner, log)
        elapsed = time.monotonic() - started
        print(f"rounds: {rounds}, kill -9: {kills}, seconds: {elapsed:.0f}, final stop: {code}")
        print("round outcomes:")
        for what, count in sorted(outcomes.items()):
            print(f"  {count:3d}  {what}")
        print(
            "kills between the ILS commit and the store commit: "
            f"{sum(a == 'return' for a, _ in window)} return(s), "
            f"{sum(a == 'renewal' for a, _ in window)} renewal(s)"
        )
        mismatches = report(data, start, seen)
        if mismatches:
            print(f"--- kiosk log (tail) ---\n{log.read_text()[-3000:]}", file=sys.stderr)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
