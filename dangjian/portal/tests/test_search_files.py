"""Attachment and download text: real Word, Excel, PDF, PowerPoint-free text and GB18030 files
are read by the extraction task and found by search; broken and unreadable files are marked,
never fatal; the downloads library is searched within its scope."""

import io

import openpyxl
import pytest
from django.core.files.base import ContentFile
from docx import Document

from dangjian.core.pdf import html_to_pdf
from dangjian.portal.models import (
    ArticleAttachment,
    DownloadFolder,
    DownloadItem,
    DownloadVersion,
    Visibility,
)
from dangjian.portal.signals import download_changed, send_after_commit
from dangjian.portal.testing import make_article
from dangjian.search import search
from dangjian.search.extract import enqueue_extraction, extract_text
from dangjian.search.indexing import index_articles

pytestmark = pytest.mark.django_db


def docx_bytes() -> bytes:
    document = Document()
    document.add_paragraph("关于开展主题教育的实施方案")
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "责任支部"
    table.cell(0, 1).text = "完成时限"
    table.cell(1, 0).text = "综采一队党支部"
    table.cell(1, 1).text = "廉政谈话全覆盖"
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def xlsx_bytes() -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "积分"
    sheet.append(["姓名", "项目", "分值"])
    sheet.append(["张三", "志愿服务积分", 5])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def attach(article, title: str, kind: str, content: bytes, order: int) -> ArticleAttachment:
    attachment = ArticleAttachment(
        article=article, title=title, file_kind=kind, size=len(content), order=order
    )
    attachment.file.save(f"a.{kind}", ContentFile(content), save=False)
    attachment.save()
    return attachment


def titles(page):
    return [hit.object.title for hit in page.object_list]


def test_attachment_text_is_extracted_and_found(portal, django_capture_on_commit_callbacks):
    article = make_article(
        portal.mine_site,
        "news",
        "一矿部署专项工作",
        "<p>详见附件。</p>",
        visibility=Visibility.PUBLIC,
    )
    index_articles([article.pk])
    pdf = html_to_pdf("<p>党支部书记抓基层党建述职评议考核办法</p>")
    files = [
        attach(article, "实施方案.docx", "docx", docx_bytes(), 1),
        attach(article, "积分表.xlsx", "xlsx", xlsx_bytes(), 2),
        attach(article, "考核办法.pdf", "pdf", pdf, 3),
        attach(article, "说明.txt", "txt", "井下安全确认制度".encode("gb18030"), 4),
        attach(article, "坏文件.docx", "docx", b"PK\x03\x04 not really a zip", 5),
        attach(article, "照片.jpeg", "jpeg", b"\xff\xd8\xff\xe0 picture", 6),
    ]
    assert titles(search("廉政", user=None)) == []
    with django_capture_on_commit_callbacks(execute=True):
        for attachment in files:
            enqueue_extraction("attachment", attachment.pk)
    statuses = dict(ArticleAttachment.objects.values_list("title", "text_status"))
    assert statuses == {
        "实施方案.docx": "done",
        "积分表.xlsx": "done",
        "考核办法.pdf": "done",
        "说明.txt": "done",
        "坏文件.docx": "failed",
        "照片.jpeg": "empty",
    }
    for word, source in (
        ("廉政谈话", "实施方案.docx"),  # a Word table cell
        ("主题教育", "实施方案.docx"),  # a Word paragraph
        ("志愿服务", "积分表.xlsx"),
        ("述职评议", "考核办法.pdf"),
        ("确认制度", "说明.txt"),  # GB18030 text
    ):
        page = search(word, user=None)
        assert titles(page) == ["一矿部署专项工作"], word
        hit = page.object_list[0]
        assert hit.in_attachment == source
        assert f"<mark>{word}</mark>" in hit.snippet_html
    # the body is found too, and a hit in the body shows the body
    assert search("详见附件", user=None).object_list[0].in_attachment == ""


def test_extraction_caps_the_text(tmp_path, settings):
    from dangjian.search import extract

    settings.MEDIA_ROOT = tmp_path
    field = ArticleAttachment(title="长文本").file
    field.save("long.txt", ContentFile(("党建" * 200_000).encode()), save=False)
    text = extract_text(field, "txt")
    assert 0 < len(text) <= extract.MAX_CHARS


def test_downloads_are_found_within_their_scope(portal, django_capture_on_commit_callbacks):
    def library_item(title, folder_visibility, item_visibility, text):
        folder = DownloadFolder.objects.create(
            site=portal.mine_site, name=f"{title}文件夹", visibility=folder_visibility
        )
        if folder_visibility == Visibility.ORGANIZATIONS:
            folder.audience.set([portal.mine])
        item = DownloadItem.objects.create(
            site=portal.mine_site, folder=folder, title=title, visibility=item_visibility
        )
        if item_visibility == Visibility.ORGANIZATIONS:
            item.audience.set([portal.mine])
        version = DownloadVersion(item=item, number=1, title=f"{title}.txt", file_kind="txt")
        version.file.save("v.txt", ContentFile(text.encode()), save=False)
        version.save()
        item.current_version = version
        item.save()
        with django_capture_on_commit_callbacks(execute=True):
            enqueue_extraction("download", version.pk)
            send_after_commit(
                download_changed, item_id=item.pk, site_id=item.site_id, reason="save"
            )
        return item

    public = library_item("入党申请书模板", Visibility.PUBLIC, Visibility.PUBLIC, "入党申请书范文")
    library_item("一矿内部表格", Visibility.PUBLIC, Visibility.ORGANIZATIONS, "入党积极分子考察表")
    library_item("一矿文件夹里的公开表", Visibility.ORGANIZATIONS, Visibility.PUBLIC, "入党志愿书")
    page = search("入党", user=None)
    assert titles(page) == ["入党申请书模板"]
    hit = page.object_list[0]
    assert hit.kind == "download" and hit.item == public and hit.column is None
    assert "<mark>入党</mark>" in hit.snippet_html
    assert titles(search("入党", user=portal.nick)) == ["入党申请书模板"]
    assert len(titles(search("入党", user=portal.mia))) == 3
    assert search("入党", user=portal.mia, kinds=["article"]).paginator.count == 0

    with django_capture_on_commit_callbacks(execute=True):
        send_after_commit(
            download_changed, item_id=public.pk, site_id=public.site_id, reason="delete"
        )
    assert titles(search("入党", user=None)) == []
