"""Wire contracts shared by every Nexus module: pydantic models only, no I/O.

Import submodules and qualify at use (``from nexus.contracts import tasks``).
"""
