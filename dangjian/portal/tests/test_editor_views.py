"""The article editor over HTTP: write, save, submit, returned and fixed, attachments (a real
.docx) and the cover (a real PNG), the picture upload of the editor, bad input answered in
Chinese, double submission, revisions with restore, deleting a draft."""

import io
import re
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from dangjian.audit.models import AuditEntry
from dangjian.portal.models import Article, ArticleAttachment, ArticleRevision, MediaAsset
from dangjian.portal.services import articles as article_services
from dangjian.portal.services import workflow

pytestmark = pytest.mark.django_db

WORD_TABLE = (
    "<p>一矿各支部党员人数统计如下：</p>"
    '<table class=MsoTableGrid border=1 style="border-collapse:collapse">'
    "<tr><td width=189 style='width:142pt'><p class=MsoNormal><b>支部</b><o:p></o:p></p></td>"
    "<td width=189><p class=MsoNormal><b>党员人数</b></p></td></tr>"
    "<tr><td><p class=MsoNormal>综采一队党支部</p></td><td><p class=MsoNormal>36</p></td></tr>"
    "</table><script>alert(1)</script><p onclick=alert(1)>党建引领安全生产</p>"
)


def docx_bytes(text: str = "支部学习材料") -> bytes:
    """A minimal but real Word document (the parts python-docx and Word write)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/vnd.'
            'openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>',
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            f"<w:body><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:body></w:document>",
        )
    return buffer.getvalue()


def png_bytes(width: int = 640, height: int = 360) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (179, 18, 26)).save(buffer, format="PNG")
    return buffer.getvalue()


def form_data(portal, **overrides) -> dict:
    data = {
        "site": portal.mine_site.pk,
        "column": portal.column(portal.mine_site, "news").pk,
        "title": "一矿党委召开安全生产专题会",
        "subtitle": "",
        "source": "一矿党委宣传部",
        "author": "易琳",
        "summary": "",
        "body": WORD_TABLE,
        "tags": "安全生产，党建、 主题教育",
        "visibility": "members",
        "action": "save",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def new_draft(portal, title="草稿一篇", body="<p>党建工作要点</p>", column="news", **data):
    return article_services.save_article(
        actor=portal.erin,
        site=portal.mine_site,
        column=portal.column(portal.mine_site, column),
        data={"title": title, "body": body, **data},
        tags=[],
        audience=[],
    )


# ---------------------------------------------------------------- write and submit


def test_a_writer_with_one_site_gets_the_editor_at_once(client, portal):
    client.force_login(portal.erin)
    response = client.get(reverse("portal:article_new"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "写文章" in html and "一矿" in html
    assert "data-article-editor" in html
    column = response.context["form"].fields["column"]
    slugs = {c.slug for c in column.queryset}
    assert "news" in slugs and "disclosure" in slugs
    assert "downloads" not in slugs  # files go to the downloads library, not into an article
    assert all(c.site_id == portal.mine_site.pk for c in column.queryset)


def test_save_a_draft_sanitises_keeps_the_word_table_and_tags(client, portal):
    client.force_login(portal.erin)
    response = client.post(
        reverse("portal:article_new"),
        form_data(portal, publish_at="2030-05-01T08:00", pinned_until="2030-05-08T18:30"),
    )
    article = Article.objects.get()
    assert response.status_code == 302
    assert f"{timezone.localtime(article.publish_at):%Y-%m-%d %H:%M}" == "2030-05-01 08:00"
    assert f"{timezone.localtime(article.pinned_until):%Y-%m-%d %H:%M}" == "2030-05-08 18:30"
    assert response["Location"] == reverse("portal:article_edit", args=[article.pk])
    assert article.status == Article.Status.DRAFT
    assert article.created_by == portal.erin
    assert "<table>" in article.body and "<td><p><b>支部</b></p></td>" in article.body
    assert "<script" not in article.body and "onclick" not in article.body
    assert "MsoNormal" not in article.body and "style" not in article.body
    assert "综采一队党支部 36" in article.body_text
    assert sorted(article.tags.values_list("name", flat=True)) == ["主题教育", "党建", "安全生产"]
    assert article.revisions.count() == 1
    assert AuditEntry.objects.filter(action="portal.article_create").count() == 1


def test_save_and_submit_in_one_step(client, portal):
    client.force_login(portal.erin)
    response = client.post(reverse("portal:article_new"), form_data(portal, action="submit"))
    article = Article.objects.get()
    assert article.status == Article.Status.SUBMITTED
    assert response["Location"] == reverse("portal:article_preview", args=[article.pk])
    page = client.get(response["Location"])
    assert "已提交审核" in " ".join(messages_of(page))
    assert page.context["can_edit"] is False  # the author waits for the reviewer


def test_the_author_cannot_edit_while_in_review(client, portal):
    article = new_draft(portal)
    workflow.submit(portal.erin, article)
    client.force_login(portal.erin)
    response = client.get(reverse("portal:article_edit", args=[article.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("portal:article_preview", args=[article.pk])
    assert "审核中" in " ".join(messages_of(response))
    before = article.title
    response = client.post(
        reverse("portal:article_edit", args=[article.pk]), form_data(portal, title="偷改")
    )
    article.refresh_from_db()
    assert article.title == before


def test_returned_article_shows_the_reason_and_is_fixed_and_resubmitted(client, portal):
    article = new_draft(portal, title="退回的稿件")
    workflow.submit(portal.erin, article)
    workflow.return_article(portal.frank, article, "第二段数据请核实，并补充图片说明")
    client.force_login(portal.erin)
    listing = client.get(reverse("portal:my_articles"), {"status": "returned"})
    assert "第二段数据请核实" in listing.content.decode()
    editor = client.get(reverse("portal:article_edit", args=[article.pk]))
    assert editor.status_code == 200
    assert 'data-testid="return-reason"' in editor.content.decode()
    assert "第二段数据请核实" in editor.content.decode()
    response = client.post(
        reverse("portal:article_edit", args=[article.pk]),
        form_data(
            portal,
            title="退回的稿件（已修改）",
            body="<p>数据已核实：党员 36 名。</p>",
            note="按审核意见修改",
            action="submit",
        ),
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED
    assert article.title == "退回的稿件（已修改）"
    assert article.return_reason == ""
    assert article.revisions.order_by("-number").first().note == "按审核意见修改"


def test_a_reviewer_corrects_an_article_in_review(client, portal):
    article = new_draft(portal, title="待审核的稿件")
    workflow.submit(portal.erin, article)
    client.force_login(portal.frank)  # 宣传部长: reviews on the mine site
    page = client.get(reverse("portal:article_edit", args=[article.pk]))
    assert page.status_code == 200
    assert 'data-testid="submit-article"' not in page.content.decode()
    response = client.post(
        reverse("portal:article_edit", args=[article.pk]),
        form_data(portal, title="待审核的稿件（审核人改错字）", note="改错字"),
        follow=True,
    )
    assert "稿件已保存。" in messages_of(response)
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED
    assert article.title == "待审核的稿件（审核人改错字）"
    assert article.revisions.order_by("-number").first().created_by == portal.frank


def test_the_author_edits_a_draft_of_a_published_style_column_but_not_a_live_article(
    client, portal
):
    article = new_draft(portal)
    article.status = Article.Status.PUBLISHED
    article.save()
    client.force_login(portal.erin)  # 宣传干事: writes, does not approve
    response = client.get(reverse("portal:article_edit", args=[article.pk]), follow=True)
    assert "审批人" in " ".join(messages_of(response))
    client.force_login(portal.alice)  # 组织部: approves on the mine site
    response = client.get(reverse("portal:article_edit", args=[article.pk]))
    assert response.status_code == 200
    assert "正在门户上发布" in response.content.decode()
    response = client.post(
        reverse("portal:article_edit", args=[article.pk]), form_data(portal, title="更正后的标题")
    )
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.status == Article.Status.PUBLISHED and article.title == "更正后的标题"


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"title": "   "}, "请填写标题"),
        ({"title": "长" * 201}, "标题不能超过 200 个字"),
        ({"column": "999999"}, "所选栏目不存在"),
        ({"column": "abc"}, "所选栏目不存在"),
        ({"visibility": "secret"}, "请选择公开范围"),
        ({"visibility": "orgs"}, "请至少选择一个可见组织"),
        ({"publish_at": "2026-13-45T99:99"}, "定时发布格式不正确"),
        (
            {"publish_at": "2030-05-02T08:00", "expire_at": "2030-05-01T08:00"},
            "下线时间必须晚于定时发布时间",
        ),
        ({"tags": "，".join(f"标签{i}" for i in range(11))}, "标签最多 10 个"),
        ({"cover": "not-a-uuid"}, "封面图无效"),
        ({"site": "999999"}, "所选站点不在您可以撰稿的范围内"),
    ],
)
def test_bad_input_is_answered_in_chinese(client, portal, overrides, message):
    client.force_login(portal.erin)
    response = client.post(reverse("portal:article_new"), form_data(portal, **overrides))
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not Article.objects.exists()


def test_a_column_of_another_site_or_an_outside_audience_is_refused(client, portal):
    client.force_login(portal.erin)
    other = portal.column(portal.mine2_site, "news")
    response = client.post(reverse("portal:article_new"), form_data(portal, column=other.pk))
    assert response.status_code == 400
    response = client.post(
        reverse("portal:article_new"),
        form_data(portal, visibility="orgs", audience=[portal.branch3.pk]),
    )
    assert response.status_code == 400
    assert "不在本站点的组织范围内" in response.content.decode()
    assert not Article.objects.exists()


def test_audience_limited_to_the_mine(client, portal):
    client.force_login(portal.erin)
    response = client.post(
        reverse("portal:article_new"),
        form_data(portal, visibility="orgs", audience_add=portal.mine.pk),
    )
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.visibility == "orgs"
    assert list(article.audience.all()) == [portal.mine]
    # the picker's search finds the mine's branches, never another mine's
    options = client.get(
        reverse("portal:audience_options"), {"site": portal.mine_site.pk, "q": "党支部"}
    ).content.decode()
    assert "综采一队" in options and "通风区" not in options
    other = client.get(reverse("portal:audience_options"), {"site": portal.mine2_site.pk})
    assert other.status_code == 404


def test_editing_an_article_limited_to_organisations_keeps_its_audience(client, portal):
    article = article_services.save_article(
        actor=portal.erin,
        site=portal.mine_site,
        column=portal.column(portal.mine_site, "disclosure"),
        data={"title": "限定范围", "body": "<p>党务公开</p>", "visibility": "orgs"},
        audience=[portal.branch1],
    )
    client.force_login(portal.erin)
    page = client.get(reverse("portal:article_edit", args=[article.pk]))
    boxes = re.findall(r'<input[^>]*name="audience"[^>]*>', page.content.decode())
    ticked = [box for box in boxes if "checked" in box]
    assert len(ticked) == 1 and f'value="{portal.branch1.pk}"' in ticked[0]
    # the browser sends the ticked box back: saving keeps the audience
    response = client.post(
        reverse("portal:article_edit", args=[article.pk]),
        form_data(
            portal,
            column=article.column_id,
            title="限定范围（改）",
            visibility="orgs",
            audience=[portal.branch1.pk],
        ),
    )
    assert response.status_code == 302
    assert list(article.audience.all()) == [portal.branch1]


def test_a_repeated_post_of_the_same_form_saves_once(client, portal):
    client.force_login(portal.erin)
    token = client.get(reverse("portal:article_new")).context["form_token"]
    data = form_data(portal, form_token=token)
    first = client.post(reverse("portal:article_new"), data)
    second = client.post(reverse("portal:article_new"), data)
    assert first.status_code == second.status_code == 302
    assert Article.objects.count() == 1


# ---------------------------------------------------------------- attachments and pictures


def test_attachments_a_real_docx_is_stored_a_wrong_type_is_refused_in_chinese(client, portal):
    client.force_login(portal.erin)
    docx = SimpleUploadedFile("学习材料.docx", docx_bytes(), content_type="application/msword")
    fake = SimpleUploadedFile("病毒.docx", b"MZ\x90\x00 not a document", content_type="x/y")
    response = client.post(
        reverse("portal:article_new"),
        {**form_data(portal, action="submit"), "attachments": [docx, fake]},
        follow=True,
    )
    article = Article.objects.get()
    attachment = ArticleAttachment.objects.get()
    assert attachment.article == article and attachment.title == "学习材料"
    assert attachment.file_kind == "docx"
    text = " ".join(messages_of(response))
    assert "病毒.docx" in text and "格式不对" in text
    # a problem with a file keeps the article a draft, so the writer sees it before review
    assert article.status == Article.Status.DRAFT
    assert response.redirect_chain[-1][0] == reverse("portal:article_edit", args=[article.pk])
    assert "学习材料" in response.content.decode()
    # the attachment is ticked for removal on the next save
    response = client.post(
        reverse("portal:article_edit", args=[article.pk]),
        form_data(portal, remove_attachments=[attachment.pk]),
    )
    assert response.status_code == 302
    assert not ArticleAttachment.objects.exists()


def test_cover_uploaded_with_the_form_and_the_editors_picture_button(client, portal):
    client.force_login(portal.erin)
    cover = SimpleUploadedFile("封面.png", png_bytes(), content_type="image/png")
    response = client.post(
        reverse("portal:article_new"), {**form_data(portal), "cover_file": cover}
    )
    assert response.status_code == 302
    article = Article.objects.get()
    assert article.cover is not None and article.cover.kind == MediaAsset.Kind.IMAGE
    # the toolbar's picture button
    answer = client.post(
        reverse("portal:media_upload"),
        {"site": portal.mine_site.pk, "file": SimpleUploadedFile("图.png", png_bytes(1200, 800))},
    )
    assert answer.status_code == 201
    data = answer.json()
    assert re.fullmatch(r"/portal/media/[0-9a-f-]{36}/800/", data["url"])
    assert data["kind"] == "image" and data["width"] == 1200
    # inserted into the body, it survives the sanitiser and is linked to the article
    body = (
        f'<p>现场</p><p><img src="{data["url"]}"></p><p><img src="http://evil.example/x.png"></p>'
    )
    client.post(reverse("portal:article_edit", args=[article.pk]), form_data(portal, body=body))
    article.refresh_from_db()
    assert f'<img src="{data["url"]}">' in article.body
    assert "evil" not in article.body
    assert article.media.filter(key=data["key"]).exists()
    # the picture is served to the writer
    assert client.get(data["url"]).status_code == 200
    # the toolbar's video button: stored as is, inserted as <video controls src>
    mp4 = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2" + b"\x00" * 4000
    answer = client.post(
        reverse("portal:media_upload"),
        {"site": portal.mine_site.pk, "file": SimpleUploadedFile("会议.mp4", mp4)},
    )
    assert answer.status_code == 201
    video = answer.json()
    assert video["kind"] == "video" and re.fullmatch(r"/portal/media/[0-9a-f-]{36}/", video["url"])
    body = f'<p>视频</p><video controls="controls" src="{video["url"]}"></video>'
    client.post(reverse("portal:article_edit", args=[article.pk]), form_data(portal, body=body))
    article.refresh_from_db()
    assert f'src="{video["url"]}"' in article.body
    assert article.media.filter(key=video["key"], kind="video").exists()


def test_media_upload_refuses_bad_files_and_foreign_sites(client, portal):
    client.force_login(portal.erin)
    url = reverse("portal:media_upload")
    bad = client.post(
        url,
        {"site": portal.mine_site.pk, "file": SimpleUploadedFile("x.png", b"<svg onload=x>")},
    )
    assert bad.status_code == 400 and "格式不对" in bad.json()["error"]
    empty = client.post(url, {"site": portal.mine_site.pk})
    assert empty.status_code == 400 and "请选择" in empty.json()["error"]
    foreign = client.post(
        url, {"site": portal.mine2_site.pk, "file": SimpleUploadedFile("x.png", png_bytes())}
    )
    assert foreign.status_code == 404
    assert client.get(url).status_code == 405
    assert not MediaAsset.objects.exists()
    client.force_login(portal.mia)
    member = client.post(
        url, {"site": portal.mine_site.pk, "file": SimpleUploadedFile("x.png", png_bytes())}
    )
    assert member.status_code == 404
    assert not MediaAsset.objects.exists()


# ---------------------------------------------------------------- revisions, delete


def test_revisions_diff_and_restore(client, portal):
    article = new_draft(portal, title="版本测试", body="<p>第一稿：党建引领</p>")
    article_services.save_article(
        actor=portal.erin,
        article=article,
        site=portal.mine_site,
        column=article.column,
        data={"body": "<p>第二稿：党建引领发展</p><p>新增一段</p>"},
    )
    client.force_login(portal.erin)
    page = client.get(reverse("portal:article_revisions", args=[article.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert "第 1 版" in html and "第 2 版" in html
    assert "<ins>发展</ins>" in html and "新增一段" in html
    bad = client.get(reverse("portal:article_revisions", args=[article.pk]), {"a": 7, "b": 1})
    assert bad.status_code == 200 and "没有第 7 版" in bad.content.decode()
    response = client.post(reverse("portal:article_restore", args=[article.pk, 1]), follow=True)
    assert "已恢复第 1 版" in " ".join(messages_of(response))
    article.refresh_from_db()
    assert article.revision_number == 3 and "第一稿" in article.body
    assert ArticleRevision.objects.filter(article=article).count() == 3
    assert client.get(reverse("portal:article_restore", args=[article.pk, 1])).status_code == 405


def test_delete_a_draft_but_never_a_published_article(
    client, portal, django_capture_on_commit_callbacks
):
    from dangjian.portal.services import media as media_services

    draft = new_draft(portal, title="要删除的草稿")
    attachment = media_services.upload_attachment(
        actor=portal.erin, article=draft, file=SimpleUploadedFile("材料.docx", docx_bytes())
    )
    stored, storage = attachment.file.name, attachment.file.storage
    assert storage.exists(stored)
    client.force_login(portal.erin)
    page = client.get(reverse("portal:article_delete", args=[draft.pk]))
    assert page.status_code == 200
    unconfirmed = client.post(reverse("portal:article_delete", args=[draft.pk]), {})
    assert unconfirmed.status_code == 400 and "请勾选确认" in unconfirmed.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("portal:article_delete", args=[draft.pk]), {"confirm": "on"})
    assert response["Location"] == reverse("portal:my_articles")
    assert not storage.exists(stored)
    assert not Article.objects.filter(pk=draft.pk).exists()
    assert AuditEntry.objects.filter(action="portal.article_delete").exists()
    live = new_draft(portal, title="已发布的")
    Article.objects.filter(pk=live.pk).update(status=Article.Status.PUBLISHED)
    response = client.post(
        reverse("portal:article_delete", args=[live.pk]), {"confirm": "on"}, follow=True
    )
    assert "已发布的文章请由审批人撤稿" in " ".join(messages_of(response))
    assert Article.objects.filter(pk=live.pk).exists()


# ---------------------------------------------------------------- 我的稿件


def test_my_articles_tabs_filters_and_site_wide_list(client, portal):
    mine = new_draft(portal, title="我写的草稿")
    returned = new_draft(portal, title="被退回的")
    workflow.submit(portal.erin, returned)
    workflow.return_article(portal.frank, returned, "标题太长")
    other = article_services.save_article(
        actor=portal.frank,
        site=portal.mine_site,
        column=portal.column(portal.mine_site, "organization"),
        data={"title": "部长的稿件", "body": "<p>正文</p>"},
    )
    client.force_login(portal.erin)
    page = client.get(reverse("portal:my_articles"))
    html = page.content.decode()
    assert "我写的草稿" in html and "被退回的" in html and "部长的稿件" not in html
    tabs = {tab["key"]: tab["count"] for tab in page.context["tabs"]}
    assert tabs[""] == 2 and tabs["draft"] == 1 and tabs["returned"] == 1
    returned_only = client.get(reverse("portal:my_articles"), {"status": "returned"})
    assert [a.pk for a in returned_only.context["page_obj"]] == [returned.pk]
    found = client.get(reverse("portal:my_articles"), {"q": "草稿"})
    assert [a.pk for a in found.context["page_obj"]] == [mine.pk]
    site_wide = client.get(reverse("portal:my_articles"), {"scope": "site"})
    assert other.pk in [a.pk for a in site_wide.context["page_obj"]]
    weird = client.get(
        reverse("portal:my_articles"), {"status": "x'--", "column": "abc", "page": "z"}
    )
    assert weird.status_code == 200
