"""Is an article on-topic? Rules on the names in its headline and lead (the page's first
paragraphs, else the feed's description), read from the topic's config, with the outlet's own side
as context. The headline and the lead's first sentence (where a piece says what it is about) count
in full; deeper in the lead a name counts half, so a side named once in passing there does not
make an article on-topic.

An article is on-topic when its text
1. names two sides ("China bans dual-use exports to Japan"; "Japanese tourists flock to Harbin"),
2. names one side and a shared issue ("Japan to deploy missiles near Taiwan"), not one that side
   claims as its own (`claims`: "Beijing stages drills around Taiwan" is cross-strait news),
3. comes from one side's outlet and names the other side with a demand on it ("Japan should
   retract..."), one of its institutions (not in its own convention, leadership race or election),
   a word of relations between states (protest, envoy, visa, exports, history, retraction, censure...),
   its growing armed strength ("Japan's militarization"), an act aimed at its people ("patrols against
   Chinese poachers", "detaining Chinese captain"), an editorial marker (not on its leader's election),
   or makes it the object of a meeting or visit ("quietly met Xi", "China
   visit"), or its people travellers at no place of theirs ("Chinese tour group arrives"); not on a name alone
   (a Chinese outlet on "cherry blossoms in Japan's Kyushu"), nor on its leader alone (its home
   news: "Xi's belt-tightening rules" in a Japanese outlet), nor when the headline or first
   sentence names a third party it deals with ("U.S., China kick off trade talks" in a Japanese
   outlet), or
4. comes from one of the topic's outlets and names a contested issue ("Senkaku intrusions"), or
5. comes from one side's outlet, names no side and no third party, and implies the other side by its
   subject: history between them ("Shrine visits reflect militarism"), ties of an unnamed pair ("Ties may
   take a turn for the better") or a statement of the outlet's unnamed officials ("Ministry demands
   retraction"; see `implied`).
It is not on-topic, whatever names it carries, when it is a sports or lifestyle piece with no act
between states in its headline or a side's state acting in its lead's first sentence (a match result, a
score, a restaurant review: `subjects`; travel in a headline naming
both sides is travel between them), when its headline is about third parties (two or more of them,
or one and neither side: "NATO's attempts to extend tentacle into Asia"; see `third_parties`; unless
the sides are its first two parties, subject and object, the second not heading a list of peoples,
"Chinese, Vietnamese and Filipinos arrive"; or one that opens with its own ties to both sides, "Putin
hails Russia's ties with China, Japan"; or a headline naming no one whose lead opens with one), when it
reports an accident or crime at a contested place ("Cargo ship sinks in East China Sea") or an accident
with one side named only as where it happened ("Chinese ship sinks off Shimane"), when its headline names one side and a
third party and the other side only in passing (an "amid" clause, the lead), when both sides are only
in the lead among third parties, when its headline opens with one side and a third party as one
subject and names the other side only after them ("Tokyo, Canberra deepen ties as Beijing's power
grows"), or when it names the other side dealing with a third party over an issue (its own side too,
when the third party is the headline's subject acting on it; a claim that only qualifies what was said,
"Taiwan remarks", is no party). A side is
named by its aliases, people, institutions, companies and places (see `names`); multi-word names that
merely contain a side's name (South China Sea, Japan Airlines) name no side. A verdict reached by
context (the outlet's side, a third party, a subject, a claim) is `uncertain`: the editor model,
when there is one, judges those again, and only those can it overturn.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from digest_core.editorial.headline_roles import demands_of, score_in, split_backdrop
from digest_core.editorial.implied import (
    accident,
    armed,
    censure,
    history,
    home_politics,
    implied_other_side,
    met_or_visited,
    mishap,
    neighbor,
    officials,
    pair,
    speech_topic,
    statement,
    the_war,
    violence,
    war_statement,
)
from digest_core.editorial.names import (
    ALIAS,
    CLAIM,
    CONTESTED,
    INSTITUTION,
    ISSUE,
    LIFESTYLE_WORD,
    NOT_A_SIDE,
    PERSON,
    PLACE,
    RELATION,
    SPORT,
    THIRD,
    Mention,
    Role,
    fold,
    name_index,
    words,
)
from digest_core.editorial.opinion import opinion_label, title_marker
from digest_core.editorial.sentences import lead_parts
from digest_core.editorial.subjects import TRAVEL
from digest_core.models import Article
from digest_core.topics import Topic

DEEP_WEIGHT = 0.5  # a name beyond the lead's first sentence counts half
_TRAVEL = frozenset(w.casefold() for w in TRAVEL)
_TRADE = frozenset(
    {"export", "exports", "import", "imports", "investment", "investors", "plant", "factory", "suppliers", "sourcing"}
)

__all__ = ["Reading", "Relevance", "RelevanceRule", "fold"]


@dataclass(frozen=True)
class Relevance:
    """The verdict on one text, the rule that decided it, and what it named."""

    sides: frozenset[str]
    issue: bool
    on_topic: bool = False
    reason: str = ""
    mentions: tuple[Mention, ...] = field(default=(), compare=False)
    uncertain: bool = False  # decided by context (outlet side, third party, subject): a model may judge again
    subject: str | None = None  # "sports" or "lifestyle" when the piece is one (no story takes it in)

    @property
    def strength(self) -> int:
        """A rank: more sides named, and an issue named, make a stronger match."""
        return len(self.sides) * 2 + int(self.issue)


@dataclass(frozen=True)
class Reading:
    """The names found where a piece says what it is about (its headline's main clause, its lead's
    first sentence), in the headline's backdrop clause ("... amid China's rise"), and those of its
    deeper lead that count (named at least twice there); `title`: the headline as written."""

    head: list[Mention]
    first: list[Mention] = field(default_factory=list)
    deep: list[Mention] = field(default_factory=list)
    backdrop: list[Mention] = field(default_factory=list)
    title: str = ""
    first_text: str = ""

    @property
    def counted(self) -> list[Mention]:
        return self.head + self.backdrop + self.first + self.deep

    @property
    def near(self) -> list[Mention]:
        return self.head + self.backdrop + self.first


def _quote(ms: list[Mention]) -> str:
    return ", ".join(dict.fromkeys(f"'{m.text}'" for m in ms))


def _quote_words(ws: list[str]) -> str:
    return ", ".join(dict.fromkeys(f"'{w}'" for w in ws))


class RelevanceRule:
    """The on-topic rules compiled for one topic."""

    def __init__(self, topic: Topic) -> None:
        self._index = name_index(topic)
        self._names = {p.id: p.name for p in topic.perspectives}
        self._outlet_side = {o.name: p.id for p, o in topic.all_outlets}
        self._relation_words = frozenset(w.casefold() for w in topic.relations)

    def judge_text(self, text: str, outlet_side: str | None = None) -> Relevance:
        """The verdict on `text` read as a headline; `outlet_side`: the perspective of the outlet
        that published it."""
        return self._verdict(self._headline(text), outlet_side)

    def _headline(
        self, title: str, first: list[Mention] | None = None, deep: list[Mention] | None = None, first_text: str = ""
    ) -> Reading:
        main, backdrop = split_backdrop(title)
        found = self._index.find
        return Reading(found(main), first or [], deep or [], found(backdrop) if backdrop else [], title, first_text)

    def mentions(self, article: Article) -> list[Mention]:
        """The names in the article's headline and lead that count: all of those in the headline and
        the lead's first sentence; deeper in the lead, a side (or an issue, a relation word) only
        when named there at least twice (each such mention weighs `DEEP_WEIGHT`)."""
        return self.read(article).counted

    def read(self, article: Article) -> Reading:
        """The names of the article's headline, lead's first sentence and (counted) deeper lead."""
        first, rest = lead_parts(article)
        deep = self._index.find(rest) if rest else []
        weight: dict[str, float] = {}
        for m in deep:
            key = m.role.side or m.role.kind
            weight[key] = weight.get(key, 0.0) + DEEP_WEIGHT
        counted = [m for m in deep if weight[m.role.side or m.role.kind] >= 1.0]
        return self._headline(article.title, self._index.find(first) if first else [], counted, first or "")

    def names_a_side_or_issue(self, article: Article) -> bool:
        """Whether the article's text (so far: its headline and description) names a side or an issue
        (contested ones included): its page's lead may make it on-topic, so the page is worth reading."""
        return any(m.role.side is not None or m.role.kind in (ISSUE, CONTESTED) for m in self.read(article).counted)

    def _verdict(self, reading: Reading, outlet_side: str | None) -> Relevance:
        found, near = reading.counted, reading.near
        by_side: dict[str, list[Mention]] = {}
        for m in found:
            if m.role.side is not None:
                by_side.setdefault(m.role.side, []).append(m)
        side_words = {m.text for m in found if m.role.side}
        # a contested sea named as where one side acts on a place it claims ("drills near Taiwan in the East
        # China Sea"): the act is on its claim, the sea no issue between the sides
        aimed = _seas_of_claims(reading)
        issues = [
            m for m in found if m.role.kind == ISSUE and m.text not in side_words and id(m) not in aimed
        ]  # one word, one proof
        # a dispute the headline gives a third party ("islands dispute with Russia") is the side's with it
        theirs = _disputes_with_parties(reading)
        contested = [m for m in found if m.role.kind == CONTESTED and id(m) not in theirs | aimed]
        sides = frozenset(by_side)
        # an issue a side claims as its own (Taiwan for China) named with that side alone links no other side
        claimed = {m.text.casefold(): m.role.party for m in found if m.role.kind == CLAIM}
        linking = [m for m in issues if not (len(sides) == 1 and claimed.get(m.text.casefold()) in sides)]
        acts = [m for m in near if m.role.kind in (RELATION, CONTESTED, PERSON, INSTITUTION)]
        # a piece whose headline is a sports or lifestyle subject is judged on its headline's acts: a
        # relation word in its lead ("a short history in Japan") does not make it one between states
        head_acts = [m for m in reading.head + reading.backdrop if m in acts]
        head_acts += [Mention(w, Role(RELATION)) for w in statement(reading.title) + violence(reading.title)]
        # ... or on its lead's first sentence naming a side's state acting ("The Chinese embassy in Tokyo urged
        # its citizens ..."): a state act shapes the travel or the culture (an advisory, a ban)
        side_ends = {m.end for m in reading.first if m.role.side}
        first_officials = [
            m
            for m in reading.first
            if (m.role.kind == INSTITUTION and m.role.side) or (m.role.kind == RELATION and m.pos in side_ends)
        ]
        subject = [m for m in near if m.role.kind in (SPORT, LIFESTYLE_WORD)]
        if score := score_in(reading.title):
            subject.append(Mention(score, Role(SPORT)))
        head_sides = {m.role.side for m in reading.head if m.role.side}
        head_parties = {m.role.party: m for m in reading.head if m.role.kind == THIRD}
        # travel words in a headline naming both sides: travel between them, not a lifestyle piece
        in_head = [m for m in subject if m in reading.head + reading.backdrop] or subject
        # ... and so in one side's outlet when the other side's people travel, named by no place of theirs
        # ("Chinese tour group arrives" in a Japanese outlet: to Japan)
        travellers = _travel_to_outlet_side(reading, head_sides, outlet_side)
        travel_between = (len(head_sides) >= 2 or travellers) and all(
            fold(m.text).casefold() in _TRAVEL for m in in_head
        )
        # an issue another side claims, named without that side, is a party too ("Taiwan market luring more
        # Japanese corporate investments amid China tensions": China only in passing)
        title_parties = _quote(
            [
                m
                for m in reading.head + reading.backdrop
                if m.role.kind == THIRD or _claimed_elsewhere(m, head_sides, outlet_side, reading.title)
            ]
        )
        near_parties = {m.role.party: m for m in near if m.role.kind == THIRD}

        def verdict(on: bool, reason: str, uncertain: bool = False, kind: str | None = None) -> Relevance:
            return Relevance(sides, bool(issues), on, reason, tuple(found), uncertain, kind)

        def named(side: str) -> str:
            return f"{self._names.get(side, side)} ({_quote(by_side[side])})"

        head_subject = any(m in reading.head + reading.backdrop for m in subject) or bool(score_in(reading.title))
        if (
            (sides or issues)
            and subject
            and not ((head_acts + first_officials) if head_subject else acts)
            and not travel_between
        ):
            kind = "sports" if any(m.role.kind == SPORT for m in subject) else "lifestyle"
            return verdict(False, f"a {kind} piece ({_quote(subject)}) with no act between states", True, kind)
        if travellers and travel_between and len(sides) == 1:
            other = next(iter(sides))
            own_name = self._names.get(outlet_side or "", outlet_side)
            return verdict(True, f"{named(other)} travellers ({_quote(in_head)}) in a {own_name}-side outlet", True)
        # an accident at a contested place: the sides its lead names are where it happened, unless the lead
        # names an act ("sank in the East China Sea off Japan's Nagasaki": no act between states) or the
        # headline both sides (their vessels collide there)
        lead_acts = [m for m in reading.first if m in acts and m.role.kind != CONTESTED]
        if contested and len(head_sides) < 2 and _only_a_place(reading, contested, acts) and not lead_acts:
            reason = f"names the contested {_quote(contested)} only as where an accident or crime happened"
            return verdict(False, reason, True)
        # an accident with one side named in the headline only as where it happened ("Chinese ship sinks off
        # Shimane"): no act between states, unless the headline or the lead's first sentence names one
        first_relations = [m for m in reading.first if m.role.kind == RELATION]
        if len(head_sides) >= 2 and not first_relations and (where := _accident_at(reading, head_acts)):
            reason = f"an accident, with {_quote([where])} only as where it happened"
            return verdict(False, reason, True)
        sides_first = _sides_act_first(reading.head, [w.casefold() for w in words(split_backdrop(reading.title)[0])])
        if (
            (sides or issues)
            and not contested
            and not sides_first
            and (len(head_parties) >= 2 or (head_parties and not head_sides))
        ):
            return verdict(False, f"the headline is about third parties ({_quote(list(head_parties.values()))})", True)
        first_sides = {m.role.side for m in reading.first if m.role.side}
        # the lead's first sentence relates the sides: it names both, or the one the headline does not
        # (a reaction: "... drawing a backlash from China"), with a relation word
        first_relates = (len(first_sides) >= 2 or bool(first_sides - head_sides)) and (
            any(m.role.kind == RELATION for m in reading.first) or bool(censure(reading.first_text))
        )
        first_relates = first_relates and not any(m.role.kind == THIRD for m in reading.first)
        if len(sides) >= 2 and len(head_sides) == 1 and title_parties and not contested and not first_relates:
            side = next(iter(head_sides))
            others = "; ".join(named(s) for s in sorted(sides - head_sides))
            reason = f"the headline is about {named(side)} and {title_parties}; {others} only in passing"
            return verdict(False, reason, True)
        if len(sides) >= 2 and not head_sides and len(near_parties) >= 2 and not contested:
            listed = _quote(list(near_parties.values()))
            return verdict(False, f"the sides are named only in the lead, among third parties ({listed})", True)
        duo = _side_paired_with_party(reading)
        if len(sides) >= 2 and duo and not contested and not first_relates and not _acts_on(reading.title):
            paired = duo[0].role.side or ""
            others = "; ".join(named(s) for s in sorted(sides - {paired}))
            pair_named = f"{named(paired)} and {_quote([duo[1]])}"
            reason = f"the headline is about {pair_named} together; {others} only after them"
            return verdict(False, reason, True)
        owner = _party_owns_relation(reading)
        if len(sides) >= 2 and owner and not contested and not first_relates:
            reason = f"the headline is about the relations of {_quote([owner])} with each side, not between them"
            return verdict(False, reason, True)
        dealer = _party_deals_with_side(reading, head_sides, outlet_side)
        if len(sides) >= 2 and dealer and not contested and not first_relates:
            party, partner = dealer
            reason = (
                f"the headline is about {_quote([party])} dealing with {_quote([partner])}; the other side is an object"
            )
            return verdict(False, reason, True)
        if len(sides) >= 2:
            reason = "names both sides: " + "; ".join(named(s) for s in sorted(sides))
            return verdict(True, reason, bool(near_parties) or not (head_sides or reading.first))
        demand = bool(outlet_side) and any(
            demands_of(reading.title, [m.text for m in ms]) for s, ms in by_side.items() if s != outlet_side
        )
        if len(sides) == 1 and linking:
            side = named(next(iter(sides)))
            acted_on = _party_acts_first(
                reading.head, head_sides, outlet_side
            )  # "Taiwan urges Japan to ...": the party's act
            own_side = next(iter(sides)) == outlet_side
            if title_parties and not contested and not demand and (not own_side or acted_on or theirs):
                over = _quote([m for m in linking if m.text.casefold() not in claimed])
                return verdict(
                    False, f"names {side} dealing with {title_parties}" + (f" over {over}" if over else ""), True
                )
            # a headline naming no one, whose lead opens with a third party acting on the side ("South
            # Korea's president renewed her call for Japan to ..."): that party's dealings with it
            opener = next((m for m in reading.first if m.role.side or m.role.kind == THIRD), None)
            if not head_sides and not head_parties and not contested and opener and opener.role.kind == THIRD:
                return verdict(False, f"the lead opens with {_quote([opener])} dealing with {side}", True)
            # the outlet's own side with an issue the other side claims, that side unnamed, is as often the
            # outlet's side and that place alone ("war dead in Taiwan"): the model may judge
            own_claim = next(iter(sides)) == outlet_side and bool(set(claimed) & {m.text.casefold() for m in linking})
            return verdict(True, f"names {side} and the issue {_quote(linking)}", bool(near_parties) or own_claim)
        if len(sides) == 1 and outlet_side and next(iter(sides)) != outlet_side:
            return self._other_side_only(reading, outlet_side, next(iter(sides)), by_side, verdict)
        own = self._names.get(outlet_side or "", None)
        if not sides and outlet_side and not near_parties and not head_parties:
            title = reading.title
            implied = implied_other_side(title) or (statement(title) if title_marker(title) else [])
            if implied:
                other = ", ".join(n for s, n in self._names.items() if s != outlet_side)
                return verdict(True, f"a {own}-side outlet on {_quote_words(implied)}: {other} implied", True)
        if contested and outlet_side:
            return verdict(True, f"a {own}-side outlet on the contested {_quote(contested)}")
        traps = [m for m in found if m.role.kind == NOT_A_SIDE]
        trap_note = f" ({_quote(traps)} name no side)" if traps else ""
        if len(sides) == 1 and issues:
            return verdict(False, f"names only {named(next(iter(sides)))} and its own {_quote(issues)}", True)
        if len(sides) == 1:
            # one side's outlet demanding something of its own side ("SDF should utilize ...") or naming ties,
            # history or an unnamed neighbour, with no third party, is often commentary on the other side: the
            # model may judge
            only = next(iter(sides))
            if only == outlet_side and not near_parties and (said := war_statement(reading.title)):
                reason = f"a {own}-side outlet on {named(only)}'s own statement on the war ({_quote_words(said)})"
                return verdict(True, reason, True)
            own_commentary = (
                only == outlet_side
                and not near_parties
                and bool(
                    demands_of(reading.title, [m.text for m in by_side[only]])
                    or pair(reading.title)
                    or history(reading.title)
                    or neighbor(reading.title)
                )
            )
            return verdict(False, f"names only {named(only)} and no issue{trap_note}", own_commentary)
        if issues:
            return verdict(False, f"names the issue {_quote(issues)} but no side{trap_note}")
        return verdict(False, f"names no side{trap_note}")

    def _other_side_only(
        self,
        reading: Reading,
        outlet_side: str,
        other: str,
        by_side: dict[str, list[Mention]],
        verdict: Callable[..., Relevance],
    ) -> Relevance:
        """Rule 3: one side's outlet names only the other side. On-topic when it demands something of
        it, names a relation (or an institution that is one, an embassy), is an editorial on it or
        names one of its institutions (its military, ministries, parties); not when it names a third
        party the other side deals with, nor on a person alone: that is the other side's home news
        ("Xi's belt-tightening rules")."""
        own, name = self._names.get(outlet_side, outlet_side), self._names[other]
        mentions = by_side[other]
        shown = _quote(mentions)
        found = reading.counted
        aimed = _seas_of_claims(reading)  # a sea where it acts on its own claim is no dispute with the outlet's side
        contested = any(m.role.kind == CONTESTED and id(m) not in aimed for m in found)
        parties = [
            m
            for m in reading.near
            if m.role.kind == THIRD
            or (m.role.kind == CLAIM and m.role.party == other and not speech_topic(reading.title, m.text))
        ]
        owned = _owned_by_others(reading)
        # trade words say a piece is about trade with the other side in its headline; in its lead they
        # are as often its home economy ("exports and infrastructure helped the recovery")
        heard = [m for m in found if m.role.kind == RELATION and id(m) not in owned]
        relations = [m for m in heard if fold(m.text).casefold() not in _TRADE or m in reading.head + reading.backdrop]
        relations += [m for m in mentions if self._relation_words & {w.casefold() for w in m.text.split()}]
        headline = reading.title
        said_of = censure(headline) + history(headline) + the_war(headline)
        said_of += armed(headline) + armed(reading.first_text)
        said_of += _acted_against(headline, [m.text for m in mentions])
        relations += [Mention(w, Role(RELATION)) for w in dict.fromkeys(said_of)]
        if demands_of(reading.title, [m.text for m in mentions]):
            return verdict(True, f"a {own}-side outlet demands something of {name} ({shown})", True)
        if parties and not contested:
            return verdict(False, f"a {own}-side outlet names {name} ({shown}) dealing with {_quote(parties)}", True)
        # the other side named only by a city or region of its own (not its capital, which stands for its
        # state), with no official of the outlet's side acting: protests, bans or harassment there are its
        # home news ("Third day of protests paralyze much of Hong Kong"), not acts between the sides (an
        # "Ambassador lodges firm protest against Fukushima discharge" is one)
        local = [] if officials(headline) else _only_local_places(reading, other)
        if relations and not contested and local:
            reason = f"a {own}-side outlet names {name} only as its own {_quote(local)}: home news there"
            return verdict(False, reason, True)
        if relations:
            return verdict(True, f"a {own}-side outlet names {name} ({shown}) with {_quote(relations)}", True)
        head = reading.head + reading.backdrop
        leader_headline = any(m.role.kind == PERSON for m in head if m.role.side == other)
        # an editorial on the other side's leader at home ("Takaichi's election gamble: editorial") is its
        # home politics, as the news is
        at_home_head = home_politics(headline, [m.text for m in reading.head]) if leader_headline else []
        if title_marker(reading.title) and at_home_head:
            reason = f"a {own}-side editorial on {name}'s own politics ({shown}, {_quote_words(at_home_head)})"
            return verdict(False, reason, True)
        if title_marker(reading.title):
            return verdict(True, f"a {own}-side editorial on {name} ({shown})", True)
        # an institution only in the lead of a headline on the other side's leader is its home news
        # ("Ishiba's exit triggers race of leadership", lead: "... the ruling Liberal Democratic Party")
        institutions = [m for m in mentions if m.role.kind == INSTITUTION and (m in head or not leader_headline)]
        # ... and so is an institution in its own politics ("What's at stake at the Communist Party convention")
        said = f"{reading.title}. {reading.first_text}"
        if institutions and (at_home := home_politics(said, [m.text for m in found])):
            reason = f"a {own}-side outlet on {name}'s own politics ({_quote(institutions)}, {_quote_words(at_home)})"
            return verdict(False, reason, True)
        if institutions:
            return verdict(True, f"a {own}-side outlet names {name}'s {_quote(institutions)}", True)
        people = [m for m in mentions if m.role.kind == PERSON]
        # the other side as the object of a meeting or visit: someone of the outlet's side goes to it
        head_names = [m for m in reading.head if m.role.side == other][:1]  # not its own leader visiting its city
        places = [m.text for m in head_names if m.role.kind in (ALIAS, PLACE)]
        if met := met_or_visited(reading.title, [m.text for m in head_names if m.role.kind == PERSON], places):
            return verdict(True, f"a {own}-side outlet on a meeting with or visit to {_quote_words(met)}", True)
        # an unnamed official in one side's own outlet is that side's ("Prime minister rejects Beijing's
        # demand" in a Japanese outlet): the headline names both sides
        unnamed = _unnamed_officials(reading) if not any(m.role.kind == PERSON for m in head) else []
        if unnamed:
            return verdict(True, f"a {own}-side outlet's {_quote_words(unnamed)} on {name} ({shown})", True)
        if people:
            reason = (
                f"a {own}-side outlet names only {name}'s {_quote(people)}: its home news, no act between the sides"
            )
            return verdict(False, reason, True)
        # no evidence either way: one side's outlet on the other side alone is often commentary on it ("Key
        # choices await Japan"), which the model may judge
        return verdict(False, f"a {own}-side outlet names only {name} ({shown}), no relation", True)

    def judge(self, article: Article) -> Relevance:
        """The verdict on an article's headline and lead (or description), with its outlet's side as
        context: a headline naming one side and a lead naming the other names both. An opinion piece
        (an editorial, a column, a reader's letter) of one side's outlet whose headline names no side and
        which has no lead is off-topic but uncertain: its headline rarely says what it argues about, so a
        model may judge."""
        outlet_side = self._outlet_side.get(article.outlet, article.perspective or None)
        reading = self.read(article)
        verdict = self._verdict(reading, outlet_side)
        # (with a lead that names no side either, the piece is off-topic with confidence)
        if (
            outlet_side
            and not verdict.on_topic
            and not verdict.uncertain
            and not verdict.sides
            and not reading.first_text
        ):
            parties = any(m.role.kind == THIRD for m in verdict.mentions)
            if not parties and (marker := opinion_label(article)):
                reason = f"{verdict.reason}; an opinion piece ({marker.casefold()}) naming no side: a model may judge"
                return replace(verdict, uncertain=True, reason=reason)
        return verdict


