"""Backdrop themes: which scenery a place or a scene's words call for (sea, forest, room...)."""

from __future__ import annotations

from nexus.contracts.studio import Entity

THEME_WORDS: dict[str, tuple[str, ...]] = {
    "lighthouse": ("lighthouse", "beacon", "灯塔"),
    "sea": (
        "sea",
        "ocean",
        "beach",
        "harbor",
        "harbour",
        "port",
        "coast",
        "shore",
        "bay",
        "dock",
        "pier",
        "island",
        "海",
        "港",
        "湾",
        "滩",
        "码头",
        "岛",
        "岸",
    ),
    "lake": ("lake", "river", "pond", "stream", "湖", "河", "江", "溪", "池"),
    "forest": ("forest", "wood", "grove", "jungle", "森林", "树林", "林", "竹"),
    "mountain": ("mountain", "hill", "peak", "cliff", "valley", "山", "峰", "崖", "谷", "岭"),
    "interior": (
        "room",
        "house",
        "home",
        "kitchen",
        "hall",
        "office",
        "library",
        "shop",
        "inn",
        "cafe",
        "café",
        "tavern",
        "bedroom",
        "study",
        "classroom",
        "school",
        "cottage",
        "屋",
        "房",
        "家",
        "室",
        "厅",
        "店",
        "馆",
        "楼",
        "学校",
        "教室",
        "客栈",
        "宫",
    ),
    "city": (
        "city",
        "street",
        "town",
        "market",
        "square",
        "road",
        "alley",
        "station",
        "avenue",
        "城",
        "街",
        "市",
        "镇",
        "路",
        "巷",
        "站",
        "广场",
    ),
    "village": (
        "village",
        "farm",
        "road",
        "path",
        "field",
        "garden",
        "park",
        "meadow",
        "村",
        "田",
        "园",
        "庄",
    ),
    "desert": ("desert", "dune", "sand", "沙漠", "沙丘"),
}
THEMES = (*THEME_WORDS, "field")


def theme_of_words(text: str) -> str | None:
    """The first theme whose words appear in ``text``."""
    lowered = text.lower()
    for theme, words in THEME_WORDS.items():
        if any(word in lowered for word in words):
            return theme
    return None


def choose_theme(place: Entity | None, scene_hint: str, landmark: str | None = None) -> str:
    """The place's own theme (name/aliases) unless a stated lighthouse overrides an outdoor
    one; else the stated landmark's; else the hint's words; else an open field."""
    names = " ".join([place.name, *place.aliases]) if place else ""
    own = theme_of_words(names)
    if landmark == "lighthouse" and own != "interior":
        return "lighthouse"
    return own or theme_of_words(scene_hint) or "field"
