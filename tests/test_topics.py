"""Topics files: the shipped default, and clear errors for broken files."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from digest_core.errors import TopicsFileError, UnknownTopicError
from digest_core.topics import load_topics

VALID = """
[[topics]]
id = "us-china"
name = "US vs China"
publish_time = "06:30"
timezone = "Asia/Tokyo"

  [[topics.perspectives]]
  id = "us"
  name = "United States"
  aliases = ["US", "American", "Washington"]
  quota = 4
    [[topics.perspectives.outlets]]
    name = "AP"
    domains = ["apnews.com"]

  [[topics.perspectives]]
  id = "china"
  name = "China"
  aliases = ["China"]
    [[topics.perspectives.outlets]]
    name = "Xinhua"
    domains = ["www.news.cn", "english.news.cn"]
"""


def write(tmp_path: Path, text: str, name: str = "topics.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_default_topic_covers_the_seed_outlets() -> None:
    topic = load_topics().get("china-japan")
    assert topic.name == "China vs Japan"
    assert topic.publish_time.strftime("%H:%M") == "04:00"
    assert topic.timezone == "UTC"
    assert topic.language == "en-US"
    outlets = {p.id: [o.name for q, o in topic.all_outlets if q.id == p.id] for p in topic.perspectives}  # read
    assert outlets == {
        "china": ["China Daily", "Global Times", "CGTN", "South China Morning Post"],
        "japan": ["The Japan Times", "Kyodo News", "Nikkei Asia"],
    }
    assert all(topic.quota_for(p) == 10 for p in topic.perspectives)


def test_custom_topics_file_with_defaults_and_overrides(tmp_path: Path) -> None:
    topics = load_topics(write(tmp_path, VALID))
    topic = topics.get("US-China")  # ids are matched case-insensitively
    us, china = topic.perspectives
    assert topic.quota_for(us) == 4
    assert topic.quota_for(china) == 10
    assert china.outlets[0].domains == ["news.cn", "english.news.cn"]  # www. dropped
    assert topic.outlet_for_host("english.news.cn") == (china, china.outlets[0])
    assert topic.outlet_for_host("notnews.cn") is None


def test_yaml_topics_file(tmp_path: Path) -> None:
    text = """
topics:
  - id: a-b
    name: A vs B
    perspectives:
      - {id: a, name: A, aliases: [Alpha], outlets: [{name: Alpha Post, domains: [alpha.example]}]}
      - {id: b, name: B, aliases: [Beta], outlets: [{name: Beta Times, domains: [beta.example]}]}
"""
    assert load_topics(write(tmp_path, text, "topics.yaml")).ids == ["a-b"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[[topics]\nid = 'x'", "invalid TOML"),
        (VALID.replace('timezone = "Asia/Tokyo"', 'timezone = "Mars/Base"'), "topics[0](id='us-china').timezone"),
        (VALID.replace('domains = ["apnews.com"]', 'domains = ["not a domain"]'), "outlets[0].domains"),
        (VALID.replace('domains = ["apnews.com"]', "domains = []"), "outlets[0].domains"),
        (VALID.replace('name = "US vs China"\n', ""), "topics[0](id='us-china').name: Field required"),
        (VALID.replace('  aliases = ["China"]\n', ""), "perspectives[1].aliases"),
        (VALID.replace('id = "china"', 'id = "us"'), "perspective ids must be unique"),
        (VALID.replace('publish_time = "06:30"', 'publish_time = "25:99"'), "publish_time"),
        (VALID.replace("quota = 4", "quota = 0"), "perspectives[0].quota"),
        (VALID.replace("quota = 4", "quoat = 4"), "perspectives[0].quoat: Extra inputs are not permitted"),
        (VALID + VALID, "topic ids must be unique; repeated: us-china"),
    ],
)
def test_broken_topics_file_names_file_key_and_problem(tmp_path: Path, text: str, expected: str) -> None:
    path = write(tmp_path, text)
    with pytest.raises(TopicsFileError) as info:
        load_topics(path)
    message = str(info.value)
    assert message.startswith(str(path)), message
    assert expected in message
    assert "\n" not in message


def test_toml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, '[[topics]]\nid = "x"\nname = \n')
    with pytest.raises(TopicsFileError, match=r"line 3"):
        load_topics(path)


def test_yaml_syntax_error_gives_the_line(tmp_path: Path) -> None:
    path = write(tmp_path, "topics:\n  - id: a\n    name: [unclosed\n", "t.yml")
    with pytest.raises(TopicsFileError, match=r"t\.yml:line \d+: invalid YAML"):
        load_topics(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(TopicsFileError, match="cannot read topics file"):
        load_topics(tmp_path / "nope.toml")


def test_unknown_topic_lists_known_ones() -> None:
    with pytest.raises(UnknownTopicError, match="unknown topic 'korea-japan'; known topics: china-japan"):
        load_topics().get("korea-japan")


BILLION_LAUGHS = """
a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]
b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]
c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]
d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]
e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]
f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]
g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]
h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]
i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]
topics: [*i, *i, *i, *i, *i, *i, *i, *i, *i]
"""


def test_yaml_aliases_are_refused_at_once_in_one_line(tmp_path: Path) -> None:
    """A billion-laughs file (9^10 strings once expanded) is refused at its first alias, before any
    node is built or validated; it once took 35 s of CPU."""
    path = write(tmp_path, BILLION_LAUGHS, "topics.yaml")
    started = time.process_time()
    with pytest.raises(TopicsFileError) as info:
        load_topics(path)
    assert time.process_time() - started < 2.0  # generous: the refusal takes about a millisecond
    assert str(info.value) == f"{path}:line 3: invalid YAML: aliases (*name) are not allowed in a topics file"


def test_a_yaml_merge_key_is_an_alias_too(tmp_path: Path) -> None:
    text = "base: &base {aliases: [Alpha]}\ntopics:\n  - <<: *base\n    id: a-b\n"
    with pytest.raises(TopicsFileError, match=r"topics\.yml:line 3: invalid YAML: aliases \(\*name\) are not allowed"):
        load_topics(write(tmp_path, text, "topics.yml"))
