"""The observer: audit log (and later cost and metrics). Observes; never changes run state."""
