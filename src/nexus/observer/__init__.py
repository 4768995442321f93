"""The observer: audit log and cost ledger (later metrics). Observes; never changes run state."""
