"""Storyboard renderer: place backdrops, stable character portraits and composed shot frames."""
