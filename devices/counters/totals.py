"""Cumulative device totals -> exact deltas, across wrap-around, resets and reconnects.

A people counter reports *totals* (``IN=1234``), not events. Between two readings the
driver needs the number of people who passed, exactly, whatever happened in between:

* **Wrap-around.** A 16-bit register counts 65534, 65535, 0, 1, ...; a 32-bit one the
  same at 2**32. With ``bits`` known, ``(new - old) mod 2**bits`` is the delta.
* **Reset.** After a power cut (or a technician's reset) most counters start again at
  0: the total goes backwards. Read as a wrap, 1000 -> 3 would be 2**32 - 997 people.
  A wrapped delta larger than ``max_step`` (more people than can pass between two
  readings) is therefore taken as a reset, and the new total itself is the delta (the
  people counted since the device restarted). ``max_step`` must be below ``2**(bits-1)``
  so a wrap and a reset cannot be confused, and above the most people that can pass
  between two readings (10,000 by default, for readings a second or so apart).
* **Jumps.** A total that moves *forward* by more than ``max_step`` is not people either
  (a replaced device, a technician presetting its total, the simulator's ``!wrap``): it
  only sets a new baseline (delta 0, note ``"first"``) and is logged by the driver.
* **Reconnects.** A cable pulled out does not restart the device: the tracker is kept
  across reconnects, so the next reading gives the people counted while disconnected.
* **Restart of the kiosk.** ``last`` restores the baseline the consumer stored (the gate
  persists it), so a restart neither loses nor doubles people. Without a baseline the
  first reading only sets it (delta 0, note ``"first"``).

What cannot be known, because the totals alone do not say: a reset *and* more than
``max_step`` people before the next reading; a reset followed by counting past the old
total before the next reading (that looks like ordinary counting); and a reset while the
old total was within ``max_step`` of the wrap point (that looks like a wrap, so the delta
is off by the distance to the wrap). The first two need a far longer gap between readings
than any interval the config allows; the third is rare at 32 bits (a total within 10,000
of 4,294,967,296) and the reason ``max_step`` should stay small for a 16-bit counter.
"""

from __future__ import annotations

from devices.counters.events import CounterReading

DEFAULT_MAX_STEP = 10_000


class TotalsTracker:
    """Turns one direction's cumulative totals into exact deltas. Pure, not thread-safe.

    Example:
        >>> tracker = TotalsTracker(bits=16, last=65530)
        >>> tracker.update(4)
        (10, 'wrapped')
        >>> tracker.update(2)
        (2, 'reset')
    """

    def __init__(self, bits: int = 32, max_step: int = DEFAULT_MAX_STEP, last: int | None = None):
        """Create a tracker.

        Args:
            bits: width of the device's total: it counts 0 .. 2**bits - 1 then wraps.
            max_step: most people that can pass between two readings; a larger wrapped
                delta is a reset. At least 1 and below ``2**(bits - 1)``.
            last: the last total seen before (a stored baseline), or None.

        Raises:
            ValueError: bits not 8..64, max_step out of range, last outside the width.
        """
        if not 8 <= bits <= 64:
            raise ValueError(f"bits must be 8 to 64, got {bits}")
        if not 1 <= max_step < 2 ** (bits - 1):
            raise ValueError(f"max_step must be 1 to {2 ** (bits - 1) - 1}, got {max_step}")
        self.bits = bits
        self.modulus = 2**bits
        self.max_step = max_step
        if last is not None:
            self._check(last)
        self.last = last

    def update(self, total: int) -> tuple[int, str]:
        """Take the device's new total; return the people since the previous one.

        Args:
            total: the raw total, 0 .. 2**bits - 1.

        Returns:
            ``(delta, note)``: ``delta >= 0``; note is ``""``, ``"wrapped"``, ``"reset"``
            or ``"first"`` (a new baseline: the first total, or a forward jump larger
            than ``max_step``; see :class:`devices.counters.events.CounterReading`).

        Raises:
            ValueError: ``total`` outside 0 .. 2**bits - 1 (a parser bug or wrong width).
        """
        self._check(total)
        last, self.last = self.last, total
        if last is None:
            return 0, "first"
        if total >= last:
            step = total - last
            return (step, "") if step <= self.max_step else (0, "first")
        wrapped = (total - last) % self.modulus
        if wrapped <= self.max_step:
            return wrapped, "wrapped"
        return total, "reset"

    def _check(self, total: int) -> None:
        if not 0 <= total < self.modulus:
            raise ValueError(f"total {total} is outside 0..{self.modulus - 1} ({self.bits} bits)")


_NOTE_RANK = {"": 0, "first": 1, "wrapped": 2, "reset": 3}


class CounterTotals:
    """Both directions of one counter: raw totals in, :class:`CounterReading` out.

    Keep one per device for the life of the driver (not per connection): a reconnect
    does not restart the device's totals. Not thread-safe; a driver calls it from one
    thread at a time.
    """

    def __init__(
        self,
        device_id: str,
        url: str,
        *,
        bits: int = 32,
        max_step: int = DEFAULT_MAX_STEP,
        baseline_in: int | None = None,
        baseline_out: int | None = None,
    ) -> None:
        """Create the two trackers.

        Args:
            device_id: the counter's id, copied into every reading.
            url: the counter's URL, copied into every reading.
            bits: wrap width of the device's totals.
            max_step: see :class:`TotalsTracker`.
            baseline_in: stored last IN total, or None.
            baseline_out: stored last OUT total, or None.
        """
        self.device_id, self.url = device_id, url
        self.incoming = TotalsTracker(bits, max_step, baseline_in)
        self.outgoing = TotalsTracker(bits, max_step, baseline_out)

    def reading(self, total_in: int, total_out: int) -> CounterReading:
        """Turn the device's totals into a reading with exact deltas.

        Args:
            total_in: raw IN total, within the tracker's width.
            total_out: raw OUT total, within the tracker's width.

        Returns:
            The reading; its note is the more telling of the two directions' notes
            (reset, then wrapped, then first).

        Raises:
            ValueError: a total outside the width.
        """
        if not 0 <= total_out < self.outgoing.modulus:  # check both before changing either
            self.outgoing.update(total_out)
        entered, note_in = self.incoming.update(total_in)
        left, note_out = self.outgoing.update(total_out)
        note = max(note_in, note_out, key=_NOTE_RANK.__getitem__)
        return CounterReading(self.device_id, self.url, total_in, total_out, entered, left, note)
