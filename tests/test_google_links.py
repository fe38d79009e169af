"""Google News link decoding against the loopback fake of both steps (article page, batchexecute):
local ids, batching, 429, consent wall, changed answers, and the parsers under any input."""

from __future__ import annotations

import asyncio
import base64
import json
import logging
from collections.abc import AsyncIterator, Mapping
from pathlib import Path

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from digest_core.errors import AnswerShapeError
from digest_core.fetch import google_links
from digest_core.fetch.google_links import (
    CONSENT_LINE,
    GoogleLinkDecoder,
    Resolution,
    article_id,
    batch_body,
    embedded_url,
    page_signature,
    parse_batch_answer,
    web_url,
)
from digest_core.fetch.polite import ACCEPT_ENCODING
from testkit.fakes.google_links import FixtureLink, article_page, batch_row, fixture_links, signature_of
from testkit.fakes.google_news import FIXTURES, GoogleNewsFake

DAY = "2026-02-25"


def old_id(url: str) -> str:
    """An id of the old kind: protobuf bytes (field 1 varint, field 4 the URL) in base64url."""
    data = url.encode()
    size = bytes([len(data)]) if len(data) < 0x80 else bytes([len(data) & 0x7F | 0x80, len(data) >> 7])
    raw = b"\x08\x13\x22" + size + data + b"\xd2\x01\x00"
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(timeout=5) as c:
        yield c


def decoder(client: httpx.AsyncClient, base: str, sleeps: list[float] | None = None, **kw: float) -> GoogleLinkDecoder:
    """A decoder on virtual time: its sleeps are recorded and advance its clock at once."""
    now = [0.0]

    async def sleep(seconds: float) -> None:
        if sleeps is None:
            raise AssertionError("no wait expected")
        sleeps.append(seconds)
        now[0] += seconds

    return GoogleLinkDecoder(client, base, interval=0, sleep=sleep, clock=lambda: now[0], **kw)


def day_links(day: str = DAY) -> list[FixtureLink]:
    return fixture_links(FIXTURES, day)


async def test_old_ids_decode_locally_without_a_request(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient
) -> None:
    fake, base = google_news
    short = "https://www.chinadaily.com.cn/a/202602/25/WS699e5c5ea310d6866eb3aa5c.html"
    long = "https://www.japantimes.co.jp/news/2026/02/25/japan/politics/" + "takaichi-seafood-ban-talks-" * 6
    links = [f"https://news.google.com/rss/articles/{old_id(u)}?oc=5" for u in (short, long)]
    assert links[0].startswith("https://news.google.com/rss/articles/CBMi")
    got = await decoder(client, base).resolve(links)
    assert got == {links[0]: Resolution(short), links[1]: Resolution(long)}
    assert fake.links.page_gets == fake.links.posts == 0


def test_current_fixture_ids_are_opaque() -> None:
    ids = [f.id for f in day_links()]
    assert ids
    assert all(i.startswith("CBMi") and embedded_url(i) is None for i in ids)
    assert all(b"AU_yqL" in base64.urlsafe_b64decode(i + "==")[3 : 6 + 6] for i in ids)


async def test_a_day_of_fixture_links_takes_one_page_each_and_one_post(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient
) -> None:
    fake, base = google_news
    links = day_links()
    got = await decoder(client, base).resolve([f.link for f in links])
    assert {u: r.publisher_url for u, r in got.items()} == {f.link: fake.links.targets[f.id] for f in links}
    assert fake.links.page_gets == len(links) == 20
    assert fake.links.posts == 1
    assert fake.links.posted == [[f.id for f in links]]
    by_site = {f.site: got[f.link].publisher_url or "" for f in links}
    assert by_site["chinadaily.com.cn"].startswith("https://www.chinadaily.com.cn/a/202602/2")
    assert by_site["japantimes.co.jp"].startswith("https://www.japantimes.co.jp/news/2026/02/2")


