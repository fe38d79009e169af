"""Untrusted text made inert for a Hugo page: no shortcode or template syntax, no bare link, one line.

Hugo reads `{{< name >}}` and `{{% name %}}` in page content as shortcodes before Markdown is
rendered (an unknown one fails the whole site build; a known one runs), and Goldmark's linkify turns
`https://...`, `www.example.org` and `user@example.org` into links. Backslash escapes of ASCII
punctuation are plain CommonMark and render as the character itself, so the visible text is unchanged.
"""

from __future__ import annotations

import re

from digest_core.text import controls_blanked

_BRACES = re.compile(r"([{}])")
_SCHEME = re.compile(r"(?i)([a-z][a-z0-9+.-]*):(?=//)")  # https://, ftp://, anything://
_WWW = re.compile(r"(?i)(www)\.")
_AT = re.compile(r"@(?=[\w-])")


def inert_site_text(text: str) -> str:
    """`text` (already Markdown-escaped) with braces, URL schemes, `www.` and `@` backslash-escaped,
    and line breaks and control characters turned into spaces (a line cannot start a new block)."""
    text = controls_blanked(text)
    text = _BRACES.sub(r"\\\1", text)
    text = _SCHEME.sub(r"\1\\:", text)
    text = _WWW.sub(r"\1\\.", text)
    return _AT.sub(r"\\@", text)
