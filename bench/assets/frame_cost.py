"""What a library asset costs a storyboard frame: ``render_shot`` with drawn art (the peer,
today's path) against the same shot with a library portrait card and a library backdrop
(ADR 0241), side by side in the same run; medians of N renders. Writes FRAME_COST_REPORT.md.

    uv run python -m bench.assets.frame_cost
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path

from PIL import Image
from tests.studio.asset_fixtures import STORY

from nexus.contracts.studio import EntityPack, ShotPlan
from nexus.core.registry import SkillContext
from nexus.studio.asset_art import cover
from nexus.studio.plan import PlanIn, plan_story
from nexus.workers.video.shot import render_shot

N = 15
SIZES = [(640, 360), (1280, 720)]


def median_ms(fn: object) -> float:
    times = []
    for _ in range(N):
        t = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def main() -> None:
    out = plan_story(PlanIn(story=STORY), SkillContext("b", "b", "plan", 1, Path("/tmp/bench")))
    shot: ShotPlan = out.shots[1]
    pack: EntityPack = out.pack
    who = shot.speaker_id or shot.character_ids[0]
    photo = Image.new("RGB", (1200, 1500), (205, 30, 35))
    scene = Image.new("RGB", (2400, 1350), (30, 70, 210))
    rows = []
    for size in SIZES:
        drawn = median_ms(lambda s=size: render_shot(shot, pack, s))
        library = median_ms(lambda s=size: render_shot(shot, pack, s, backdrop=cover(scene, s),
                                                       pictures={who: photo}))  # fmt: skip
        rows.append((size, drawn, library))
    lines = ["# Library art in a storyboard frame", "",
             f"Median of {N} renders of one shot (one character speaking), drawn art vs a",
             "library portrait card + library backdrop (includes the cover crop of a 2400x1350",
             "picture). The machine is shared by 8 engineers: absolute numbers are noisy; the",
             "ratio is measured side by side in the same run.", "",
             "| frame | drawn (ms) | library (ms) | ratio |", "|---|---|---|---|"]  # fmt: skip
    for (w, h), drawn, library in rows:
        lines.append(f"| {w}x{h} | {drawn:.1f} | {library:.1f} | {library / drawn:.2f} |")
    text = "\n".join(lines) + "\n"
    (Path(__file__).parent / "FRAME_COST_REPORT.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
