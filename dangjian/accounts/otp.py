"""Helpers around django-otp: the enrolment QR code, the secret as text, recovery codes.

Recovery codes are stored only as keyed hashes (HMAC with the field-lookup key, cut to the 16
characters a django-otp `StaticToken` holds), so a copy of the database does not reveal codes
that still work. The user sees the plain codes once, when they are generated.
"""

import base64
import re
import secrets

import qrcode
import qrcode.image.svg
from django_otp.plugins.otp_totp.models import TOTPDevice

from dangjian.core.crypto import lookup_hash

RECOVERY_CODE_COUNT = 10
_RECOVERY_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread
_RECOVERY_PART = 5
TOTP_PATTERN = re.compile(r"^\d{6}$")


def qr_data_uri(text: str) -> str:
    """An SVG QR code as a `data:` URI (the CSP allows `img-src data:`; no inline styles)."""
    image = qrcode.make(text, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def secret_text(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an authenticator by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


def new_recovery_code() -> str:
    raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(2 * _RECOVERY_PART))
    return f"{raw[:_RECOVERY_PART]}-{raw[_RECOVERY_PART:]}"


def normalise_code(code: str) -> str:
    return re.sub(r"[\s-]", "", code or "").lower()


def recovery_digest(code: str) -> str:
    """What is stored for a recovery code: 64 bits of its keyed hash."""
    return lookup_hash(normalise_code(code))[:16]


def looks_like_totp(code: str) -> bool:
    return bool(TOTP_PATTERN.match(normalise_code(code)))
