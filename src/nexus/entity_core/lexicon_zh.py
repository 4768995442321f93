"""Chinese word lists added for titles, kinship names, adverbs and place heads (data only).

Kept apart from ``lexicon`` so each file stays small; every list is data a reviewer can read.
"""

from __future__ import annotations

from nexus.entity_core.lexicon import words

# Role titles that follow a surname to make a name ("沈掌柜", "周捕头", "杨老师"), with the gender
# they imply. Never a given name: "沈掌柜" gives no alias "掌柜".
CHINESE_TITLES: dict[str, str] = {
    "掌柜": "unknown", "捕头": "male", "捕快": "male", "村长": "unknown", "老板": "unknown",
    "老板娘": "female", "师父": "unknown", "大夫": "unknown", "校长": "unknown",
    "队长": "unknown", "经理": "unknown", "教授": "unknown", "主任": "unknown",
    "书记": "unknown", "站长": "unknown", "局长": "unknown", "县令": "male", "大人": "unknown",
    "夫人": "female", "少爷": "male", "公子": "male", "姑娘": "female", "同学": "unknown",
    "警官": "unknown", "阿姨": "female", "奶奶": "female", "爷爷": "male", "大娘": "female",
    "大妈": "female", "大叔": "male", "老头": "male", "老太": "female", "叔叔": "male",
    "伯伯": "male", "婶婶": "female", "嫂子": "female", "大嫂": "female", "大伯": "male",
    "师傅": "unknown", "先生": "male", "老师": "unknown", "医生": "unknown", "船长": "unknown",
    "小姐": "female", "太太": "female",
}  # fmt: skip

# Kinship words that name a character on their own ("舅舅说", "外婆笑了"), with their gender.
CHINESE_KIN_WORDS: dict[str, str] = {
    "舅舅": "male", "舅妈": "female", "外婆": "female", "外公": "male", "姥姥": "female",
    "姥爷": "male", "奶奶": "female", "爷爷": "male", "妈妈": "female", "爸爸": "male",
    "母亲": "female", "父亲": "male", "姑姑": "female", "叔叔": "male", "伯伯": "male",
    "婶婶": "female", "哥哥": "male", "姐姐": "female", "弟弟": "male", "妹妹": "female",
    "表哥": "male", "表姐": "female", "表弟": "male", "表妹": "female", "老爸": "male",
    "老妈": "female", "阿婆": "female", "阿公": "male",
}  # fmt: skip

# Adverbs and manner words that look like 老/小/阿 + character or surname + character.
CHINESE_NOT_NAMES: frozenset[str] = words(
    """
    小声 大声 轻声 低声 小心 小时 小孩 小子 老是 老人 老家 老实 阿谁 高声 冷冷 淡淡
    慢慢 狠狠 静静 轻轻 悄悄 默默 常常 时时 何时 何必 何况 方才 于是 于今 向来 向着
    连忙 白白 明明 老师 老板 老婆 老公 老乡 老爷 老大 老天 老头 老太 小姐 小伙 小伙子
    小朋友 小时候 阿姨
    """
)

# Locatives after a noun ("柳树上", "桂花树下"): a word mostly followed by one is a thing.
CHINESE_LOCATIVES: frozenset[str] = frozenset("上下里旁底边")

# Last characters of place names that are (almost) never the last character of a person's name.
CHINESE_PLACE_ENDINGS: frozenset[str] = frozenset("巷街路村镇桥庙寺港站楼塔岭店院滩馆宫殿渡")

# Place heads that glue onto the word before them ("银锭" + "桥", "杭州" + "东站", "福来" + "客栈").
CHINESE_PLACE_HEADS: frozenset[str] = words(
    """
    桥 街 巷 路 村 镇 岭 岛 港 湾 城 塔 庙 寺 楼 渡 东站 西站 南站 北站
    客栈 饭店 酒店 酒楼 茶馆 书店 公园 广场 大街 胡同 码头 车站 中学 小学 大学 医院 斜街
    """
)

# Chinese kinship words and the English ones that name the same relative in a mixed story.
CHINESE_KIN_ENGLISH: dict[str, frozenset[str]] = {
    "爷爷": frozenset({"grandpa", "grandfather", "granddad", "grandad"}),
    "外公": frozenset({"grandpa", "grandfather", "granddad", "grandad"}),
    "姥爷": frozenset({"grandpa", "grandfather", "granddad", "grandad"}),
    "奶奶": frozenset({"grandma", "grandmother", "granny", "gran", "nana"}),
    "外婆": frozenset({"grandma", "grandmother", "granny", "gran", "nana"}),
    "姥姥": frozenset({"grandma", "grandmother", "granny", "gran", "nana"}),
    "妈妈": frozenset({"mum", "mom", "mother", "mama"}),
    "母亲": frozenset({"mum", "mom", "mother", "mama"}),
    "老妈": frozenset({"mum", "mom", "mother", "mama"}),
    "爸爸": frozenset({"dad", "father", "papa"}),
    "父亲": frozenset({"dad", "father", "papa"}),
    "老爸": frozenset({"dad", "father", "papa"}),
    "舅舅": frozenset({"uncle"}),
    "叔叔": frozenset({"uncle"}),
}
