"""Studio contracts: the ingested story, entities, asset candidates, shot and timeline plans."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from nexus.contracts.base import StrictModel

Language = Literal["zh", "en", "mixed"]
EntityKind = Literal["character", "place", "prop"]
CameraMove = Literal["static", "pan_left", "pan_right", "zoom_in", "zoom_out", "push_in"]
Transition = Literal["cut", "fade", "dissolve"]
SpokenLanguage = Literal["zh", "en"]
PartKind = Literal["narration", "dialogue"]
TimeOfDay = Literal["dawn", "morning", "day", "dusk", "night"]
Weather = Literal["clear", "rain", "storm", "snow", "fog"]
Landmark = Literal["lighthouse", "bridge", "tower", "temple", "windmill"]

# Ranges of the Look indices: renderers map index -> drawing with ``index % COUNT``.
LOOK_HAIR_STYLES = 6
LOOK_FACE_SHAPES = 4
LOOK_ACCESSORIES = 6


class SentencePart(StrictModel):
    """A run of one sentence read by one voice: narration, or the words inside quotes."""

    kind: PartKind
    text: str = Field(min_length=1, description="Quotes removed from dialogue.")
    speaker: str | None = Field(
        default=None, description="The speaker's name as written, when the text says it."
    )
    speaker_pronoun: Literal["he", "she"] | None = Field(
        default=None, description="Set when the text only says 'he said' / '她说'."
    )


class Sentence(StrictModel):
    """One sentence (a quotation with its speech tag counts as one)."""

    index: int = Field(ge=0, description="Position in the whole story.")
    paragraph_index: int = Field(ge=0, description="Paragraph in the whole story.")
    text: str = Field(min_length=1)
    language: SpokenLanguage
    kind: PartKind = Field(description="dialogue when the sentence holds a quotation.")
    speaker: str | None = None
    parts: list[SentencePart]


class Scene(StrictModel):
    index: int = Field(ge=0)
    title: str | None = None
    sentences: list[Sentence]
    time_of_day: TimeOfDay | None = Field(
        default=None, description="As the scene opens, when its narration says (or carried)."
    )
    weather: Weather | None = None
    landmark: Landmark | None = Field(default=None, description="The landmark it names most.")


class Story(StrictModel):
    """A normalised story: Markdown stripped, split into scenes and sentences."""

    title: str | None = None
    language: Language
    scenes: list[Scene]


class Look(StrictModel):
    """A character's stable appearance, derived deterministically from its entity id."""

    palette: list[str] = Field(description="Hex colours: skin, hair, clothing, accent.")
    hair_style: int = Field(ge=0)
    face_shape: int = Field(ge=0)
    accessory: int = Field(ge=0)


class Entity(StrictModel):
    entity_id: str
    kind: EntityKind
    name: str
    aliases: list[str] = Field(default_factory=list)
    mentions: int = Field(default=0, ge=0)
    voice: str | None = Field(default=None, description="Voice id; characters only.")
    voices: dict[SpokenLanguage, str] = Field(
        default_factory=dict[SpokenLanguage, str],
        description="The voice per spoken language, one timbre family (characters only).",
    )
    look: Look | None = None
    gender: Literal["female", "male", "unknown"] = "unknown"


class EntityPack(StrictModel):
    """All entities of one story with aliases merged; ids are stable across runs."""

    language: Language
    characters: list[Entity] = Field(default_factory=list[Entity])
    places: list[Entity] = Field(default_factory=list[Entity])
    props: list[Entity] = Field(default_factory=list[Entity])
    narrator_voice: str
    narrator_voices: dict[SpokenLanguage, str] = Field(
        default_factory=dict[SpokenLanguage, str],
        description="The narrator's voice per spoken language.",
    )


AssetKind = Literal["portrait", "background", "music", "sfx", "style", "reference-text"]
MatchMethod = Literal["keyword", "vector", "tag", "entity"]


