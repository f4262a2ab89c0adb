"""Pages of 公文: the pdf part (see /work/brief/contract.md). Declares its own routes."""

urlpatterns: list = []
