"""The composer: final assembly and export of a timeline with ffmpeg (segments, mix, subtitles)."""
