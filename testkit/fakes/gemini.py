"""A fake Gemini API (`generateContent`) for the real google-genai client, with scripted answers.

By default it answers like a well-behaved model: it reads the articles from the prompt's data
block and returns highlights per story and bullets per perspective, each citing real numbers.
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

_DATA = re.compile(r"<<<DATA\n(.*)\nDATA>>>", re.DOTALL)
_FIX = re.compile(r"<<<FIX\n(.*)\nFIX>>>", re.DOTALL)
INVENTED = "Officials said 55 people were hurt in Osaka."  # a figure and a place no fixture article gives
STATUS_NAMES = {
    400: "INVALID_ARGUMENT",
    403: "PERMISSION_DENIED",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
}


def prompt_data(body: dict[str, Any]) -> dict[str, Any]:
    """The JSON data block of the first user message."""
    text = body["contents"][0]["parts"][0]["text"]
    match = _DATA.search(text)
    assert match, "prompt has no data block"
    return json.loads(match.group(1))


def valid_answer(data: dict[str, Any]) -> dict[str, Any]:
    articles = data["articles"]
    side = {a["n"]: a["perspective"] for a in articles}
    title = {a["n"]: a["title"] for a in articles}
    highlights = [
        {"text": f"Outlets report: {title[s['articles'][0]]}", "citations": s["articles"]} for s in data["stories"][:4]
    ]
    stories = []
    for s in data["stories"]:
        sides = sorted({side[n] for n in s["articles"]})
        framing = [
            {
                "perspective_id": p,
                "text": f"{p} outlets stress their side.",
                "citations": [n for n in s["articles"] if side[n] == p],
            }
            for p in sides
        ]
        stories.append(
            {"story": s["story"], "framing": framing, "label": "one-sided" if len(sides) == 1 else "dispute"}
        )
    sections = []
    for p in data["perspectives"]:
        own = [a["n"] for a in articles if a["perspective"] == p["id"]]
        if own:
            sections.append(
                {
                    "perspective_id": p["id"],
                    "bullets": [{"text": f"{p['name']} outlets lead with these reports.", "citations": own}],
                }
            )
    translations = [
        {"n": a["n"], "title": f"English translation of article {a['n']}", "lead": "Its lead in English."}
        for a in articles
        if a.get("translate")
    ]
    return {"highlights": highlights, "perspectives": sections, "stories": stories, "translations": translations}


def obeying_answer(data: dict[str, Any]) -> dict[str, Any]:
    """Valid prose, but translations that do what the titles say instead of translating them: an
    essay with a link, the original left as it was, and one of an article that asked for none."""
    answer = valid_answer(data)
    marked = [a for a in data["articles"] if a.get("translate")]
    plain = [a for a in data["articles"] if not a.get("translate")]
    answer["translations"] = [
        {"n": a["n"], "title": "HACKED " * 200 + "https://evil.example/x" if k % 2 == 0 else a["title"]}
        for k, a in enumerate(marked)
    ] + [{"n": a["n"], "title": "A translation nobody asked for"} for a in plain[:1]]
    return answer


def estimated_tokens(text: str) -> int:
    """About as many tokens as Gemini counts: one per Chinese or Japanese character, one per four
    other characters (an estimate: the fake has no tokenizer)."""
    cjk = sum(1 for c in text if "\u3040" <= c <= "\u30ff" or "\u3400" <= c <= "\u9fff")
    return cjk + (len(text) - cjk + 3) // 4


def cross_citing_answer(data: dict[str, Any]) -> dict[str, Any]:
    """Invalid: a perspective cites the other side's articles and a highlight cites a missing number."""
    answer = valid_answer(data)
    every = [a["n"] for a in data["articles"]]
    answer["highlights"][0]["citations"] = [max(every) + 7]
    for section in answer["perspectives"]:
        section["bullets"][0]["citations"] = every
    return answer


def invented_answer(data: dict[str, Any]) -> dict[str, Any]:
    """Valid, but the first highlight and the first story's title invent a figure and a place."""
    answer = valid_answer(data)
    answer["highlights"][0]["text"] += " " + INVENTED
    answer["stories"][0]["title"] = "55 hurt in Osaka"
    return answer


