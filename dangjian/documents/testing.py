"""The test world of 公文 and 工作任务, on top of `core.testing.world`:

    集团党委 (group)
    ├── 一矿党委 (mine)        prefix 一矿党 / 中共一矿委员会文件
    │     oscar: 党委办公室 (拟稿, 发文, 签收 for the mine)   olivia: 党委办公室 (核稿)
    │     lee: 党委负责人 (签发)                              alice: 组织部 (core world)
    │   ├── 综采一队党支部 (branch1)   bob: 书记 (签收, 办理任务); members mia, max
    │   └── 掘进二队党支部 (branch2)   cora: 书记
    └── 二矿党委 (mine2)       dave: 组织部 (core world); branch3 member nick

`issue_now(...)` writes an issued document straight (numbered, with receipts) without the
drafting workflow, for tests of the receiving side, the sender's table and the API.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from dangjian.core.testing.world import World, build_world, grant, make_user, member_user
from dangjian.documents.models import (
    DocType,
    Document,
    DocumentAddress,
    IssuerPrefix,
    Urgency,
)
from dangjian.documents.numbering import document_number, next_serial
from dangjian.documents.services.dispatch import create_receipts, expand_addresses


@dataclass
class DocumentsWorld:
    world: World
    prefix: IssuerPrefix  # the mine's 一矿党
    oscar: object  # 党委办公室, mine: drafts, issues, signs for the mine
    olivia: object  # 党委办公室, mine: reviews (核稿)
    lee: object  # 党委负责人, mine: 签发
    cora: object  # 党支部书记, branch2
    mia: object  # member of branch1, no role
    max: object  # member of branch1, no role
    nick: object  # member of branch3 (mine 2), no role

    def __getattr__(self, name):
        return getattr(self.world, name)


def build_documents_world() -> DocumentsWorld:
    world = build_world()
    prefix = IssuerPrefix.objects.create(
        organization=world.mine, code="一矿党", header="中共一矿委员会文件", is_default=True
    )
    oscar = make_user("oscar", "欧阳晓")
    grant(oscar, "party_office", world.mine)
    olivia = make_user("olivia", "区丽")
    grant(olivia, "party_office", world.mine)
    lee = make_user("lee", "李振华")
    grant(lee, "committee_leader", world.mine)
    cora = make_user("cora", "柯然")
    grant(cora, "branch_secretary", world.branch2)
    mia = member_user("mia", "米娅", world.branch1)
    max_ = member_user("max", "马骁", world.branch1)
    nick = member_user("nick", "聂克", world.branch3)
    return DocumentsWorld(world, prefix, oscar, olivia, lee, cora, mia, max_, nick)


def issue_now(
    dw: DocumentsWorld,
    title: str = "关于开展主题党日活动的通知",
    *,
    to=(),
    subtree=None,
    org_type: str = "",
    copy_to=(),
    people=(),
    doc_type: str = DocType.NOTICE,
    urgency: str = Urgency.NORMAL,
    reply_required: bool = False,
    deadline: dt.date | None = None,
    issued_at: dt.datetime | None = None,
    body: str = "<p>各党支部：请按要求开展活动。</p>",
) -> Document:
    """An issued document of the mine (number from the real sequence, receipts from the real
    dispatch). `to`: organisations (主送); `subtree`: an organisation whose subtree is 主送
    (filtered by `org_type`); `copy_to`: organisations (抄送); `people`: users (主送)."""
    issued_at = issued_at or timezone.now()
    with transaction.atomic():
        year = timezone.localtime(issued_at).year
        serial = next_serial(dw.mine, dw.prefix.code, year)
        document = Document.objects.create(
            issuer=dw.mine,
            doc_type=doc_type,
            prefix=dw.prefix,
            year=year,
            serial=serial,
            number=document_number(dw.prefix.code, year, serial),
            title=title,
            urgency=urgency,
            body_html=body,
            signatory="中共一矿委员会",
            signer=dw.lee,
            signer_name=dw.lee.display_name,
            dated=timezone.localtime(issued_at).date(),
            reply_required=reply_required,
            deadline=deadline,
            status=Document.Status.ISSUED,
            drafted_by=dw.oscar,
            reviewed_by=dw.olivia,
            issued_by=dw.oscar,
            signed_at=issued_at,
            issued_at=issued_at,
        )
        rows = [DocumentAddress(document=document, organization=org) for org in to]
        if subtree is not None:
            rows.append(
                DocumentAddress(
                    document=document, organization=subtree, include_subtree=True, org_type=org_type
                )
            )
        rows += [
            DocumentAddress(document=document, organization=org, role=DocumentAddress.Role.COPY)
            for org in copy_to
        ]
        rows += [DocumentAddress(document=document, user=user) for user in people]
        DocumentAddress.objects.bulk_create(rows)
        count = create_receipts(document, expand_addresses(document), sent_at=issued_at)
        Document.objects.filter(pk=document.pk).update(recipient_count=count)
        document.recipient_count = count
    return document
