"""Planner: story ingest, shot planning, timeline building and shot edits (pure functions)."""

from nexus.planner.edits import apply_shot_edits
from nexus.planner.ingest import ingest_story
from nexus.planner.shots import plan_shots
from nexus.planner.subtitles import fits_cue, split_for_cues, wrap_subtitle
from nexus.planner.timeline import build_timeline

__all__ = [
    "apply_shot_edits",
    "build_timeline",
    "fits_cue",
    "ingest_story",
    "plan_shots",
    "split_for_cues",
    "wrap_subtitle",
]
