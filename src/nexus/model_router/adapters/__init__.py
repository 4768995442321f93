"""Provider adapters: one vendor wire format each, on httpx (async, timeouts, bounded
retries with jitter honouring Retry-After). They speak the protocol and report usage; the
client prices, guards, records and fails over."""
