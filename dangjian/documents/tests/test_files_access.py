"""A document's files are read after 签收, like its text: a recipient who guesses the file's
address before signing gets a 404; the sending side always gets the file."""

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from dangjian.documents.models import DocumentFile
from dangjian.documents.services.receiving import receipt_sign
from dangjian.documents.testing import issue_now

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def dw(module_dw, db):
    return module_dw


def test_a_recipient_gets_the_file_only_after_signing(dw, client):
    document = issue_now(dw, to=[dw.branch1])
    stored = DocumentFile(document=document, purpose="attachment", title="附件1.pdf")
    stored.file_kind, stored.size = "pdf", len(PDF)
    stored.file.save("a.pdf", ContentFile(PDF), save=True)
    url = reverse("documents:document_file", args=[stored.pk])

    client.force_login(dw.bob)
    assert client.get(url).status_code == 404
    receipt_sign(actor=dw.bob, receipt=document.receipts.get(organization=dw.branch1))
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF

    client.force_login(dw.oscar)
    assert client.get(url).status_code == 200
    client.force_login(dw.cora)  # another branch, not a recipient
    assert client.get(url).status_code == 404