async def test_many_links_are_posted_in_batches(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, base = google_news
    monkeypatch.setattr(google_links, "BATCH_SIZE", 8)
    links = fixture_links(FIXTURES)
    got = await decoder(client, base).resolve([f.link for f in links])
    assert len(links) == 40
    assert sum(1 for r in got.values() if r.publisher_url) == 40
    assert fake.links.posts == 5
    assert [len(ids) for ids in fake.links.posted] == [8] * 5


async def test_a_429_is_waited_out_as_retry_after_asks(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient
) -> None:
    fake, base = google_news
    fake.links.page_faults = ["ok", "429", "ok"]
    fake.links.batch_faults = ["429", "ok"]
    sleeps: list[float] = []
    links = [f.link for f in day_links()[:3]]
    dec = decoder(client, base, sleeps)
    got = await dec.resolve(links)
    assert all(got[u].publisher_url for u in links)
    assert sleeps == [7.0, 7.0]
    assert fake.links.page_gets == 4
    assert fake.links.posts == 2
    assert dec.stopped is None


async def test_repeated_429s_stop_the_run_and_keep_google_links(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture
) -> None:
    fake, base = google_news
    fake.links.page_faults = ["ok", "429"]
    sleeps: list[float] = []
    dec = decoder(client, base, sleeps)
    with caplog.at_level(logging.WARNING):
        got = await dec.resolve([f.link for f in day_links()])
    assert got == {}
    assert fake.links.page_gets == 1 + google_links.MAX_429
    assert fake.links.posts == 0
    assert sleeps == [7.0] * (google_links.MAX_429 - 1)
    assert dec.stopped is not None
    assert dec.stopped.startswith("Google News answered HTTP 429 (too many requests) 3 times: link decoding stops")
    assert [r.getMessage() for r in caplog.records] == [dec.stopped]


async def test_a_retry_after_longer_than_the_cap_stops_at_once(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient
) -> None:
    fake, base = google_news
    fake.links.page_faults = ["429"]
    fake.links.retry_after = "3600"
    dec = decoder(client, base, [], max_retry_after=120)
    assert await dec.resolve([f.link for f in day_links()]) == {}
    assert fake.links.page_gets == 1
    assert "asks to wait 3600 s, more than FETCH_MAX_RETRY_AFTER (120 s)" in (dec.stopped or "")


@pytest.mark.parametrize("step", ["page", "batch"])
async def test_a_consent_wall_is_one_line_and_stops_the_run(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient, caplog: pytest.LogCaptureFixture, step: str
) -> None:
    fake, base = google_news
    if step == "page":
        fake.links.page_faults = ["consent"]
    else:
        fake.links.batch_faults = ["consent"]
    dec = decoder(client, base)
    with caplog.at_level(logging.WARNING):
        got = await dec.resolve([f.link for f in day_links()])
    assert got == {}
    assert dec.stopped == CONSENT_LINE
    assert CONSENT_LINE.startswith("Google News asks for consent (EU consent wall): links stay Google links; ")
    assert [r.getMessage() for r in caplog.records] == [CONSENT_LINE]
    assert fake.links.page_gets == (1 if step == "page" else 20)


@pytest.mark.parametrize(
    ("mode", "detail"),
    [("garbage", "it does not start with )]}' but '<html>"), ("shape", 'a row\'s payload is not ["garturlres"')],
)
async def test_a_changed_answer_is_one_clear_line_and_keeps_google_links(
    google_news: tuple[GoogleNewsFake, str],
    client: httpx.AsyncClient,
    caplog: pytest.LogCaptureFixture,
    mode: str,
    detail: str,
) -> None:
    fake, base = google_news
    fake.links.batch_faults = [mode]
    dec = decoder(client, base)
    with caplog.at_level(logging.WARNING):
        got = await dec.resolve([f.link for f in day_links()])
    assert got == {}
    assert fake.links.posts == 1
    line = dec.stopped or ""
    assert line.startswith("Google News link decoding stops for this run: the batchexecute answer has changed (")
    assert detail in line
    assert "\n" not in line
    assert [r.getMessage() for r in caplog.records] == [line]


async def test_the_chunked_answer_form_decodes_too(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient
) -> None:
    fake, base = google_news
    fake.links.batch_faults = ["chunked"]
    links = day_links()[:5]
    got = await decoder(client, base).resolve([f.link for f in links])
    assert [got[f.link].publisher_url for f in links] == [fake.links.targets[f.id] for f in links]


async def test_pages_without_the_attributes_fail_per_link_then_stop_the_run(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient
) -> None:
    fake, base = google_news
    links = day_links()
    fake.links.page_faults = ["missing", "ok", "missing"]  # the RSS page lacks them, the web page has them
    dec = decoder(client, base)
    got = await dec.resolve([f.link for f in links[:6]])
    assert fake.links.page_gets == 2 + 2 * google_links.MAX_UNSIGNED_IN_A_ROW
    assert got == {
        links[1].link: Resolution(None, "no data-n-a-sg / data-n-a-ts on its article page"),
        links[2].link: Resolution(None, "no data-n-a-sg / data-n-a-ts on its article page"),
    }
    assert fake.links.posts == 0  # stopped before the batch: links[0] (signed) keeps its Google link too
    assert "3 article pages in a row gave no signature" in (dec.stopped or "")


async def test_an_id_google_refuses_fails_alone(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient
) -> None:
    fake, base = google_news
    links = day_links()[:3]
    del fake.links.targets[links[1].id]
    got = await decoder(client, base).resolve([f.link for f in links])
    assert got[links[0].link].publisher_url and got[links[2].link].publisher_url
    assert got[links[1].link] == Resolution(None, "Google's answer gives no URL for it")


async def test_google_unreachable_stops_the_run(client: httpx.AsyncClient) -> None:
    dec = decoder(client, "http://127.0.0.1:9")  # the discard port: nothing listens
    assert await dec.resolve([f.link for f in day_links()]) == {}
    assert dec.stopped == (
        "Google News link decoding stops for this run (connection refused by 127.0.0.1:9); links stay Google links"
    )
    assert dec.requests["page"] == 1


def test_links_of_other_hosts_and_shapes_are_not_google_links() -> None:
    good = "CBMiSWh0dHBzOi8vd3d3"
    assert article_id(f"https://news.google.com/rss/articles/{good}?oc=5") == good
    assert article_id(f"https://news.google.com/articles/{good}") == good
    assert article_id(f"https://news.google.com/read/{good}") == good
    assert article_id(f"https://example.com/rss/articles/{good}") is None
    assert article_id("https://news.google.com/search?q=x") is None
    assert article_id("https://news.google.com/rss/articles/a%20b") is None


def test_page_signature_reads_the_div_under_c_wiz_only() -> None:
    page = article_page("abc")
    sig = page_signature(page)
    assert sig is not None and (sig.signature, sig.timestamp) == (signature_of("abc"), 1771988880)
    elsewhere = '<div jscontroller="x" data-n-a-sg="s" data-n-a-ts="1"></div>'
    assert page_signature(elsewhere) is None
    assert page_signature(article_page("abc", with_signature=False)) is None
    assert page_signature('<c-wiz><div jscontroller="x" data-n-a-sg="s" data-n-a-ts="soon"></div></c-wiz>') is None


def test_batch_body_is_the_form_google_expects() -> None:
    sig = page_signature(article_page("ID1"))
    assert sig is not None
    body = batch_body([("ID1", sig)])
    assert body.startswith("f.req=%5B%5B%5B%22Fbv4je%22")
    calls = json.loads(httpx.QueryParams(body)["f.req"])[0]
    rpc, inner, none, number = calls[0]
    assert (rpc, none, number) == ("Fbv4je", None, "1")
    request = json.loads(inner)
    assert request[0] == "garturlreq" and request[2:] == ["ID1", 1771988880, signature_of("ID1")]
    assert request[1][0][7] == "US:en"


def test_rows_without_numbers_answer_in_order_and_only_web_urls_come_out() -> None:
    rows = [batch_row("https://a.example/1", "generic"), batch_row("javascript:alert(1)", "generic")]
    got = parse_batch_answer(")]}'\n\n" + json.dumps(rows), 2)
    assert got == {1: "https://a.example/1", 2: None}
    with pytest.raises(AnswerShapeError, match="do not match the 3 calls sent"):
        parse_batch_answer(")]}'\n\n" + json.dumps(rows), 3)
    with pytest.raises(AnswerShapeError, match="no"):
        parse_batch_answer(')]}\'\n\n[["di", 3]]', 1)


# --- any input: no exception escapes, only http(s) URLs come out ---------------------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=5),
    max_leaves=25,
)


