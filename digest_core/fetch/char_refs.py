"""Numeric character references that XML forbids, removed from a feed's bytes before it is parsed.

`&#xD800;` (a surrogate), `&#0;` or `&#x110000;` name no character XML allows. The strict XML parser
refuses the whole document for one of them, and feedparser's fallback parser then raises on the
same reference (it encodes `chr(n)` as UTF-8), so one item's bad reference used to fail the whole
feed. Removing just those references first costs only the bad character: the feed then parses
strictly, every item kept.
"""

from __future__ import annotations

import codecs
import re

# A reference in an ASCII-compatible encoding (UTF-8, Latin-1, Windows code pages, Shift_JIS, GBK...).
_REFERENCE = re.compile(rb"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_TEXT_REFERENCE = re.compile(r"&#(?:[xX]([0-9a-fA-F]+)|([0-9]+));")
_MAX_DIGITS = 8  # longer numbers are over U+10FFFF whatever their leading zeros (and slow to convert)

# Feeds in UTF-16 or UTF-32 are decoded here to find their references (by BOM, else as feedparser
# detects them: by the bytes of "<?" in each encoding), then encoded back the same way.
_WIDE = (
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
    (b"<\x00\x00\x00", "utf-32-le"),
    (b"\x00\x00\x00<", "utf-32-be"),
    (b"<\x00?\x00", "utf-16-le"),
    (b"\x00<\x00?", "utf-16-be"),
)


def xml_allows(code: int) -> bool:
    """Whether XML 1.0 allows the character (its `Char` production)."""
    return code in (0x9, 0xA, 0xD) or 0x20 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD or 0x10000 <= code <= 0x10FFFF


def _allowed(hex_digits: str | bytes | None, digits: str | bytes | None) -> bool:
    number = hex_digits if hex_digits is not None else digits
    assert number is not None
    if len(number) > _MAX_DIGITS:
        return False
    return xml_allows(int(number, 16) if hex_digits is not None else int(number))


def _keep_bytes(match: re.Match[bytes]) -> bytes:
    return match.group(0) if _allowed(match.group(1), match.group(2)) else b""


def _keep_text(match: re.Match[str]) -> str:
    return match.group(0) if _allowed(match.group(1), match.group(2)) else ""


def without_forbidden_references(body: bytes) -> bytes:
    """The feed's bytes with every numeric character reference to a character XML forbids removed;
    the bytes themselves when there is none."""
    for prefix, codec in _WIDE:
        if body.startswith(prefix):
            text = body.decode(codec, errors="replace")
            if not _TEXT_REFERENCE.search(text):
                return body
            return _TEXT_REFERENCE.sub(_keep_text, text).encode(codec)
    if b"&#" not in body:
        return body
    return _REFERENCE.sub(_keep_bytes, body)
