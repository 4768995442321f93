"""Studio glue for one shot: when the speaker is highlighted (their lines, not the narrator's)."""

from __future__ import annotations

from nexus.studio.render import SpokenLine, highlight_spans


def test_highlight_spans_cover_runs_of_the_speakers_lines() -> None:
    spoken = [
        SpokenLine(audio_sha256="a", offset_s=0.3, duration_s=1.0, line_index=0, speaker_id="m"),
        SpokenLine(audio_sha256="b", offset_s=1.55, duration_s=0.5, line_index=1, speaker_id=None),
        SpokenLine(audio_sha256="c", offset_s=2.3, duration_s=1.0, line_index=2, speaker_id="m"),
        SpokenLine(audio_sha256="d", offset_s=3.55, duration_s=1.0, line_index=3, speaker_id="m"),
        SpokenLine(audio_sha256="e", offset_s=4.8, duration_s=1.0, line_index=4, speaker_id="t"),
    ]
    assert highlight_spans(spoken, "m") == [(0.3, 1.3), (2.3, 4.55)]
    assert highlight_spans(spoken, "t") == [(4.8, 5.8)]
    assert highlight_spans(spoken, "nobody") == []