def _travel_to_outlet_side(reading: Reading, head_sides: set[str], outlet_side: str | None) -> bool:
    """Whether a headline in one side's outlet names only the other side's people (no place of theirs,
    no third party) with travel words: they travel to the outlet's side."""
    if not outlet_side or len(head_sides) != 1 or outlet_side in head_sides:
        return False
    near = reading.head + reading.backdrop
    travel = {m.pos for m in reading.head if m.role.kind == LIFESTYLE_WORD and fold(m.text).casefold() in _TRAVEL}
    # the side's name qualifies the travellers ("Chinese tourists"), not the state acting ("Japan scraps ...")
    people = any(m.role.side and m.role.kind == ALIAS and {m.end, m.end + 1} & travel for m in reading.head)
    at_home = any(m.role.side and m.role.kind == PLACE for m in near)
    return people and not at_home and not any(m.role.kind == THIRD for m in reading.near)


def _party_owns_relation(reading: Reading) -> Mention | None:
    """The third party a headline opens with whose word of ties names the sides after it ("Trump touts
    good U.S. ties with Japan, China"): its relations with each side, not theirs with each other (a
    third party urging them, "Washington urges Japan, China to ease tensions", acts within theirs)."""
    actors = [m for m in reading.head if m.role.side or m.role.kind == THIRD]
    if not actors or actors[0].role.kind != THIRD:
        return None
    first_side = min((m.pos for m in reading.head if m.role.side), default=-1)
    owned = _owned_by_others(reading)
    relations = [
        m for m in reading.head if m.role.kind == RELATION and id(m) in owned and m.pos < first_side and pair(m.text)
    ]
    return actors[0] if relations else None


