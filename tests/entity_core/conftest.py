"""Fixtures: the sample stories (see tests/story_samples.py)."""

from tests.story_samples import load_sample, sample  # noqa: F401
