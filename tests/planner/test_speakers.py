"""Issue 16 speaker attribution on new sentences: tags before and after quotes in English and
Chinese, role nouns, pronouns, action beats, vocatives, single quotes, and titles in quotes."""

from __future__ import annotations

from nexus.contracts import studio
from nexus.entity_core import extract_entities
from nexus.planner import ingest_story, plan_shots
from nexus.planner.dialogue import is_quoted_term, split_quotes

VOICES = ["v_a", "v_b", "v_c", "v_d", "narrator"]


def _spoken(raw: str) -> list[tuple[str, str | None]]:
    """(line text, speaker name or None) of every dialogue line, in order."""
    story = ingest_story(raw.encode())
    pack = extract_entities(story, voices=VOICES, narrator_voice="narrator")
    names = {c.entity_id: c.name for c in pack.characters}
    return [
        (line.text, names.get(line.speaker_id or ""))
        for shot in plan_shots(story, pack)
        for line in shot.lines
        if line.kind == "dialogue"
    ]


def _speakers(raw: str) -> list[str | None]:
    return [who for _, who in _spoken(raw)]


def test_english_tags_before_and_after_the_quote() -> None:
    raw = (
        'Mara Lind met Leon Voss at the gate.\n\nMara said, "You came back."\n\n'
        '"I always do," said Leon.\n\n"Liar," Mara whispered.\n\nLeon asked: "Shall we walk?"'
    )
    assert _speakers(raw) == ["Mara Lind", "Leon Voss", "Mara Lind", "Leon Voss"]


def test_any_verb_after_a_comma_is_a_tag() -> None:
    raw = (
        'Jo Park and Ben Cole waited for the bus.\n\n"It is late," Jo huffed.\n\n'
        '"It is always late," Ben groused.'
    )
    assert _speakers(raw) == ["Jo Park", "Ben Cole"]


def test_a_role_noun_names_the_titled_character() -> None:
    raw = (
        "Sergeant Bloom and Ivy Holt stood by the car.\n\n"
        '"Stop right there," the sergeant said.\n\n"Why?" asked Ivy.'
    )
    assert _speakers(raw) == ["Sergeant Bloom", "Ivy Holt"]


def test_pronoun_tag_after_another_speaker_goes_to_the_other_gender() -> None:
    raw = (
        "Walter Crane was the baker. He rose at four. Ada Finch came in at six; she was "
        "his oldest customer. Walter wiped the counter for her."
        '\n\n"Morning," Ada said.\n\n"Morning yourself," he said.'
    )
    assert _speakers(raw) == ["Ada Finch", "Walter Crane"]


def test_pronoun_action_beat_before_an_untagged_quote() -> None:
    raw = (
        "Rhea Stone and Otto Kemp had walked all day. Rhea carried the map.\n\n"
        'Rhea looked at the map. She frowned. "We are lost."\n\n'
        'Otto Kemp laughed. He folded his arms. "We are exactly where I meant to be."'
    )
    assert _speakers(raw) == ["Rhea Stone", "Otto Kemp"]


def test_straight_single_quotes_are_dialogue() -> None:
    raw = "'Come here,' said Ivo Marsh. 'The tide is turning.'\n\n'Coming,' Pia Lund called."
    assert _spoken(raw) == [
        ("Come here.", "Ivo Marsh"),
        ("The tide is turning.", "Ivo Marsh"),
        ("Coming.", "Pia Lund"),
    ]


def test_a_quoted_title_or_term_is_narration() -> None:
    assert split_quotes('She read "The Salt Road" twice before bed.') == [
        ("narration", 'She read "The Salt Road" twice before bed.')
    ]
    assert split_quotes("他最爱那本“山海经”，翻了又翻。") == [
        ("narration", "他最爱那本“山海经”，翻了又翻。")
    ]
    assert is_quoted_term("The Salt Road") and not is_quoted_term("Stop, thief!")
    raw = '"Read it to me," said Tam Rowe. Kit Vale opened "The Salt Road" and began.'
    assert _speakers(raw) == ["Tam Rowe"]


def test_a_book_title_in_chinese_brackets_is_not_spoken() -> None:
    lines = _spoken("林晨翻开《山海经》，读得入迷。“真有九尾狐吗？”林晨问。")
    assert lines == [("真有九尾狐吗？", "林晨")]


def test_chinese_tag_subject_is_the_clause_before_the_verb() -> None:
    raw = (
        "杜小雨和舅舅刘建军到了车站。小雨放下书包，舅舅接过箱子，笑着说：“走吧。”\n\n“好。”小雨说。"
    )
    assert _speakers(raw) == ["刘建军", "杜小雨"]


def test_chinese_possessor_and_addressee_are_not_the_speaker() -> None:
    raw = (
        "秦月回到家。她的母亲正在院子里晒被子，看见她，急忙问：“吃饭了吗？”\n\n"
        "秦月对母亲说：“吃过了。”母亲点点头。秦月笑了。"
    )
    assert _speakers(raw) == ["母亲", "秦月"]


def test_chinese_tag_after_the_quote_with_manner_words() -> None:
    raw = (
        "谢老三冷冷地看着门外。“谁在那儿？”谢老三压低声音说。\n\n"
        "“是我，”阿满小声说，“开门吧。”阿满在门外等着。"
    )
    assert _speakers(raw) == ["谢老三", "阿满", "阿满"]


def test_a_vocative_is_not_the_speaker() -> None:
    raw = (
        'Nina Ross and Paul Grey reached the top of the hill. "Paul, look at the sea!"\n\n'
        '"Beautiful," said Paul.'
    )
    assert _speakers(raw) == ["Nina Ross", "Paul Grey"]


def test_mixed_story_english_name_in_a_chinese_tag() -> None:
    raw = (
        "Emma Hart第一次来北京。Emma Hart住在胡同里。\n\n"
        '"Where is the subway?" Emma问道。\n\n房东王阿姨笑着说：“往前走，右转。”'
    )
    assert _speakers(raw) == ["Emma Hart", "王阿姨"]


def _unused(story: studio.Story) -> None:  # pragma: no cover - keeps the studio import typed
    del story