def _only_local_places(reading: Reading, side: str) -> list[Mention]:
    """The cities or regions of `side` that are its only names where the piece says what it is about (the
    headline and the lead's first sentence): places that are no alias (a capital standing for its state,
    "Beijing") and no institution, person or company of it; empty when any other name of it is there."""
    ms = [m for m in reading.near if m.role.side == side]
    aliases = {(m.pos, m.end, m.text) for m in ms if m.role.kind != PLACE}
    places = [m for m in ms if m.role.kind == PLACE]
    if not places or any(m.role.kind != PLACE and (m.pos, m.end, m.text) not in aliases for m in ms):
        return []
    return [] if aliases else places


def _party_deals_with_side(
    reading: Reading, head_sides: set[str], outlet_side: str | None
) -> tuple[Mention, Mention] | None:
    """The third party a headline opens with and the side it deals with right after "with" or "in" (its
    partner or the venue of its act: "Taiwan's Lai seeks cooperation with Japan to deter Chinese pressure",
    "U.S. to have official in Tokyo dedicated to monitoring China"), when the other side comes only later:
    the party's dealings, the other side their object. Not when the party acts on the sides themselves
    ("Washington urges Japan, China to ease tensions") nor when both sides follow "with" as one pair."""
    head = reading.head
    if not head_sides or len(head_sides) < 2 or not _party_acts_first(head, head_sides, outlet_side):
        return None
    party = next(m for m in head if m.role.kind == THIRD or _claimed_elsewhere(m, head_sides, outlet_side))
    first = min((m for m in head if m.role.side), key=lambda m: m.pos)
    main = [w.casefold() for w in words(split_backdrop(reading.title)[0])]
    # (a headline in a script without spaces has no such words: its positions are not words of `main`)
    if not 0 < first.pos <= len(main) or main[first.pos - 1] not in ("with", "in"):
        return None
    later = [m for m in head if m.role.side and m.role.side != first.role.side]
    # "... with Japan and China", "... with Japan, China": both sides are the partners, a pair
    if any(main[first.end : m.pos] in ([], ["and"]) for m in later):
        return None
    return party, first


