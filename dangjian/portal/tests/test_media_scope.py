"""Who gets a media file or an attachment: readers of a live article using it, or the people
who work on its site in the back-end — everyone else a 404, exactly like a missing key. Cache
headers follow: public only for files of public articles."""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from dangjian.portal.models import Article, ArticleAttachment, Visibility
from dangjian.portal.services.media import upload_media
from dangjian.portal.testing import build_portal_world, make_article
from dangjian.portal.tests.media_files import PDF_BYTES, image_bytes, mp4_bytes, upload


class Data:
    def __init__(self, world):
        self.w = world
        site = world.mine_site

        def up(name, content):
            return upload_media(actor=world.erin, site=site, file=upload(name, content))

        self.mine_img = up("一矿.jpg", image_bytes((1000, 500)))
        self.public_img = up("公开.jpg", image_bytes((400, 300)))
        self.draft_img = up("草稿.jpg", image_bytes((400, 300)))
        self.unused_img = up("未用.jpg", image_bytes((400, 300)))
        self.video = up("视频.mp4", mp4_bytes(payload=5000))
        self.mine_article = make_article(
            site, "news", "一矿内部新闻", visibility=Visibility.ORGANIZATIONS,
            audience=[world.mine],
        )  # fmt: skip
        self.mine_article.media.add(self.mine_img, self.video)
        self.public_article = make_article(
            site, "news", "公开新闻", visibility=Visibility.PUBLIC, cover=self.public_img
        )
        self.draft = make_article(
            site, "news", "草稿", status=Article.Status.DRAFT, author=world.erin,
            visibility=Visibility.PUBLIC,
        )  # fmt: skip
        self.draft.media.add(self.draft_img)
        self.expired = make_article(
            site, "news", "已下线", visibility=Visibility.PUBLIC,
            expire_at=timezone.now() - timezone.timedelta(days=1),
        )  # fmt: skip
        self.att_mine = self._attach(self.mine_article, "一矿附件")
        self.att_public = self._attach(self.public_article, "公开附件")
        self.att_draft = self._attach(self.draft, "草稿附件")
        self.att_expired = self._attach(self.expired, "下线附件")

    @staticmethod
    def _attach(article, title):
        attachment = ArticleAttachment(
            article=article, title=title, file_kind="pdf", size=len(PDF_BYTES)
        )
        attachment.file.save("a.pdf", ContentFile(PDF_BYTES), save=False)
        attachment.save()
        return attachment

    def __getattr__(self, name):
        return getattr(self.w, name)


