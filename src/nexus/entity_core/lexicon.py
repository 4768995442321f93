"""Word lists behind rule-based entity extraction and speaker attribution (English and Chinese).

Kept small and explicit on purpose: every list is data a reviewer can read and extend.
"""

from __future__ import annotations


def words(text: str) -> frozenset[str]:
    """A word set from a whitespace-separated block (lists stay readable as prose)."""
    return frozenset(text.split())


def _ordered(text: str) -> list[str]:
    return text.split()


# Titles that may precede an English name; the value is the gender they imply.
TITLES: dict[str, str] = {
    "mr": "male", "mister": "male", "sir": "male", "lord": "male", "king": "male",
    "father": "male", "brother": "male", "uncle": "male", "grandpa": "male",
    "grandfather": "male", "prince": "male", "master": "male",
    "mrs": "female", "ms": "female", "miss": "female", "madam": "female", "lady": "female",
    "queen": "female", "mother": "female", "sister": "female", "aunt": "female",
    "auntie": "female", "grandma": "female", "grandmother": "female", "granny": "female",
    "princess": "female", "dame": "female",
    "dr": "unknown", "doctor": "unknown", "captain": "unknown", "capt": "unknown",
    "professor": "unknown", "prof": "unknown", "old": "unknown", "young": "unknown",
    "little": "unknown", "big": "unknown", "officer": "unknown", "detective": "unknown",
    "inspector": "unknown", "sergeant": "unknown", "judge": "unknown", "nurse": "unknown",
    "mayor": "unknown", "chief": "unknown", "general": "unknown", "saint": "unknown",
    "constable": "unknown", "sheriff": "unknown", "reverend": "unknown", "bosun": "unknown",
    "granddad": "male", "grandad": "male", "papa": "male", "dad": "male", "nana": "female",
    "gran": "female", "mum": "female", "mom": "female", "mama": "female",
}  # fmt: skip

# Capitalised words that are never names on their own.
STOP_WORDS: frozenset[str] = words(
    """
    i me my mine myself you your yours he him his she her hers it its we us our they them their
    this that these those there here who whom whose what which when where why how a an the and
    but or nor so yet for if then than as because although though while until of in on at to
    from by with without into onto upon over under above below between through across along
    around behind beyond near toward towards inside outside after before all any both each every
    few many more most much no none not nothing some someone something anyone anything everyone
    everything nobody one once only other own same such too very just now still even also again
    ever never always often sometimes perhaps maybe yes yeah no okay ok oh ah aye well hello hi
    hey goodbye bye please thanks thank sorry good great fine right wrong true false sure let
    lets look listen come go wait stop is are was were be been being am do does did done have
    has had can could will would shall should may might must monday tuesday wednesday thursday
    friday saturday sunday january february march april may june july august september october
    november december spring summer autumn winter christmas easter today tomorrow yesterday
    tonight morning evening night noon midnight dawn dusk god heaven hell english french german
    chinese spanish italian american british european north south east west northern southern
    eastern western chapter part scene book volume prologue epilogue the end
    later soon suddenly finally meanwhile afterwards afterward eventually already almost
    instead together alone somewhere anyway besides otherwise perhaps yesterday next last
    """
)

# Head nouns that make a phrase a place ("the old lighthouse", "Harbour Street").
PLACE_NOUNS: frozenset[str] = words(
    """
    lighthouse harbour harbor port path village town city island cliff cliffs shore beach bay cove
    coast pier dock docks quay jetty wharf sea ocean lake river bridge road street lane square
    market station tower cottage house home hut cabin farm barn field fields meadow forest wood
    woods garden park hill hills mountain valley cave church chapel temple school library
    hospital inn tavern pub cafe shop store office kitchen hall room bedroom attic cellar
    basement stairs stairway gallery lantern-room yard courtyard gate castle palace camp boat
    ship deck cabin mill bakery workshop museum airport hotel restaurant
    """
)

# Suffixes of capitalised place names ("Greyhaven Point", "Harbour Street").
PLACE_NAME_SUFFIXES: frozenset[str] = words(
    """
    street road lane avenue square point bay cove island isle harbour harbor port bridge hill
    hills mountain mountains valley river lake forest wood woods park station town city village
    castle tower lighthouse beach coast cliffs head rock rocks sound
    inn tavern hotel exchange mill market hall church chapel abbey cathedral temple palace
    museum library theatre theater gate pier quay wharf dock docks mile common gardens
    seat crescent terrace alley row place drive way quarter district
    """
)