def _disputes_with_parties(reading: Reading) -> set[int]:
    """The contested issues of the headline's main clause followed by "with" and a third party ("Japan
    acknowledges islands dispute with Russia", "territorial row with South Korea"): that party's dispute
    with the side named, not one between the sides (followed by a side, "dispute with China", it is)."""
    main = [w.casefold() for w in words(split_backdrop(reading.title)[0])]
    parties = {m.pos for m in reading.head if m.role.kind == THIRD}
    spans = {
        (m.pos, m.end)
        for m in reading.head
        if m.role.kind == CONTESTED and m.end < len(main) and main[m.end] == "with" and m.end + 1 in parties
    }
    return _ids_at(reading, spans)


def _seas_of_claims(reading: Reading) -> set[int]:
    """The contested places the headline's main clause names after an "in", following "near", "off" or
    "around" a place claimed by the one side it names ("China announces drills near Taiwan in the East
    China Sea"): where that side acts on its own claim. Not when a contested place is the target itself
    ("near the Senkaku Islands in the East China Sea"), nor when the other side is named."""
    head = reading.head
    sides = {m.role.side for m in head if m.role.side}
    if len(sides) != 1:
        return set()
    main = [w.casefold() for w in words(split_backdrop(reading.title)[0])]
    targets = [
        m
        for m in head
        if m.role.kind == CLAIM and m.role.party in sides and 0 < m.pos <= len(main)
        if main[m.pos - 1] in ("near", "off", "around")
    ]
    places = [m for m in head if m.role.kind == CONTESTED]
    if not targets or any(p.pos <= targets[0].end for p in places):
        return set()
    target = targets[0]
    return _ids_at(reading, {(m.pos, m.end) for m in places if "in" in main[target.end : m.pos]})


