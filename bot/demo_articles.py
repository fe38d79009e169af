# ruff: noqa: E501  (one paragraph a line: prose reads better unwrapped)
"""The demo sample's 40 articles (`bot/demo_feeds/`, also the tests' fixtures) as their outlets'
pages would tell them.

Titles and times are the sample's; the first paragraphs are written for the demo and the tests
(plausible, consistent with each headline, not copied from the outlets). `bot.demo_publishers`
renders each in its outlet's page template.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime


@dataclass(frozen=True)
class StoryText:
    """One article as its outlet's page tells it: the sample item's outlet, time and headline, and
    the page's section, first paragraphs and byline."""

    site: str  # the fixture's outlet domain
    published: datetime
    title: str
    section: str
    paragraphs: tuple[str, ...]
    author: str = ""


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


STORIES: tuple[StoryText, ...] = (
    # 2026-01-07
    StoryText(
        "asia.nikkei.com",
        _at("2026-01-06T18:45"),
        "Taiwan switches to quarterly forex intervention reports",
        "Economy",
        (
            "Taiwan's central bank will publish its foreign exchange interventions every quarter instead of every half year, it said on Tuesday, a step the U.S. Treasury had pressed for.",
            "The bank said the change would improve transparency while leaving its policy of smoothing sharp moves in the Taiwan dollar unchanged.",
        ),
    ),
    StoryText(
        "asia.nikkei.com",
        _at("2026-01-06T18:13"),
        "Nvidia's Blackwell, Rubin chips will be available for China 'in time'",
        "Tech",
        (
            "Nvidia's newest Blackwell and Rubin processors will reach Chinese customers in time, its chief executive said, as the company waits for Washington to approve export licences.",
            "Chinese technology groups have stockpiled older accelerators while Beijing urges them to buy domestic chips instead.",
        ),
    ),
    StoryText(
        "asia.nikkei.com",
        _at("2026-01-06T07:02"),
        "From SoftBank's strategy to the AI boom: Tech trends to watch in 2026",
        "Tech",
        (
            "Artificial intelligence spending, SoftBank's bets on data centers and the contest over advanced chips will shape Asia's technology industry this year, analysts say.",
            "Investors are watching whether the heavy outlays of the past two years start to earn returns before interest in the sector cools.",
        ),
    ),
    StoryText(
        "asia.nikkei.com",
        _at("2026-01-06T21:03"),
        "Japan's Itochu sees continued honeymoon with Buffett's successor",
        "Business",
        (
            "Itochu expects Berkshire Hathaway to keep its stake in Japan's trading houses after Warren Buffett hands the company to Greg Abel, its president said on Tuesday.",
            "Berkshire has raised its holdings in the five trading houses steadily since 2020 and meets their managers every year.",
        ),
    ),
    StoryText(
        "asia.nikkei.com",
        _at("2026-01-06T11:35"),
        "Air China to sell Cathay Pacific stake to avoid crossing 30% threshold",
        "Business",
        (
            "Air China will sell part of its stake in Cathay Pacific so that its holding stays under 30 percent after the Hong Kong carrier buys back shares, the airlines said.",
            "Crossing the threshold would have obliged Air China to make a general offer for the rest of Cathay under Hong Kong's takeover code.",
        ),
    ),
    StoryText(
        "asia.nikkei.com",
        _at("2026-01-06T20:07"),
        "China bans exports of dual-use items for military purposes to Japan",
        "Politics",
        (
            "China banned exports of dual-use items to Japanese military users on Tuesday, escalating a dispute that began with Prime Minister Sanae Takaichi's remarks on Taiwan.",
            "The Commerce Ministry said the ban covers goods that could strengthen Japan's military capabilities and warned foreign firms against re-exporting them.",
        ),
    ),
    StoryText(
        "cgtn.com",
        _at("2026-01-06T10:12"),
        "Beijing bans dual-use exports to Japan over meddling in China's Taiwan",
        "China",
        (
            "China's Ministry of Commerce on Tuesday announced a ban on exports of all dual-use items to Japanese military end users, citing Tokyo's erroneous remarks on China's Taiwan region.",
            "A ministry spokesperson said the measure safeguards national security and fulfils China's non-proliferation obligations, and that normal civilian trade is not affected.",
        ),
    ),
    StoryText(
        "chinadaily.com.cn",
        _at("2026-01-07T03:19"),
        "China curbs dual-use item exports to Japan",
        "China",
        (
            "China will prohibit the export of dual-use items to Japanese military users and to any end use that helps enhance Japan's military capabilities, the Ministry of Commerce said on Tuesday.",
            "The ministry said the decision was made in accordance with the law after the Japanese leader's provocative remarks on Taiwan, and that foreign organizations violating it will be held accountable.",
        ),
        "Zhong Nan",
    ),
    StoryText(
        "chinadaily.com.cn",
        _at("2026-01-06T04:06"),
        "China curbs dual-use item exports to Japan",
        "China",
        (
            "China has banned exports of dual-use items to Japanese military end users with immediate effect, the Ministry of Commerce announced on Tuesday.",
            "Analysts said the move sends a clear signal that Beijing will not tolerate interference in its internal affairs concerning Taiwan.",
        ),
        "Zhong Nan",
    ),
    StoryText(
        "chinadaily.com.cn",
        _at("2026-01-06T09:03"),
        "UN members denounce US attack",
        "World",
        (
            "Member states at an emergency session of the United Nations Security Council on Monday condemned the United States' military operation in Venezuela as a violation of the UN Charter.",
            "China's envoy urged Washington to respect Venezuela's sovereignty and release President Nicolas Maduro, saying no country may act as the world's judge.",
        ),
    ),
    StoryText(
        "chinadaily.com.cn",
        _at("2026-01-06T22:18"),
        "China considering tightening exports of certain rare earths to Japan",
        "Business",
        (
            "China is considering tighter licence reviews for exports of some medium and heavy rare earths to Japan, people familiar with the matter said on Tuesday.",
            "Japanese manufacturers of magnets and electric motors rely on Chinese supplies for most of these elements despite years of efforts to diversify.",
        ),
    ),
    StoryText(
        "english.kyodonews.net",
        _at("2026-01-06T15:35"),
        "China tightens exports of dual-use items to Japan as row escalates",
        "Politics",
        (
            "China said Tuesday it will ban exports of dual-use items that could be used for military purposes to Japan, further escalating a diplomatic row over Prime Minister Sanae Takaichi's remarks on a Taiwan contingency.",
            "Japan's top government spokesman said Tokyo had lodged a protest and would examine the impact on Japanese companies.",
        ),
    ),
    StoryText(
        "globaltimes.cn",
        _at("2026-01-06T17:51"),
        "China tightens export controls of Japan-bound dual-use items amid security tensions",
        "China",
        (
            "China's Ministry of Commerce announced on Tuesday that it will strengthen export controls on dual-use items bound for Japan, a move Chinese experts called a legitimate response to Japan's dangerous security moves.",
            "Experts said the measure targets military end users and will not affect normal trade, while reminding Tokyo of the cost of provoking China on the Taiwan question.",
        ),
    ),
    StoryText(
        "globaltimes.cn",
        _at("2026-01-06T23:54"),
        "Chinese foreign ministry lambasts US seizure and 'trial' of Maduro: No country should place its rules above international law",
        "Diplomacy",
        (
            "Chinese Foreign Ministry spokesperson Mao Ning on Tuesday criticized the US seizure of Venezuelan President Nicolas Maduro and his planned trial in the United States.",
            "No country should place its own rules above international law or act as the world's judge, she said at a regular press conference.",
        ),
    ),
    StoryText(
        "globaltimes.cn",
        _at("2026-01-06T12:39"),
        "ROK President begins Shanghai visit, scheduled historical site visit in spotlight amid attention of Japanese media",
        "Diplomacy",
        (
            "South Korean President Lee Jae-myung arrived in Shanghai on Tuesday after talks in Beijing, with a planned visit to the former site of the Korean provisional government drawing attention from Japanese media.",
            "Chinese analysts said the visit reflects shared historical memory of resistance against Japanese aggression.",
        ),
    ),
    StoryText(
        "japantimes.co.jp",
        _at("2026-01-07T00:18"),
        "China travel curbs hit Japan duty-free sales in December",
        "Business",
        (
            "Duty-free sales at major Japanese department stores fell sharply in December after Beijing advised Chinese citizens to avoid travel to Japan, preliminary figures showed.",
            "Chinese visitors had been the largest group of tax-free shoppers, and retailers said group tours from the mainland had all but stopped.",
        ),
        "Staff Writer",
    ),
    StoryText(
        "japantimes.co.jp",
        _at("2026-01-06T14:35"),
        "China slaps export controls on Japan military for Taiwan remarks",
        "Politics",
        (
            "China on Tuesday banned exports of dual-use goods to the Japanese military, the latest retaliation for Prime Minister Sanae Takaichi's comments on how Japan might respond to an attack on Taiwan.",
            "The measure adds to travel advisories, a halt to seafood imports and cancelled exchanges that Beijing has imposed since November.",
        ),
        "Gabriel Dominguez",
    ),
    StoryText(
        "japantimes.co.jp",
        _at("2026-01-06T09:13"),
        "U.S. allies offer muted response after Trump’s Venezuela raid",
        "World",
        (
            "Washington's allies in Europe and Asia offered cautious statements after the U.S. raid in Venezuela, avoiding open criticism of President Donald Trump.",
            "Tokyo said it was gathering information and called for respect for international law, without naming the United States.",
        ),
    ),
    StoryText(
        "scmp.com",
        _at("2026-01-06T23:47"),
        "Li Qiang and Lee Jae Myung back free trade and multilateralism in Beijing talks",
        "China",
        (
            "Chinese Premier Li Qiang and South Korean President Lee Jae-myung pledged to uphold free trade and multilateralism during talks in Beijing on Tuesday.",
            "The two sides signed agreements on supply chains and cultural exchanges as Seoul seeks steadier ties with its largest trading partner.",
        ),
    ),
    StoryText(
        "scmp.com",
        _at("2026-01-06T14:48"),
        "China bans exports of military-related goods to Japan as dispute intensifies",
        "China",
        (
            "Beijing has banned exports of dual-use goods to Japan's military as the diplomatic dispute over Tokyo's stance on Taiwan intensifies.",
            "Observers said the move was calibrated to hurt Japan's defence industry while sparing the wider trade relationship between the two economies.",
        ),
    ),
    # 2026-02-25
    StoryText(
        "asia.nikkei.com",
        _at("2026-02-24T11:04"),
        "Takaichi's tax cut plan tests alliance as US pushes Japan defense buildup",
        "Politics",
        (
            "Prime Minister Sanae Takaichi's plan to cut consumption tax on food is raising questions in Washington about how Japan will pay for the defense buildup the U.S. wants.",
            "Officials in both capitals expect the issue to come up when defense ministers meet next month.",
        ),
    ),
    StoryText(
        "asia.nikkei.com",
        _at("2026-02-24T16:27"),
        "China aims for 5-fold increase in advanced chip output to meet AI demand",
        "Tech",
        (
            "China aims to raise its output of advanced chips fivefold within a few years to meet demand from artificial intelligence developers, according to people briefed on the plan.",
            "The push relies on domestic equipment makers as U.S. export controls limit access to the most advanced tools.",
        ),
    ),
    StoryText(
        "asia.nikkei.com",
        _at("2026-02-24T07:57"),
        "Tokyo Electron taps 160 South Korean suppliers to meet chip demand",
        "Business",
        (
            "Tokyo Electron has signed up 160 South Korean suppliers to keep pace with orders for chipmaking equipment, the company said.",
            "The Japanese group is expanding production as memory makers invest heavily in high-bandwidth chips for AI servers.",
        ),
    ),
    StoryText(
        "asia.nikkei.com",
        _at("2026-02-24T23:50"),
        "Japan to deploy air defense missiles on island near Taiwan in fiscal 2030",
        "Politics",
        (
            "Japan will deploy medium-range surface-to-air missiles on Yonaguni, its westernmost island about 110 kilometers from Taiwan, in fiscal 2030, the defense minister said.",
            "The deployment is part of a buildup in the southwestern islands that Beijing has criticized as a threat to regional stability.",
        ),
    ),
    StoryText(
        "asia.nikkei.com",
        _at("2026-02-24T09:47"),
        "Japan to subsidize rare-earth recycling push, reducing reliance on China",
        "Economy",
        (
            "Japan will subsidize companies that recover rare earths from discarded motors and electronics, aiming to reduce its dependence on Chinese supplies.",
            "The trade ministry plans to fund recycling plants and research into magnets that need fewer heavy rare earths.",
        ),
    ),
    StoryText(
        "asia.nikkei.com",
        _at("2026-02-24T23:40"),
        "Trump's controversial pick of US ambassador to Malaysia dropped",
        "Politics",
        (
            "The White House has withdrawn its nominee for ambassador to Malaysia after criticism of his past remarks, officials said.",
            "Malaysian officials had signalled discomfort with the nomination, which had stalled in the Senate.",
        ),
    ),
    StoryText(
        "cgtn.com",
        _at("2026-02-25T03:32"),
        "Historic blizzard paralyzes northeastern U.S.",
        "World",
        (
            "A historic blizzard brought much of the northeastern United States to a standstill on Tuesday, cancelling thousands of flights and closing schools from New York to Boston.",
            "Forecasters warned of drifting snow and dangerous cold as power companies worked to restore electricity to hundreds of thousands of homes.",
        ),
    ),
    StoryText(
        "cgtn.com",
        _at("2026-02-24T07:35"),
        "Colleges cut ties with organizations helping people of color",
        "World",
        (
            "Several U.S. colleges have ended partnerships with organizations that support students of color, citing pressure from the federal government over diversity programs.",
            "Student groups said the decisions would leave many without mentoring and scholarship support.",
        ),
    ),
    StoryText(
        "cgtn.com",
        _at("2026-02-24T03:43"),
        "Putin ordered the strengthening of work in the rear areas of the North-Eastern Military District. - reports",
        "World",
        (
            "Russian President Vladimir Putin has ordered officials to strengthen support work in the rear areas of the North-Eastern Military District, Russian media reported on Tuesday.",
            "The order covers logistics, medical care and support for service members' families, according to the reports.",
        ),
    ),
    StoryText(
        "cgtn.com",
        _at("2026-02-24T01:42"),
        "China's export control on Japan justified against remilitarization",
        "Opinions",
        (
            "China's decision to restrict exports of dual-use items to Japanese entities linked to the military is a justified and measured response to Japan's accelerating remilitarization.",
            "The Takaichi government's defense spending and its remarks on Taiwan have alarmed neighbors who remember Japan's wartime history, the author argues.",
        ),
    ),
    StoryText(
        "chinadaily.com.cn",
        _at("2026-02-25T02:48"),
        "Export curbs issued against Japanese entities with military connections",
        "China",
        (
            "China's Ministry of Commerce on Tuesday placed 20 Japanese entities with military connections on its export control list and added 20 more to a watch list.",
            "The ministry said exports of dual-use items to the listed entities are prohibited, and exporters must assess the risks for those on the watch list.",
        ),
        "Zhong Nan",
    ),
    StoryText(
        "chinadaily.com.cn",
        _at("2026-02-24T05:14"),
        "Takaichi's polished performance can't disguise her ulterior motives: China Daily editorial",
        "Opinion",
        (
            "Japanese Prime Minister Sanae Takaichi's policy speech was carefully staged to present a moderate face, but it cannot hide her government's intent to loosen the constraints of the pacifist constitution.",
            "Her refusal to retract her remarks on Taiwan shows that Tokyo has yet to draw the right lessons from history, and Beijing's countermeasures are the price of that choice.",
        ),
    ),
    StoryText(
        "english.kyodonews.net",
        _at("2026-02-24T09:43"),
        "Japan gov't strongly protests China's export ban, demands withdrawal",
        "Politics",
        (
            "Japan strongly protested on Tuesday China's ban on exports of dual-use items to 20 Japanese entities and demanded that Beijing withdraw the measure.",
            "Chief Cabinet Secretary Minoru Kihara said the move was extremely regrettable and could not be accepted, adding that Tokyo would respond appropriately.",
        ),
    ),
    StoryText(
        "globaltimes.cn",
        _at("2026-02-24T08:32"),
        "MOFCOM restricts exports to 40 Japanese entities over military ties; Move a stepped-up response to security policy shift in the country: experts",
        "China",
        (
            "China's Ministry of Commerce on Tuesday announced export restrictions on 40 Japanese entities over their military ties, listing 20 on its export control list and 20 on its watch list.",
            "Chinese experts said the move is a stepped-up response to Japan's security policy shift and a warning against its attempts to expand military capabilities.",
        ),
    ),
    StoryText(
        "japantimes.co.jp",
        _at("2026-02-24T03:55"),
        "Takaichi says she gave gift catalogs to LDP lawmakers",
        "Politics",
        (
            "Prime Minister Sanae Takaichi acknowledged on Tuesday that she had given gift catalogs to Liberal Democratic Party lawmakers, but said the gifts were legal.",
            "Opposition parties said they would press her in parliament over whether the gifts were paid for with political funds.",
        ),
        "Kyodo",
    ),
    StoryText(
        "japantimes.co.jp",
        _at("2026-02-24T13:17"),
        "China issues dual-use blacklist of 20 Japanese entities",
        "Politics",
        (
            "China put 20 Japanese companies and organizations on an export blacklist for dual-use goods on Tuesday, widening its pressure campaign over Prime Minister Sanae Takaichi's remarks on Taiwan.",
            "The list includes defense contractors and research institutes; Beijing also named 20 more entities for closer scrutiny.",
        ),
        "Gabriel Dominguez",
    ),
    StoryText(
        "japantimes.co.jp",
        _at("2026-02-24T06:35"),
        "Japan to deploy missiles to Yonaguni Island by fiscal 2030, defense chief says",
        "Politics",
        (
            "Japan plans to deploy surface-to-air missiles to Yonaguni Island near Taiwan by fiscal 2030, Defense Minister Shinjiro Koizumi said Tuesday.",
            "The unit will defend against aircraft and missiles, Koizumi said, as Tokyo strengthens its defenses in the southwestern islands.",
        ),
    ),
    StoryText(
        "scmp.com",
        _at("2026-02-24T06:33"),
        "Shoppers go bananas for Ikea orangutan plush",
        "Lifestyle",
        (
            "An orangutan soft toy from Ikea has sold out across several Asian markets after videos of it went viral on social media.",
            "Resellers are offering the plush at several times its shop price, and the retailer says more stock will arrive next month.",
        ),
    ),
    StoryText(
        "scmp.com",
        _at("2026-02-24T05:00"),
        "US investors increase buying of Hong Kong, mainland Chinese stocks",
        "Business",
        (
            "American investors bought more Hong Kong and mainland Chinese shares last quarter, drawn by cheap valuations and technology companies' AI progress.",
            "Fund managers said the flows mark a shift after years of caution over US-China tensions.",
        ),
    ),
    StoryText(
        "scmp.com",
        _at("2026-02-24T09:02"),
        "Future of Japan’s ‘naked festival’ in doubt after 3 men left unconscious",
        "Asia",
        (
            "The future of a centuries-old 'naked festival' in western Japan is in doubt after three participants were left unconscious in a crush of near-naked men.",
            "Organizers said they would review safety measures before deciding whether to hold the event next year.",
        ),
    ),
)
