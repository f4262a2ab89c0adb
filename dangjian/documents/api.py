"""`/api/v1/documents/…`: the caller's receipts (to sign, sign, read, reply) and sent documents,
for the mobile client. The viewsets live in `api_documents.py`."""

from dangjian.documents import api_documents

routes = [*api_documents.routes]
