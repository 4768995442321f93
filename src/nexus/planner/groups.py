"""``Group``: a shot before decoration, as ``shots`` segments it and ``staging`` decorates it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from nexus.contracts import studio


@dataclass
class Group:
    """A shot before decoration: its lines and the text they came from."""

    scene: int
    kind: Literal["narration", "dialogue"]
    speaker_id: str | None
    lines: list[studio.SpeechLine] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    paragraph: int = 0
    last_sentence: int = -1
    had_beat: bool = False

    def add_text(self, text: str) -> None:
        if not self.texts or self.texts[-1] != text:
            self.texts.append(text)
