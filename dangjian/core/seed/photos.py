"""Placeholder ID photos for the demo mine: a grey head-and-shoulders silhouette on the blue
background of a Chinese ID photo (证件照), written as a real PNG so the photo page, the upload
check and the data-quality check meet the same kind of file a clerk uploads.

Only the mine scale gets photos (about one member in twenty has none, so the missing-photo
check has something to show); the group scale is for benchmarks and stays without files.
"""

from __future__ import annotations

import functools
import hashlib
import struct
import zlib

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

WIDTH, HEIGHT = 90, 120  # 1 寸 photo proportions
BACKGROUND = (67, 142, 219)
FIGURE = (225, 229, 235)
MISSING_SHARE = 20  # one member in this many has no photo


def _chunk(kind: bytes, data: bytes) -> bytes:
    body = kind + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)


def _inside(x: int, y: int) -> bool:
    head = (x - WIDTH / 2) ** 2 + (y - 48) ** 2 <= 22**2
    shoulders = y >= 80 and ((x - WIDTH / 2) / 42) ** 2 + ((y - 124) / 40) ** 2 <= 1
    return head or shoulders


@functools.cache
def silhouette_png() -> bytes:
    rows = b"".join(
        b"\x00" + b"".join(bytes(FIGURE if _inside(x, y) else BACKGROUND) for x in range(WIDTH))
        for y in range(HEIGHT)
    )
    header = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", header)
        + _chunk(b"IDAT", zlib.compress(rows, 9))
        + _chunk(b"IEND", b"")
    )


def has_photo(work_number: str) -> bool:
    """Deterministic: the same members lack a photo on every run with the same seed."""
    digest = hashlib.sha256(work_number.encode()).digest()
    return digest[0] % MISSING_SHARE != 0


def store_photo(work_number: str) -> str:
    """Write one member's file and return its storage name (each member has their own file,
    so replacing one photo never touches another's)."""
    return default_storage.save(f"members/seed/{work_number}.png", ContentFile(silhouette_png()))
