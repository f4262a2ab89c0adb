"""Highlighting for result lists: the viewer's words in `<mark>`, everything else escaped.

Snippets come from the plain text the reader sees (`Article.body_text`, a file's extracted
text), never from the segmented index text.
"""

from __future__ import annotations

import re

from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

SNIPPET_CHARS = 120
LEAD_CHARS = 30  # characters kept before the first hit
_SPACES = re.compile(r"\s+")


def pattern_for(terms: list[str]) -> re.Pattern | None:
    terms = sorted({term for term in terms if term}, key=lambda term: (-len(term), term))
    if not terms:
        return None
    return re.compile("|".join(re.escape(term) for term in terms), re.IGNORECASE)


def mark(text: str, pattern: re.Pattern | None) -> SafeString:
    """`text` escaped, with every match of `pattern` in `<mark>`."""
    text = text or ""
    if pattern is None:
        return mark_safe(escape(text))  # noqa: S308 — escaped
    pieces = []
    last = 0
    for match in pattern.finditer(text):
        pieces.append(escape(text[last : match.start()]))
        pieces.append(f"<mark>{escape(match.group(0))}</mark>")
        last = match.end()
    pieces.append(escape(text[last:]))
    # Words that follow each other (廉政|谈话) are one mark: 廉政谈话.
    return mark_safe("".join(pieces).replace("</mark><mark>", ""))  # noqa: S308 — every piece is escaped


def first_hit(text: str, pattern: re.Pattern | None) -> int:
    """Where the first match starts in `text`, or -1."""
    if pattern is None or not text:
        return -1
    match = pattern.search(text)
    return match.start() if match else -1


def snippet(text: str, pattern: re.Pattern | None, length: int = SNIPPET_CHARS) -> SafeString:
    """About `length` characters of `text` around its first match (its beginning when there
    is none), whitespace collapsed, with "…" where it was cut."""
    text = _SPACES.sub(" ", text or "").strip()
    if not text:
        return mark_safe("")
    hit = first_hit(text, pattern)
    start = max(0, hit - LEAD_CHARS) if hit > 0 else 0
    end = min(len(text), start + length)
    start = max(0, min(start, end - length))
    piece = text[start:end]
    # Never cut a match in two at the right edge: extend to its end.
    if pattern is not None and end < len(text):
        for match in pattern.finditer(text, max(start, end - 20), min(len(text), end + 20)):
            if match.start() < end < match.end():
                piece = text[start : match.end()]
                end = match.end()
    html = mark(piece, pattern)
    return mark_safe(("…" if start else "") + html + ("…" if end < len(text) else ""))  # noqa: S308
