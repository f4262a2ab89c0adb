"""upload_media: pictures become upright renditions 320/800/1600 (never upscaled) without
EXIF/GPS, transparency keeps PNG, bombs and broken files are refused in Chinese, videos are
stored as they are; only writers of the site may upload; every upload is audited."""

import io

import pytest
from django.utils import timezone
from PIL import Image

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.models import RuleVersion
from dangjian.core.rules import invalidate
from dangjian.portal.models import MediaAsset
from dangjian.portal.services.media import media_url, rendition_name, upload_media
from dangjian.portal.tests.media_files import (
    GPS_IFD,
    exif_with_gps,
    image_bytes,
    mp4_bytes,
    png_bomb_bytes,
    upload,
    webm_bytes,
)


@pytest.fixture
def portal(module_portal, db):
    return module_portal


def _set_rule(key: str, value) -> None:
    RuleVersion.objects.create(key=key, value=value, valid_from=timezone.localdate())
    invalidate(key)


def _open(asset, name=None):
    with asset.file.storage.open(name or asset.file.name) as handle:
        image = Image.open(io.BytesIO(handle.read()))
        image.load()
    return image


def test_a_photo_gets_renditions_below_its_width_and_loses_exif_and_gps(portal):
    content = image_bytes((2000, 1000), exif=exif_with_gps())
    assert b"TestCam" in content
    asset = upload_media(
        actor=portal.erin, site=portal.mine_site, file=upload("现场.jpg", content), alt="现场"
    )
    asset.refresh_from_db()
    assert asset.kind == MediaAsset.Kind.IMAGE
    assert (asset.width, asset.height) == (2000, 1000)
    assert sorted(asset.renditions) == ["1600", "320", "800"]
    assert asset.title == "现场" and asset.alt == "现场"
    for width in (320, 800, 1600):
        rendition = _open(asset, asset.renditions[str(width)])
        assert rendition.size == (width, width // 2)
        assert rendition.format == "JPEG"
        assert not rendition.getexif()
    original = _open(asset)
    assert original.size == (2000, 1000)
    assert not original.getexif()
    assert not original.getexif().get_ifd(GPS_IFD)
    with asset.file.storage.open(asset.file.name) as handle:
        assert b"TestCam" not in handle.read()


def test_a_small_picture_is_never_upscaled(portal):
    asset = upload_media(
        actor=portal.erin,
        site=portal.mine_site,
        file=upload("小图.png", image_bytes((500, 300), fmt="PNG")),
    )
    assert list(asset.renditions) == ["320"]
    assert rendition_name(asset, 800) == asset.file.name  # nothing ≥ 800: the original
    assert rendition_name(asset, 100) == asset.renditions["320"]
    assert media_url(asset, 800) == f"/portal/media/{asset.key}/800/"
    assert media_url(asset) == f"/portal/media/{asset.key}/"


def test_the_exif_orientation_is_applied(portal):
    # Orientation 6: the camera was turned; the stored picture is upright (portrait).
    content = image_bytes((1200, 800), exif=exif_with_gps(orientation=6))
    asset = upload_media(actor=portal.erin, site=portal.mine_site, file=upload("竖拍.jpg", content))
    assert (asset.width, asset.height) == (800, 1200)
    assert _open(asset, asset.renditions["320"]).size == (320, 480)


def test_transparency_keeps_png_renditions(portal):
    content = image_bytes((900, 900), mode="RGBA", fmt="PNG")
    asset = upload_media(actor=portal.erin, site=portal.mine_site, file=upload("标志.png", content))
    rendition = _open(asset, asset.renditions["800"])
    assert rendition.format == "PNG" and rendition.mode == "RGBA"
    assert asset.file_kind == "png"


def test_webp_is_accepted_and_rendered_as_jpeg(portal):
    content = image_bytes((1000, 500), fmt="WEBP")
    asset = upload_media(actor=portal.erin, site=portal.mine_site, file=upload("图.webp", content))
    assert asset.width == 1000
    assert _open(asset, asset.renditions["800"]).format == "JPEG"


def test_a_decompression_bomb_is_refused_before_decoding(portal):
    with pytest.raises(ServiceError) as raised:
        upload_media(
            actor=portal.erin, site=portal.mine_site, file=upload("炸弹.png", png_bomb_bytes())
        )
    assert "像素过大" in raised.value.messages[0]
    assert not MediaAsset.objects.filter(site=portal.mine_site, title="炸弹").exists()


def test_the_pixel_limit_is_a_rule(portal):
    _set_rule("portal.image_max_megapixels", 1)
    with pytest.raises(ServiceError) as raised:
        upload_media(
            actor=portal.erin,
            site=portal.mine_site,
            file=upload("大.jpg", image_bytes((1500, 1000))),
        )
    assert "1 百万像素" in raised.value.messages[0]


def test_a_broken_picture_and_a_wrong_type_are_refused_in_chinese(portal):
    broken = image_bytes((300, 300))[:200]
    with pytest.raises(ServiceError) as raised:
        upload_media(actor=portal.erin, site=portal.mine_site, file=upload("坏.jpg", broken))
    assert "损坏" in raised.value.messages[0]
    with pytest.raises(ServiceError) as raised:
        upload_media(
            actor=portal.erin, site=portal.mine_site, file=upload("x.jpg", b"<html>hi</html>")
        )
    assert "格式不对" in raised.value.messages[0]


def test_videos_are_stored_as_they_are(portal):
    for name, content, kind in (("片.mp4", mp4_bytes(), "mp4"), ("片.webm", webm_bytes(), "webm")):
        asset = upload_media(actor=portal.frank, site=portal.mine_site, file=upload(name, content))
        assert asset.kind == MediaAsset.Kind.VIDEO and asset.file_kind == kind
        assert asset.renditions == {} and asset.duration_seconds == 0
        with asset.file.storage.open(asset.file.name) as handle:
            assert handle.read() == content


def test_size_limits_differ_for_pictures_and_videos(portal):
    _set_rule("portal.image_max_mb", 1)
    big_picture = image_bytes((2000, 2000), quality=100) + b"\x00" * (1024 * 1024)
    with pytest.raises(ServiceError) as raised:
        upload_media(actor=portal.erin, site=portal.mine_site, file=upload("大.jpg", big_picture))
    assert "1 MB 的上限" in raised.value.messages[0]
    video = mp4_bytes(payload=1024 * 1024 + 10)
    assert upload_media(actor=portal.erin, site=portal.mine_site, file=upload("v.mp4", video))


@pytest.mark.parametrize("who", ["mia", "nick", "dave", "bob"])
def test_only_writers_of_the_site_may_upload(portal, who):
    with pytest.raises(ServiceError) as raised:
        upload_media(
            actor=getattr(portal, who),
            site=portal.mine_site,
            file=upload("a.png", image_bytes((10, 10), fmt="PNG")),
        )
    assert "权限" in raised.value.messages[0]


def test_a_named_column_publisher_may_upload(portal):
    portal.column(portal.mine_site, "news").publishers.add(portal.mia)
    asset = upload_media(
        actor=portal.mia,
        site=portal.mine_site,
        file=upload("a.png", image_bytes((10, 10), fmt="PNG")),
    )
    assert asset.uploaded_by == portal.mia


def test_the_upload_is_audited(portal):
    asset = upload_media(
        actor=portal.erin, site=portal.mine_site, file=upload("审计.jpg", image_bytes((900, 600)))
    )
    entry = AuditEntry.objects.get(action="portal.media_upload", object_id=str(asset.pk))
    assert entry.actor == portal.erin
    assert entry.organization_path == portal.mine.path
    assert entry.after["renditions"] == [320, 800]