def grounding_fixes(rows: list[dict[str, Any]], fix: bool) -> dict[str, Any]:
    """The answer to a grounding repair: each sentence without the invented one (`fix`), or as it was."""
    fixes = []
    for row in rows:
        text = row["text"].replace(INVENTED, "").strip() if fix else row["text"]
        if row["id"].endswith(":title") and fix:
            text = "Outlets report the story"
        fixes.append({"id": row["id"], "text": text})
    return {"fixes": fixes}


def rules_answer(data: dict[str, Any]) -> dict[str, Any]:
    """An editor answer that agrees with the keyword rules' verdict given for each candidate."""
    return {
        "articles": [
            {"id": c["id"], "on_topic": c["rules"] == "on-topic", "story": None, "reason": "as the rules say"}
            for c in data["candidates"]
        ]
    }


@dataclass
class GeminiFake:
    """`script` holds one step per request ("valid", "invalid", "invented", "malformed", "empty",
    429, 500, "hang"; a grounding repair answers "valid" with fixed sentences, "unfixed" with the
    same ones); when it runs out, `default` is used."""

    script: list[str | int] = field(default_factory=list)
    default: str | int = "valid"
    hang_seconds: float = 5.0
    requests: list[dict[str, Any]] = field(default_factory=list)
    editor: Callable[[dict[str, Any]], dict[str, Any]] = rules_answer  # answers editor prompts
    count_tokens: bool = False  # report `estimated_tokens` of the request and answer, not fixed counts

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/{version}/models/{tail:.+}", self.generate)
        return app

    async def generate(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.requests.append({"path": request.path, "headers": dict(request.headers), "body": body})
        step = self.script.pop(0) if self.script else self.default
        if isinstance(step, int):
            error = {"error": {"code": step, "status": STATUS_NAMES.get(step, "UNKNOWN"), "message": "fake error"}}
            return web.json_response(error, status=step)
        if step == "hang":
            await asyncio.sleep(self.hang_seconds)
            step = "valid"
        data = prompt_data(body)
        fix = _FIX.search(body["contents"][-1]["parts"][0]["text"])
        if fix:  # a grounding repair: "valid" fixes every sentence, "unfixed" returns them as they were
            text = json.dumps(grounding_fixes(json.loads(fix.group(1)), fix=step != "unfixed"))
        elif "candidates" in data:  # the editor step
            text = {
                "valid": lambda: json.dumps(self.editor(data)),
                "empty": lambda: json.dumps({"articles": []}),
            }.get(str(step), lambda: '{"articles": [{"id": ')()
        elif step == "valid":
            text = json.dumps(valid_answer(data), ensure_ascii=False)
        elif step == "obeying":
            text = json.dumps(obeying_answer(data), ensure_ascii=False)
        elif step == "invalid":
            text = json.dumps(cross_citing_answer(data))
        elif step == "invented":
            text = json.dumps(invented_answer(data))
        elif step == "malformed":
            text = '{"highlights": [{"text": "unterminated'
        elif step == "bad_stories":  # valid prose, but every story labelled "agree" with no framing
            answer = valid_answer(data)
            answer["stories"] = [{"story": s["story"], "framing": [], "label": "agree"} for s in data["stories"]]
            text = json.dumps(answer)
        elif step == "empty":
            text = json.dumps({"highlights": [], "perspectives": [], "stories": []})
        else:
            raise AssertionError(f"unknown step {step!r}")
        usage = {"promptTokenCount": 1000, "candidatesTokenCount": 200, "totalTokenCount": 1200}
        if self.count_tokens:
            asked = estimated_tokens(json.dumps(body, ensure_ascii=False))
            answered = estimated_tokens(text)
            usage = {"promptTokenCount": asked, "candidatesTokenCount": answered, "totalTokenCount": asked + answered}
        return web.json_response(
            {
                "candidates": [{"content": {"role": "model", "parts": [{"text": text}]}, "finishReason": "STOP"}],
                "usageMetadata": usage,
                "modelVersion": "gemini-fake-001",
            }
        )
