"""The portal's pages. Included at the site root: `/` is the front page of the root
organisation's site, `/s/<code>/` a sub-site. Each view module declares its routes."""

from dangjian.portal.views import downloads, editor, feeds, manage, media, review, search, site

app_name = "portal"

urlpatterns = [
    *editor.urlpatterns,
    *review.urlpatterns,
    *manage.urlpatterns,
    *media.urlpatterns,
    *downloads.urlpatterns,
    *search.urlpatterns,
    *feeds.urlpatterns,
    *site.urlpatterns,
]
