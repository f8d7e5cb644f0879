"""Pure core of the kiosk: domain model, ports, the patron session. Standard library only."""
