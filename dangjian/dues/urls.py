"""`/dues/`: each view module declares the routes of its pages."""

from dangjian.dues.views import (
    arrears,
    bases,
    collection,
    exports,
    hardships,
    imports,
    mine,
    statements,
    voluntary,
)

app_name = "dues"

urlpatterns = [
    *collection.urlpatterns,
    *bases.urlpatterns,
    *imports.urlpatterns,
    *hardships.urlpatterns,
    *arrears.urlpatterns,
    *statements.urlpatterns,
    *mine.urlpatterns,
    *exports.urlpatterns,
    *voluntary.urlpatterns,
]
