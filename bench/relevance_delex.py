"""Does a learned scorer over delexicalised text generalise better than the rules? (issue #26)
`python -m bench.relevance_delex`

Each article of tests/data/real_headlines is read by the rules (`RelevanceRule.read` / `judge`), and
every name the reading finds is replaced by its role relative to the outlet's side: `OWN` or `OTHER`
side (with its kind: alias, place, person, institution...), `THIRD` party, `CONTESTED` place,
`ISSUE`, `CLAIM` (whose), `TRAP` (a name that merely contains a side's). Relation, sports and
lifestyle words stay as words and are marked too. Word and role uni- and bigrams are taken per zone
(`H` headline's main clause, `B` its backdrop clause, `L` the lead's first sentence), with the rules'
verdict, certainty, which rule fired (its reason with the names taken out) and the features of
`bench.relevance_cv`. No country name survives, so the features are the same for any topic.

A logistic regression with an L2 penalty, fitted by Newton's method (deterministic; the Woodbury
form when there are more features than rows), one model for articles with and without a lead.

Protocol (docs/editorial.md, "A delexicalised scorer"): features, penalty and threshold are chosen
ONLY by leave-one-split-out cross-validation over the tuning splits dev, test, dev2, dev3, dev4; then
the chosen model is trained on those five and evaluated once on dev5. It is worth shipping only if
it beats the round-5 rules on dev5 by >= 0.02 F1 both headline alone and with the lead. It did not
(the CV-chosen model copies the rules' verdict); `--tuning=` and `--fresh-split=` replay an earlier
round with that round's rules (docs: "Replayed rounds").
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # a shared machine; one thread is also deterministic
os.environ.setdefault("OMP_NUM_THREADS", "1")

import itertools
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from bench.relevance_cv import features as rule_features
from digest_core.editorial import names as n
from digest_core.editorial.headline_roles import split_backdrop
from digest_core.editorial.relevance import Reading, RelevanceRule
from digest_core.topics import Topic, load_topics
from testkit.real_set import RealItem, real_items

TUNING = ("dev", "test", "dev2", "dev3", "dev4")
FRESH = "dev5"
FEATURE_SETS = ("rule21", "rule21+reason", "delex", "delex+rules")
PENALTIES = (0.3, 1.0, 3.0, 10.0, 30.0)
THRESHOLDS = tuple(round(0.3 + 0.05 * k, 2) for k in range(9))  # 0.30 .. 0.70
MIN_ROWS = 2  # a text feature enters the vocabulary when at least this many training articles have it

_KIND = {
    n.ALIAS: "alias",
    n.PLACE: "place",
    n.PERSON: "person",
    n.INSTITUTION: "institution",
}


def _role_token(m: n.Mention, own: str | None) -> tuple[str, str | None]:
    """The coarse token that replaces a mention in the n-grams, and a finer one (or None)."""
    kind = m.role.kind
    if m.role.side:
        side = "SIDE" if own is None else ("OWN" if m.role.side == own else "OTHER")
        return f"<{side}>", f"<{side}.{_KIND.get(kind, kind.lower())}>"
    if kind == n.THIRD:
        return "<THIRD>", None
    if kind == n.CLAIM:
        whose = "OWN" if m.role.party == own else ("OTHER" if m.role.party else "THIRD")
        return "<CLAIM>", f"<CLAIM.{whose}>"
    if kind == n.NOT_A_SIDE:
        return "<TRAP>", None
    if kind in (n.CONTESTED, n.ISSUE):
        return f"<{kind.upper()}>", None
    word = " ".join(w.casefold() for w in m.text.split())
    return word, f"<{kind.upper()}>"  # relation, sports, lifestyle words: general English, kept


def delexicalised(text: str, mentions: Sequence[n.Mention], own: str | None) -> tuple[list[str], list[str]]:
    """`text`'s words with each mention replaced by its role token; and the finer role tokens."""
    tokens = n.words(text)
    at = {m.pos: m for m in mentions if m.pos >= 0}
    out: list[str] = []
    fine: list[str] = []
    i = 0
    while i < len(tokens):
        m = at.get(i)
        if m is not None and m.end > i:
            coarse, detail = _role_token(m, own)
            out.append(coarse)
            if detail:
                fine.append(detail)
            i = m.end
            continue
        word = tokens[i].casefold()
        out.append("<NUM>" if word.isdigit() else word)
        i += 1
    return out, fine


