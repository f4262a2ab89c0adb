import base64

import pytest
from django.db import connection
from django.test import override_settings

from dangjian.core import crypto
from dangjian.core.testing.world import make_user


def test_encryption_round_trips_and_is_randomised():
    first, second = crypto.encrypt("13812345678"), crypto.encrypt("13812345678")
    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == "13812345678"


def test_a_tampered_ciphertext_is_rejected():
    token = crypto.encrypt("410402199001011234")
    blob = bytearray(base64.urlsafe_b64decode(token[3:]))
    blob[-1] ^= 1
    with pytest.raises(Exception):  # noqa: B017 — cryptography raises InvalidTag
        crypto.decrypt("v1:" + base64.urlsafe_b64encode(bytes(blob)).decode())


def test_lookup_hash_is_normalised():
    assert crypto.lookup_hash(" 11010519491231002x ") == crypto.lookup_hash("11010519491231002X")


def test_lookup_hash_changes_with_the_key():
    default = crypto.lookup_hash("11010519491231002X")
    with override_settings(FIELD_KEY=base64.urlsafe_b64encode(b"z" * 32).decode()):
        assert crypto.lookup_hash("11010519491231002X") != default


def test_the_mobile_number_is_stored_encrypted(db):
    user = make_user("mobile-owner", "手机用户", mobile="13812345678")
    with connection.cursor() as cursor:
        cursor.execute("SELECT mobile FROM accounts_user WHERE id = %s", [user.pk])
        stored = cursor.fetchone()[0]
    assert stored.startswith("v1:")
    assert "13812345678" not in stored
    user.refresh_from_db()
    assert user.mobile == "13812345678"
    assert user.masked_mobile == "138****5678"


def test_masking_keeps_the_ends():
    assert crypto.mask_middle("410402199001011234", 6, 4) == "410402********1234"
    assert crypto.mask_phone("") == ""
    assert crypto.mask_middle("123", 3, 4) == "***"
