"""Chinese and Japanese news words that are not a topic's names, and the English words they stand for.

Story grouping compares a Chinese or Japanese headline with English ones by its English reading
(`cjk.NativeNames.gloss`): the topic's names give the people, places and issues; this glossary
gives the rest of what pins an event down, the things and acts ("seafood", "radar", "panda",
"fighter jet", "commerce ministry") and the countries and leaders of third parties ("South
Korea", "Lee Jae-myung"), so "中国暂停进口日本水产" and "China suspends imports of Japanese seafood"
share more than the two sides' names. General news vocabulary, one spelling each (Simplified or
Japanese; OpenCC adds the other scripts), forms of two characters or more; the English words are
the ones English headlines use (they are compared after the same stemming).
"""

from __future__ import annotations

from functools import cache

from digest_core.editorial.cjk import NativeNames

GLOSSARY: dict[str, tuple[str, ...]] = {
    # things and acts
    "seafood": ("水产", "海鲜", "海産物", "水産", "鱼类"),
    "scallops": ("扇贝", "ホタテ"),
    "beef": ("牛肉",),
    "radar": ("雷达", "レーダー"),
    "lock on": ("锁定", "照射"),
    "fighter jet": ("战机", "战斗机", "戦闘機", "舰载机", "艦載機"),
    "aircraft carrier": ("航母", "空母", "航空母舰"),
    "Liaoning": ("辽宁舰", "辽宁号", "遼寧"),
    "destroyer": ("驱逐舰", "護衛艦"),
    "warplane": ("军机", "軍用機"),
    "drone": ("无人机", "ドローン"),
    "missile": ("导弹", "飞弹", "ミサイル"),
    "nuclear weapons": ("核武器", "核兵器"),
    "nuclear plant": ("核电站", "原発", "原子力発電所"),
    "navy": ("海军", "海軍"),
    "coast guard": ("海警", "海上保安庁", "海保"),
    "Self-Defense Forces": ("自卫队", "自衛隊", "空自", "海自", "陸自"),
    "airspace": ("领空", "領空"),
    "territorial waters": ("领海", "領海"),
    "intrusion": ("侵入", "闯入"),
    "giant panda": ("大熊猫", "ジャイアントパンダ"),
    "panda": ("熊猫", "パンダ"),
    "zoo": ("动物园", "動物園"),
    "Ueno": ("上野",),
    "travel": ("旅游", "旅行", "渡航", "赴日"),
    "tourists": ("游客", "観光客"),
    "avoid": ("避免", "自粛"),
    "students": ("留学生", "留学"),
    "film": ("电影", "映画"),
    "concert": ("演唱会", "コンサート"),
    "airlines": ("航空公司", "航空会社"),
    "flights": ("航班", "航空便"),
    "refund": ("退票", "退款", "払い戻し"),
    "semiconductor": ("半导体", "半導体"),
    "chips": ("芯片",),
    "gallium": ("ガリウム",),
    "germanium": ("ゲルマニウム",),
    "suspend": ("暂停", "停止"),
    "resume": ("恢复", "再開"),
    "lift": ("解除",),
    "sentenced": ("判刑", "判决", "判決", "実刑"),
    "arrest": ("逮捕",),
    "employee": ("员工", "社員", "職員"),
    "Astellas": ("安斯泰来", "アステラス"),
    "stabbed": ("刺杀", "刺死", "刺殺", "刺伤"),
    "killed": ("杀害", "遇害", "死亡", "殺害"),
    "boy": ("男童", "男孩", "男児"),
    "school": ("学校",),
    "election": ("选举", "大选", "選挙", "総選挙"),
    "dissolve": ("解散",),
    "parliament Diet": ("国会", "议会"),
    "visit": ("访问", "訪問", "到访", "访华", "訪中", "访日", "訪日", "来访", "来日"),
    "return": ("回国", "返回", "归国", "送还", "返還", "帰国"),
    "meet": ("会见", "会晤", "会面", "面会"),
    "phone call": ("通话", "電話会談"),
    "agreement": ("协议", "合意", "协定"),
    "consensus": ("共识",),
    "warning": ("警告",),
    "threat": ("威胁", "脅威"),
    "oppose": ("反对",),
    "demand": ("要求",),
    "statement": ("声明", "談話"),
    "commentary": ("评论", "評論", "論評"),
    "editorial": ("社评", "社論", "社説"),
    "World Cup": ("世界杯", "世预赛", "W杯", "ワールドカップ"),
    "qualifier": ("预选赛", "予選"),
    "football soccer": ("足球", "国足", "サッカー"),
    "Spring Festival": ("春节", "春節", "春运"),
    # who acts
    "Commerce Ministry": ("商务部", "商務部", "商務省"),
    "Foreign Ministry": ("外務省",),
    "Defense Ministry": ("国防部", "防衛省"),
    "customs": ("海关", "税関"),
    "foreign minister": ("外长", "外相", "外務大臣"),
    "defense minister": ("防长", "防衛相", "防衛大臣"),
    "prime minister": ("首相",),
    "premier": ("总理",),
    "president": ("总统", "国家主席", "大統領"),
    "spokesperson": ("发言人", "報道官"),
    "consul general": ("总领事", "総領事"),
    "United Nations": ("联合国", "国連"),
    "Security Council": ("安理会", "安保理"),
    "APEC": ("亚太经合", "亚太经合组织"),
    "G20": ("二十国集团",),
    # places the topic's gazetteer gives only in English
    "Beijing": ("北京",),
    "Tokyo": ("东京", "東京"),
    "Shanghai": ("上海",),
    "Shenzhen": ("深圳", "深セン"),
    "Guangzhou": ("广州",),
    "Hong Kong": ("香港",),
    "Osaka": ("大阪",),
    "Nara": ("奈良",),
    "Kyoto": ("京都",),
    "Hokkaido": ("北海道",),
    "Miyako": ("宫古", "宮古"),
    "Bangkok": ("曼谷", "バンコク"),
    "Gyeongju": ("庆州", "慶州"),
    # third parties (relevance reads them in `third_parties`; here only for what a story names)
    "United States": ("美国", "美方", "米国", "アメリカ"),
    "Trump": ("特朗普", "川普", "トランプ"),
    "Biden": ("拜登", "バイデン"),
    "South Korea ROK": ("韩国", "南韓", "韓国"),
    "Lee Jae-myung": ("李在明", "イ・ジェミョン"),
    "Yoon Suk Yeol": ("尹锡悦", "尹錫悦"),
    "North Korea": ("朝鲜", "北韩", "北朝鮮"),
    "Russia": ("俄罗斯", "ロシア"),
    "Putin": ("普京", "プーチン"),
    "Philippines": ("菲律宾", "フィリピン"),
    "Australia": ("澳大利亚", "澳洲", "オーストラリア", "豪州"),
    "European Union": ("欧盟",),
}


@cache
def glossary() -> NativeNames:
    """The glossary as a name index of its own (no roles: it changes no on-topic verdict)."""
    index = NativeNames()
    for english, forms in GLOSSARY.items():
        index.add(english, forms, ())
    return index
