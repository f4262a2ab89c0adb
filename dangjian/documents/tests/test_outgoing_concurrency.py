"""发文字号 under concurrency (PostgreSQL): 8 threads, each with its own connection, issuing
5 documents each of the same issuer, 机关代字 and year get exactly the serials 1..40 — no
duplicate, no gap. In its own module: it commits for real, outside the shared test world."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from dangjian.documents.models import DocType, Document, DocumentAddress, NumberSequence
from dangjian.documents.services import outgoing

Status = Document.Status


def _signed_straight(dw, title: str) -> Document:
    """A signed document written straight (the concurrency test needs forty quickly)."""
    document = Document.objects.create(
        issuer=dw.mine, doc_type=DocType.NOTICE, prefix=dw.prefix, title=title,
        body_html="<p>正文</p>", status=Status.SIGNED, drafted_by=dw.oscar,
        reviewed_by=dw.olivia, signer=dw.lee, signer_name=dw.lee.display_name,
        dated=timezone.localdate(),
    )  # fmt: skip
    DocumentAddress.objects.create(document=document, organization=dw.branch1)
    return document


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="SQLite serialises every write transaction; concurrent issue needs PostgreSQL row locks",
)
def test_concurrent_issues_get_every_number_once():
    from dangjian.documents.testing import build_documents_world

    dw = build_documents_world()
    threads, per_thread = 8, 5
    batches = [
        [_signed_straight(dw, f"通知{t}-{i}").pk for i in range(per_thread)] for t in range(threads)
    ]
    barrier = threading.Barrier(threads)
    errors: list[Exception] = []

    def run(pks):
        from django.contrib.auth import get_user_model
        from django.db import connections

        try:
            actor = get_user_model().objects.get(pk=dw.oscar.pk)
            barrier.wait()
            for pk in pks:
                outgoing.document_issue(actor=actor, document=Document.objects.get(pk=pk))
        except Exception as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(pks,)) for pks in batches]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    serials = sorted(Document.objects.filter(status=Status.ISSUED).values_list("serial", flat=True))
    assert serials == list(range(1, threads * per_thread + 1))
    year = timezone.localdate().year
    sequence = NumberSequence.objects.get(organization=dw.mine, prefix="一矿党", year=year)
    assert sequence.last == threads * per_thread
    numbers = set(Document.objects.values_list("number", flat=True))
    assert len(numbers) == threads * per_thread
