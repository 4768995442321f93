# ruff: noqa: E501 - data tables, one entry a line
"""Writes assets.json and queries.json: the labelled evaluation set of the asset search
(issue 12 item 6). Run it to regenerate after editing the tables below; the JSON files are
committed, so the labels are reviewable. Every asset is synthetic (made by the tests from
its entry: a coloured image with a shape, a tone, a text), so the set is redistributable.

Relevance comes from facets, not from captions: a query names a facet (a subject, a place,
a mood, a sound, a style) in its own words, often in the other language, and every asset
carrying that facet is relevant.
"""

from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent

# subject: (filename stem, en caption, zh caption, tags, entity)
PORTRAITS = {
    "keeper": (
        "lighthouse_keeper",
        "an elderly man with a white beard who tends the lamp on the sea cliff",
        "守护海边灯塔的白胡子老人",
        ["old man", "sea"],
        "Old Wang",
    ),
    "sailor": (
        "young_sailor",
        "a young woman in a striped shirt on a fishing boat",
        "渔船上穿条纹衫的年轻女水手",
        ["sailor", "boat"],
        "Xiao Yu",
    ),
    "doctor": (
        "village_doctor",
        "a kind country physician with a leather bag and spectacles",
        "背着药箱戴眼镜的乡村医生",
        ["doctor", "village"],
        "Dr. Li",
    ),
    "busker": (
        "street_musician",
        "a busker playing violin on the pavement",
        "在街头拉小提琴的卖艺人",
        ["musician", "street"],
        None,
    ),
    "cook": (
        "noodle_cook",
        "a cook stirring a wok at a food stall",
        "夜市小摊上炒菜的厨师",
        ["cook", "food"],
        "Auntie Chen",
    ),
    "teacher": (
        "school_teacher",
        "a teacher holding chalk in front of a blackboard",
        "站在黑板前拿着粉笔的老师",
        ["teacher", "school"],
        "Ms. Zhou",
    ),
    "knight": (
        "armoured_knight",
        "a knight in shining plate armour with a sword",
        "身穿铠甲手持长剑的骑士",
        ["knight", "medieval"],
        "Sir Roland",
    ),
    "princess": (
        "princess_crown",
        "a princess wearing a golden crown and a long gown",
        "戴着金冠穿长裙的公主",
        ["princess", "royal"],
        "Princess Mei",
    ),
    "detective": (
        "trenchcoat_detective",
        "a detective in a trench coat holding a magnifying glass",
        "穿风衣拿放大镜的侦探",
        ["detective", "mystery"],
        "Inspector Gu",
    ),
    "robot": (
        "tin_robot",
        "a small friendly robot with round glowing eyes",
        "眼睛会发光的友好小机器人",
        ["robot", "sci-fi"],
        "Bolt",
    ),
    "monk": (
        "mountain_monk",
        "a monk in saffron robes with prayer beads",
        "披着袈裟拿着念珠的僧人",
        ["monk", "temple"],
        None,
    ),
    "farmer": (
        "rice_farmer",
        "a farmer in a straw hat carrying a hoe",
        "戴草帽扛锄头的农民",
        ["farmer", "field"],
        "Uncle Zhang",
    ),
    "pilot": (
        "fighter_pilot",
        "a pilot in a flight jacket and goggles",
        "穿飞行夹克戴护目镜的飞行员",
        ["pilot", "aviation"],
        None,
    ),
    "painter": (
        "painter_beret",
        "an artist in a beret holding a palette and brush",
        "戴贝雷帽拿调色板的画家",
        ["artist", "painting"],
        None,
    ),
    "grandma": (
        "grandmother_knitting",
        "a grandmother knitting a scarf by the fire",
        "在炉火边织围巾的奶奶",
        ["grandmother", "family"],
        "Granny Liu",
    ),
    "boy": (
        "schoolboy_backpack",
        "a little boy with a red backpack and messy hair",
        "背着红书包头发乱糟糟的小男孩",
        ["child", "boy"],
        "Xiao Ming",
    ),
    "witch": (
        "forest_witch",
        "a witch with a pointed hat and a black cat",
        "戴尖帽子抱着黑猫的女巫",
        ["witch", "magic"],
        None,
    ),
    "astronaut": (
        "astronaut_helmet",
        "an astronaut in a white space suit holding a helmet",
        "穿白色宇航服抱着头盔的宇航员",
        ["astronaut", "space"],
        "Captain Hu",
    ),
    "emperor": (
        "emperor_dragon_robe",
        "an emperor in a yellow dragon robe on a throne",
        "身穿黄色龙袍坐在龙椅上的皇帝",
        ["emperor", "ancient china"],
        None,
    ),
    "fox": (
        "fox_spirit",
        "a fox spirit with nine tails in a silk dress",
        "穿丝绸长裙的九尾狐仙",
        ["fox", "myth"],
        None,
    ),
}
# place: (filename stem, en description, zh description, tags)
PLACES = {
    "lighthouse": (
        "cliff_lighthouse",
        "a white tower with a lamp standing on rocks above the waves",
        "海浪上方礁石上的白色灯塔",
        ["coast", "tower"],
    ),
    "harbour": (
        "fishing_harbour",
        "small boats moored at a wooden pier",
        "木码头边停泊的小渔船",
        ["harbour", "boats"],
    ),
    "street": (
        "city_street",
        "a narrow city street lined with shops and lamps",
        "两边是商店和路灯的城市小街",
        ["street", "city"],
    ),
    "market": (
        "night_market",
        "rows of food stalls under strings of lanterns",
        "挂满灯笼的小吃摊位",
        ["market", "food"],
    ),
    "bamboo": (
        "bamboo_forest",
        "tall green bamboo stalks with a stone path",
        "高高的翠竹和石板小路",
        ["forest", "bamboo"],
    ),
    "desert": (
        "sand_dunes",
        "golden sand dunes under a wide sky",
        "广阔天空下的金色沙丘",
        ["desert", "sand"],
    ),
    "snowvillage": (
        "mountain_village",
        "wooden houses in a valley between peaks",
        "群山之间山谷里的木屋",
        ["village", "mountain"],
    ),
    "classroom": (
        "school_classroom",
        "desks in rows facing a blackboard",
        "面对黑板一排排的课桌",
        ["school", "indoor"],
    ),
    "station": (
        "train_station",
        "a platform with a steam train and a clock",
        "有蒸汽火车和大钟的站台",
        ["train", "travel"],
    ),
    "temple": (
        "hill_temple",
        "a red temple with curved roofs on a hill",
        "山上飞檐翘角的红色寺庙",
        ["temple", "hill"],
    ),
    "castle": (
        "castle_hall",
        "a great stone hall with banners and a long table",
        "挂着旗帜摆着长桌的石砌大厅",
        ["castle", "medieval"],
    ),
    "spaceship": (
        "starship_bridge",
        "the control deck of a starship with glowing screens",
        "满是发光屏幕的星舰驾驶舱",
        ["space", "sci-fi"],
    ),
    "wheat": (
        "wheat_field",
        "a field of ripe wheat with a scarecrow",
        "有稻草人的成熟麦田",
        ["field", "farm"],
    ),
    "rooftop": (
        "city_rooftop",
        "a rooftop with water tanks overlooking skyscrapers",
        "能俯瞰摩天大楼的屋顶天台",
        ["rooftop", "city"],
    ),
    "palace": (
        "imperial_palace",
        "a vast courtyard with golden roofs and red walls",
        "金色屋顶红色宫墙的宏大庭院",
        ["palace", "ancient china"],
    ),
}
# variant: (filename suffix, en words, zh words)
CONDITIONS = {
    "day": ("day", "on a sunny day", "晴天"),
    "night": ("night", "at night under the stars", "夜晚星空下"),
    "rain": ("rain", "in heavy rain with puddles", "大雨中满地水洼"),
    "snow": ("snow", "covered in falling snow", "大雪纷飞"),
}
# mood: (filename stem, en description, zh description, tags)
MUSIC = {
    "sadpiano": (
        "melancholy_piano",
        "a slow, melancholy solo piano piece",
        "缓慢忧伤的钢琴独奏",
        ["piano", "slow"],
    ),
    "happyuke": (
        "cheerful_ukulele",
        "a cheerful, bouncy ukulele tune",
        "欢快跳跃的尤克里里小曲",
        ["ukulele", "upbeat"],
    ),
    "tension": (
        "suspense_strings",
        "tense tremolo strings for suspense",
        "制造悬念的紧张弦乐颤音",
        ["strings", "thriller"],
    ),
    "epic": (
        "battle_drums",
        "epic war drums and brass for a battle",
        "战斗场面的史诗战鼓和铜管",
        ["drums", "battle"],
    ),
    "guzheng": (
        "calm_guzheng",
        "a calm guzheng melody in a pentatonic scale",
        "宁静悠扬的古筝曲",
        ["guzheng", "traditional"],
    ),
    "mystery": (
        "mysterious_synth",
        "a mysterious ambient synth pad",
        "神秘的电子氛围音乐",
        ["synth", "ambient"],
    ),
    "lullaby": (
        "music_box_lullaby",
        "a gentle music box lullaby for bedtime",
        "睡前温柔的八音盒摇篮曲",
        ["lullaby", "soft"],
    ),
    "romance": (
        "romantic_violin",
        "a romantic violin waltz",
        "浪漫的小提琴圆舞曲",
        ["violin", "love"],
    ),
    "jazz": (
        "smoky_jazz",
        "a late-night jazz trio with saxophone",
        "深夜萨克斯风爵士三重奏",
        ["jazz", "saxophone"],
    ),
    "march": (
        "brass_march",
        "a proud marching band with trumpets",
        "雄壮的小号进行曲",
        ["march", "trumpet"],
    ),
}
SFX = {
    "rain": (
        "rain_loop",
        "steady rain falling on a roof",
        "雨点落在屋顶上的声音",
        ["rain", "weather"],
    ),
    "thunder": ("thunder_clap", "a loud clap of thunder", "一声响亮的雷鸣", ["thunder", "storm"]),
    "steps": (
        "footsteps_wood",
        "footsteps on a wooden floor",
        "木地板上的脚步声",
        ["footsteps", "walking"],
    ),
    "door": ("door_creak", "an old door creaking open", "老木门吱呀打开的声音", ["door", "creak"]),
    "waves": ("ocean_waves", "waves breaking on a beach", "海浪拍打沙滩的声音", ["waves", "sea"]),
    "birds": (
        "morning_birds",
        "birds chirping in the morning",
        "清晨的鸟叫声",
        ["birds", "morning"],
    ),
    "horn": ("car_horn", "a car horn honking in traffic", "车流中的汽车喇叭声", ["car", "traffic"]),
    "bell": ("temple_bell", "a deep bronze temple bell", "低沉的铜钟声", ["bell", "temple"]),
    "wind": ("howling_wind", "wind howling through a gap", "呼啸的风声", ["wind", "storm"]),
    "fire": ("campfire_crackle", "a campfire crackling", "篝火噼啪作响", ["fire", "camp"]),
}
STYLES = {
    "watercolour": (
        "watercolour_wash",
        "soft watercolour washes with bleeding edges",
        "晕染柔和的水彩",
        ["watercolour"],
    ),
    "inkwash": (
        "ink_wash",
        "Chinese ink wash painting with brush strokes",
        "中国水墨画笔触",
        ["ink", "brush"],
    ),
    "pixel": ("pixel_art", "retro 8-bit pixel art", "复古八位像素画", ["pixel", "retro"]),
    "oil": ("oil_impasto", "thick oil paint impasto", "厚涂油画", ["oil paint"]),
    "anime": ("anime_cel", "anime cel shading with clean lines", "日式动画赛璐璐上色", ["anime"]),
    "pencil": ("pencil_sketch", "a rough graphite pencil sketch", "粗糙的铅笔素描", ["sketch"]),
    "papercut": ("paper_cut", "red paper-cut folk art", "红色民间剪纸艺术", ["paper", "folk"]),
    "noir": (
        "film_noir",
        "high-contrast black and white film noir",
        "高反差黑白黑色电影风格",
        ["noir"],
    ),
    "lowpoly": ("low_poly", "flat-shaded low-poly 3D", "低多边形三维", ["3d"]),
    "ukiyoe": (
        "woodblock_print",
        "Japanese woodblock print with bold outlines",
        "日本浮世绘木版画",
        ["woodblock"],
    ),
}
CAPTION_LANG = ("en", "zh", "mixed")
COLOURS = ["#c81e1e", "#2850c8", "#28a03c", "#f0dc28", "#8232aa", "#f08c1e", "#141414", "#f5f5f5"]