# Capitalised kinship words that name a character on their own ("Grandma said"), each with
# the lower-case words that introduce the same person ("her grandmother, Iris Vane").
KIN_NAMES: dict[str, frozenset[str]] = {
    "grandma": words("grandmother grandma granny gran nana"),
    "granny": words("grandmother grandma granny gran nana"),
    "gran": words("grandmother grandma granny gran nana"),
    "nana": words("grandmother grandma granny gran nana"),
    "grandmother": words("grandmother grandma granny gran nana"),
    "grandpa": words("grandfather grandpa granddad grandad"),
    "granddad": words("grandfather grandpa granddad grandad"),
    "grandad": words("grandfather grandpa granddad grandad"),
    "grandfather": words("grandfather grandpa granddad grandad"),
    "mum": words("mother mum mom"), "mom": words("mother mum mom"),
    "mama": words("mother mum mom mama"), "mother": words("mother mum mom"),
    "dad": words("father dad"), "papa": words("father dad papa"),
    "father": words("father dad"), "uncle": words("uncle"), "aunt": words("aunt"),
    "auntie": words("aunt auntie"),
}  # fmt: skip


# Prepositions and verbs that put a following phrase in a place.
PLACE_PREPOSITIONS: frozenset[str] = words(
    """
    in at to into from inside outside toward towards near across through onto reached reach
    leave left entered enter visited visit behind beyond around up down along over
    """
)

# Objects worth drawing when a story mentions them.
PROP_NOUNS: frozenset[str] = words(
    """
    lamp lantern candle letter letters key keys book books map ring knife sword box chest bottle
    radio watch clock bell rope photograph photo umbrella bag basket coat hat scarf cup mug
    kettle teapot telescope compass logbook journal notebook diary note envelope flashlight
    torch bucket oar net nets anchor kite flute guitar violin bicycle camera necklace locket
    medal coin coins wallet ticket tickets phone gun bowl
    """
)

# "the X" nouns that repeat in stories but are not props.
NOT_PROP_NOUNS: frozenset[str] = words(
    """
    way time day night morning evening afternoon moment year years week sea sky wind rain storm
    snow fog mist sun moon light dark darkness water air world end rest first last next other
    same truth door window floor wall walls roof stairs side top bottom edge middle front back
    room voice words word sound silence noise face eyes hand hands head one two three lot kind
    sort thing things people man woman boy girl men women children
    """
)

ENGLISH_SPEECH_VERBS: frozenset[str] = words(
    """
    said says say asked asks answered answers replied replies whispered whispers shouted shouts
    called calls cried cries muttered mutters murmured murmurs added adds continued laughed
    laughs snapped admitted insisted told yelled began explained agreed repeated warned sighed
    breathed exclaimed demanded wondered announced declared protested corrected promised
    suggested grumbled teased offered pleaded begged hissed gasped groaned snorted sniffed
    barked growled panted stammered stuttered blurted chuckled giggled sobbed wailed roared
    bellowed screamed squeaked mumbled retorted interrupted observed remarked conceded urged
    ventured sang joked lied boomed croaked grunted moaned scolded soothed shrugged nodded
    smiled grinned frowned
    """
)

# Role nouns that stand for a character of that gender ("said the boy", "the woman replied").
ROLE_MALE: frozenset[str] = words(
    """
    man boy lad gentleman ferryman fisherman boatman king prince father son husband brother
    uncle grandfather nephew monk priest
    """
)
ROLE_FEMALE: frozenset[str] = words(
    """
    woman girl lady queen princess mother daughter wife sister aunt grandmother niece nun
    widow
    """
)

# Chinese speech verbs, longest first so "笑道" wins over "道".
CHINESE_SPEECH_VERBS: tuple[str, ...] = (
    "笑着说", "轻声说", "低声说", "大声说", "小声说", "慢慢说", "接着说", "回答说", "喃喃道",
    "说道", "笑道", "问道", "答道", "喊道", "叫道", "叹道", "骂道", "嚷道", "哭道", "念叨",
    "回答", "嘀咕", "提醒", "解释", "补充", "开口", "说", "道", "问", "喊", "答", "叫", "嚷",
)  # fmt: skip

# Common Chinese surnames (two-character ones first).
CHINESE_SURNAMES: tuple[str, ...] = tuple(
    _ordered(
        """
        欧阳 司马 上官 诸葛 东方 慕容 王 李 张 刘 陈 杨 黄 赵 吴 周 徐 孙 马 朱 胡 郭 何 高 林 罗
        郑 梁 谢 宋 唐 许 韩 冯 邓 曹 彭 曾 肖 田 董 袁 潘 于 蒋 蔡 余 杜 叶 程 苏 魏 吕 丁 任
        沈 姚 卢 姜 崔 钟 谭 陆 汪 范 金 石 廖 贾 夏 韦 付 方 白 邹 孟 熊 秦 邱 江 尹 薛 闫 段
        雷 侯 龙 史 陶 黎 贺 顾 毛 郝 龚 邵 万 钱 严 覃 武 戴 莫 孔 向 汤 常 温 康 施 文 牛
        樊 葛 邢 安 齐 易 乔 伍 庞 颜 倪 庄 聂 章 鲁 岳 翟 殷 詹 申 欧 耿 关 兰 焦 俞 左 柳
        甘 祝 包 宁 尚 符 舒 阮 柯 纪 梅 童 凌 毕 单 季 裴 霍 涂 成 苗 谷 盛 曲 翁 冉 骆 蓝
        路 游 辛 靳 管 柴 蒙 鲍 华 喻 祁 蒲 房 滕 屈 饶 解 牟 艾 尤 阳 时 穆 农 司 卓 古 吉
        缪 简 车 项 连 芦 麦 褚 娄 窦 戚 岑 景 党 宫 费 卜 冷 晏 席 卫 米 柏 宗 瞿 桂 全 佟
        应 臧 闵 苟 邬 边 卞 姬 师 和 仇 栾 隋 商 刁 沙 荣 巫 寇 桑 郎 甄 丛 仲 虞 敖 巩 明
        佘 池 查 麻 苑 迟 邝
    """
    )
)

