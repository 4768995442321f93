"""extract_entities on tricky inputs and on the sample stories."""

from __future__ import annotations

from nexus.contracts import studio
from nexus.entity_core import extract_entities
from nexus.entity_core.continuity import assign_voices, entity_id_for
from nexus.planner import ingest_story

VOICES = ["v_a", "v_b", "v_c", "narrator"]
JUNK = {"The", "He", "She", "It", "They", "Then", "But", "And", "When", "Yes", "Oh", "I", "Monday"}


def _pack(text: str, voices: list[str] | None = None) -> studio.EntityPack:
    story = ingest_story(text.encode())
    return extract_entities(story, voices=voices or VOICES, narrator_voice="narrator")


def _names(entities: list[studio.Entity]) -> list[str]:
    return [e.name for e in entities]


def test_titles_and_aliases_merge_into_one_character() -> None:
    pack = _pack(
        "Dr. Anna Reyes arrived on Monday. Anna looked tired. She had driven all night. "
        "Then Dr. Reyes sat down. Reyes smiled at Mr. Hale. Hale said nothing."
    )
    assert _names(pack.characters) == ["Anna Reyes", "Mr. Hale"]
    anna = pack.characters[0]
    assert {"Anna", "Dr. Reyes", "Reyes", "Dr. Anna Reyes"} <= set(anna.aliases)
    assert anna.mentions == 4
    assert pack.characters[1].aliases == ["Hale"]
    assert anna.gender == "female" and pack.characters[1].gender == "male"


def test_stop_words_days_and_sentence_starts_are_not_names() -> None:
    pack = _pack(
        "The night was long. Yesterday it rained. Oh, the wind! Then Sunday came. "
        "When Tom woke, Tom lit the stove. Nobody spoke."
    )
    assert _names(pack.characters) == ["Tom"]


def test_places_by_preposition_and_place_nouns() -> None:
    pack = _pack(
        "Mara walked to Greyhaven. In Greyhaven she climbed to the old lighthouse. "
        "Mara slept in the lighthouse and woke at the harbour."
    )
    assert _names(pack.characters) == ["Mara"]
    assert set(_names(pack.places)) == {"Greyhaven", "lighthouse", "harbour"}


def test_shared_surname_is_resolved_by_title() -> None:
    pack = _pack(
        "Tom Hale and Mary Hale ran the inn. Tom Hale cooked; Mary Hale sang. "
        "Mrs. Hale laughed. Mr. Hale frowned."
    )
    # "Hale", "Mr. Hale" and "Mrs. Hale" could be either: dropped, never a third character.
    assert sorted(_names(pack.characters)) == ["Mary Hale", "Tom Hale"]
    assert all("Hale" not in c.aliases for c in pack.characters)


def test_nickname_is_linked_only_when_the_text_says_so() -> None:
    linked = _pack("林月是渔夫的女儿。大家都叫她小月。小月笑了。林月跑向码头。小月喜欢大海。")
    assert _names(linked.characters) == ["林月"]
    assert "小月" in linked.characters[0].aliases
    separate = _pack("林月跑向码头。小月笑了。林月喜欢大海。小月也喜欢。")
    assert sorted(_names(separate.characters)) == sorted(["林月", "小月"])


def test_chinese_names_places_and_given_name_alias() -> None:
    pack = _pack(
        "陈海生走进了码头。陈海生说：“船修好了。”王伯笑道：“好。”张小雨也来了。"
        "小雨说：“我也去。”张小雨跑回了青石港。王伯点点头。"
    )
    names = _names(pack.characters)
    assert set(names) == {"陈海生", "王伯", "张小雨"}
    assert "小雨" in next(c for c in pack.characters if c.name == "张小雨").aliases
    assert {"码头", "青石港"} <= set(_names(pack.places))
    assert next(c for c in pack.characters if c.name == "王伯").gender == "male"