def _ids_at(reading: Reading, spans: set[tuple[int, int]]) -> set[int]:
    """The headline's mentions (of every role: a place is both contested and an issue) at these spans."""
    return {id(m) for m in reading.head if (m.pos, m.end) in spans}


def _only_a_place(reading: Reading, contested: list[Mention], acts: list[Mention]) -> bool:
    """Whether the headline names a contested place only as where an accident or a crime happened ("Cargo
    ship sinks in East China Sea", "Pillar at entrance to Yasukuni Shrine vandalized"): up to five words
    after "in" or "at", with no relation, history, statement, censure or editorial marker in it."""
    main = [w.casefold() for w in words(split_backdrop(reading.title)[0])]
    head = reading.head + reading.backdrop
    if any(m in head and m.role.kind != CONTESTED for m in acts) or any(m not in reading.head for m in contested):
        return False
    title = reading.title
    if history(title) or statement(title) or censure(title) or title_marker(title) or not accident(title):
        return False
    places = [m for m in reading.head if m.role.kind == CONTESTED]
    return all({"in", "at"} & set(main[max(0, m.pos - 5) : m.pos]) for m in places)


def _sides_act_first(head: list[Mention], main: list[str]) -> bool:
    """Whether the first two parties a headline names are the topic's two sides ("Japan Inc. distancing
    itself from China, looking to India, ASEAN"): its subject and object, whatever third parties follow."""
    named = [m for m in head if m.role.side or m.role.kind == THIRD]
    actors = list(dict.fromkeys(("side", m.role.side) if m.role.side else ("party", m.role.party) for m in named))
    if not (len(actors) >= 2 and actors[0][0] == actors[1][0] == "side"):
        return False
    # ... not when the second side heads a list of third parties ("Chinese, South Koreans and Vietnamese
    # arrive"): one of many, the subject of its own clause
    second = next(m for m in named if m.role.side == actors[1][1])
    after = [m for m in named if m.pos >= second.end]
    return not (after and after[0].role.kind == THIRD and main[second.end : after[0].pos] in ([], ["and"]))