def _grams(zone: str, tokens: list[str]) -> Iterable[str]:
    padded = ["<s>", *tokens, "</s>"]
    yield from (f"{zone}:{t}" for t in tokens)
    yield from (f"{zone}:{a} {b}" for a, b in itertools.pairwise(padded))


def _reason_template(reason: str, names: dict[str, str], own: str | None) -> str:
    """Which rule fired: its reason with quotes, parentheses and side names taken out."""
    text = re.sub(r"\([^)]*\)", "", reason.split(":")[0])
    text = re.sub(r"'[^']*'", "Q", text)
    for side, name in names.items():
        text = text.replace(name, "SIDE" if own is None else ("OWN" if side == own else "OTHER"))
    return " ".join(text.split()[:8])


@dataclass(frozen=True)
class Featurizer:
    """Named features of an article, from the rules' reading of it (no country words)."""

    rule: RelevanceRule
    topic: Topic

    def __call__(self, item: RealItem) -> dict[str, float]:
        article = item.article
        sides = {o.name: p.id for p, o in self.topic.all_outlets}
        own = sides.get(article.outlet, article.perspective or None)
        reading: Reading = self.rule.read(article)
        verdict = self.rule.judge(article)
        main, backdrop = split_backdrop(article.title)
        out: dict[str, float] = {}
        zones = [("H", main, reading.head), ("B", backdrop, reading.backdrop), ("L", reading.first_text, reading.first)]
        for zone, text, mentions in zones:
            if not text:
                continue
            tokens, fine = delexicalised(text, mentions, own)
            for g in _grams(zone, tokens):
                out["T:" + g] = 1.0
            for f in fine:
                out[f"T:{zone}:{f}"] = 1.0
        out["T:has_lead"] = float(bool(reading.first_text))
        names = {p.id: p.name for p in self.topic.perspectives}
        verdict_word = "on" if verdict.on_topic else "off"
        sure = "uncertain" if verdict.uncertain else "certain"
        out[f"V:{verdict_word}.{sure}"] = 1.0
        out[f"S:{verdict_word}.{_reason_template(verdict.reason, names, own)}"] = 1.0
        for k, x in enumerate(rule_features(self.rule, sides.__getitem__, item)[1:], start=1):
            if x:
                out[f"R:{k}"] = x
        return out


def select(features: dict[str, float], feature_set: str) -> dict[str, float]:
    """The features of one of `FEATURE_SETS`."""
    keep = {
        "rule21": ("R:",),
        "rule21+reason": ("R:", "V:", "S:"),
        "delex": ("T:",),
        "delex+rules": ("T:", "R:", "V:", "S:"),
    }[feature_set]
    return {k: v for k, v in features.items() if k.startswith(keep)}


def vocabulary(rows: Sequence[dict[str, float]], ids: Sequence[int]) -> list[str]:
    """Features seen in at least `MIN_ROWS` distinct articles (an article counts once with or
    without its lead), sorted: the model's columns."""
    seen: dict[str, set[int]] = {}
    for row, i in zip(rows, ids, strict=True):
        for k in row:
            seen.setdefault(k, set()).add(i)
    return sorted(k for k, s in seen.items() if len(s) >= MIN_ROWS or not k.startswith("T:"))


def matrix(rows: Sequence[dict[str, float]], columns: Sequence[str]) -> np.ndarray:
    col = {c: j for j, c in enumerate(columns)}
    x = np.zeros((len(rows), len(columns) + 1))
    x[:, 0] = 1.0  # the bias
    for r, row in enumerate(rows):
        for k, v in row.items():
            if k in col:
                x[r, col[k] + 1] = v
    return x


