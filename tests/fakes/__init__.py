"""Protocol-level fakes of vendor model APIs: real HTTP servers on 127.0.0.1 (random port)
with switches for failure modes and counters, for tests and for trying Nexus by hand."""
