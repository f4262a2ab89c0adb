"""Pages of 发文: the register (tabs, filters, a fixed number of queries), drafting with the
distribution rows, a forged 秘密, the workflow buttons walked through by their people, files
and the 机关代字 settings."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.documents.models import DocType, Document, IssuerPrefix, NumberSequence
from dangjian.documents.services import outgoing
from dangjian.documents.services.receiving import receipt_sign
from dangjian.documents.testing import issue_now
from dangjian.documents.tests.outgoing_helpers import draft, issued, pdf

Status = Document.Status


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def _post_new(client, dw, **overrides):
    data = {
        "form_token": "",
        "issuer": dw.mine.pk,
        "doc_type": DocType.NOTICE,
        "prefix": dw.prefix.pk,
        "title": "关于做好冬季安全生产工作的通知",
        "urgency": "urgent",
        "classification": "none",
        "body_html": "各党支部：\n请认真做好冬季安全生产工作。",
        "signatory": "中共一矿委员会",
        "printer": "中共一矿委员会办公室",
        "addresses-TOTAL_FORMS": "2",
        "addresses-INITIAL_FORMS": "0",
        "addresses-MIN_NUM_FORMS": "0",
        "addresses-MAX_NUM_FORMS": "200",
        "addresses-0-role": "main",
        "addresses-0-organization": dw.mine.pk,
        "addresses-0-include_subtree": "on",
        "addresses-0-org_type": "branch",
        "addresses-1-role": "copy",
        "addresses-1-user": dw.mia.pk,
    }
    data.update(overrides)
    return client.post(reverse("documents:outgoing_new"), data)


# ---------------------------------------------------------------- the register


def test_the_register_lists_the_issuers_documents_with_their_counts(client, dw):
    document = issue_now(dw, "关于登记簿测试的通知", to=[dw.branch1, dw.branch2])
    draft(dw, title="关于登记簿草稿的通知")
    client.force_login(dw.olivia)
    page = client.get(reverse("documents:outgoing"))
    text = page.content.decode()
    assert page.status_code == 200
    assert "关于登记簿测试的通知" in text and "关于登记簿草稿的通知" in text
    assert document.number in text
    issued_tab = client.get(reverse("documents:outgoing"), {"tab": "issued"}).content.decode()
    assert "关于登记簿草稿的通知" not in issued_tab
    found = client.get(reverse("documents:outgoing"), {"q": document.number}).content.decode()
    assert "关于登记簿测试的通知" in found and "关于登记簿草稿的通知" not in found


def test_the_register_is_403_without_any_sending_permission(client, dw):
    client.force_login(dw.charlie)
    assert client.get(reverse("documents:outgoing")).status_code == 403


def test_the_register_costs_the_same_queries_for_3_and_30_documents(client, dw):
    client.force_login(dw.oscar)

    def queries_with(count):
        for index in range(count - Document.objects.filter(issuer=dw.mine).count()):
            issue_now(dw, f"关于第{index}次测试的通知", to=[dw.branch1])
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("documents:outgoing"))
        assert response.status_code == 200
        assert len(response.context["page_obj"].object_list) == min(count, 20)
        return len(queries)

    client.get(reverse("documents:outgoing"))  # the session and the per-process caches
    assert queries_with(3) == queries_with(30)


# ---------------------------------------------------------------- drafting


def test_drafting_saves_the_document_and_its_distribution(client, dw):
    client.force_login(dw.oscar)
    response = _post_new(client, dw)
    document = Document.objects.get(title="关于做好冬季安全生产工作的通知")
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:outgoing_detail", args=[document.pk])
    assert document.body_html == "<p>各党支部：</p><p>请认真做好冬季安全生产工作。</p>"
    rows = set(document.addresses.values_list("role", "organization", "include_subtree", "user"))
    assert rows == {("main", dw.mine.pk, True, None), ("copy", None, False, dw.mia.pk)}


def test_the_drafting_page_offers_only_unclassified_and_internal(client, dw):
    client.force_login(dw.oscar)
    page = client.get(reverse("documents:outgoing_new")).content.decode()
    assert "一矿党" in page
    assert 'value="internal"' in page and 'value="secret"' not in page
    assert f'data-issuer="{dw.mine.pk}"' in page  # the page narrows 机关代字 to the issuer's


def test_a_forged_secret_is_refused_with_the_reason(client, dw):
    client.force_login(dw.oscar)
    response = _post_new(client, dw, classification="secret", title="关于伪造密级的通知")
    assert response.status_code == 400
    assert "机要渠道" in response.content.decode()
    assert not Document.objects.filter(title="关于伪造密级的通知").exists()


def test_a_reply_without_its_request_is_refused_on_the_page(client, dw):
    client.force_login(dw.oscar)
    response = _post_new(client, dw, doc_type=DocType.REPLY, title="关于同意的批复")
    assert response.status_code == 400
    assert "请选择所批复的请示" in response.content.decode()


def test_a_branch_secretary_cannot_draft(client, dw):
    client.force_login(dw.bob)
    assert client.get(reverse("documents:outgoing_new")).status_code == 403


def test_editing_a_draft_changes_it_and_adds_files(client, dw):
    document = draft(dw)
    client.force_login(dw.oscar)
    page = client.get(reverse("documents:outgoing_edit", args=[document.pk]))
    assert page.status_code == 200
    data = {
        "doc_type": DocType.NOTICE,
        "prefix": dw.prefix.pk,
        "title": "关于开展“七一”主题党日活动的通知",
        "urgency": "normal",
        "classification": "internal",
        "body_html": "<p>正文</p>",
        "addresses-TOTAL_FORMS": "1",
        "addresses-INITIAL_FORMS": "1",
        "addresses-0-role": "main",
        "addresses-0-organization": dw.branch2.pk,
        "attachments": [pdf("活动安排.pdf")],
    }
    response = client.post(reverse("documents:outgoing_edit", args=[document.pk]), data)
    assert response.status_code == 302
    document.refresh_from_db()
    assert (document.title, document.classification) == (
        "关于开展“七一”主题党日活动的通知",
        "internal",
    )
    assert list(document.addresses.values_list("organization", flat=True)) == [dw.branch2.pk]
    assert list(document.files.values_list("title", flat=True)) == ["活动安排.pdf"]


def test_an_issued_document_is_not_edited(client, dw):
    document = issued(dw)
    client.force_login(dw.oscar)
    response = client.get(reverse("documents:outgoing_edit", args=[document.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("documents:outgoing_detail", args=[document.pk])


def test_the_search_boxes_find_organisations_and_people(client, dw):
    client.force_login(dw.oscar)
    orgs = client.get(reverse("documents:outgoing_org_options"), {"q": "综采"}).content.decode()
    assert "综采一队党支部" in orgs and "掘进二队" not in orgs
    people = client.get(
        reverse("documents:outgoing_people_options"), {"q": "米娅"}
    ).content.decode()
    assert "米娅" in people


# ---------------------------------------------------------------- the workflow on the page


def _act(client, user, document, action, **data):
    client.force_login(user)
    return client.post(reverse("documents:outgoing_action", args=[document.pk, action]), data)


def test_the_workflow_walked_through_the_buttons(client, dw):
    document = draft(dw)
    detail = reverse("documents:outgoing_detail", args=[document.pk])
    client.force_login(dw.oscar)
    assert 'data-testid="action-submit"' in client.get(detail).content.decode()
    assert _act(client, dw.oscar, document, "submit")["Location"] == detail
    client.force_login(dw.oscar)  # the drafter is not offered the review
    assert 'data-testid="action-review"' not in client.get(detail).content.decode()
    _act(client, dw.olivia, document, "review")
    client.force_login(dw.lee)
    assert 'data-testid="action-sign"' in client.get(detail).content.decode()
    _act(client, dw.lee, document, "sign", dated=timezone.localdate().isoformat())
    response = _act(client, dw.oscar, document, "issue")
    document.refresh_from_db()
    assert document.status == Status.ISSUED
    page = client.get(response["Location"]).content.decode()
    assert document.number in page
    assert "已发文" in page
    assert "拟稿" in page and "核稿" in page and "签发" in page  # the trail


def test_a_refused_step_is_a_message_and_changes_nothing(client, dw):
    document = issued(dw)
    Document.objects.filter(pk=document.pk).update(signed_count=1)
    response = _act(client, dw.oscar, document, "withdraw", reason="发错了")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "已有单位签收" in page
    assert Document.objects.get(pk=document.pk).status == Status.ISSUED


def test_a_return_without_a_reason_is_refused(client, dw):
    document = draft(dw)
    outgoing.document_submit(actor=dw.oscar, document=document)
    _act(client, dw.olivia, document, "return", reason="")
    assert Document.objects.get(pk=document.pk).status == Status.REVIEWING


def test_a_correction_opens_its_draft(client, dw):
    document = issued(dw)
    response = _act(client, dw.oscar, document, "correct")
    correction = Document.objects.get(corrects=document)
    assert response["Location"] == reverse("documents:outgoing_edit", args=[correction.pk])
    page = client.get(reverse("documents:outgoing_detail", args=[document.pk])).content.decode()
    assert "本文已发更正" in page
    page = client.get(reverse("documents:outgoing_detail", args=[correction.pk])).content.decode()
    assert document.number in page


def test_deleting_a_draft_goes_back_to_the_register(client, dw):
    document = draft(dw)
    response = _act(client, dw.oscar, document, "delete")
    assert response["Location"] == reverse("documents:outgoing")
    assert not Document.objects.filter(pk=document.pk).exists()


def test_another_mines_office_gets_a_404(client, dw):
    document = draft(dw)
    client.force_login(dw.dave)
    assert client.get(reverse("documents:outgoing_detail", args=[document.pk])).status_code == 404
    assert _act(client, dw.dave, document, "submit").status_code == 404
    assert Document.objects.get(pk=document.pk).status == Status.DRAFT


# ---------------------------------------------------------------- files


def test_a_file_is_served_to_the_sender_and_the_recipients_only(client, dw):
    document = draft(dw, addresses=None)
    stored = outgoing.document_file_add(
        actor=dw.oscar, document=document, file=pdf(), purpose="attachment"
    )
    link = reverse("documents:document_file", args=[stored.pk])
    client.force_login(dw.bob)
    assert client.get(link).status_code == 404  # not issued yet
    outgoing.document_submit(actor=dw.oscar, document=document)
    outgoing.document_review(actor=dw.olivia, document=document)
    outgoing.document_sign(actor=dw.lee, document=document)
    outgoing.document_issue(actor=dw.oscar, document=document)
    receipt_sign(actor=dw.bob, receipt=document.receipts.get(organization=dw.branch1))
    for user, code in ((dw.oscar, 200), (dw.bob, 200), (dw.mia, 404), (dw.dave, 404)):
        client.force_login(user)
        assert client.get(link).status_code == code, user


# ---------------------------------------------------------------- 机关代字


def test_the_office_adds_and_changes_a_prefix(client, dw):
    client.force_login(dw.oscar)
    page = client.get(reverse("documents:prefixes")).content.decode()
    assert "中共一矿委员会文件" in page
    response = client.post(
        reverse("documents:prefixes"),
        {
            "organization": dw.mine.pk,
            "code": "一矿党组",
            "header": "一矿党组文件",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    prefix = IssuerPrefix.objects.get(code="一矿党组")
    response = client.post(
        reverse("documents:prefixes"),
        {"prefix": prefix.pk, "code": "一矿党组", "header": "改过的标志", "is_active": ""},
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    prefix.refresh_from_db()
    assert (prefix.header, prefix.is_active) == ("改过的标志", False)


def test_a_duplicate_prefix_is_refused_on_the_page(client, dw):
    client.force_login(dw.oscar)
    response = client.post(
        reverse("documents:prefixes"),
        {"organization": dw.mine.pk, "code": "一矿党", "header": "x", "is_active": "on"},
    )
    assert response.status_code == 400
    assert "已有机关代字" in response.content.decode()


def test_another_mines_prefix_is_a_404(client, dw):
    client.force_login(dw.dave)
    assert client.get(reverse("documents:prefixes"), {"edit": dw.prefix.pk}).status_code == 404
    page = client.get(reverse("documents:prefixes")).content.decode()
    assert "中共一矿委员会文件" not in page


def test_a_deadline_in_the_past_is_refused_on_the_page(client, dw):
    client.force_login(dw.oscar)
    past = (timezone.localdate() - dt.timedelta(days=2)).isoformat()
    response = _post_new(client, dw, reply_required="on", deadline=past, title="关于过期的通知")
    assert response.status_code == 400
    assert "不能早于今天" in response.content.decode()


def test_drafting_without_a_prefix_leads_to_the_prefix_page(client, dw):
    client.force_login(dw.dave)  # 二矿's 组织部: may draft and issue, no 机关代字 yet
    response = client.get(reverse("documents:outgoing_new"))
    assert response["Location"] == reverse("documents:prefixes")
    assert "还没有启用的机关代字" in client.get(response["Location"]).content.decode()


def test_a_double_click_on_issue_issues_once_and_says_so_quietly(client, dw):
    from dangjian.documents.tests.outgoing_helpers import signed

    document = signed(dw)
    _act(client, dw.oscar, document, "issue")
    document.refresh_from_db()
    last = NumberSequence.objects.get(organization=dw.mine, prefix="一矿党", year=document.year)
    response = _act(client, dw.oscar, document, "issue")
    page = client.get(response["Location"]).content.decode()
    assert "没有重复操作" in page
    assert document.receipts.count() == 2
    last_after = NumberSequence.objects.get(pk=last.pk)
    assert last_after.last == last.last == document.serial