# Kinship or status words that follow a surname to make a name ("王伯", "陈阿姨").
CHINESE_KIN_SUFFIXES: dict[str, str] = {
    "伯": "male", "叔": "male", "爷": "male", "大爷": "male", "爷爷": "male", "公": "male",
    "哥": "male", "大哥": "male", "先生": "male", "师傅": "unknown", "老师": "unknown",
    "婆": "female", "婆婆": "female", "奶奶": "female", "姨": "female", "阿姨": "female",
    "姐": "female", "大姐": "female", "嫂": "female", "婶": "female", "妈": "female",
    "姑": "female", "小姐": "female", "太太": "female", "医生": "unknown", "船长": "unknown",
}  # fmt: skip

# Name prefixes: "老陈", "小月", "阿海".
CHINESE_NAME_PREFIXES: tuple[str, ...] = ("老", "小", "阿")

# Characters that end a name candidate: function words and common verbs right after a name.
CHINESE_NAME_BREAKERS: frozenset[str] = frozenset(
    "的了着过在和与跟把被对向从给是有说道问笑看听想走站坐跑拿把也都就又还才便已将会要能地得"
    "不没很太这那一个们，。！？、：；“”「」『』（）…—"
    "点转抬低摇回望推拉伸接叹喊叫哭跳冲抱拍递放关开停皱眯愣怔轻慢突忽连仍却只正刚终便立马"
)

# Given-name characters that usually mark a female name.
CHINESE_FEMALE_CHARS: frozenset[str] = frozenset(
    "月芳丽娟燕婷梅兰霞红玲静秀英琳雪莉娜萍颖倩怡妍薇蓉"
)

CHINESE_PROP_NOUNS: tuple[str, ...] = (
    "煤油灯", "油灯", "灯笼", "马灯", "手电筒", "蜡烛", "信封", "钥匙", "地图", "戒指", "项链",
    "照片", "相片", "收音机", "望远镜", "指南针", "日志", "笔记本", "日记", "本子", "怀表",
    "手表", "钟", "铃", "绳子", "雨伞", "篮子", "外套", "帽子", "围巾", "茶壶", "杯子", "碗",
    "渔网", "船桨", "风筝", "笛子", "口琴", "相机", "书", "信", "刀", "箱子", "瓶子",
)  # fmt: skip

# Words ending in these are places ("青石港", "渔村").
CHINESE_PLACE_SUFFIXES: tuple[str, ...] = (
    "灯塔", "码头", "港口", "小屋", "村口", "海边", "岛", "港", "村", "镇", "城", "湾", "山",
    "岸", "街", "路", "桥", "寺", "庙", "楼", "站", "河", "湖", "店", "院", "厨房", "屋",
)  # fmt: skip

# Common place nouns in Chinese stories.
CHINESE_PLACE_NOUNS: frozenset[str] = words(
    """
    灯塔 码头 港口 海边 海滩 沙滩 礁石 山坡 山顶 村口 村子 渔村 小镇 街上 集市
    市场 学校 医院 厨房 客厅 院子 阁楼 楼梯 小屋 房间 山路 灯室
    礁石 海面 海上 窗边 船上 甲板 岸边 悬崖
    森林 树林 田野 车站 桥头 庙里
"""
)

CHINESE_PLACE_PREPOSITIONS: tuple[str, ...] = (
    "回到", "来到", "走进", "走到", "跑到", "爬上", "登上", "走向", "前往", "进了", "到了", "沿着",
    "穿过", "走上", "跑上", "搬上",
    "在", "到", "去", "回", "往", "从", "向", "进",
)  # fmt: skip

# Words rjieba tags ns (place) that are not places in a story.
CHINESE_NOT_PLACES: frozenset[str] = words(
    "太阳 月亮 天空 天黑 天亮 哥哥 姐姐 弟弟 妹妹 东西 南北 中间 外面 里面"
)
