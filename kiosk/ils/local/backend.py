"""``LocalIls``: the embedded demo library behind the :class:`kiosk.core.ports.IlsBackend` port.

It stands in for a library's ILS (the SIP2 backend implements the same port): check-out
(with a loan fee to accept), check-in, renewals, the patron's account and item status. Its
file (:mod:`kiosk.ils.local.schema`) belongs to this stand-in "foreign system", not to the
kiosk's own store; it is seeded from :mod:`kiosk.ils.local.demo_data` on first open only.
Its circulation rules (fines, holds, transit, renewal limits) are in
:mod:`kiosk.ils.local.rules`; "today" is always the library's date by the injected clock.

PINs are stored as scrypt hashes (see :mod:`kiosk.ils.local.pins`) and compared with
:func:`hmac.compare_digest`; they are never logged. Like a real ILS it locks a card after
:data:`~kiosk.ils.local.pins.LOCK_AFTER` consecutive wrong PINs, whatever the kiosk counts.
Card expiry and lock-outs are judged by the injected clock, so a test with a manual clock
sees the same library every day. Calls may come from any thread: each call uses its own
session, and a lock serialises the calls that change circulation so two kiosks' workers in
one process cannot lend the same copy twice or renew a loan while it is returned.

The file carries a schema version in ``meta``: a file from an older version is upgraded in
place on open; a newer or unknown version is refused.
"""

from __future__ import annotations

import datetime as dt
import hmac
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import Engine, create_engine, event, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from kiosk.core.clock import SystemClock
from kiosk.core.files import NotRegularFile, check_regular
from kiosk.core.model import (
    Account,
    CheckinAnswer,
    CheckoutAnswer,
    FineReason,
    ItemStatus,
    Loan,
    Patron,
    PatronCheck,
    Refusal,
    RenewAnswer,
)
from kiosk.core.ports import Clock, IlsUnavailable
from kiosk.ils.local import demo_data, lookup, pins, rules, schema
from kiosk.ils.local.demo_data import DEFAULT_SEED, DemoLibrary
from kiosk.ils.local.schema import (
    Base,
    ItemRow,
    LoanRow,
    NotADemoLibrary,
    PatronRow,
    PinFailuresRow,
)

_log = logging.getLogger(__name__)
_T = TypeVar("_T")
SCHEMA_VERSION = schema.SCHEMA_VERSION
LOCK_WAIT_MS = schema.LOCK_WAIT_MS
"""How long a call waits for another process's lock on the file (tests hang calls with it)."""
HELD_MESSAGE = "Barang ini disiapkan untuk pemesan lain. Antrean pesanan ada di meja layanan."
"""The demo library's own screen message for an item held for someone else (SIP2 AF):
what a library system configured in Indonesian sends, shown by the kiosk as it comes."""


