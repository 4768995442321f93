"""Render sample storyboard frames (and one lip-synced mouth strip) to /tmp for a visual check.

Run: uv run python tests/workers/render_sample.py  ->  /tmp/nexus-storyboard-sample.png
"""

from __future__ import annotations

from pathlib import Path

from PIL import Image

from conftest import build_pack_en, build_pack_zh, build_shot
from nexus.workers.video.shot import render_shot


def main(out: Path = Path("/tmp/nexus-storyboard-sample.png")) -> None:
    en, zh = build_pack_en(), build_pack_zh()
    shots = [
        (build_shot(en, speaker_id="ch-mara", place_id="pl-light", text="A storm!"), en),
        (build_shot(en, speaker_id=None, place_id="pl-kitchen", text="Evening.", variant=2), en),
        (build_shot(zh, speaker_id="ch-lin", place_id="pl-forest", text="林小雨说：快走吧。"), zh),
        (build_shot(en, speaker_id="ch-tom", place_id="pl-light", text="At night.", variant=1), en),
    ]
    sheet = Image.new("RGB", (1280 * 2, 720 * 2))
    for i, (shot, pack) in enumerate(shots):
        frame, _ = render_shot(shot, pack, (1280, 720))
        sheet.paste(frame, ((i % 2) * 1280, (i // 2) * 720))
    sheet.resize((1280, 720)).save(out)


if __name__ == "__main__":
    main()
