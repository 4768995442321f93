"""Issue 16 defect classes on new sentences: places vs characters, Chinese name edges, aliases
(titles, kinship words, across scripts), gender, and named places."""

from __future__ import annotations

from nexus.contracts import studio
from nexus.entity_core import extract_entities
from nexus.planner import ingest_story

VOICES = ["v_a", "v_b", "v_c", "v_d", "narrator"]


def _pack(text: str) -> studio.EntityPack:
    story = ingest_story(text.encode())
    return extract_entities(story, voices=VOICES, narrator_voice="narrator")


def _names(entities: list[studio.Entity]) -> set[str]:
    return {e.name for e in entities}


def _character(pack: studio.EntityPack, name: str) -> studio.Entity:
    return next(c for c in pack.characters if c.name == name)


# --- places are never characters --------------------------------------------------------


def test_a_town_named_by_in_and_possessive_is_a_place_not_a_character() -> None:
    pack = _pack(
        "The ferry docked in Harwick at dawn. Harwick's market was already busy, and the "
        'smell of bread filled the square. "Two loaves," Ella said. Ella walked home through '
        "the streets of Harwick with the bread under her arm."
    )
    assert "Harwick" in _names(pack.places)
    assert "Harwick" not in _names(pack.characters)
    assert _names(pack.characters) == {"Ella"}


def test_a_known_city_is_a_place_even_without_a_cue() -> None:
    pack = _pack(
        "Ruby had never seen snow before Oslo. Oslo was grey and quiet that winter. Later she "
        'moved from Oslo to Madrid, and Madrid was loud. "Too loud," said Ruby.'
    )
    assert {"Oslo", "Madrid"} <= _names(pack.places)
    assert _names(pack.characters) == {"Ruby"}


def test_chinese_adverbs_are_not_names() -> None:
    pack = _pack(
        "老孟冷冷地看了他一眼，没有说话。过了一会儿，老孟淡淡地说：“走吧。”"
        "小孙狠狠地点了点头，跟着老孟出了门。小孙轻轻地关上门。"
    )
    names = _names(pack.characters)
    assert {"老孟", "小孙"} <= names
    assert not {n for n in names if n.startswith(("冷", "淡", "狠", "轻"))}


def test_a_chinese_name_does_not_absorb_the_next_verb() -> None:
    pack = _pack(
        "老邓压低声音说：“别出声，外面有人。”阿芳点点头。老邓推开后门，"
        "阿芳跟在后面。老邓回头看了看她。"
    )
    names = _names(pack.characters)
    assert "老邓" in names
    assert not {"邓压", "邓推", "邓回"} & names


def test_a_lane_is_a_place_not_a_person() -> None:
    pack = _pack(
        "梧桐巷的尽头有一家小面馆。每天早上，陈阿婆都在梧桐巷口摆摊。"
        "“来碗面！”邮差老许喊道。陈阿婆笑着答应了。"
    )
    assert "梧桐巷" not in _names(pack.characters)
    assert any(p.startswith("梧桐巷") for p in _names(pack.places))


# --- aliases ------------------------------------------------------------------------------


def test_mr_surname_merges_into_one_character() -> None:
    pack = _pack(
        'Mr. Whitlock opened the shop at seven. Whitlock was tired. "Morning," said '
        'Mr. Whitlock to the first customer. "Cold today," Whitlock added.'
    )
    assert len(pack.characters) == 1
    assert {"Mr. Whitlock", "Whitlock"} <= {pack.characters[0].name, *pack.characters[0].aliases}


def test_mr_and_mrs_of_one_surname_are_two_people() -> None:
    pack = _pack(
        "Mrs. Kettering waited in the kitchen. She had not slept. Mr. Kettering had gone out at "
        "dawn. Later Simon Kettering came home wet through, and his wife laughed at him. "
        '"You look like a drowned cat," said Mrs. Kettering. "I feel like one," Simon said.'
    )
    simon = _character(pack, "Simon Kettering")
    wife = _character(pack, "Mrs. Kettering")
    assert "Mr. Kettering" in simon.aliases and simon.gender == "male"
    assert wife.gender == "female"
    assert "Kettering" not in [*simon.aliases, *wife.aliases]


def test_a_kinship_word_used_as_a_name_is_a_character() -> None:
    pack = _pack(
        'Grandpa lit the fire and sat down. "Sit with me," Grandpa said. Sam sat. '
        '"Tell me a story," said Sam. Grandpa laughed.'
    )
    grandpa = _character(pack, "Grandpa")
    assert grandpa.gender == "male"


