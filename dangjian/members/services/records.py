"""Writes of a member's file besides the record itself: the photo, the documents (档案材料)
and the rewards and punishments (奖惩).

Every service re-checks the actor's `members.manage_member` scope over the member's
organisation (404 outside it), runs in one transaction, writes its audit entry and a
`RecordChange` row, so the history tab shows the file changing as well as the fields.
Uploads are checked by real type and size (`core.uploads.check_upload`) and stored under random
names; a file written by a transaction that then rolls back is removed again.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date

from django.db import transaction

from dangjian.audit.services import audit_log
from dangjian.core.scope import require_in_scope
from dangjian.core.uploads import DOCUMENTS, EXTENSIONS, IMAGES, JPEG, MB, PNG, check_upload
from dangjian.members.models import (
    Discipline,
    Member,
    MemberDocument,
    RecordChange,
    RewardPunishment,
)
from dangjian.members.permissions import MANAGE_MEMBER
from dangjian.members.services.people import RecordInvalid
from dangjian.orgs.dates import add_months

PHOTO_MAX_BYTES = 5 * MB
DOCUMENT_MAX_BYTES = 20 * MB
# 《中国共产党纪律处分条例》: 留党察看分为留党察看一年、留党察看二年 — a structure of the
# regulation, not a number a province may change (so not a rule in the rule table).
PROBATION_YEARS = (1, 2)
PHOTO_KINDS_BY_EXTENSION = {"jpg": JPEG, "png": PNG}


def photo_kind(person) -> str:
    """The stored photo's type, from the extension the service gave it (its sniffed kind)."""
    extension = person.photo.name.rsplit(".", 1)[-1].lower() if person.photo else ""
    return PHOTO_KINDS_BY_EXTENSION.get(extension, "")


# ---------------------------------------------------------------- shared pieces


def _require(actor, member: Member) -> None:
    require_in_scope(actor, MANAGE_MEMBER, member.organization.path)


def _history(actor, person, label: str, *, before: str = "", after: str = "", note: str):
    RecordChange.objects.create(
        person=person,
        source=RecordChange.Source.FORM,
        changes=[{"field": label, "label": label, "before": before, "after": after}],
        note=note[:200],
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        actor_name=getattr(actor, "display_name", "") or "",
    )


@contextmanager
def _stored(field_file, name: str, upload):
    """Save the upload into `field_file`; remove it again if the surrounding block fails."""
    field_file.save(name, upload, save=False)
    try:
        yield
    except BaseException:
        field_file.storage.delete(field_file.name)
        raise


def _delete_on_commit(storage, name: str) -> None:
    if name:
        transaction.on_commit(lambda: storage.delete(name))


# ---------------------------------------------------------------- photo


def member_photo_set(*, actor, member: Member, upload):
    """Replace the person's photo with an uploaded JPEG or PNG (≤ 5 MB)."""
    _require(actor, member)
    kind = check_upload(upload, kinds=IMAGES, max_bytes=PHOTO_MAX_BYTES, what="照片")
    person = member.person
    old_name = person.photo.name
    with transaction.atomic(), _stored(person.photo, f"photo.{EXTENSIONS[kind]}", upload):
        person.save(update_fields=["photo", "updated_at"])
        _history(
            actor,
            person,
            "照片",
            before="已有照片" if old_name else "",
            after="已更换" if old_name else "已上传",
            note="上传照片",
        )
        audit_log(
            actor=actor,
            action="members.photo_upload",
            obj=person,
            organization=member.organization,
            before={"photo": bool(old_name)},
            after={"photo": True, "kind": kind, "size": upload.size},
        )
        _delete_on_commit(person.photo.storage, old_name)
    return person


# ---------------------------------------------------------------- documents


def member_document_upload(*, actor, member: Member, kind: str, title: str, upload):
    """Add a document to the member's file."""
    _require(actor, member)
    title = (title or "").strip()
    if not title:
        raise RecordInvalid([("title", "请填写材料名称。")])
    if kind not in MemberDocument.Kind.values:
        raise RecordInvalid([("kind", "请选择材料类型。")])
    file_kind = check_upload(upload, kinds=DOCUMENTS, max_bytes=DOCUMENT_MAX_BYTES, what="文件")
    return _document_create(actor, member, kind, title[:200], upload, file_kind)


def _document_create(actor, member, kind, title, upload, file_kind) -> MemberDocument:
    document = MemberDocument(
        person=member.person,
        kind=kind,
        title=title,
        file_kind=file_kind,
        size=upload.size,
        uploaded_by=actor,
    )
    with transaction.atomic(), _stored(document.file, f"d.{EXTENSIONS[file_kind]}", upload):
        document.save()
        _history(
            actor,
            member.person,
            "档案材料",
            after=f"{document.get_kind_display()}：{title}",
            note="上传档案材料",
        )
        audit_log(
            actor=actor,
            action="members.document_upload",
            obj=document,
            organization=member.organization,
            after={"person": member.person_id, "kind": kind, "title": title, "size": upload.size},
        )
    return document


def member_document_delete(*, actor, document: MemberDocument) -> None:
    member = document.person.membership
    _require(actor, member)
    with transaction.atomic():
        name, storage = document.file.name, document.file.storage
        label = f"{document.get_kind_display()}：{document.title}"
        audit_log(
            actor=actor,
            action="members.document_delete",
            obj=document,
            organization=member.organization,
            before={"person": document.person_id, "kind": document.kind, "title": document.title},
        )
        _history(actor, document.person, "档案材料", before=label, note="删除档案材料")
        document.delete()
        _delete_on_commit(storage, name)