def _owned_by_others(reading: Reading) -> set[int]:
    """The relation words that belong to a third party or a trap name right before them ("South China
    Sea tensions", "U.S. sanctions"): no relation of a side."""
    owned: set[int] = set()
    for ms in (reading.head, reading.backdrop, reading.first, reading.deep):
        ends = {m.end for m in ms if m.role.kind in (THIRD, NOT_A_SIDE)}
        owned.update(id(m) for m in ms if m.role.kind == RELATION and m.pos in ends)
    return owned


def _claimed_elsewhere(m: Mention, head_sides: set[str], outlet_side: str | None, title: str = "") -> bool:
    """An issue a side claims, named without that side and not in that side's own outlet (to which it is
    no third party): a party of its own, as Taiwan is to a Japanese outlet; not when it only says what
    was said ("Taiwan remarks")."""
    return (
        m.role.kind == CLAIM
        and m.role.party not in head_sides
        and m.role.party != outlet_side
        and not speech_topic(title, m.text)
    )


def _side_paired_with_party(reading: Reading) -> tuple[Mention, Mention] | None:
    """The side and the third party a headline opens with as one subject ("Japan, Australia sign
    pact aimed at countering China's rise", "Japan and the Philippines ..."): the piece is about the
    two of them, and the other side, named after them, is their object or backdrop."""
    actors = [m for m in reading.head if (m.role.side and m.role.kind != PLACE) or m.role.kind == THIRD]
    if len(actors) < 3:
        return None
    first, second = actors[0], actors[1]
    if bool(first.role.side) == bool(second.role.side):
        return None
    main = [w.casefold() for w in words(split_backdrop(reading.title)[0])]
    if main[first.end : second.pos] not in ([], ["and"]) or main[second.end : actors[2].pos] in ([], ["and"]):
        return None  # not a pair, or a list of three ("Japan, South Korea, China leaders"): all are its subject
    side, party = (first, second) if first.role.side else (second, first)
    later = {m.role.side for m in actors[2:] if m.role.side}
    return (side, party) if later - {side.role.side} else None


