"""Gateway services: the gateway's own commands (each owns its transaction) and queries."""
