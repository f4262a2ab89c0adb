"""Field encryption at rest (AES-256-GCM) and keyed lookup hashes (HMAC-SHA256).

`DANGJIAN_FIELD_KEY` (32 random bytes, urlsafe base64) is the master key; separate sub-keys for
encryption and for lookup hashes are derived from it with HKDF so that a leaked lookup column does
not help decrypt. Outside production a key derived from the secret key is used when none is set
(the production system check refuses to start without a real one).
"""

import base64
import functools
import hashlib
import hmac
import os

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import models

_PREFIX = "v1:"


def decode_master_key(raw: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4))
    except (ValueError, TypeError) as exc:
        raise ImproperlyConfigured("DANGJIAN_FIELD_KEY must be urlsafe base64") from exc
    if len(key) != 32:
        raise ImproperlyConfigured("DANGJIAN_FIELD_KEY must decode to 32 bytes")
    return key


@functools.cache
def _keys(master_raw: str, secret: str) -> tuple[bytes, bytes]:
    master = (
        decode_master_key(master_raw) if master_raw else hashlib.sha256(secret.encode()).digest()
    )

    def derive(info: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=info).derive(master)

    return derive(b"dangjian-field-encryption"), derive(b"dangjian-field-lookup")


def _current_keys() -> tuple[bytes, bytes]:
    return _keys(settings.FIELD_KEY, settings.SECRET_KEY)


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(_current_keys()[0]).encrypt(nonce, plaintext.encode(), None)
    return _PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(token: str) -> str:
    if not token.startswith(_PREFIX):
        raise ValueError("not an encrypted value")
    blob = base64.urlsafe_b64decode(token[len(_PREFIX) :])
    return AESGCM(_current_keys()[0]).decrypt(blob[:12], blob[12:], None).decode()


def lookup_hash(value: str) -> str:
    """Deterministic keyed hash for exact-match lookups of an encrypted value."""
    normalised = value.strip().upper()
    return hmac.new(_current_keys()[1], normalised.encode(), hashlib.sha256).hexdigest()


class EncryptedTextField(models.TextField):
    """A text column stored encrypted; Python code sees the plaintext.

    It cannot be filtered on — keep a `lookup_hash` column beside it for exact matches.
    """

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        return decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(value)


def mask_middle(value: str, keep_start: int, keep_end: int) -> str:
    """`13812345678` → `138****5678`; short values are masked whole."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end :]


def mask_phone(value: str) -> str:
    return mask_middle(value, 3, 4)