def fit(x: np.ndarray, y: np.ndarray, penalty: float, steps: int = 30) -> np.ndarray:
    """L2-penalised logistic regression by Newton's method (the bias penalised lightly, 1e-3 of the
    rest); in the rows' space (Woodbury) when there are more columns than rows."""
    rows, cols = x.shape
    lam = np.full(cols, penalty)
    lam[0] = penalty * 1e-3
    w = np.zeros(cols)
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-(x @ w)))
        grad = x.T @ (p - y) + lam * w
        weight = np.maximum(p * (1 - p), 1e-12)
        if cols <= rows:
            step = np.linalg.solve(x.T @ (x * weight[:, None]) + np.diag(lam), grad)
        else:  # (L + X'SSX)^-1 g = L^-1 g - L^-1 X'S (I + S X L^-1 X' S)^-1 S X L^-1 g
            s = np.sqrt(weight)
            xs = x * s[:, None]
            lg = grad / lam
            xl = xs / lam
            inner = np.eye(rows) + xl @ xs.T
            step = lg - (xl.T @ np.linalg.solve(inner, xs @ lg))
        w -= step
        if float(np.max(np.abs(step))) < 1e-10:
            break
    return w


def probabilities(x: np.ndarray, w: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-(x @ w)))


def scores(truth: Sequence[bool], said: Sequence[bool]) -> tuple[float, float, float]:
    """Precision, recall, F1."""
    tp = sum(1 for t, s in zip(truth, said, strict=True) if t and s)
    fp = sum(1 for t, s in zip(truth, said, strict=True) if s and not t)
    fn = sum(1 for t, s in zip(truth, said, strict=True) if t and not s)
    p, r = tp / max(tp + fp, 1), tp / max(tp + fn, 1)
    return p, r, 2 * p * r / max(p + r, 1e-12)


@dataclass
class Data:
    """Both readings of every article (headline alone, with the lead): features, labels, ids, splits."""

    feats: list[dict[str, float]]
    labels: list[bool]
    ids: list[int]
    splits: list[str]
    leads: list[bool]
    rules: list[bool]


def load(topic: Topic, splits: Sequence[str]) -> Data:
    rule = RelevanceRule(topic)
    featurize = Featurizer(rule, topic)
    data = Data([], [], [], [], [], [])
    for lead in (False, True):
        for split in splits:
            for item in real_items(topic, split, lead):
                data.feats.append(featurize(item))
                data.labels.append(item.on_topic)
                data.ids.append(item.id)
                data.splits.append(split)
                data.leads.append(lead)
                data.rules.append(rule.judge(item.article).on_topic)
    return data


def train(data: Data, keep: Callable[[int], bool], feature_set: str, penalty: float) -> tuple[list[str], np.ndarray]:
    rows = [select(f, feature_set) for k, f in enumerate(data.feats) if keep(k)]
    ids = [i for k, i in enumerate(data.ids) if keep(k)]
    columns = vocabulary(rows, ids)
    y = np.array([float(t) for k, t in enumerate(data.labels) if keep(k)])
    return columns, fit(matrix(rows, columns), y, penalty)


def predict(data: Data, indices: Sequence[int], columns: list[str], w: np.ndarray, feature_set: str) -> np.ndarray:
    return probabilities(matrix([select(data.feats[k], feature_set) for k in indices], columns), w)


def cross_validate(data: Data, feature_set: str, penalty: float) -> np.ndarray:
    """Leave-one-split-out: each tuning split's probabilities from a model fitted on the others."""
    out = np.zeros(len(data.labels))
    for held in dict.fromkeys(data.splits):
        columns, w = train(data, lambda k, held=held: data.splits[k] != held, feature_set, penalty)  # type: ignore[misc]
        test = [k for k, s in enumerate(data.splits) if s == held]
        out[test] = predict(data, test, columns, w, feature_set)
    return out


def _f1_both(data: Data, said: Sequence[bool], rows: Sequence[int]) -> tuple[float, float]:
    f = []
    for lead in (False, True):
        ks = [k for k in rows if data.leads[k] == lead]
        f.append(scores([data.labels[k] for k in ks], [said[k] for k in ks])[2])
    return f[0], f[1]


def _line(label: str, truth: Sequence[bool], said: Sequence[bool]) -> str:
    p, r, f = scores(truth, said)
    return f"{label:56} P {p:.3f} R {r:.3f} F1 {f:.3f}"


def _arg(name: str, default: str) -> str:
    return next((a.split("=", 1)[1] for a in sys.argv[1:] if a.startswith(f"--{name}=")), default)