def caption(en: str, zh: str, lang: str) -> str:
    return {"en": en, "zh": zh, "mixed": f"{zh} / {en}"}[lang]


def build_assets() -> list[dict[str, object]]:
    assets: list[dict[str, object]] = []
    n = 0
    for subject, (stem, en, zh, tags, entity) in PORTRAITS.items():
        for v, look in enumerate(("smiling", "serious", "profile")):
            lang = CAPTION_LANG[(n + v) % 3]
            assets.append(
                {
                    "id": f"portrait-{subject}-{v}",
                    "kind": "portrait",
                    "file": f"{stem}_{look}.png",
                    "caption": caption(en, zh, lang),
                    "tags": [*tags, look],
                    "entity": entity,
                    "colour": COLOURS[(n + v) % len(COLOURS)],
                    "shape": "circle",
                    "facets": [f"subject:{subject}"],
                }
            )
        n += 1
    for place, (stem, en, zh, tags) in PLACES.items():
        for v, (cond, (suffix, cen, czh)) in enumerate(CONDITIONS.items()):
            lang = CAPTION_LANG[(n + v) % 3]
            assets.append(
                {
                    "id": f"background-{place}-{cond}",
                    "kind": "background",
                    "file": f"{stem}_{suffix}.jpg",
                    "caption": caption(f"{en} {cen}", f"{czh}，{zh}", lang),
                    "tags": [*tags, cond],
                    "entity": None,
                    "colour": COLOURS[(n + v) % len(COLOURS)],
                    "shape": "rectangle",
                    "facets": [f"place:{place}", f"condition:{cond}", f"place:{place}+{cond}"],
                }
            )
        n += 1
    for group, table, seconds in (("music", MUSIC, 24.0), ("sfx", SFX, 2.0)):
        count = 3 if group == "music" else 2
        for key, (stem, en, zh, tags) in table.items():
            for v in range(count):
                lang = CAPTION_LANG[(n + v) % 3]
                assets.append(
                    {
                        "id": f"{group}-{key}-{v}",
                        "kind": group,
                        "file": f"{stem}_{v + 1}.wav",
                        "caption": caption(en, zh, lang),
                        "tags": tags,
                        "entity": None,
                        "tone_hz": 220 + 37 * (n % 17) + 11 * v,
                        "seconds": seconds if v == 0 else seconds / 2,
                        "facets": [f"{group}:{key}"],
                    }
                )
            n += 1
    for key, (stem, en, zh, tags) in STYLES.items():
        lang = CAPTION_LANG[n % 3]
        assets.append(
            {
                "id": f"style-{key}",
                "kind": "style",
                "file": f"{stem}.webp",
                "caption": caption(en, zh, lang),
                "tags": tags,
                "entity": None,
                "colour": COLOURS[n % len(COLOURS)],
                "shape": "stripes",
                "facets": [f"style:{key}"],
            }
        )
        n += 1
    for subject, (stem, en, zh, _tags, entity) in list(PORTRAITS.items())[:15]:
        lang = "zh" if n % 2 else "en"
        body = _sheet(en, zh, entity, lang)
        assets.append(
            {
                "id": f"text-{subject}",
                "kind": "reference-text",
                "file": f"{stem}_character_sheet.md",
                "caption": "",
                "tags": ["character sheet"],
                "entity": entity,
                "text": body,
                "facets": [f"subject:{subject}", f"sheet:{subject}"],
            }
        )
        n += 1
    for place, (stem, en, zh, _tags) in list(PLACES.items())[:10]:
        lang = "zh" if n % 2 else "en"
        body = _bible(en, zh, lang)
        assets.append(
            {
                "id": f"text-place-{place}",
                "kind": "reference-text",
                "file": f"{stem}_setting_notes.md",
                "caption": "",
                "tags": ["setting"],
                "entity": None,
                "text": body,
                "facets": [f"place:{place}", f"bible:{place}"],
            }
        )
        n += 1
    return assets


