"""Sandboxed user skills: WASM (CPython, QuickJS) and native (bubblewrap) tiers, the user
skill store and the node that runs a stored skill. See README.md."""
