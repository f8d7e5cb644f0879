"""ILS backends behind the :class:`kiosk.core.ports.IlsBackend` port."""
