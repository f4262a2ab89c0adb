"""签收 under concurrency (PostgreSQL): the branch secretary double-clicks while a colleague
signs the same copy — six threads, each with its own connection, sign one receipt at the same
moment: exactly one call signs, `signed_count` is 1, one audit entry. In its own module: it
commits for real, outside the shared test world."""

import threading

import pytest
from django.db import connection

from dangjian.audit.models import AuditEntry
from dangjian.documents.models import Document, Receipt
from dangjian.documents.services import receiving


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises every write transaction; concurrent signing needs PostgreSQL",
)
def test_concurrent_signing_of_one_receipt_counts_once():
    from dangjian.core.testing.world import grant, make_user
    from dangjian.documents.testing import build_documents_world, issue_now

    dw = build_documents_world()
    colleague = make_user("bella", "白兰")
    grant(colleague, "branch_secretary", dw.branch1)
    document = issue_now(dw, to=[dw.branch1])
    receipt_pk = document.receipts.get().pk
    signers = [dw.bob.pk, colleague.pk] * 3
    barrier = threading.Barrier(len(signers))
    results: list[bool] = []
    errors: list[Exception] = []

    def run(user_pk):
        from django.contrib.auth import get_user_model
        from django.db import connections

        try:
            actor = get_user_model().objects.get(pk=user_pk)
            receipt = Receipt.objects.select_related("organization").get(pk=receipt_pk)
            barrier.wait()
            results.append(receiving.receipt_sign(actor=actor, receipt=receipt))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(pk,)) for pk in signers]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    assert sorted(results) == [False] * (len(signers) - 1) + [True]
    assert Document.objects.get(pk=document.pk).signed_count == 1
    assert AuditEntry.objects.filter(action="documents.receipt_sign").count() == 1
    signed = Receipt.objects.get(pk=receipt_pk)
    assert signed.status == "signed" and signed.signed_by_id in (dw.bob.pk, colleague.pk)
