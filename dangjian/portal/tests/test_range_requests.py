"""core.uploads.serve_range: byte ranges for seeking (206 + Content-Range), 416 when
unsatisfiable, 200 without a Range (or with several), streamed in chunks; X-Accel-Redirect
hands the file to nginx instead when configured."""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.test import RequestFactory, override_settings

from dangjian.core import uploads
from dangjian.core.uploads import MP4, parse_range, serve_range
from dangjian.portal.models import MediaAsset
from dangjian.portal.tests.media_files import mp4_bytes

# Closing a response sends `request_finished`, which checks the database connection.
pytestmark = pytest.mark.django_db

CONTENT = mp4_bytes(payload=300_000)  # larger than one streaming chunk
SIZE = len(CONTENT)


@pytest.fixture(scope="module")
def stored():
    name = default_storage.save(f"portal/test/{uuid.uuid4().hex}.mp4", ContentFile(CONTENT))
    field = MediaAsset._meta.get_field("file")
    yield FieldFile(MediaAsset(), field, name)
    default_storage.delete(name)


def _get(stored, range_header=None, **headers):
    if range_header is not None:
        headers["HTTP_RANGE"] = range_header
    request = RequestFactory().get("/x/", **headers)
    return serve_range(request, stored, kind=MP4, download_name="视频.mp4", inline=True)


def _body(response) -> bytes:
    if response.streaming:
        chunks = list(response.streaming_content)
        response.close()
        return b"".join(chunks)
    return response.content


@pytest.mark.parametrize(
    ("header", "first", "last"),
    [
        ("bytes=0-9", 0, 9),
        ("bytes=10-", 10, SIZE - 1),
        ("bytes=-5", SIZE - 5, SIZE - 1),
        ("bytes=100000-250000", 100_000, 250_000),  # spans several chunks
        ("bytes=5-99999999", 5, SIZE - 1),  # end past the file: clipped
        ("bytes=-99999999", 0, SIZE - 1),  # suffix longer than the file: all of it
        ("BYTES = 3 - 4", 3, 4),
    ],
)
def test_a_single_range_is_answered_with_206(stored, header, first, last):
    response = _get(stored, header)
    assert response.status_code == 206
    assert response["Content-Range"] == f"bytes {first}-{last}/{SIZE}"
    assert response["Content-Length"] == str(last - first + 1)
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"].startswith("inline;")
    assert _body(response) == CONTENT[first : last + 1]


@pytest.mark.parametrize("header", [f"bytes={SIZE}-", f"bytes={SIZE + 10}-{SIZE + 20}", "bytes=-0"])
def test_an_unsatisfiable_range_is_416_with_the_size(stored, header):
    response = _get(stored, header)
    assert response.status_code == 416
    assert response["Content-Range"] == f"bytes */{SIZE}"
    assert response.content == b""


@pytest.mark.parametrize(
    "header",
    [None, "bytes=0-9,20-29", "items=0-9", "bytes=9-3", "bytes=-", "bytes=abc", ""],
)
def test_no_range_several_ranges_or_garbage_get_the_whole_file(stored, header):
    response = _get(stored, header)
    assert response.status_code == 200
    assert response["Accept-Ranges"] == "bytes"
    assert response["Content-Length"] == str(SIZE)
    assert _body(response) == CONTENT


def test_if_range_without_our_validator_sends_the_whole_file(stored):
    response = _get(stored, "bytes=0-9", HTTP_IF_RANGE='"abc"')
    assert response.status_code == 200
    assert _body(response) == CONTENT


def test_the_body_is_streamed_in_chunks_never_read_whole(stored):
    response = _get(stored, "bytes=0-")
    chunks = list(response.streaming_content)
    response.close()
    assert len(chunks) > 1
    assert max(len(chunk) for chunk in chunks) <= uploads.CHUNK_BYTES


def test_parse_range_edge_cases():
    assert parse_range("bytes=0-0", 1) == (0, 0)
    assert parse_range("bytes=0-", 0) is False  # empty file: nothing to send
    assert parse_range("bytes=-1", 0) is False
    assert parse_range("", 10) is None


@override_settings(DANGJIAN_X_ACCEL_REDIRECT="/protected-media/")
def test_x_accel_redirect_hands_the_file_to_nginx(stored):
    response = _get(stored, "bytes=0-9")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{stored.name}"
    assert response.content == b""
    assert response["Content-Type"] == "video/mp4"
    assert response["Content-Disposition"].startswith("inline;")
    assert response["X-Content-Type-Options"] == "nosniff"


def test_x_accel_prefix_falls_back_to_the_environment(monkeypatch, settings):
    if hasattr(settings, "DANGJIAN_X_ACCEL_REDIRECT"):
        del settings.DANGJIAN_X_ACCEL_REDIRECT
    monkeypatch.setenv("DANGJIAN_X_ACCEL_REDIRECT", "/internal")
    assert uploads.x_accel_prefix() == "/internal"
    monkeypatch.delenv("DANGJIAN_X_ACCEL_REDIRECT")
    assert uploads.x_accel_prefix() == ""