def _unnamed_officials(reading: Reading) -> list[str]:
    """The officials a headline names without saying whose ("Prime minister rejects ...", not
    "Japanese government approves ..." nor "U.S. envoy ...")."""
    main = [w.casefold() for w in words(split_backdrop(reading.title)[0])]
    owners = {m.end for m in reading.head if m.role.side or m.role.kind == THIRD}
    found = []
    for official in dict.fromkeys(officials(reading.title)):
        n = len(official.split())
        starts = [i for i in range(len(main) - n + 1) if main[i : i + n] == official.split()]
        if any(i not in owners for i in starts):
            found.append(official)
    return found


def _acts_on(title: str) -> bool:
    """Whether a headline reports a protest, a demand or a censure (an act on someone, not a pact), not one
    that comes "from" or "by" someone named after it ("drill draws warning from Chinese experts": a reaction
    to the pair, not its act)."""
    text = " ".join(w.casefold() for w in words(title))
    text = re.sub(r"\b[\w']+(?=\s+(?:from|by)\b)", " ", text)  # the word the reaction's source follows
    return bool(statement(text) or [w for w in censure(text) if w.startswith(("warn", "hyp", "smear", "slander"))])


# An act aimed at someone named right after it (up to two words between): "patrols against Chinese poachers";
# and a state holding or sending away someone named right after it ("defends holding Chinese skipper").
_AGAINST = r"(?:against|targeting|crackdown on|crack down on|cracks down on)"
_HOLDS = r"(?:detain|detains|detained|detaining|holding|expel|expels|expelled|expelling|deport|deports|deported)"


