"""Library self-service kiosk and entrance gate."""

__version__ = "0.1.0"