def member_document_download(*, actor, document: MemberDocument) -> None:
    """Record that someone read a file of a member's dossier (personal data, PIPL)."""
    audit_log(
        actor=actor,
        action="members.document_download",
        obj=document,
        organization_path=document.person.organization.path if document.person.organization else "",
    )


# ---------------------------------------------------------------- rewards and punishments


def reward_problems(
    *, kind: str, discipline: str, decided_on: date | None, ends_on: date | None, today: date
) -> list[tuple[str, str]]:
    """What is wrong with a reward or punishment, as `(field, Chinese reason)`."""
    problems = []
    if kind not in RewardPunishment.Kind.values:
        problems.append(("kind", "请选择类别：奖励或处分。"))
    if decided_on is None:
        problems.append(("decided_on", "请填写决定日期。"))
    elif decided_on > today:
        problems.append(("decided_on", "决定日期不能晚于今天。"))
    punishment = kind == RewardPunishment.Kind.PUNISHMENT
    if punishment and not discipline:
        problems.append(
            (
                "discipline",
                "处分须选择党纪处分种类（警告、严重警告、撤销党内职务、留党察看、开除党籍）。",
            )
        )
    if not punishment and discipline:
        problems.append(("discipline", "奖励不填写党纪处分种类。"))
    if discipline == Discipline.PROBATION:
        problems += _probation_problems(decided_on, ends_on)
    elif ends_on:
        problems.append(("ends_on", "只有留党察看才填写察看期满日期。"))
    return problems


def _probation_problems(decided_on, ends_on) -> list[tuple[str, str]]:
    if ends_on is None:
        return [("ends_on", "留党察看须填写察看期满日期（决定之日起一年或二年）。")]
    if decided_on is None:
        return []
    allowed = [add_months(decided_on, 12 * years) for years in PROBATION_YEARS]
    if ends_on not in allowed:
        one, two = (f"{day:%Y-%m-%d}" for day in allowed)
        return [
            (
                "ends_on",
                "留党察看期为一年或二年（《中国共产党纪律处分条例》），"
                f"期满日期应为 {one} 或 {two}。",
            )
        ]
    return []


def member_reward_add(
    *,
    actor,
    member: Member,
    kind: str,
    title: str,
    decided_on: date | None,
    issuer: str,
    discipline: str = "",
    ends_on: date | None = None,
    document_number: str = "",
    note: str = "",
    upload=None,
    today: date | None = None,
) -> RewardPunishment:
    """Record a reward (表彰) or a punishment (处分), with its decision document if given."""
    _require(actor, member)
    title, issuer = (title or "").strip(), (issuer or "").strip()
    problems = reward_problems(
        kind=kind,
        discipline=discipline or "",
        decided_on=decided_on,
        ends_on=ends_on,
        today=today or date.today(),
    )
    if not title:
        problems.append(("title", "请填写名称。"))
    if not issuer:
        problems.append(("issuer", "请填写决定机关。"))
    if problems:
        raise RecordInvalid(problems)
    file_kind = (
        check_upload(upload, kinds=DOCUMENTS, max_bytes=DOCUMENT_MAX_BYTES, what="文件")
        if upload
        else ""
    )
    with transaction.atomic():
        document = (
            _document_create(actor, member, MemberDocument.Kind.REWARD, title, upload, file_kind)
            if upload
            else None
        )
        reward = RewardPunishment.objects.create(
            member=member,
            kind=kind,
            title=title,
            discipline=discipline or "",
            decided_on=decided_on,
            ends_on=ends_on if discipline == Discipline.PROBATION else None,
            issuer=issuer,
            document_number=(document_number or "").strip(),
            document=document,
            note=(note or "").strip(),
            created_by=actor,
        )
        _history(actor, member.person, "奖惩", after=_describe(reward), note="登记奖惩")
        audit_log(
            actor=actor,
            action="members.reward_add",
            obj=reward,
            organization=member.organization,
            after=_audited(reward),
        )
    return reward


def member_reward_delete(*, actor, reward: RewardPunishment) -> None:
    """Remove a reward or punishment entered by mistake, with the file uploaded with it."""
    member = reward.member
    _require(actor, member)
    with transaction.atomic():
        audit_log(
            actor=actor,
            action="members.reward_delete",
            obj=reward,
            organization=member.organization,
            before=_audited(reward),
        )
        _history(actor, member.person, "奖惩", before=_describe(reward), note="删除奖惩记录")
        document = reward.document
        reward.delete()
        if document is not None:
            _delete_on_commit(document.file.storage, document.file.name)
            document.delete()


def _describe(reward: RewardPunishment) -> str:
    kind = reward.get_kind_display()
    discipline = f"（{reward.get_discipline_display()}）" if reward.discipline else ""
    return f"{kind}{discipline}：{reward.title}，{reward.decided_on:%Y-%m-%d}"


def _audited(reward: RewardPunishment) -> dict:
    return {
        "member": reward.member_id,
        "kind": reward.kind,
        "title": reward.title,
        "discipline": reward.discipline,
        "decided_on": reward.decided_on,
        "ends_on": reward.ends_on,
        "issuer": reward.issuer,
        "document_number": reward.document_number,
    }
