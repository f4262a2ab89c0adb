"""Chinese segmentation for the index and for queries (rjieba, the jieba-rs binding).

The index gets `cut_for_search` — every dictionary word *and* the shorter words inside it, so
党支部 is indexed as 支部 and 党支部 — and a query gets `cut` (its longest words), each of which
is therefore a token of any text that contains it. Tokens are NFKC-normalised (full-width
letters and digits become ASCII), lower-cased and split on anything that is not a letter or a
digit, so the stored text is plain words separated by spaces: safe for FTS5 and `to_tsvector`.
"""

from __future__ import annotations

import re
import unicodedata

import rjieba

_WORD = re.compile(r"[^\W_]+")

# Function words dropped from a query (never from the index) when the query has other words:
# "党建的工作" must find texts about 党建 and 工作 whether or not 的 sits between them.
QUERY_STOP_WORDS = frozenset("的了和与及或在是为对把被等之其而以于也都就着过")


def normalize(text: str) -> str:
    return unicodedata.normalize("NFKC", text or "").lower()


def _words(pieces) -> list[str]:
    return [match.group(0) for piece in pieces for match in _WORD.finditer(piece)]


def index_tokens(text: str) -> str:
    """The text as the index stores it: search-mode words, space-separated."""
    text = normalize(text)
    if not text.strip():
        return ""
    return " ".join(_words(rjieba.cut_for_search(text)))


def query_terms(query: str) -> list[str]:
    """The distinct words of a query, in order; function words dropped when others remain."""
    terms = []
    for word in _words(rjieba.cut(normalize(query))):
        if word not in terms:
            terms.append(word)
    meaningful = [word for word in terms if word not in QUERY_STOP_WORDS]
    return meaningful or terms


def highlight_terms(query: str) -> list[str]:
    """The words to mark in a snippet: the query's words and, for a longer word, the parts the
    index also matched it by (a query 党支部 marks 党支部, not each 支部 separately). Longest first,
    so a regular expression alternation prefers the longer word."""
    terms = set(query_terms(query))
    return sorted(terms, key=lambda word: (-len(word), word))
