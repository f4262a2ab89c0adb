"""upload_attachment / delete_attachment: who may change an article's attachments in which
state, which files pass, the per-article limit, the audit, and the text extraction that the
search app runs after commit."""

import pytest
from django.utils import timezone

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.models import RuleVersion
from dangjian.core.rules import invalidate
from dangjian.portal.models import Article, ArticleAttachment
from dangjian.portal.services.media import delete_attachment, upload_attachment
from dangjian.portal.testing import make_article
from dangjian.portal.tests.media_files import PDF_BYTES, docx_bytes, upload

S = Article.Status


@pytest.fixture
def portal(module_portal, db):
    return module_portal


def _article(portal, status, author=None):
    return make_article(portal.mine_site, "news", f"{status}稿件", status=status, author=author)


@pytest.mark.parametrize(
    ("status", "who", "allowed"),
    [
        (S.DRAFT, "erin", True),
        (S.DRAFT, "frank", True),
        (S.RETURNED, "erin", True),
        (S.DRAFT, "mia", False),
        (S.DRAFT, "dave", False),
        (S.SUBMITTED, "erin", False),
        (S.PUBLISHED, "erin", False),
        (S.PUBLISHED, "frank", False),  # 宣传部长 reviews, does not approve
        (S.PUBLISHED, "alice", True),  # 组织部 approves
        (S.WITHDRAWN, "alice", False),
    ],
)
def test_who_may_attach_in_which_state(portal, status, who, allowed):
    article = _article(portal, status)
    user = getattr(portal, who)
    if allowed:
        attachment = upload_attachment(
            actor=user, article=article, file=upload("通知.pdf", PDF_BYTES)
        )
        assert attachment.title == "通知" and attachment.file_kind == "pdf"
        delete_attachment(actor=user, attachment=attachment)
        assert not ArticleAttachment.objects.filter(pk=attachment.pk).exists()
    else:
        with pytest.raises(ServiceError):
            upload_attachment(actor=user, article=article, file=upload("通知.pdf", PDF_BYTES))


def test_the_author_and_a_named_publisher_may_attach_to_their_draft(portal):
    own = _article(portal, S.DRAFT, author=portal.mia)
    assert upload_attachment(actor=portal.mia, article=own, file=upload("a.pdf", PDF_BYTES))
    other = _article(portal, S.DRAFT)
    other.column.publishers.add(portal.nick)
    assert upload_attachment(actor=portal.nick, article=other, file=upload("a.pdf", PDF_BYTES))


def test_documents_and_text_pass_markup_does_not(portal):
    article = _article(portal, S.DRAFT)
    kinds = [
        upload_attachment(actor=portal.erin, article=article, file=upload(n, c)).file_kind
        for n, c in (("a.docx", docx_bytes()), ("b.txt", "党支部名单".encode("gbk")))
    ]
    assert kinds == ["docx", "txt"]
    with pytest.raises(ServiceError, match="格式不对"):
        upload_attachment(actor=portal.erin, article=article, file=upload("x.txt", b"<html>x"))


def test_the_number_of_attachments_is_limited_by_a_rule(portal):
    RuleVersion.objects.create(
        key="portal.attachments_per_article", value=2, valid_from=timezone.localdate()
    )
    invalidate("portal.attachments_per_article")
    article = _article(portal, S.DRAFT)
    for n in range(2):
        upload_attachment(actor=portal.erin, article=article, file=upload(f"{n}.pdf", PDF_BYTES))
    with pytest.raises(ServiceError, match="最多上传 2 个附件"):
        upload_attachment(actor=portal.erin, article=article, file=upload("c.pdf", PDF_BYTES))
    assert list(article.attachments.values_list("order", flat=True)) == [0, 1]


def test_upload_and_delete_are_audited(portal):
    article = _article(portal, S.DRAFT)
    attachment = upload_attachment(
        actor=portal.erin, article=article, file=upload("x.pdf", PDF_BYTES), title="会议纪要"
    )
    delete_attachment(actor=portal.erin, attachment=attachment)
    actions = list(
        AuditEntry.objects.filter(object_id=str(article.pk), action__startswith="portal.attachment")
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert actions == [
        ("portal.attachment_upload", portal.erin.pk),
        ("portal.attachment_delete", portal.erin.pk),
    ]


def test_the_text_is_extracted_after_commit(portal, django_capture_on_commit_callbacks):
    article = _article(portal, S.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        attachment = upload_attachment(
            actor=portal.erin, article=article, file=upload("讲话.docx", docx_bytes("加强支部建设"))
        )
    attachment.refresh_from_db()
    assert attachment.text_status == ArticleAttachment.TextStatus.DONE
    assert "支部建设" in attachment.text


def test_deleting_an_attachment_has_the_articles_search_entry_rebuilt(
    portal, django_capture_on_commit_callbacks
):
    from dangjian.portal.signals import article_changed

    article = _article(portal, S.DRAFT)
    attachment = upload_attachment(
        actor=portal.erin, article=article, file=upload("x.pdf", PDF_BYTES)
    )
    heard = []

    def receiver(**kwargs):
        heard.append((kwargs["article_id"], kwargs["reason"]))

    article_changed.connect(receiver)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            delete_attachment(actor=portal.erin, attachment=attachment)
    finally:
        article_changed.disconnect(receiver)
    assert heard == [(article.pk, "save")]