@pytest.fixture(scope="module")
def built(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        yield Data(build_portal_world())
        transaction.set_rollback(True)


@pytest.fixture
def data(built, db):
    return built


def _get(client, url, user=None, **headers):
    client.logout()
    if user is not None:
        client.force_login(user)
    return client.get(url, **headers)


def _media(asset, width=None):
    return f"/portal/media/{asset.key}/" + (f"{width}/" if width else "")


def _body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- media ------------------------------------------------------------------------------------

MEDIA_CASES = [
    # asset, viewer, status, cache
    ("mine_img", None, 404, None),
    ("mine_img", "nick", 404, None),
    ("mine_img", "dave", 404, None),
    ("mine_img", "mia", 200, "private, max-age=600"),
    ("mine_img", "bob", 200, "private, max-age=600"),
    ("public_img", None, 200, "public, max-age=86400"),
    ("public_img", "nick", 200, "public, max-age=86400"),
    ("draft_img", None, 404, None),
    ("draft_img", "mia", 404, None),
    ("draft_img", "dave", 404, None),
    ("draft_img", "erin", 200, "private, no-store"),
    ("draft_img", "frank", 200, "private, no-store"),
    ("draft_img", "alice", 200, "private, no-store"),
    ("unused_img", "mia", 404, None),
    ("unused_img", "erin", 200, "private, no-store"),
]


@pytest.mark.parametrize(("asset", "viewer", "status", "cache"), MEDIA_CASES)
def test_media_scope_per_person(data, client, asset, viewer, status, cache):
    user = getattr(data, viewer) if viewer else None
    response = _get(client, _media(getattr(data, asset)), user)
    assert response.status_code == status
    if status == 200:
        assert response["Cache-Control"] == cache
        assert response["Content-Type"] == "image/jpeg"
        assert response["Content-Disposition"].startswith("inline;")
        assert response["X-Content-Type-Options"] == "nosniff"


def test_a_rendition_is_the_smallest_at_least_that_wide(data, client):
    import io

    from PIL import Image

    sizes = {}
    for width in (100, 320, 500, 800, 5000):
        response = _get(client, _media(data.mine_img, width), data.mia)
        assert response.status_code == 200
        sizes[width] = Image.open(io.BytesIO(_body(response))).size[0]
    assert sizes == {100: 320, 320: 320, 500: 800, 800: 800, 5000: 1000}


def test_an_unknown_key_or_a_bad_width_is_404(data, client):
    assert _get(client, f"/portal/media/{uuid.uuid4()}/", data.erin).status_code == 404
    assert _get(client, f"/portal/media/{data.mine_img.key}/abc/", data.mia).status_code == 404


def test_a_video_seeks_through_range_requests(data, client):
    response = _get(client, _media(data.video), data.mia, HTTP_RANGE="bytes=100-199")
    assert response.status_code == 206
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Range"] == f"bytes 100-199/{data.video.size}"
    with data.video.file.storage.open(data.video.file.name) as handle:
        assert _body(response) == handle.read()[100:200]
    assert _get(client, _media(data.video), data.nick, HTTP_RANGE="bytes=0-").status_code == 404


def test_media_view_query_count(data, client, django_assert_max_num_queries):
    client.force_login(data.mia)
    client.get(_media(data.public_img))  # session and user loaded once
    with django_assert_max_num_queries(8):
        assert client.get(_media(data.mine_img, 800)).status_code == 200


# --- attachments ------------------------------------------------------------------------------

ATTACHMENT_CASES = [
    ("att_mine", None, 404),
    ("att_mine", "nick", 404),
    ("att_mine", "dave", 404),
    ("att_mine", "mia", 200),
    ("att_public", None, 200),
    ("att_public", "nick", 200),
    ("att_draft", None, 404),
    ("att_draft", "mia", 404),
    ("att_draft", "dave", 404),
    ("att_draft", "erin", 200),
    ("att_draft", "frank", 200),
    ("att_expired", None, 404),
    ("att_expired", "mia", 404),
    ("att_expired", "frank", 200),
]


@pytest.mark.parametrize(("attachment", "viewer", "status"), ATTACHMENT_CASES)
def test_attachment_scope_per_person(data, client, attachment, viewer, status):
    user = getattr(data, viewer) if viewer else None
    response = _get(client, f"/portal/attachments/{getattr(data, attachment).pk}/", user)
    assert response.status_code == status
    if status == 200:
        assert _body(response) == PDF_BYTES
        assert response["Content-Disposition"].startswith("attachment;")
        assert response["Cache-Control"] == "private, no-store"


def test_a_reader_download_counts_once_and_a_continuation_does_not(data, client):
    url = f"/portal/attachments/{data.att_mine.pk}/"
    _get(client, url, data.mia)
    _get(client, url, data.mia, HTTP_RANGE="bytes=0-99")
    partial = _get(client, url, data.mia, HTTP_RANGE="bytes=100-")
    assert partial.status_code == 206
    data.att_mine.refresh_from_db()
    assert data.att_mine.download_count == 2
    _get(client, f"/portal/attachments/{data.att_draft.pk}/", data.erin)  # back-end look
    data.att_draft.refresh_from_db()
    assert data.att_draft.download_count == 0


def test_a_pdf_attachment_may_be_shown_inline(data, client):
    response = _get(client, f"/portal/attachments/{data.att_public.pk}/?inline=1")
    assert response["Content-Disposition"].startswith("inline;")
    assert response["Content-Type"] == "application/pdf"
