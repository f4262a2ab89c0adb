# Work tasks are tested in the documents world (the mine's office assigns, branches handle).
from dangjian.documents.tests.conftest import dw, module_dw  # noqa: F401