def test_mixed_language_story_finds_both_kinds_of_names() -> None:
    pack = _pack(
        "王伯在灯塔上等着。Anna Reyes arrived at the harbour. 王伯说：“你来了。”"
        "Anna smiled at him. “Hello,” said Anna."
    )
    assert pack.language == "mixed"
    assert {"王伯", "Anna Reyes"} <= set(_names(pack.characters))


def test_ids_are_stable_and_hash_the_canonical_name() -> None:
    text = 'Old Tom lit the lamp. Tom said, "Go." Mara ran to the pier. Mara laughed.'
    first, second = _pack(text), _pack(text)
    assert first == second
    tom = next(c for c in first.characters if c.name == "Old Tom")
    assert tom.entity_id == entity_id_for("character", "Old Tom")
    assert "Tom" in tom.aliases
    assert tom.entity_id.startswith("chr_")


def test_voices_are_distinct_and_never_the_narrators() -> None:
    pack = _pack(
        '"A," said Anna. "B," said Tom. "C," said Mara. "D," said Felix. '
        "Anna, Tom, Mara and Felix left.",
        voices=["narrator", "v1", "v2", "v3"],
    )
    voices = [c.voice for c in pack.characters]
    assert len(pack.characters) == 4
    assert "narrator" not in voices
    assert len(set(voices[:3])) == 3
    assert all(c.look is not None for c in pack.characters)


def test_voice_assignment_respects_catalogue_genders() -> None:
    chosen = assign_voices(
        [("chr_a", "female"), ("chr_b", "male"), ("chr_c", "unknown")],
        ["narrator", "m1", "f1", "x1"],
        "narrator",
        {"m1": "male", "f1": "female"},
    )
    assert chosen == {"chr_a": "f1", "chr_b": "m1", "chr_c": "x1"}
    assert assign_voices([("chr_a", "male")], ["narrator"], "narrator") == {"chr_a": "narrator"}


def test_look_is_derived_from_the_id(sample: tuple[studio.Story, studio.EntityPack]) -> None:
    story, pack = sample
    again = extract_entities(
        story, voices=["x", "y", "z", "w", "narrator"], narrator_voice="narrator"
    )
    looks = {c.entity_id: c.look for c in pack.characters}
    assert all(looks[c.entity_id] == c.look for c in again.characters)
    assert len({str(c.look) for c in pack.characters}) == len(pack.characters)


def test_english_sample_pack() -> None:
    story = ingest_story(
        (
            __import__("pathlib").Path(__file__).resolve().parents[2]
            / "examples/en/the-lighthouse-keeper.md"
        ).read_bytes()
    )
    pack = extract_entities(story, voices=VOICES, narrator_voice="narrator")
    names = _names(pack.characters)
    assert names == ["Tom", "Mara Quinn", "Felix", "Captain Reyes"]
    assert not JUNK & set(names)
    genders = {c.name: c.gender for c in pack.characters}
    assert genders == {
        "Tom": "male",
        "Mara Quinn": "female",
        "Felix": "male",
        "Captain Reyes": "female",
    }
    assert {"lighthouse", "harbour", "Greyhaven Point", "lantern room"} <= set(_names(pack.places))
    assert "lamp" in _names(pack.props)
    assert not {"Gull", "Greyhaven"} & set(names)


def test_chinese_sample_pack() -> None:
    story = ingest_story(
        (
            __import__("pathlib").Path(__file__).resolve().parents[2]
            / "examples/zh/lighthouse-zh.md"
        ).read_bytes()
    )
    pack = extract_entities(story, voices=VOICES, narrator_voice="narrator")
    assert set(_names(pack.characters)) == {"王伯", "林月", "林海", "陈船长"}
    assert {"灯塔", "港口", "码头", "青石岛"} <= set(_names(pack.places))
    assert not {"哥哥", "天黑", "他", "她"} & set(_names(pack.places) + _names(pack.characters))
    genders = {c.name: c.gender for c in pack.characters}
    assert genders == {"王伯": "male", "林月": "female", "林海": "male", "陈船长": "female"}