class AssetCandidate(StrictModel):
    """An asset proposed for a query or a slot by retrieval, with its fused score and why."""

    asset_id: str
    kind: AssetKind
    uri: str = Field(description="Where the content is: the artifact store's sha256 URI.")
    score: float = Field(description="Fused (reciprocal rank fusion) score; higher is better.")
    matched_by: list[MatchMethod] = Field(default_factory=list[MatchMethod])
    title: str = ""
    sha256: str = ""
    media_type: str = ""
    tags: list[str] = Field(default_factory=list)
    entity: str | None = Field(default=None, description="The entity name it was added for.")
    keyword_score: float | None = Field(default=None, description="BM25 score, if it matched.")
    vector_score: float | None = Field(default=None, description="Cosine similarity, if ranked.")
    keyword_rank: int | None = None
    vector_rank: int | None = None
    why: list[str] = Field(
        default_factory=list, description="Human reasons: matched terms, tags, similarity."
    )
    chunk: str | None = Field(default=None, description="For text references: the matched chunk.")


class SpeechLine(StrictModel):
    """One spoken segment of a shot: narration or a character's dialogue."""

    text: str = Field(min_length=1)
    speaker_id: str | None = Field(default=None, description="None means the narrator.")
    voice: str
    kind: PartKind = "narration"
    language: SpokenLanguage = "en"


class ShotPlan(StrictModel):
    shot_id: str
    index: int = Field(ge=0)
    scene_index: int = Field(ge=0)
    text: str
    lines: list[SpeechLine]
    speaker_id: str | None = None
    character_ids: list[str] = Field(default_factory=list)
    place_id: str | None = None
    camera: CameraMove = "static"
    duration_target_s: float = Field(gt=0)
    visual_prompt: str = ""
    transition_in: Transition = "cut"
    variant: int = Field(default=0, ge=0)
    kind: PartKind = Field(default="narration", description="dialogue when a character speaks.")
    prop_ids: list[str] = Field(default_factory=list)
    language: SpokenLanguage = "en"
    time_of_day: TimeOfDay | None = Field(
        default=None, description="Stated by the narration so far; None when never said."
    )
    weather: Weather | None = None
    landmark: Landmark | None = Field(
        default=None, description="The scene's main landmark, drawn in the backdrop."
    )


class ShotEdit(StrictModel):
    """A human revision of one shot; unset fields keep the shot's values."""

    text: str | None = Field(default=None, min_length=1)
    voice: str | None = Field(default=None, min_length=1)
    duration_s: float | None = Field(default=None, gt=0, le=120)
    variant: int | Literal["next"] | None = None


class Subtitle(StrictModel):
    start_s: float = Field(ge=0)
    end_s: float = Field(gt=0)
    text: str = Field(description="Wrapped with newlines: at most 2 lines of 42 (16 CJK).")
    shot_id: str | None = None
    line_index: int | None = Field(default=None, ge=0)


class TimelineClip(StrictModel):
    shot_id: str
    start_s: float = Field(ge=0)
    duration_s: float = Field(gt=0)
    transition_in: Transition = "cut"
    transition_s: float = Field(default=0.0, ge=0, description="Length of transition_in.")


class AudioTrack(StrictModel):
    kind: Literal["narration", "dialogue", "music"]
    shot_id: str | None = None
    line_index: int | None = Field(default=None, ge=0, description="Index into ShotPlan.lines.")
    start_s: float = Field(ge=0)
    duration_s: float = Field(gt=0)
    gain_db: float = 0.0


class TimelinePlan(StrictModel):
    width: int = Field(gt=0)
    height: int = Field(gt=0)
    fps: int = Field(default=25, gt=0)
    clips: list[TimelineClip]
    audio: list[AudioTrack] = Field(default_factory=list[AudioTrack])
    subtitles: list[Subtitle] = Field(default_factory=list[Subtitle])
    duration_s: float = Field(gt=0)


class EntityEdit(StrictModel):
    """A human revision of one entity of a run; unset fields keep its values (ADR 0271)."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    aliases: list[Annotated[str, Field(min_length=1, max_length=100)]] | None = Field(
        default=None, max_length=50, description="Replaces the entity's aliases."
    )
    voice: str | None = Field(
        default=None, min_length=1, max_length=100, description="Characters only."
    )
    merge_into: str | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="Another entity of the same kind: this one's shots, lines and names "
        "become that entity's.",
    )


class CueEdit(StrictModel):
    """A human revision of one subtitle cue: its text, optionally its timing within its shot."""

    text: str = Field(min_length=1, max_length=500)
    start_s: float | None = Field(default=None, ge=0, description="Relative to the shot.")
    end_s: float | None = Field(default=None, gt=0, description="Relative to the shot.")
