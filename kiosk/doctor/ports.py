"""Serial ports: what the machine has, and why a configured device path cannot be used.

:func:`path_problem` is what every serial device's check (scanner, printer, counters)
asks first when its URL is a device path: does it exist, is it a serial device, may this
user open it, and if not, the exact command that fixes it. The ``serial ports`` check
lists ``/dev/serial/by-id`` and the stable names of ``deploy/udev`` (``/dev/kiosk-*``)
and says whether this user is in the group that owns the configured devices.
"""

from __future__ import annotations

import errno
import glob
import grp
import os
import pwd
import stat
from pathlib import Path

from kiosk.doctor.base import Check, Context, Finding, failed, group_name, passed, user_name

BY_ID = Path("/dev/serial/by-id")
STABLE_NAMES = "/dev/kiosk-*"
SERIAL_GROUP = "dialout"
"""Debian's group for serial ports (udev gives ttyUSB*/ttyACM* to it, mode 0660)."""
UDEV_README = "deploy/udev/README.md"
USB_MAJOR = 180
"""The character major of USB class devices such as usblp's /dev/usb/lp0 (Linux's
Documentation/admin-guide/devices.txt)."""


def device_urls(context: Context) -> list[tuple[str, str, str]]:
    """Each configured serial device: (name, its URL, its config key). A device not
    configured (an empty URL) is left out. Visitor counters add theirs here."""
    config = context.config
    found = [
        ("scanner", config.scanner.url, "[scanner] url"),
        ("printer", config.printer.url, "[printer] url"),
        *(
            (f"counter {device_id}", counter.url, f"[counters.{device_id}] url")
            for device_id, counter in config.counters.items()
        ),
    ]
    return [(name, url, key) for name, url, key in found if url.strip()]


def is_path(url: str) -> bool:
    """True for a device path (``/dev/ttyUSB0``), False for a URL (``socket://``, ``sim://``)."""
    return "://" not in url


def present() -> list[str]:
    """The serial devices plugged in, as a technician reads them: the by-id names and the
    kiosk's stable names, each with the device it points to."""
    names: list[str] = []
    try:
        entries = sorted(BY_ID.iterdir())
    except OSError:
        entries = []
    names += [f"{entry.name} -> {_target(entry)}" for entry in entries]
    names += [f"{path} -> {_target(Path(path))}" for path in sorted(glob.glob(STABLE_NAMES))]
    return names


def _target(link: Path) -> str:
    try:
        return Path(os.path.realpath(link)).name
    except OSError:
        return "?"


def listing(limit: int = 6) -> str:
    """:func:`present` for a message: "none plugged in" or the first few."""
    names = present()
    if not names:
        return f"none plugged in ({BY_ID} is empty or absent)"
    more = f", and {len(names) - limit} more" if len(names) > limit else ""
    return ", ".join(names[:limit]) + more