class LocalIls:
    """The embedded demo library. Build it with :meth:`open`.

    Args:
        engine: engine on the demo library's SQLite file, schema already created.
        timezone: the library's timezone; due dates are local dates there.
        clock: what "today" and "now" are (card expiry, lock-outs); the system clock if None.
        seed: the seed the file was made from; its clear PINs are hashed on first use.
    """

    def __init__(
        self,
        engine: Engine,
        timezone: ZoneInfo,
        clock: Clock | None = None,
        seed: int = DEFAULT_SEED,
    ) -> None:
        self._engine = engine
        self._sessions = sessionmaker(engine, expire_on_commit=False)
        self._tz = timezone
        self._clock: Clock = clock or SystemClock()
        self._seed = seed
        self._lock = threading.Lock()

    @classmethod
    def open(
        cls,
        path: Path,
        *,
        timezone: str = "Asia/Jakarta",
        seed: int = DEFAULT_SEED,
        clock: Clock | None = None,
    ) -> LocalIls:
        """Open the demo library at ``path``, creating and seeding it on first run only.

        Args:
            path: SQLite file of the demo library; its folder is created.
            timezone: IANA name of the library's timezone.
            seed: seed of the demo data, used only when the file is first seeded.
            clock: the kiosk's clock; the system clock if None.

        Raises:
            ValueError: unknown timezone name.
            IlsUnavailable: the file cannot be created, is damaged, is not a demo library
                database, or was written by a newer version.
        """
        try:
            tz = ZoneInfo(timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown timezone {timezone!r}") from exc
        path = Path(path)
        fix = "run `kiosk demo reset` (or move the file aside) to start the demo afresh"
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # SQLite would wait forever on a FIFO in the file's place and read a device.
            check_regular(path)
            engine = create_engine(f"sqlite:///{path}")
            event.listen(engine, "connect", schema.set_pragmas)
            try:
                schema.check_file(engine)
                Base.metadata.create_all(engine)  # adds tables new since the file was made
                now = (clock or SystemClock()).now()
                today = now.astimezone(tz).date()
                with sessionmaker(engine).begin() as session:
                    seed = schema.seed_or_upgrade(session, path, seed, now, today)
            except BaseException:
                engine.dispose()
                raise
        except NotADemoLibrary as exc:
            raise IlsUnavailable(f"demo library at {path} {exc}; {fix}") from exc
        except NotRegularFile as exc:
            reason = exc.strerror
            raise IlsUnavailable(f"demo library at {path} is unusable ({reason}); {fix}") from exc
        except (OSError, SQLAlchemyError) as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise IlsUnavailable(
                f"demo library at {path} cannot be opened ({reason}); check that the folder "
                f"is writable and its disk not full, or {fix}"
            ) from exc
        return cls(engine, tz, clock, seed)

    def close(self) -> None:
        """Release the database connections."""
        self._engine.dispose()

    def add(self, library: DemoLibrary) -> None:
        """Add ``library``'s patrons, items, loans, holds and fines to this library.

        For benches and tests that need records the demo data lacks (a patron who may
        borrow 500 books); loan dates move as at seeding. Barcodes must be new. The added
        patrons' PINs are hashed now (the seeded PINs' first-use hashing knows only the
        seed's cards).

        Raises:
            IlsUnavailable: the file cannot be written (or a barcode already exists).
        """
        now = self._clock.now()
        today = self._local_day(now)

        def work(session: Session) -> None:
            schema.add_records(session, library, today, now)
            session.flush()
            for patron in library.patrons:
                row = self._find_patron(session, patron.barcode)
                assert row is not None  # just added
                row.pin_salt, row.pin_hash = pins.hash_new(patron.pin)

        self._run("adding records", work)

    def _run(self, action: str, work: Callable[[Session], _T]) -> _T:
        try:
            with self._sessions.begin() as session:
                return work(session)
        except SQLAlchemyError as exc:
            reason = " ".join(str(getattr(exc, "orig", None) or exc).split())
            raise IlsUnavailable(f"demo library {action} failed: {reason}") from exc

    def _local_day(self, now: dt.datetime) -> dt.date:
        """The library's date at ``now``, which must be timezone-aware."""
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError("now must be timezone-aware")
        return now.astimezone(self._tz).date()

    @staticmethod
    def _find_patron(session: Session, barcode: str) -> PatronRow | None:
        return session.scalar(select(PatronRow).where(PatronRow.barcode == barcode))

    def check_patron(self, barcode: str, pin: str) -> PatronCheck:
        """Authenticate a card and PIN and say whether the patron may borrow.

        Raises:
            IlsUnavailable: the demo library's database failed.
        """
        now = self._clock.now()
        today = now.astimezone(self._tz).date()

        def work(session: Session) -> PatronCheck:
            row = session.scalar(select(PatronRow).where(PatronRow.barcode == barcode))
            if row is None:
                return PatronCheck(None, Refusal.UNKNOWN_PATRON)
            failures = session.get(PinFailuresRow, row.id)
            if failures is not None and pins.locked(failures.locked_until, now):
                # Locked: the PIN is not even checked, so guessing on teaches nothing.
                return PatronCheck(None, Refusal.PATRON_BLOCKED)
            # Counted as wrong and written BEFORE the PIN is compared, then taken back if it
            # was right: a check this file cannot record (a full disk) fails whatever the
            # PIN, so it never tells a guesser "wrong" from "right" while the count stands.
            if failures is None:
                failures = PinFailuresRow(patron_id=row.id, count=0, locked_until=None)
                session.add(failures)
            failures.count, failures.locked_until = pins.after_wrong_pin(
                failures.count, failures.locked_until, now
            )
            session.flush()
            if not self._pin_matches(row, pin):
                if failures.locked_until is not None:
                    _log.warning(
                        "demo library: card ...%s locked after %d wrong PINs",
                        barcode[-4:],
                        failures.count,
                    )
                return PatronCheck(None, Refusal.WRONG_PIN)
            session.delete(failures)  # a right PIN ends the run of wrong ones
            patron = self._patron(session, row)
            reason = rules.block_reason(session, row, today)
            # The library's own words for a block it set by hand (SIP2 AF), as a real ILS
            # sends them; the kiosk shows them after its own explanation.
            said = demo_data.BLOCKED_MESSAGE if reason is Refusal.PATRON_BLOCKED else ""
            return PatronCheck(patron, reason, said)

        return self._run("patron check", work)

    def identify_patron(self, barcode: str) -> PatronCheck:
        """Who holds this card, without a PIN: the patron, ``CARD_EXPIRED`` with them for
        an expired card, ``UNKNOWN_PATRON`` for none. Changes nothing (no PIN count).

        Raises:
            IlsUnavailable: the demo library's database failed.
        """
        today = self._clock.now().astimezone(self._tz).date()

        def work(session: Session) -> PatronCheck:
            row = self._find_patron(session, barcode)
            if row is None:
                return PatronCheck(None, Refusal.UNKNOWN_PATRON)
            expired = Refusal.CARD_EXPIRED if row.expires < today else None
            return PatronCheck(self._patron(session, row), expired)

        return self._run("patron lookup", work)

    def checkout(
        self,
        patron_barcode: str,
        item_barcode: str,
        now: dt.datetime,
        fee_acknowledged: bool = False,
        no_block_due: dt.date | None = None,
    ) -> CheckoutAnswer:
        """Lend one item; due in 14 days (7 for new items), counted in the library's timezone.

        Args:
            patron_barcode: an authenticated patron's card.
            item_barcode: the item's label.
            now: the moment of the check-out, timezone-aware.
            fee_acknowledged: the patron accepted the item's loan fee; without it an item
                with a fee is refused (``FEE_REQUIRED``, with the fee) and nothing changes.
            no_block_due: a loan the kiosk made offline at ``now``, due that day: lent
                with that due date and its fee charged unasked; the other refusals stand.

        Raises:
            ValueError: ``now`` is naive.
            IlsUnavailable: the demo library's database failed; nothing was lent.
        """
        today = self._local_day(now)

        def work(session: Session) -> CheckoutAnswer:
            item = session.scalar(select(ItemRow).where(ItemRow.barcode == item_barcode))
            if item is None:
                return CheckoutAnswer(item_barcode, refusal=Refusal.UNKNOWN_ITEM)

            def refuse(
                reason: Refusal, due: dt.date | None = None, fee: int = 0, said: str = ""
            ) -> CheckoutAnswer:
                return CheckoutAnswer(
                    item_barcode,
                    refusal=reason,
                    title=item.title,
                    due=due,
                    fee=fee,
                    screen_message=said,
                )

            patron = session.scalar(select(PatronRow).where(PatronRow.barcode == patron_barcode))
            if patron is None:
                return refuse(Refusal.UNKNOWN_PATRON)
            if item.reference:
                return refuse(Refusal.NOT_LOANABLE)
            current = session.scalar(select(LoanRow).where(LoanRow.item_id == item.id))
            if current is not None:
                if current.patron_id == patron.id:
                    return refuse(Refusal.ALREADY_YOURS, current.due)
                return refuse(Refusal.ON_LOAN_TO_ANOTHER)
            hold = rules.first_hold(session, item.id)
            if hold is not None and hold.patron_id != patron.id:
                # Where a real ILS adds its own words (SIP2 AF), in the library's language.
                return refuse(Refusal.ON_HOLD_FOR_ANOTHER, said=HELD_MESSAGE)
            reason = rules.block_reason(session, patron, today)
            if reason is not None:
                return refuse(reason)
            # Asked last, so nobody accepts a fee for a book they are refused anyway.
            if item.loan_fee and not fee_acknowledged and no_block_due is None:
                return refuse(Refusal.FEE_REQUIRED, fee=item.loan_fee)
            if item.loan_fee:
                rules.charge(
                    session, patron.id, FineReason.LOAN_FEE, item.loan_fee, item.title, now
                )
            if hold is not None:
                session.delete(hold)
            due = no_block_due or today + dt.timedelta(days=rules.loan_days(item))
            session.add(
                LoanRow(
                    item_id=item.id,
                    patron_id=patron.id,
                    checked_out_at=now.astimezone(dt.UTC).isoformat(),
                    due=due,
                )
            )
            loan = Loan(patron_barcode, item_barcode, item.title, item.author, due, now)
            return CheckoutAnswer(item_barcode, loan=loan, title=item.title, fee=item.loan_fee)

        with self._lock:
            return self._run("check-out", work)

    def checkin(self, item_barcode: str, now: dt.datetime, no_block: bool = False) -> CheckinAnswer:
        """Take an item back, charge a late return, and say where it goes (see :mod:`rules`).

        ``no_block`` (a return the kiosk took offline at ``now``) changes nothing here: the
        demo library already dates the return and its fine by ``now``.

        Raises:
            ValueError: ``now`` is naive.
            IlsUnavailable: the demo library's database failed; nothing changed.
        """
        today = self._local_day(now)
        with self._lock:
            return self._run("check-in", lambda s: rules.checkin(s, item_barcode, now, today))

    def renew(self, patron_barcode: str, item_barcode: str, now: dt.datetime) -> RenewAnswer:
        """Renew one of the patron's loans by its loan period, or say why not.

        Raises:
            ValueError: ``now`` is naive.
            IlsUnavailable: the demo library's database failed; nothing changed.
        """
        today = self._local_day(now)

        def work(session: Session) -> RenewAnswer:
            return rules.renew(session, self._find_patron(session, patron_barcode), item_barcode,
                               today)  # fmt: skip

        with self._lock:
            return self._run("renewal", work)

    def renew_all(self, patron_barcode: str, now: dt.datetime) -> list[RenewAnswer]:
        """Try to renew each of the patron's loans, soonest due first; all in one transaction.

        Raises:
            ValueError: ``now`` is naive.
            IlsUnavailable: the demo library's database failed; nothing changed.
        """
        today = self._local_day(now)

        def work(session: Session) -> list[RenewAnswer]:
            patron = self._find_patron(session, patron_barcode)
            if patron is None:
                return []
            barcodes = [item.barcode for _, item in rules.patron_loans(session, patron.id)]
            return [rules.renew(session, patron, barcode, today) for barcode in barcodes]

        with self._lock:
            return self._run("renewal", work)

    def account(self, patron_barcode: str, now: dt.datetime) -> Account:
        """The patron's loans, holds and fines as of ``now``. Changes nothing.

        Raises:
            ValueError: ``now`` is naive.
            IlsUnavailable: the demo library's database failed.
        """
        today = self._local_day(now)

        def work(session: Session) -> Account:
            patron = self._find_patron(session, patron_barcode)
            if patron is None:
                return Account(patron_barcode, refusal=Refusal.UNKNOWN_PATRON)
            return rules.account(session, patron, today)

        return self._run("account", work)

    def item_status(self, item_barcode: str) -> ItemStatus | None:
        """Say whether an item is on loan now, to whom and since when. Changes nothing.

        Returns:
            None for an item this library does not have.

        Raises:
            IlsUnavailable: the demo library's database failed.
        """

        def work(session: Session) -> ItemStatus | None:
            item = session.scalar(select(ItemRow).where(ItemRow.barcode == item_barcode))
            if item is None:
                return None
            loan = session.scalar(select(LoanRow).where(LoanRow.item_id == item.id))
            if loan is None:
                return ItemStatus(item_barcode, item.title, item.author, on_loan=False)
            borrower = session.get(PatronRow, loan.patron_id)
            return ItemStatus(
                item_barcode,
                item.title,
                item.author,
                on_loan=True,
                due=loan.due,
                borrower_barcode=borrower.barcode if borrower is not None else None,
                checked_out_at=_stored_time(loan.checked_out_at),
            )

        return self._run("item status", work)

    def patron_record(self, barcode: str) -> lookup.PatronRecord | None:
        """The card as the library keeps it now (expiry, limits, every block, loans, holds,
        fines), for a gateway such as the SIP2 server. Changes nothing; no PIN is checked.

        Raises:
            IlsUnavailable: the demo library's database failed.
        """
        now = self._clock.now()
        today = self._local_day(now)
        return self._run("patron record", lambda s: lookup.patron_record(s, barcode, now, today))

    def item_record(self, barcode: str) -> lookup.ItemRecord | None:
        """The item as the library keeps it now (loan, hold queue, fee, home branch), or
        None for one it does not have. Changes nothing.

        Raises:
            IlsUnavailable: the demo library's database failed.
        """
        return self._run("item record", lambda s: lookup.item_record(s, barcode))

    @property
    def timezone(self) -> ZoneInfo:
        """The library's time zone: its dates are local dates there."""
        return self._tz

    def now(self) -> dt.datetime:
        """The library's clock (the injected one), timezone-aware."""
        return self._clock.now()

    def _pin_matches(self, row: PatronRow, pin: str) -> bool:
        """Check ``pin`` against the stored scrypt hash, hashing the seeded PIN on first use."""
        if row.pin_hash == pins.PENDING:
            clear = pins.seeded_pin(self._seed, row.barcode)
            if clear is None:  # not from the demo data: no PIN was ever set
                return False
            row.pin_salt, row.pin_hash = pins.hash_new(clear)
        return hmac.compare_digest(row.pin_hash, pins.derive(row.pin_salt, pin))

    @staticmethod
    def _patron(session: Session, row: PatronRow) -> Patron:
        return Patron(row.barcode, row.name, rules.loans_count(session, row.id), row.loan_limit)


def _stored_time(text: str) -> dt.datetime | None:
    """A loan's stored ISO time as an aware datetime; None if the file holds something else."""
    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
