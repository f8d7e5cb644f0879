"""The counters' throttled fault lines: :class:`devices.throttle.ThrottledFaults`."""

from devices.throttle import ThrottledFaults

__all__ = ["ThrottledFaults"]