def main() -> None:
    """Options: `--fresh` (evaluate once on the fresh split), `--tuning=dev,test` and `--fresh-split=dev2`
    (other splits than the five and dev5, to replay an earlier round with that round's rules)."""
    topic = load_topics().get("china-japan")
    tuning_splits = tuple(_arg("tuning", ",".join(TUNING)).split(","))
    fresh_split = _arg("fresh-split", FRESH)
    data = load(topic, (*tuning_splits, fresh_split))
    tuning = [k for k, s in enumerate(data.splits) if s in tuning_splits]
    tune = Data(
        *([getattr(data, a)[k] for k in tuning] for a in ("feats", "labels", "ids", "splits", "leads", "rules"))
    )
    everything = range(len(tune.labels))
    rules_f1 = _f1_both(tune, tune.rules, everything)
    print(f"hand rules on the tuning splits (pooled): F1 headline {rules_f1[0]:.3f}, with lead {rules_f1[1]:.3f}")
    results: dict[tuple[str, float], np.ndarray] = {}
    best_of: dict[str, tuple[float, float, float]] = {}  # feature set: (mean F1, penalty, threshold)
    for feature_set in FEATURE_SETS:
        for penalty in PENALTIES:
            probs = cross_validate(tune, feature_set, penalty)
            results[(feature_set, penalty)] = probs
            for threshold in THRESHOLDS:
                f = _f1_both(tune, [bool(p >= threshold) for p in probs], everything)
                mean = (f[0] + f[1]) / 2
                if feature_set not in best_of or mean > best_of[feature_set][0] + 1e-12:
                    best_of[feature_set] = (mean, penalty, threshold)
            at_half = _f1_both(tune, [bool(p >= 0.5) for p in probs], everything)
            f1 = f"F1 at 0.5 headline {at_half[0]:.3f}, lead {at_half[1]:.3f}"
            print(f"CV {feature_set:13} penalty {penalty:5}: {f1}")
            sys.stdout.flush()
    chosen = max(FEATURE_SETS, key=lambda fs: (best_of[fs][0], -FEATURE_SETS.index(fs)))
    for feature_set in FEATURE_SETS:
        mean, penalty, threshold = best_of[feature_set]
        mark = "  <- chosen" if feature_set == chosen else ""
        print(f"best of {feature_set}: penalty {penalty}, threshold {threshold}, CV mean F1 {mean:.3f}{mark}")
    print("leave-one-split-out CV, per held-out split (each feature set at its best | rules):")
    for split in (*tuning_splits, None):
        for lead in (False, True):
            ks = [k for k in everything if split in (None, tune.splits[k]) and tune.leads[k] == lead]
            truth = [tune.labels[k] for k in ks]
            text = f"{split or 'all tuning'} {'headline + lead' if lead else 'headline'}"
            print(_line(f"  {text}: hand rules", truth, [tune.rules[k] for k in ks]))
            for feature_set in FEATURE_SETS:
                _, penalty, threshold = best_of[feature_set]
                probs = results[(feature_set, penalty)]
                print(_line(f"  {text}: {feature_set}", truth, [bool(probs[k] >= threshold) for k in ks]))
    if "--fresh" not in sys.argv:
        print(f"({fresh_split} not evaluated: pass --fresh, once)")
        return
    fresh = [k for k, s in enumerate(data.splits) if s == fresh_split]
    print(f"{fresh_split}, once (each model trained on the tuning splits; the decision is on the chosen one only):")
    for feature_set in (chosen, *(fs for fs in FEATURE_SETS if fs != chosen)):
        _, penalty, threshold = best_of[feature_set]
        columns, w = train(data, lambda k: data.splits[k] in tuning_splits, feature_set, penalty)
        p = predict(data, fresh, columns, w, feature_set)
        label = feature_set + (" (chosen)" if feature_set == chosen else " (information only)")
        for lead in (False, True):
            ks = [j for j, k in enumerate(fresh) if data.leads[k] == lead]
            truth = [data.labels[fresh[j]] for j in ks]
            text = "headline + lead" if lead else "headline"
            if feature_set == chosen:
                print(_line(f"  {fresh_split} {text}: hand rules", truth, [data.rules[fresh[j]] for j in ks]))
            print(_line(f"  {fresh_split} {text}: {label}", truth, [bool(p[j] >= threshold) for j in ks]))


if __name__ == "__main__":
    main()
