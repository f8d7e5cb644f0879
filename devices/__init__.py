"""Device drivers, wire-format parsers and simulators. Knows nothing of the kiosk app."""
