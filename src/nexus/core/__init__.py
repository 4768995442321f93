"""Cross-cutting infrastructure: settings, errors, logging, database, storage, broker, cache."""