@given(st.text(max_size=300))
def test_any_id_text_decodes_to_nothing_or_a_web_url(text: str) -> None:
    url = embedded_url(text)
    assert url is None or web_url(url) == url


@given(st.binary(max_size=300))
def test_any_id_bytes_decode_to_nothing_or_a_web_url(data: bytes) -> None:
    url = embedded_url(base64.urlsafe_b64encode(b"\x08\x13\x22" + data).decode().rstrip("="))
    assert url is None or (web_url(url) == url and url.startswith(("http://", "https://")))


@given(st.text(max_size=500), st.integers(min_value=1, max_value=5))
def test_any_answer_text_gives_urls_or_a_shape_error(text: str, sent: int) -> None:
    for answer in (text, ")]}'\n\n" + text):
        try:
            got = parse_batch_answer(answer, sent)
        except AnswerShapeError:
            continue
        assert set(got) == set(range(1, sent + 1))
        assert all(u is None or web_url(u) == u for u in got.values())


@given(st.lists(st.lists(json_values, max_size=8), max_size=6), st.integers(min_value=1, max_value=5))
def test_any_json_answer_gives_urls_or_a_shape_error(rows: list[list[object]], sent: int) -> None:
    tagged = [["wrb.fr", "Fbv4je", *row] if i % 2 else row for i, row in enumerate(rows)]
    try:
        got = parse_batch_answer(")]}'\n\n" + json.dumps(tagged), sent)
    except AnswerShapeError:
        return
    assert all(u is None or web_url(u) == u for u in got.values())