def path_problem(name: str, path: str, key: str) -> Finding | None:
    """Why the device ``path`` cannot be used by this user, or None if it can be opened.

    Args:
        name: the device, as the line names it ("scanner").
        path: the configured device path.
        key: the config key it came from ("[scanner] url").

    Returns:
        A failing finding saying what is wrong and the command that fixes it, or None.
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return failed(
            f"{path} does not exist",
            f"check that the {name} is plugged in and switched on, and {key} "
            f"(serial devices here: {listing()})",
        )
    except OSError as err:
        return failed(
            f"cannot look at {path} ({err.strerror or err})", f"check {key} and the folder's rights"
        )
    if not stat.S_ISCHR(info.st_mode):
        kind = "folder" if stat.S_ISDIR(info.st_mode) else (
            "FIFO" if stat.S_ISFIFO(info.st_mode) else "regular file"
        )  # fmt: skip
        return failed(
            f"{path} is a {kind}, not a serial device",
            f"set {key} to the {name}'s device (serial devices here: {listing()})",
        )
    try:
        fd = os.open(path, os.O_RDWR | os.O_NOCTTY | os.O_NONBLOCK)
    except OSError as err:
        if err.errno in (errno.EACCES, errno.EPERM):
            return denied(path, info)
        if err.errno in (errno.ENXIO, errno.ENODEV, errno.EIO):
            return failed(
                f"{path} exists but no device answers behind it ({err.strerror})",
                f"unplug the {name} and plug it in again, then check its cable",
            )
        if err.errno == errno.EBUSY:
            return failed(
                f"{path} is busy (another program has it open)",
                f"stop the other program (`fuser -v {path}` names it)",
            )
        return None  # pyserial's open says what else is wrong
    try:
        terminal = os.isatty(fd)
    finally:
        os.close(fd)
    if terminal:
        return None
    if os.major(info.st_rdev) == USB_MAJOR:
        return failed(
            f"{path} is a USB printer-class device (usblp), not a serial port",
            "the kiosk prints to serial ports and network printers (socket://host:9100) "
            f"only: use the printer's serial or Ethernet interface and set {key}",
        )
    return failed(
        f"{path} is a character device but not a serial port (no terminal)",
        f"set {key} to the {name}'s serial device (serial devices here: {listing()})",
    )


def denied(path: str, info: os.stat_result) -> Finding:
    """Permission denied on ``path``: which rule refuses this user, and the fix."""
    mode = stat.S_IMODE(info.st_mode)
    group = group_name(info.st_gid)
    user = user_name()
    found = f"{path}: permission denied for user {user} (mode {mode:03o}, group {group})"
    if mode & 0o060 != 0o060:
        return failed(
            found,
            f'its group may not read and write it: give it GROUP="{SERIAL_GROUP}", '
            f'MODE="0660" with a udev rule ({UDEV_README})',
        )
    if info.st_gid in os.getgroups() or info.st_gid == os.getegid():
        return failed(
            found,
            f"user {user} is in group {group} but still refused: check the udev rule's MODE "
            f"and any AppArmor or SELinux profile ({UDEV_README})",
        )
    if _member(user, info.st_gid):
        return failed(
            found,
            f"user {user} was added to group {group} after logging in: log out and in "
            "again (or reboot), then run the doctor again",
        )
    return failed(
        found,
        f"run `sudo usermod -aG {group} {user}`, then log out and in again",
    )


def _member(user: str, gid: int) -> bool:
    """Whether ``user`` is in group ``gid`` in the group database (not this login's groups)."""
    try:
        if user in grp.getgrgid(gid).gr_mem:
            return True
        return pwd.getpwnam(user).pw_gid == gid
    except KeyError:
        return False


def checks(context: Context) -> list[Check]:
    """The ``serial ports`` check."""
    return [Check("serial ports", lambda: serial_ports(context), context.timeout)]


def serial_ports(context: Context) -> Finding:
    """What is plugged in, and whether this user's groups let it use the configured ports."""
    paths = [(name, url) for name, url, _key in device_urls(context) if is_path(url)]
    found = f"serial devices: {listing()}"
    if not paths:
        return passed(f"{found}; no device is configured by path (sim://, socket:// only)")
    user = user_name()
    groups = set(os.getgroups()) | {os.getegid()}
    refused: set[int] = set()
    usable: set[int] = set()
    for _name, path in paths:
        try:
            gid = os.stat(path).st_gid
        except OSError:
            continue  # missing: the device's own line says so
        (usable if os.access(path, os.R_OK | os.W_OK) else refused).add(gid)
    missing = sorted(group_name(gid) for gid in refused - groups if not _member(user, gid))
    if missing:
        names = ",".join(missing)
        return failed(
            f"{found}; user {user} is not in group {names}, which owns the serial ports",
            f"run `sudo usermod -aG {names} {user}`, then log out and in again",
        )
    pending = sorted(group_name(gid) for gid in refused - groups)
    if pending:
        return failed(
            f"{found}; user {user} was added to group {','.join(pending)} after logging in",
            "log out and in again (or reboot), then run the doctor again",
        )
    if refused:
        return failed(
            f"{found}; user {user} may not open every configured port",
            "the lines below for each device say why",
        )
    if not usable and not refused and os.geteuid() != 0:  # none plugged in to try
        try:
            dialout = grp.getgrnam(SERIAL_GROUP).gr_gid
        except KeyError:
            dialout = None
        if dialout is not None and dialout not in groups and not _member(user, dialout):
            return failed(
                f"{found}; user {user} is not in group {SERIAL_GROUP}, which udev gives "
                "serial ports",
                f"run `sudo usermod -aG {SERIAL_GROUP} {user}`, then log out and in again",
            )
    if not usable and not refused:
        return passed(f"{found}; none of the configured ones is present to try (see below)")
    return passed(f"{found}; user {user} may open the configured ones")
