"""core.uploads recognises the portal's new kinds by their bytes: WEBP, MP4, WebM, and plain
text (UTF-8 or GBK) only where the caller accepts text; HTML never passes as text."""

import pytest
from django.core.exceptions import ValidationError

from dangjian.core.uploads import (
    INLINE_KINDS,
    MB,
    MP4,
    PNG,
    TXT,
    VIDEOS,
    WEB_IMAGES,
    WEBM,
    WEBP,
    check_upload,
    sniff,
)
from dangjian.portal.tests.media_files import image_bytes, mp4_bytes, upload, webm_bytes


def test_webp_mp4_and_webm_are_recognised():
    assert sniff(upload("x.bin", image_bytes((40, 20), fmt="WEBP"))) == WEBP
    assert sniff(upload("x.bin", mp4_bytes())) == MP4
    assert sniff(upload("x.bin", webm_bytes())) == WEBM
    assert check_upload(upload("clip.mp4", mp4_bytes()), kinds=VIDEOS, max_bytes=MB) == MP4


def test_quicktime_and_matroska_are_not_browser_video():
    quicktime = b"\x00\x00\x00\x14ftypqt  \x00\x00\x00\x00qt  " + b"\x00" * 40
    assert sniff(upload("x.mov", quicktime)) == ""
    matroska = webm_bytes().replace(b"webm", b"mkvx")
    assert sniff(upload("x.mkv", matroska)) == ""


def test_a_video_is_refused_where_only_pictures_are_accepted():
    with pytest.raises(ValidationError) as raised:
        check_upload(upload("a.jpg", mp4_bytes()), kinds=WEB_IMAGES, max_bytes=MB, what="图片")
    assert "实际是 MP4 视频" in raised.value.messages[0]


@pytest.mark.parametrize(
    "content",
    [
        "三会一课记录\n第一次支部委员会会议纪要。\r\n".encode(),
        "\ufeff党建工作要点（UTF-8 带 BOM）".encode(),
        "党费收缴情况公示\t二〇二六年".encode("gbk"),
        ("支部" * 600).encode("utf-8")[:1025],  # a character cut at the sniffing limit
    ],
)
def test_plain_text_in_utf8_or_gbk_passes_where_text_is_allowed(content):
    assert sniff(upload("a.txt", content), text=True) == TXT
    assert check_upload(upload("a.txt", content), kinds={TXT}, max_bytes=MB) == TXT


def test_text_is_never_guessed_unless_allowed():
    assert sniff(upload("a.txt", "普通文本".encode())) == ""
    with pytest.raises(ValidationError):
        check_upload(upload("a.txt", "普通文本".encode()), kinds={PNG}, max_bytes=MB)


@pytest.mark.parametrize(
    "content",
    [
        b"<!DOCTYPE html><script>alert(1)</script>",
        b"  <html><body onload=alert(1)>",
        b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>',
        b'<?xml version="1.0"?><x/>',
        b"binary\x00with nul",
        b"escape \x1b[31m codes \x07",
        bytes(range(128, 256)) * 4,
    ],
)
def test_markup_and_binary_are_not_text(content):
    assert sniff(upload("a.txt", content), text=True) == ""


def test_only_pictures_video_and_pdf_are_ever_inline():
    assert {WEBP, MP4, WEBM} <= INLINE_KINDS
    assert TXT not in INLINE_KINDS
