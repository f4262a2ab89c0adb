"""Walking the audit chain to prove nobody changed, removed or slipped in an entry.

`verify_chain()` streams the entries in id order from the latest purge anchor (or from the
genesis hash) in constant memory and stops at the first broken link:

- content: an entry's stored hash no longer matches its content (the row was edited);
- prev_hash: an entry does not carry its predecessor's hash although no id lies between them;
- gap: entries are missing between two entries, before the first, or after the last one;
- head: the last entry is not the one the chain head records (forged rows appended, or removed);
- anchor: the purge anchor is not confirmed by an `audit.purge` entry in the chain.

The head is read after the walk: an entry is committed together with its head update, so any
entry the walk saw is covered by the head, and entries appended meanwhile are walked in a
further round.
"""

from collections.abc import Callable
from dataclasses import dataclass

from dangjian.audit.actions import PURGE as PURGE_ACTION
from dangjian.audit.chain import GENESIS_HASH, entry_hash
from dangjian.audit.models import AuditAnchor, AuditEntry, AuditHead, AuditVerification

Problem = AuditVerification.Problem
CHUNK_SIZE = 2000
_MAX_ROUNDS = 10  # catch-up rounds for entries appended while the walk runs


@dataclass(frozen=True)
class ChainBreak:
    """The first broken link: which entry, what is wrong, in Chinese and English."""

    entry_id: int | None
    problem: str
    message_zh: str
    message_en: str

    @property
    def message(self) -> str:
        return f"{self.message_zh} / {self.message_en}"


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    checked: int
    broken: ChainBreak | None = None
    anchor_id: int | None = None

    @property
    def message(self) -> str:
        if self.broken:
            return self.broken.message
        return f"审计链完整，已校验 {self.checked} 条 / audit chain intact, {self.checked} entries"


@dataclass
class _Walk:
    """State carried from one entry to the next."""

    expected_prev: str
    last_id: int | None = None
    checked: int = 0
    anchor_confirmed: bool = True


def verify_chain(
    *, chunk_size: int = CHUNK_SIZE, progress: Callable[[int], None] | None = None
) -> VerifyResult:
    """Walk the chain; OK with the count, or the first broken link.

    A purge that runs during the walk removes rows the walk expected; when the anchor moved
    meanwhile, the walk is repeated once from the new anchor before reporting a break.
    """
    anchor = AuditAnchor.objects.order_by("-id").first()
    result = _verify_from(anchor, chunk_size, progress)
    if not result.ok:
        latest = AuditAnchor.objects.order_by("-id").first()
        if latest is not None and latest != anchor:
            result = _verify_from(latest, chunk_size, progress)
    return result


def _verify_from(anchor, chunk_size, progress) -> VerifyResult:
    walk = _Walk(expected_prev=anchor.expected_prev_hash if anchor else GENESIS_HASH)
    walk.anchor_confirmed = anchor is None
    start_id = anchor.first_kept_id - 1 if anchor else 0
    anchor_id = anchor.pk if anchor else None
    for _round in range(_MAX_ROUNDS):
        checked_before = walk.checked
        broken = _walk_from(start_id, walk, anchor, chunk_size, progress)
        if broken:
            return VerifyResult(False, walk.checked, broken, anchor_id)
        head = AuditHead.objects.filter(pk=1).first()
        caught_up = head is None or head.last_id <= (walk.last_id or 0)
        if caught_up or walk.checked == checked_before:
            break
        start_id = walk.last_id  # entries were appended meanwhile: walk the new tail too
    broken = _check_head(head, walk) or _check_anchor(anchor, walk)
    return VerifyResult(broken is None, walk.checked, broken, anchor_id)


