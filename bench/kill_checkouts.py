"""Acceptance bench (issue 6, item 1): kill -9 the kiosk at random moments while it lends.

Runs the real kiosk (``python -m kiosk.cli run --headless``, demo library) with a serial
scanner on a pseudo-terminal (``devices.sim.PtyScannerSimulator``). Each round starts the
kiosk, waits for the attract screen, signs a demo patron in (card scanned, PIN typed on
the kiosk's terminal), scans a burst of available books and sends SIGKILL: in most rounds
after a random delay, so kills land before, during and after check-outs; in some as soon
as the bench, watching the demo library's file from outside, sees the ILS commit a loan,
so the kill lands between the ILS's commit and the store's. There is no test hook in the
kiosk: only timing. After each kill the kiosk is restarted; its reconciler settles what
the kill left open.

At the end the kiosk is started once more and left to reconcile, then stopped normally,
and the bench compares the two databases directly:

* ILS loans made during the run (the demo library's loans table, new rows);
* kiosk loan rows, outbox rows, open intents (the kiosk's store);
* mismatches: a new ILS loan without exactly one kiosk loan row for the same patron and
  item, a kiosk loan the ILS does not hold, a loan without its outbox row, an open intent.

    python bench/kill_checkouts.py [--checkouts 80] [--seed 6]

Exits 1 on any mismatch. About 2-4 minutes on a 2-core machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from bench._kiosk_process import Kiosk, first_start, kill_timer, query, wait_settled  # noqa: E402
from devices.sim import PtyScannerSimulator  # noqa: E402
from kiosk.ils.local import demo_data  # noqa: E402

BURST = 4  # books scanned per patron per round
TARGETED = 0.4  # share of rounds killed just after the ILS commits a loan


def ils_loans(ils: Path) -> set[tuple[str, str]]:
    """(patron barcode, item barcode) of every loan the demo library holds."""
    rows = query(
        ils,
        "SELECT p.barcode, i.barcode FROM loans l JOIN patrons p ON p.id = l.patron_id "
        "JOIN items i ON i.id = l.item_id",
    )
    return {(str(p), str(i)) for p, i in rows}


def borrowers(ils: Path, pins: dict[str, str], today: dt.date) -> list[tuple[str, int]]:
    """Patrons in good standing with their free loan slots, most free first."""
    rows = query(
        ils,
        "SELECT p.barcode, p.loan_limit - (SELECT count(*) FROM loans l WHERE l.patron_id = p.id)"
        " FROM patrons p WHERE NOT p.blocked AND p.expires >= ?"
        " AND (SELECT coalesce(sum(f.amount), 0) FROM fines f WHERE f.patron_id = p.id) <= ?",
        today.isoformat(),
        demo_data.FINES_LIMIT,
    )
    free = [(str(b), int(n)) for b, n in rows if str(b) in pins and int(n) > 0]  # type: ignore[call-overload]
    return sorted(free, key=lambda row: -row[1])


def available_items(ils: Path) -> list[str]:
    """Items that may be lent to anyone: not reference, not on loan, no hold."""
    rows = query(
        ils,
        "SELECT barcode FROM items i WHERE NOT reference "
        "AND NOT EXISTS (SELECT 1 FROM loans l WHERE l.item_id = i.id) "
        "AND NOT EXISTS (SELECT 1 FROM holds h WHERE h.item_id = i.id)",
    )
    return [str(row[0]) for row in rows]


def one_round(
    data: Path, scanner: PtyScannerSimulator, log: Path, rng: random.Random,
    pins: dict[str, str], kill_after: Callable[[], float],
) -> str:  # fmt: skip
    """Start the kiosk, lend a burst of books to one patron, kill -9. Returns what was hit."""
    ils = data / "demo-library.sqlite3"
    kiosk = Kiosk(data, scanner, log)
    if not kiosk.wait_for("idle"):
        kiosk.kill()
        return "not started"
    patrons = borrowers(ils, pins, dt.date.today())
    if not patrons:
        kiosk.stop()
        return "no patrons left"
    card, free = rng.choice(patrons[:10])
    books = rng.sample(available_items(ils), min(free, BURST))
    scanner.send(card)
    if not kiosk.wait_for("borrow.pin"):
        kiosk.kill()
        return "no PIN screen"
    kiosk.type(pins[card])
    if not kiosk.wait_for("borrow.scanning"):
        kiosk.kill()
        return "not signed in"
    lent_before = len(ils_loans(ils))
    for book in books:
        scanner.send(book)
    if rng.random() < TARGETED:
        # Watch the ILS from outside and kill as soon as it has committed a loan: the
        # kiosk is then usually between the ILS's commit and its own.
        deadline = time.monotonic() + 5.0
        while len(ils_loans(ils)) == lent_before and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(rng.uniform(0.0, 0.01))
        kiosk.kill()
        return "killed just after an ILS commit"
    time.sleep(kill_after())
    kiosk.kill()
    return "killed at a random moment"


def in_window(data: Path) -> set[str]:
    """Open intents whose item the ILS has lent to their patron: killed between the commits."""
    store, ils = data / "kiosk.sqlite3", data / "demo-library.sqlite3"
    open_now = query(
        store,
        "SELECT intent_id, patron_barcode, item_barcode FROM checkout_intents "
        "WHERE resolution IS NULL",
    )
    lent = ils_loans(ils)
    return {str(row[0]) for row in open_now if (str(row[1]), str(row[2])) in lent}


def settle(data: Path, scanner: PtyScannerSimulator, log: Path) -> int:
    """Start the kiosk without killing it, let it reconcile, stop it. Returns its exit code."""
    kiosk = Kiosk(data, scanner, log)
    kiosk.wait_for("idle")
    open_sql = "SELECT count(*) FROM checkout_intents WHERE resolution IS NULL"
    wait_settled(kiosk, data / "kiosk.sqlite3", open_sql)
    return kiosk.stop()


def report(data: Path, before: set[tuple[str, str]]) -> int:
    """Print the figures; return the number of mismatches."""
    store, ils = data / "kiosk.sqlite3", data / "demo-library.sqlite3"
    made = ils_loans(ils) - before
    kiosk_loans = [(str(p), str(i)) for p, i in query(
        store, "SELECT patron_barcode, item_barcode FROM loans")]  # fmt: skip
    outbox = {str(row[0]) for row in query(store, "SELECT event_id FROM outbox_events")}
    without_outbox = query(store, "SELECT event_id FROM loans")
    open_intents = query(store, "SELECT count(*) FROM checkout_intents WHERE resolution IS NULL")
    missing = [loan for loan in made if kiosk_loans.count(loan) != 1]
    phantom = [loan for loan in kiosk_loans if loan not in made]
    no_outbox = [row for row in without_outbox if str(row[0]) not in outbox]
    mismatches = len(missing) + len(phantom) + len(no_outbox) + int(open_intents[0][0])  # type: ignore[call-overload]
    print(f"ILS loans made during the run: {len(made)}")
    print(f"kiosk loan rows:               {len(kiosk_loans)}")
    print(f"outbox rows:                   {len(outbox)}")
    print(f"open intents:                  {open_intents[0][0]}")
    print(f"mismatches:                    {mismatches}", end="")
    print(f"  (missing {len(missing)}, phantom {len(phantom)}, no outbox {len(no_outbox)})")
    return mismatches


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkouts", type=int, default=80, help="ILS loans to make (>= 50)")
    parser.add_argument("--seed", type=int, default=6, help="random seed of the kill timing")
    parser.add_argument("--max-rounds", type=int, default=100)
    args = parser.parse_args(argv)
    rng = random.Random(args.seed)
    pins = {p.barcode: p.pin for p in demo_data.generate(demo_data.DEFAULT_SEED).patrons}
    kill_after = kill_timer(rng)

    started = time.monotonic()
    with (
        tempfile.TemporaryDirectory(prefix="kill-checkouts-") as tmp,
        PtyScannerSimulator() as scanner,
    ):
        data, log = Path(tmp) / "data", Path(tmp) / "kiosk.log"
        if not first_start(data, scanner, log):  # creates and seeds the demo library
            return 2
        before = ils_loans(data / "demo-library.sqlite3")
        rounds = kills = 0
        window: set[str] = set()
        outcomes: dict[str, int] = {}
        while rounds < args.max_rounds:
            made = len(ils_loans(data / "demo-library.sqlite3") - before)
            if made >= args.checkouts:
                break
            rounds += 1
            what = one_round(data, scanner, log, rng, pins, kill_after)
            outcomes[what] = outcomes.get(what, 0) + 1
            if what == "no patrons left":
                break
            kills += 1
            window |= in_window(data)
        code = settle(data, scanner, log)
        elapsed = time.monotonic() - started
        print(f"rounds: {rounds}, kill -9: {kills}, seconds: {elapsed:.0f}, final stop: {code}")
        print(f"round outcomes: {outcomes}")
        print(f"kills between the ILS commit and the store commit: {len(window)}")
        mismatches = report(data, before)
        if mismatches:
            print(f"--- kiosk log (tail) ---\n{log.read_text()[-3000:]}", file=sys.stderr)
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
