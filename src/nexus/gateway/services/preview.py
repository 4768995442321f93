"""Story preview: what a run of a text would plan (scenes, characters, places, props, shots),
computed by the studio pipeline's own ``plan`` skill, so the preview and the run agree."""

from __future__ import annotations

import tempfile
from collections import Counter
from pathlib import Path
from typing import Literal

from nexus.contracts import studio
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.core.registry import SkillContext
from nexus.gateway import schemas_studio
from nexus.planner import ingest_story
from nexus.planner.length import require_min_length
from nexus.studio import plan


def preview_story(
    text: str, language: Literal["auto", "zh", "en"], *, max_bytes: int
) -> schemas_studio.StoryPreview:
    """CPU-bound (segmentation, name finding): call it off the event loop."""
    story = ingest_story(text.encode("utf-8"), language=language, max_bytes=max_bytes)
    try:
        require_min_length(story)
    except NexusError as exc:  # a preview says why a run would be refused, it does not refuse
        if exc.code is not ErrorCode.INPUT_TOO_SHORT:
            raise
        return _too_short(story, exc)
    with tempfile.TemporaryDirectory(prefix="nexus-preview-") as tmp:
        ctx = SkillContext(
            run_id="preview", job_id="preview", node_key="plan", attempt=1, workdir_path=Path(tmp)
        )
        out = plan.plan_story(plan.PlanIn(story=text, language=language), ctx)
    per_scene = Counter(shot.scene_index for shot in out.shots)
    scenes = [
        schemas_studio.ScenePreview(
            index=scene.index,
            title=scene.title,
            sentences=len(scene.sentences),
            shots=per_scene.get(scene.index, 0),
        )
        for scene in story.scenes
    ]
    return schemas_studio.StoryPreview(
        title=out.title,
        detected_language=story.language,
        language="zh" if out.language == "zh" else "en",
        scenes=scenes,
        characters=out.pack.characters,
        places=out.pack.places,
        props=out.pack.props,
        narrator_voice=out.pack.narrator_voice,
        shots=out.shots,
        duration_s=round(sum(s.duration_target_s for s in out.shots), 2),
    )


def _too_short(story: studio.Story, exc: NexusError) -> schemas_studio.StoryPreview:
    scenes = [
        schemas_studio.ScenePreview(
            index=s.index, title=s.title, sentences=len(s.sentences), shots=0
        )
        for s in story.scenes
    ]
    return schemas_studio.StoryPreview(
        title=story.title or "",
        detected_language=story.language,
        language="zh" if story.language == "zh" else "en",
        scenes=scenes,
        characters=[],
        places=[],
        props=[],
        narrator_voice="",
        shots=[],
        duration_s=0.0,
        problem_code=exc.code.value,
        problem=exc.detail,
    )
