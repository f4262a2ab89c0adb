"""Pages of 公文: the outgoing part (see /work/brief/contract.md). Declares its own routes."""

urlpatterns: list = []