@given(st.text(max_size=400))
def test_any_page_gives_a_signature_or_none(text: str) -> None:
    for page in (text, f'<c-wiz><div jscontroller="a" data-n-a-sg="{text}" data-n-a-ts="{text}"></div></c-wiz>'):
        sig = page_signature(page)
        assert sig is None or (sig.timestamp >= 0 and sig.signature.isprintable())


@given(st.text(max_size=200))
def test_any_link_gives_an_id_of_base64url_characters_or_none(text: str) -> None:
    aid = article_id(f"https://news.google.com/rss/articles/{text}")
    assert aid is None or (aid and all(c.isascii() and (c.isalnum() or c in "-_") for c in aid))


def test_fixture_mapping_is_deterministic_and_on_each_outlets_domain() -> None:
    links = fixture_links(Path(FIXTURES))
    fake = GoogleNewsFake()
    again = GoogleNewsFake()
    assert fake.links.targets == again.links.targets
    assert len(fake.links.targets) == len(links) == 40
    for f in links:
        host = httpx.URL(fake.links.targets[f.id]).host
        assert host == f.site or host.endswith("." + f.site)


# --- digestbot doctor ---------------------------------------------------------------------------


def doctor_line(fake: GoogleNewsFake) -> tuple[int, str]:
    from typer.testing import CliRunner

    from bot.cli import app

    result = CliRunner().invoke(app, ["doctor"])
    lines = [line for line in result.stdout.splitlines() if "Google News links" in line]
    assert len(lines) == 1, result.stdout
    return result.exit_code, lines[0]


def test_doctor_decodes_a_fresh_link_through_the_real_protocol(
    cli_env: Path, google_news: tuple[GoogleNewsFake, str]
) -> None:
    fake, _ = google_news
    code, line = doctor_line(fake)
    # the probe is the first outlet's query (China Daily); the fake answers with its items, first day first
    first = next(f for f in fixture_links(FIXTURES) if f.site == "chinadaily.com.cn")
    assert code == 0
    assert (
        line
        == f"ok   Google News links: {first.id[:16]}… decoded to {fake.links.targets[first.id]} (2 requests to Google)"
    )
    assert (fake.links.page_gets, fake.links.posts) == (1, 1)


@pytest.mark.parametrize(
    ("faults", "expected"),
    [
        (["consent"], f"FAIL Google News links: {CONSENT_LINE}"),
        (["429"], "FAIL Google News links: Google News answered HTTP 429 (too many requests) 3 times: link decoding"),
        (["missing"], "FAIL Google News links: CBMi"),
    ],
)
def test_doctor_says_why_decoding_fails_and_what_to_do(
    cli_env: Path,
    google_news: tuple[GoogleNewsFake, str],
    monkeypatch: pytest.MonkeyPatch,
    faults: list[str],
    expected: str,
) -> None:
    fake, _ = google_news
    fake.links.page_faults = faults
    fake.links.retry_after = "0"
    code, line = doctor_line(fake)
    assert code == 1
    assert line.startswith(expected)
    if faults == ["missing"]:
        assert line.endswith(
            "not decoded (no data-n-a-sg / data-n-a-ts on its article page): links stay Google links; if it lasts, "
            "Google changed its pages (see docs/sources.md), or set PUBLISHER_LINKS=false"
        )


