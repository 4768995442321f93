"""The orchestrator: the only authority over flow state (runs, jobs, events, retries, recovery)."""
