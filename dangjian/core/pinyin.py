"""Name search by pinyin (DESIGN §4 "Search"): `zs` finds 张三, `shan` finds 单 in both readings.

`search_key(name)` returns the tokens stored in `Person.pinyin_key`: for every combination of
the readings of the name's characters (pypinyin's heteronyms, so 单 gives dan/shan/chan, 曾
zeng/ceng, 解 jie/xie), the full pinyin and the initials, space-separated with a leading and a
trailing space. `name_matches_q` then looks for " <query>" — a token starting with the query —
which serves full pinyin, a prefix of it ("zhangs") and initials ("zs"). Combinations are capped
so a long name with many polyphonic characters cannot blow the column up; the surname's readings
always come first, so every reading of a polyphonic surname is kept.
"""

from __future__ import annotations

import itertools
import re

from pypinyin import Style, pinyin

MAX_COMBINATIONS = 32
_QUERY = re.compile(r"^[a-z]{1,40}$")


def _readings(name: str) -> list[list[str]]:
    """Every reading of every character, each character read on its own: read as a phrase,
    pypinyin would drop the surname readings of 解放 (xie), 单位 (shan) or 曾经 (zeng)."""
    readings = []
    for character in name:
        found = pinyin(character, style=Style.NORMAL, heteronym=True, errors="ignore")
        if found and found[0]:
            readings.append(list(dict.fromkeys(r.replace("ü", "v") for r in found[0])))
    return readings


def search_key(name: str) -> str:
    readings = _readings(name.strip())
    if not readings:
        return ""
    surname, rest = readings[0], readings[1:]
    # Every reading of the surname is kept; the cap is shared out among them.
    per_surname = max(1, MAX_COMBINATIONS // len(surname))
    tokens: dict[str, None] = {}
    for first in surname:
        for others in itertools.islice(itertools.product(*rest), per_surname):
            combination = (first, *others)
            tokens["".join(combination)] = None
            tokens["".join(syllable[0] for syllable in combination)] = None
    return " " + " ".join(tokens) + " "


def is_pinyin_query(query: str) -> bool:
    """Latin letters only (`zs`, `zhangsan`): searched in the pinyin key."""
    return bool(_QUERY.match(query.lower()))


def name_matches_q(query: str, *, name_field: str = "name", key_field: str = "pinyin_key"):
    """A Q matching the name itself (Chinese text) or a pinyin token starting with the query."""
    from django.db.models import Q

    query = query.strip()
    if is_pinyin_query(query):
        return Q(**{f"{key_field}__contains": " " + query.lower()})
    return Q(**{f"{name_field}__contains": query})
