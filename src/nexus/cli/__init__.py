"""The ``nexus`` command line: entry points for embedded and cluster mode."""
