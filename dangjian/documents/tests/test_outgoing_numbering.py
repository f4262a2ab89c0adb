"""发文字号 never repeat or skip: one sequence per (organisation, 机关代字, year), given in the
issuing transaction — a rolled-back issue gives its number back. (Concurrent issue on PostgreSQL:
`test_outgoing_concurrency.py`.)"""

import datetime as dt

import pytest
from django.db import transaction
from django.utils import timezone

from dangjian.core.exceptions import ServiceError
from dangjian.documents.models import Document
from dangjian.documents.services import outgoing
from dangjian.documents.tests.outgoing_helpers import signed

Status = Document.Status


class TestInOneProcess:
    @pytest.fixture
    def dw(self, module_dw, db):
        return module_dw

    def test_numbers_follow_each_other_without_a_gap(self, dw):
        serials = [
            outgoing.document_issue(actor=dw.oscar, document=signed(dw)).serial for _ in range(3)
        ]
        assert serials == [serials[0], serials[0] + 1, serials[0] + 2]

    def test_a_new_year_starts_again_at_one(self, dw):
        next_year = timezone.now().replace(month=1, day=2) + dt.timedelta(days=366)
        document = signed(dw)
        outgoing.document_issue(actor=dw.oscar, document=document, now=next_year)
        assert document.serial == 1
        assert document.number == f"一矿党〔{timezone.localtime(next_year).year}〕1号"

    def test_a_rolled_back_issue_gives_its_number_back(self, dw):
        first = outgoing.document_issue(actor=dw.oscar, document=signed(dw))
        second = signed(dw)
        with pytest.raises(RuntimeError), transaction.atomic():
            outgoing.document_issue(actor=dw.oscar, document=second)
            raise RuntimeError("the printer caught fire after the number was given")
        second.refresh_from_db()
        assert (second.status, second.serial, second.number) == (Status.SIGNED, None, "")
        outgoing.document_issue(actor=dw.oscar, document=second)
        assert second.serial == first.serial + 1

    def test_a_refused_issue_uses_no_number(self, dw):
        before = outgoing.document_issue(actor=dw.oscar, document=signed(dw)).serial
        nobody = signed(dw)
        nobody.addresses.update(organization=dw.mine)
        with pytest.raises(ServiceError):
            outgoing.document_issue(actor=dw.oscar, document=nobody)
        after = outgoing.document_issue(actor=dw.oscar, document=signed(dw)).serial
        assert after == before + 1
