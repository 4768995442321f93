"""The gateway: HTTP and SSE entry — authentication, validation, idempotency, rate limits."""