def test_doctor_with_decoding_off_asks_nothing(
    cli_env: Path, google_news: tuple[GoogleNewsFake, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, _ = google_news
    monkeypatch.setenv("PUBLISHER_LINKS", "false")
    code, line = doctor_line(fake)
    assert code == 0
    assert line == "ok   Google News links: decoding off (PUBLISHER_LINKS=false), citations link to Google News"
    assert fake.links.page_gets == fake.links.posts == 0


# --- shared 429 pause, Accept-Encoding, answers as they come ---------------------------------------


async def test_a_429_pauses_every_build_sharing_the_decoder(google_news: tuple[GoogleNewsFake, str]) -> None:
    fake, base = google_news
    fake.links.page_faults = ["429", "ok"]  # Retry-After: 7
    now = [0.0]
    asked: list[float] = []  # the virtual time of each request, taken as httpx sends it

    async def sleep(seconds: float) -> None:
        for _ in range(5):  # let the other build run before time moves on
            await asyncio.sleep(0)
        now[0] += seconds

    async def stamp(request: httpx.Request) -> None:
        asked.append(now[0])

    links = [f.link for f in day_links()[:4]]
    async with httpx.AsyncClient(timeout=5, event_hooks={"request": [stamp]}) as c:
        dec = GoogleLinkDecoder(c, base, interval=0, sleep=sleep, clock=lambda: now[0])
        first, second = await asyncio.gather(dec.resolve(links[:2]), dec.resolve(links[2:]))
    assert {**first, **second}.keys() == set(links)
    assert all(r.publisher_url for r in (*first.values(), *second.values()))
    assert asked[0] == 0.0 and len(asked) == 1 + 4 + 2  # the 429, four pages, one POST per build
    assert min(asked[1:]) >= 7.0  # neither build asked Google during the Retry-After


async def test_every_request_asks_only_for_encodings_read_capped_inflates(
    google_news: tuple[GoogleNewsFake, str],
) -> None:
    _, base = google_news
    sent: list[str] = []

    async def record(request: httpx.Request) -> None:
        sent.append(request.headers["Accept-Encoding"])

    brotli_default = {"Accept-Encoding": "gzip, deflate, br, zstd"}  # httpx's default with brotli and zstd installed
    async with httpx.AsyncClient(timeout=5, headers=brotli_default, event_hooks={"request": [record]}) as c:
        got = await decoder(c, base).resolve([f.link for f in day_links()[:2]])
    assert all(r.publisher_url for r in got.values())
    assert sent and set(sent) == {ACCEPT_ENCODING}


async def test_answers_are_handed_over_batch_by_batch_and_kept_when_decoding_stops(
    google_news: tuple[GoogleNewsFake, str], client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    fake, base = google_news
    monkeypatch.setattr(google_links, "BATCH_SIZE", 2)
    fake.links.batch_faults = ["ok", "garbage"]
    batches: list[dict[str, Resolution]] = []

    async def each(found: Mapping[str, Resolution]) -> None:
        batches.append(dict(found))

    links = [f.link for f in day_links()[:5]]
    got = await decoder(client, base).resolve(links, each)
    assert [list(b) for b in batches] == [links[:2]]  # the 2nd batch's answer was garbage: decoding stopped
    assert got == batches[0] and all(r.publisher_url for r in got.values())
    assert fake.links.posts == 2


def test_doctor_probes_ask_for_gzip_or_deflate_and_read_within_the_cap(
    cli_env: Path, google_news: tuple[GoogleNewsFake, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from bot.cli import app

    fake, _ = google_news
    assert CliRunner().invoke(app, ["doctor"]).exit_code == 0
    assert fake.requests and {r["accept_encoding"] for r in fake.requests} == {ACCEPT_ENCODING}
    monkeypatch.setenv("FETCH_MAX_BYTES", "1024")  # a Google News answer is some 20 kB
    result = CliRunner().invoke(app, ["doctor"])
    line = next(line for line in result.stdout.splitlines() if line.startswith("FAIL Google News: "))
    assert "did not answer (BodyTooLarge: body over 1 kB (decoded), not read further)" in line
