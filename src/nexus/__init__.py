"""Nexus: self-hostable AI production platform."""