def _sheet(en: str, zh: str, entity: str | None, lang: str) -> str:
    name = entity or "The character"
    if lang == "zh":
        return (
            f"# 人物设定：{name}\n\n外貌：{zh}。\n\n性格：沉默寡言，但心地善良，总在别人需要时出现。"
            "\n\n背景：在小镇长大，年轻时离开过家乡，后来又回来了。"
        )
    return (
        f"# Character sheet: {name}\n\nLooks: {en}.\n\nPersonality: quiet but kind-hearted, always "
        "there when someone needs help.\n\nBackstory: grew up in a small town, left when young and came back years later."
    )


def _bible(en: str, zh: str, lang: str) -> str:
    if lang == "zh":
        return (
            f"# 场景设定\n\n这里是{zh}。故事的很多重要时刻都发生在这里。\n\n"
            "清晨和黄昏的光线最好看，镇上的人常常来这里散步。"
        )
    return (
        f"# Setting notes\n\nThis place is {en}. Many key moments of the story happen here.\n\n"
        "The light is best at dawn and dusk, and townsfolk often walk here."
    )


# (query, language, facet or facets all relevant)
QUERIES: list[tuple[str, str, list[str]]] = [
    ("old lighthouse keeper portrait", "en", ["subject:keeper"]),
    ("看守灯塔的老爷爷", "zh", ["subject:keeper"]),
    ("girl who works on a boat", "en", ["subject:sailor"]),
    ("女水手", "zh", ["subject:sailor"]),
    ("country doctor with glasses", "en", ["subject:doctor"]),
    ("村里的大夫", "zh", ["subject:doctor"]),
    ("violinist playing on the street", "en", ["subject:busker"]),
    ("街头艺人", "zh", ["subject:busker"]),
    ("chef cooking with a wok", "en", ["subject:cook"]),
    ("炒菜的厨师 at the stall", "mixed", ["subject:cook"]),
    ("teacher at the blackboard", "en", ["subject:teacher"]),
    ("学校老师", "zh", ["subject:teacher"]),
    ("knight in armour", "en", ["subject:knight"]),
    ("穿盔甲的骑士", "zh", ["subject:knight"]),
    ("princess with a crown", "en", ["subject:princess"]),
    ("公主画像", "zh", ["subject:princess"]),
    ("detective with a magnifying glass", "en", ["subject:detective"]),
    ("侦探 trench coat", "mixed", ["subject:detective"]),
    ("cute robot character", "en", ["subject:robot"]),
    ("机器人", "zh", ["subject:robot"]),
    ("buddhist monk", "en", ["subject:monk"]),
    ("和尚", "zh", ["subject:monk"]),
    ("farmer with a straw hat", "en", ["subject:farmer"]),
    ("种田的农夫", "zh", ["subject:farmer"]),
    ("airplane pilot", "en", ["subject:pilot"]),
    ("artist with a paintbrush", "en", ["subject:painter"]),
    ("老奶奶织毛衣", "zh", ["subject:grandma"]),
    ("little boy with a school bag", "en", ["subject:boy"]),
    ("witch with a cat", "en", ["subject:witch"]),
    ("宇航员", "zh", ["subject:astronaut"]),
    ("emperor on the throne", "en", ["subject:emperor"]),
    ("九尾狐", "zh", ["subject:fox"]),
    ("海边的灯塔", "zh", ["place:lighthouse"]),
    ("lighthouse in a storm of rain", "en", ["place:lighthouse+rain"]),
    ("fishing port with boats", "en", ["place:harbour"]),
    ("rainy night street", "en", ["place:street+rain", "place:street+night"]),
    ("雨中的街道", "zh", ["place:street+rain"]),
    ("night market food stalls", "en", ["place:market"]),
    ("夜市", "zh", ["place:market"]),
    ("竹林小路", "zh", ["place:bamboo"]),
    ("desert dunes", "en", ["place:desert"]),
    ("下雪的山村", "zh", ["place:snowvillage+snow"]),
    ("empty classroom", "en", ["place:classroom"]),
    ("火车站台", "zh", ["place:station"]),
    ("temple on a hill at night", "en", ["place:temple+night"]),
    ("castle great hall", "en", ["place:castle"]),
    ("spaceship cockpit", "en", ["place:spaceship"]),
    ("麦田 in the snow", "mixed", ["place:wheat+snow"]),
    ("rooftop over the skyline", "en", ["place:rooftop"]),
    ("故宫 palace courtyard", "mixed", ["place:palace"]),
    ("悲伤的钢琴音乐", "zh", ["music:sadpiano"]),
    ("sad piano music", "en", ["music:sadpiano"]),
    ("happy ukulele song", "en", ["music:happyuke"]),
    ("suspenseful music for a chase", "en", ["music:tension"]),
    ("战斗音乐", "zh", ["music:epic"]),
    ("古筝", "zh", ["music:guzheng"]),
    ("creepy ambient background music", "en", ["music:mystery"]),
    ("摇篮曲", "zh", ["music:lullaby"]),
    ("love theme on violin", "en", ["music:romance"]),
    ("jazz with sax", "en", ["music:jazz"]),
    ("marching band", "en", ["music:march"]),
    ("下雨的声音", "zh", ["sfx:rain"]),
    ("thunder sound effect", "en", ["sfx:thunder"]),
    ("footstep sounds", "en", ["sfx:steps"]),
    ("开门声", "zh", ["sfx:door"]),
    ("sound of the sea", "en", ["sfx:waves"]),
    ("鸟叫", "zh", ["sfx:birds"]),
    ("traffic honking", "en", ["sfx:horn"]),
    ("钟声", "zh", ["sfx:bell"]),
    ("strong wind noise", "en", ["sfx:wind"]),
    ("crackling fire", "en", ["sfx:fire"]),
    ("水墨画风格", "zh", ["style:inkwash"]),
    ("watercolor style", "en", ["style:watercolour"]),
    ("8-bit retro game look", "en", ["style:pixel"]),
    ("油画", "zh", ["style:oil"]),
    ("anime style", "en", ["style:anime"]),
    ("剪纸", "zh", ["style:papercut"]),
    ("black and white noir look", "en", ["style:noir"]),
    ("character sheet for the detective", "en", ["sheet:detective"]),
    ("医生的人物设定", "zh", ["sheet:doctor"]),
    ("setting notes for the night market", "en", ["bible:market"]),
    ("竹林 场景设定", "mixed", ["bible:bamboo"]),
]


def build_queries(assets: list[dict[str, object]]) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for i, (query, language, facets) in enumerate(QUERIES):
        relevant = sorted(
            str(a["id"])
            for a in assets
            if set(facets) & set(a["facets"])  # type: ignore[arg-type]
        )
        assert relevant, query
        out.append({"id": f"q{i:03d}", "query": query, "language": language, "relevant": relevant})
    return out


def main() -> None:
    assets = build_assets()
    queries = build_queries(assets)
    (HERE / "assets.json").write_text(
        json.dumps(assets, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    (HERE / "queries.json").write_text(
        json.dumps(queries, ensure_ascii=False, indent=1) + "\n", "utf-8"
    )
    print(len(assets), "assets,", len(queries), "queries")


if __name__ == "__main__":
    main()
