"""Visitor counters: each ``[counters.<id>]`` opened with the kiosk's own driver and read.

A counter is checked by the driver the kiosk would run (:func:`devices.counters.open_counter`),
started, watched for a short while and stopped:

* a counter that is asked (line protocol in poll mode, Modbus) passes when it answers
  with its totals, and fails when it does not answer within the check's time;
* a counter that talks by itself (line protocol in push mode) passes when its port opens
  and nothing it sends is garbled: it may rightly say nothing until someone walks by;
* beams pass when the port's modem-status lines can be read (the driver's ready).

Any garbled frame (bad checksum, wrong CRC, unknown frame) seen meanwhile fails the
check with the driver's own technician line. Nothing is written to the counter.
"""

from __future__ import annotations

import queue
import time
from typing import TYPE_CHECKING

from kiosk.doctor.base import Check, Context, Finding, failed, one_line, passed
from kiosk.doctor.ports import is_path, path_problem

if TYPE_CHECKING:
    from devices.counters.settings import CounterSettings

SETTLE = 0.3
"""Seconds a push counter or beams are watched after the port opened, for garbled bytes."""


def checks(context: Context) -> list[Check]:
    """One ``counter <id>`` check per configured visitor counter (none by default)."""
    return [
        Check(
            f"counter {device_id}",
            lambda settings=settings: counter(context, settings),  # type: ignore[misc]
            context.timeout + 2.0,  # the check's own wait ends first, with a clearer line
            f"check the counter's cable and power and [counters.{device_id}] url",
        )
        for device_id, settings in context.config.counters.items()
    ]


def counter(context: Context, settings: CounterSettings) -> Finding:
    """Open one counter with its driver and wait for what proves it works.

    Args:
        context: the doctor's context; its ``timeout`` bounds the wait.
        settings: the counter's validated settings.

    Returns:
        PASS with the totals the device reported (or what was seen), or FAIL with what
        was found and what to do.
    """
    from devices.counters import open_counter
    from devices.counters.events import CounterFault, CounterReading
    from devices.events import DeviceLost, DeviceReady

    url, table = settings.url, f"[counters.{settings.device_id}]"
    if is_path(url):
        problem = path_problem(f"counter {settings.device_id}", url, f"{table} url")
        if problem is not None:
            return problem
    events: queue.Queue[object] = queue.Queue()
    driver = open_counter(settings, events.put)
    asked = settings.protocol == "modbus" or (
        settings.protocol == "line" and settings.mode == "poll"
    )
    give_up = time.monotonic() + max(1.0, context.timeout)
    ready_at: float | None = None
    fault = ""
    lost = ""
    driver.start(wait_for_device=True)
    try:
        while True:
            now = time.monotonic()
            if now >= give_up or (not asked and ready_at is not None and now >= ready_at):
                break
            try:
                event = events.get(timeout=min(0.05, give_up - now))
            except queue.Empty:
                continue
            if isinstance(event, CounterReading):
                return _read(settings, event.total_in, event.total_out, fault)
            if isinstance(event, CounterFault):
                fault = event.reason
            elif isinstance(event, DeviceLost):
                lost = event.reason
                break
            elif isinstance(event, DeviceReady) and ready_at is None:
                ready_at = time.monotonic() + SETTLE
    finally:
        driver.stop()
    return _verdict(settings, asked, ready_at is not None, fault, lost, context.timeout)


def _read(settings: CounterSettings, total_in: int, total_out: int, fault: str) -> Finding:
    where = f"{settings.url} ({settings.protocol})"
    if fault:
        found, todo = _fault_advice(
            fault, "check the cable, the baud rate and the counter's protocol settings"
        )
        return failed(
            f"{where} answered IN {total_in}, OUT {total_out} but also sent garbled frames: "
            f"{found}",
            todo,
        )
    return passed(f"{where} answered: IN {total_in}, OUT {total_out} (the device's totals)")


def _verdict(
    settings: CounterSettings, asked: bool, ready: bool, fault: str, lost: str, timeout: float
) -> Finding:
    where = f"{settings.url} ({settings.protocol})"
    table = f"[counters.{settings.device_id}]"
    if lost:
        target = (
            "that the counter is plugged in and powered"
            if is_path(settings.url)
            else "that the counter (or its simulator) listens at that address"
        )
        return failed(f"cannot use {where}: {one_line(lost, 200)}", f"check {target}, {table} url")
    if fault:
        found, todo = _fault_advice(
            fault, f"check the cable, the baud rate and {table} protocol settings"
        )
        return failed(f"{where} sends garbled frames: {found}", todo)
    if not ready:
        return failed(f"{where} did not open within {timeout:g} s", f"check {table} url")
    if asked:
        return failed(
            f"{where} opened but did not answer within {timeout:g} s",
            f"check its power, its address ({table} unit or address), the baud rate and "
            "the wiring (RS-485 A/B swapped?)",
        )
    if settings.protocol == "beams":
        lines = settings.beam_a + (f" and {settings.beam_b}" if settings.beam_b else "")
        return passed(f"{where} opened; beam line {lines} read")
    return passed(f"{where} opened; nothing garbled (a push counter speaks when people pass)")


def _fault_advice(fault: str, advice: str) -> tuple[str, str]:
    """Split a driver's fault line into what was wrong and what to check.

    The drivers' fault lines already end in their own advice ("...; check the cable, the
    baud rate ..."); adding the doctor's advice after it said the same thing twice. The
    driver's advice is kept (it knows its protocol); ``advice`` is for a line without one.
    """
    for separator in ("; ", ": "):
        found, split, todo = fault.rpartition(separator)
        if split and todo.startswith("check "):
            return one_line(found, 200), todo
    return one_line(fault, 200), advice
