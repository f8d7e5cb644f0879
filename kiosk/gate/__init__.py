"""The entrance gate daemon (``kiosk gate``): headless visitor counting, no Kivy.

* :mod:`kiosk.gate.counting`: the pure rules (intervals, occupancy, closing reset);
* :mod:`kiosk.gate.daemon`: the queue and the single writer thread;
* :mod:`kiosk.gate.wiring`: builds the daemon from the Config;
* :mod:`kiosk.gate.demo`: simulated counters for ``kiosk gate`` without a config;
* :mod:`kiosk.gate.command`: the ``kiosk gate`` command itself.

The store side is :mod:`kiosk.storage.gate`.
"""