def _walk_from(start_id, walk, anchor, chunk_size, progress) -> ChainBreak | None:
    entries = AuditEntry.objects.filter(id__gt=start_id).order_by("id")
    unreported = 0
    for entry in entries.iterator(chunk_size=chunk_size):
        broken = check_link(entry, walk.expected_prev, walk.last_id)
        if broken:
            return broken
        if not walk.anchor_confirmed and _confirms(entry, anchor):
            walk.anchor_confirmed = True
        walk.expected_prev, walk.last_id = entry.hash, entry.pk
        walk.checked += 1
        unreported += 1
        if progress and unreported == chunk_size:
            progress(unreported)
            unreported = 0
    if progress and unreported:
        progress(unreported)
    return None


def check_link(entry: AuditEntry, expected_prev: str, previous_id: int | None) -> ChainBreak | None:
    """Is this entry intact, and does it follow the previous one?"""
    if entry_hash(entry) != entry.hash:
        return ChainBreak(
            entry.pk,
            Problem.CONTENT,
            f"第 {entry.pk} 条审计记录的内容与其哈希不符，记录已被修改",
            f"entry #{entry.pk}: content does not match its hash (the row was altered)",
        )
    if entry.prev_hash == expected_prev:
        return None
    if previous_id is None:
        return ChainBreak(
            entry.pk,
            Problem.GAP,
            f"第 {entry.pk} 条之前的审计记录缺失（链起点不符）",
            f"entry #{entry.pk}: entries before it are missing (chain start does not match)",
        )
    if entry.pk == previous_id + 1:
        return ChainBreak(
            entry.pk,
            Problem.PREV_HASH,
            f"第 {entry.pk} 条记录的前一条哈希与第 {previous_id} 条不符",
            f"entry #{entry.pk}: prev_hash does not match entry #{previous_id}",
        )
    return ChainBreak(
        entry.pk,
        Problem.GAP,
        f"第 {previous_id} 条与第 {entry.pk} 条之间的审计记录缺失",
        f"entry #{entry.pk}: entries between #{previous_id} and #{entry.pk} are missing",
    )


def _check_head(head: AuditHead | None, walk: _Walk) -> ChainBreak | None:
    last_id = walk.last_id or 0
    if head is None:
        if walk.checked == 0:
            return None
        return ChainBreak(
            last_id,
            Problem.HEAD,
            "审计链尾记录缺失",
            "the chain head row is missing",
        )
    if last_id > head.last_id:
        first_extra = (
            AuditEntry.objects.filter(id__gt=head.last_id)
            .order_by("id")
            .values_list("id", flat=True)
            .first()
        )
        return ChainBreak(
            first_extra,
            Problem.HEAD,
            f"第 {first_extra} 条记录不在审计链之内（链尾为第 {head.last_id} 条），疑似伪造插入",
            f"entry #{first_extra}: beyond the chain head #{head.last_id} (forged insertion?)",
        )
    if last_id < head.last_id:
        return ChainBreak(
            head.last_id,
            Problem.GAP,
            f"第 {last_id} 条之后的审计记录缺失（链尾应为第 {head.last_id} 条）",
            f"entries after #{last_id} are missing (the head expects #{head.last_id})",
        )
    if walk.expected_prev != head.last_hash:
        return ChainBreak(
            last_id or None,
            Problem.HEAD,
            f"最后一条审计记录（第 {last_id} 条）与链尾哈希不符",
            f"entry #{last_id}: does not match the hash recorded in the chain head",
        )
    return None


def _confirms(entry: AuditEntry, anchor: AuditAnchor) -> bool:
    after = entry.after if isinstance(entry.after, dict) else {}
    return (
        entry.action == PURGE_ACTION
        and after.get("anchor_id") == anchor.pk
        and after.get("first_kept_id") == anchor.first_kept_id
        and after.get("expected_prev_hash") == anchor.expected_prev_hash
    )


def _check_anchor(anchor: AuditAnchor | None, walk: _Walk) -> ChainBreak | None:
    if anchor is None or walk.anchor_confirmed:
        return None
    return ChainBreak(
        None,
        Problem.ANCHOR,
        f"清理锚点 #{anchor.pk} 没有对应的清理审计记录，疑似伪造",
        f"purge anchor #{anchor.pk} is not confirmed by any audit.purge entry (forged?)",
    )