def test_a_kinship_word_joins_the_full_name_it_introduces() -> None:
    pack = _pack(
        "Her grandmother, Edith Marsh, lived above the bakery. Edith baked every morning. "
        '"Tea?" Granny asked when Rosa came in. Granny poured two cups. Rosa smiled.'
    )
    edith = _character(pack, "Edith Marsh")
    assert "Granny" in edith.aliases
    assert "Granny" not in _names(pack.characters)


def test_surname_and_title_merge_into_the_full_chinese_name() -> None:
    pack = _pack(
        "罗大福是米店的掌柜。罗掌柜每天天不亮就开门。“早啊，”罗掌柜笑道。"
        "隔壁的吴捕头也早早出门巡街。吴铁生今年五十岁了。“罗掌柜，今天米价多少？”吴捕头问。"
    )
    luo = _character(pack, "罗大福")
    assert "罗掌柜" in luo.aliases
    wu = _character(pack, "吴铁生")
    assert "吴捕头" in wu.aliases
    assert {"罗掌柜", "吴捕头"}.isdisjoint(_names(pack.characters))


def test_a_chinese_kinship_word_before_a_full_name_is_its_alias() -> None:
    pack = _pack(
        "舅舅王建华来车站接她。舅舅笑着说：“上车吧。”小燕坐上车。舅舅开车很稳，"
        "一路上没怎么说话。小燕问：“舅舅，还有多远？”"
    )
    wang = _character(pack, "王建华")
    assert "舅舅" in wang.aliases
    assert wang.gender == "male"


def test_names_across_scripts_are_one_character() -> None:
    pack = _pack(
        "Xu Ming came to Shanghai in spring. Xu Ming worked at a bookshop there. "
        '"Welcome," Xu Ming said to every customer.\n\n'
        "徐明每天晚上都给妈妈打电话。徐明说：“上海很好，别担心。”上海的夜晚很亮。"
    )
    xu = next(c for c in pack.characters if "徐明" in (c.name, *c.aliases))
    assert xu.name in ("Xu Ming", "徐明")
    assert len([c for c in pack.characters if "Xu" in c.name or "徐" in c.name]) == 1
    shanghai = [p for p in pack.places if "上海" in (p.name, *p.aliases)]
    assert len(shanghai) == 1 and "Shanghai" in (shanghai[0].name, *shanghai[0].aliases)


# --- gender -------------------------------------------------------------------------------


def test_gender_from_pronouns_near_a_titled_name() -> None:
    pack = _pack(
        "Inspector Dale walked into the station. She took off her wet coat. "
        '"Sit," she said to the boy. Constable Rook stood by the door. He coughed twice. '
        '"Tea, ma\'am?" Rook asked.'
    )
    assert _character(pack, "Inspector Dale").gender == "female"
    rook = next(c for c in pack.characters if "Rook" in c.name)
    assert rook.gender == "male"


def test_gender_from_a_possessive_before_a_named_relative() -> None:
    pack = _pack(
        "Max was nine and his sister Ivy was six. Max liked trains; Ivy liked boats. "
        "Ruth Gale came home late. Her brother, Owen Gale, was asleep. Ruth turned on the light."
    )
    genders = {c.name: c.gender for c in pack.characters}
    assert genders["Max"] == "male"
    assert genders["Ivy"] == "female"
    assert genders["Ruth Gale"] == "female"
    assert genders["Owen Gale"] == "male"


def test_gender_from_chinese_titles_and_nouns() -> None:
    pack = _pack(
        "村口站着一个男孩叫石头。石头天天在河边放牛。“石头，回家吃饭！”"
        "郑大娘喊道。郑大娘是石头的邻居。老捕快钱伯也在村口。钱伯说：“天要下雨了。”"
    )
    genders = {c.name: c.gender for c in pack.characters}
    assert genders.get("石头") == "male"
    assert genders.get("郑大娘") == "female"
    assert genders.get("钱伯") == "male"


# --- named places -------------------------------------------------------------------------


def test_named_streets_buildings_and_landmarks_are_places() -> None:
    pack = _pack(
        "Nell lived on Fig Tree Lane, two doors from the Crown Hotel. Every Sunday she "
        'walked past the Corn Market to the Old Bridge. "Same as always," said Nell.'
    )
    assert {"Fig Tree Lane", "Crown Hotel", "Corn Market", "Old Bridge"} <= _names(pack.places)
    assert _names(pack.characters) == {"Nell"}


def test_chinese_named_places_are_found() -> None:
    pack = _pack(
        "周末，林蕾从杭州坐车去了苏州。她先去了观前街，又走到白塔寺。"
        "寺门口有一座老石桥，叫望仙桥。林蕾在望仙桥边坐了很久。“真美啊。”林蕾说。"
    )
    places = _names(pack.places)
    assert {"杭州", "苏州", "白塔寺", "望仙桥"} <= places
    assert not places & _names(pack.characters)