def _acted_against(title: str, names: list[str]) -> list[str]:
    """The `names` (as written in the headline) an act is aimed at: "against" or "targeting" them, or
    detaining, holding or expelling them."""
    text = " ".join(w.casefold() for w in words(title))
    found = []
    for name in dict.fromkeys(names):
        folded = " ".join(w.casefold() for w in words(name))
        if re.search(rf"\b{_AGAINST}\s+(?:[\w']+\s+){{0,2}}{re.escape(folded)}\b", text):
            found.append(f"against {name}")
        elif re.search(rf"\b{_HOLDS}\s+{re.escape(folded)}\b", text):
            found.append(f"holding {name}")
    return found


def _accident_at(reading: Reading, head_acts: list[Mention]) -> Mention | None:
    """The place of one side a headline names only as where an accident happened ("Chinese ship sinks off
    Shimane"): that side's only names in the headline are places after "in", "off", "at" or "near" (up to
    three words before), the headline reports an accident and no violence, act, statement or censure."""
    title = reading.title
    if not mishap(title) or head_acts or statement(title) or censure(title) or title_marker(title):
        return None
    main = [w.casefold() for w in words(split_backdrop(title)[0])]
    by_side: dict[str, list[Mention]] = {}
    for m in reading.head:
        if m.role.side:
            by_side.setdefault(m.role.side, []).append(m)
    for ms in by_side.values():
        if all(m.role.kind == PLACE and {"in", "off", "at", "near"} & set(main[max(0, m.pos - 3) : m.pos]) for m in ms):
            return ms[0]
    return None


def _party_acts_first(head: list[Mention], head_sides: set[str], outlet_side: str | None) -> bool:
    """Whether the first party a headline names is no side (a third party, or an issue another side
    claims): the subject whose act the headline reports."""
    for m in head:
        if m.role.side:
            return False
        if m.role.kind == THIRD or _claimed_elsewhere(m, head_sides, outlet_side):
            return True
    return False
