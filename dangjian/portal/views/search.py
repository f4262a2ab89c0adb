"""站内搜索: `/search/?q=&site=&column=&from=&to=&page=`.

Anyone may search (anonymous visitors find public items only); every hit is readable by the
viewer (`dangjian.search` limits the query in SQL before paging). Bad filters answer the page
with a Chinese message next to the field, never an error page.
"""

from __future__ import annotations

from django import forms
from django.shortcuts import render
from django.urls import path
from django.views.decorators.http import require_GET

from dangjian.core.forms import BootstrapForm, DateInput
from dangjian.portal.models import Column, Site
from dangjian.search.query import MAX_QUERY_CHARS, check_query
from dangjian.search.query import search as run_search


class SearchForm(BootstrapForm):
    q = forms.CharField(
        label="搜索词",
        required=False,
        max_length=MAX_QUERY_CHARS,
        error_messages={"max_length": f"搜索词太长了，请不要超过 {MAX_QUERY_CHARS} 个字。"},
    )
    site = forms.ChoiceField(label="站点", required=False)
    column = forms.ChoiceField(label="栏目", required=False)

    def __init__(self, data, *, sites, columns):
        super().__init__(data)
        self.sites = {site.code: site for site in sites}
        self.fields["site"].choices = [("", "全部站点"), *((s.code, s.name) for s in sites)]
        self.fields["site"].error_messages["invalid_choice"] = "没有这个站点，已在全部站点中搜索。"
        self.fields["column"].choices = [("", "全部栏目"), *columns]
        self.fields["column"].error_messages["invalid_choice"] = "该站点没有这个栏目。"
        date_errors = {"invalid": "日期格式应为“年-月-日”，如 2026-05-01。"}
        self.fields["from"] = forms.DateField(
            label="起始日期", required=False, widget=DateInput(), error_messages=date_errors
        )
        self.fields["to"] = forms.DateField(
            label="截止日期", required=False, widget=DateInput(), error_messages=date_errors
        )
        for name in ("from", "to"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean(self):
        data = super().clean()
        start, end = data.get("from"), data.get("to")
        if start and end and start > end:
            self.add_error("to", "截止日期不能早于起始日期。")
        return data

    def value(self, name):
        """The cleaned value, or None where the field is empty or was refused."""
        if not self.is_valid() and name in self.errors:
            return None
        return self.cleaned_data.get(name) or None


def _columns(site: Site | None):
    """(slug, name) choices: the chosen site's columns, else every active column name once."""
    columns = Column.objects.filter(is_active=True, site__is_active=True).exclude(
        kind=Column.Kind.DOWNLOADS
    )
    if site is not None:
        columns = columns.filter(site=site)
    seen, choices = set(), []
    for slug, name in columns.order_by("site_id", "order", "id").values_list("slug", "name"):
        if slug not in seen:
            seen.add(slug)
            choices.append((slug, name))
    return choices


@require_GET
def search_page(request):
    sites = list(Site.objects.filter(is_active=True).order_by("organization__path"))
    by_code = {site.code: site for site in sites}
    site = by_code.get(request.GET.get("site", ""))
    form = SearchForm(request.GET, sites=sites, columns=_columns(site))
    form.is_valid()
    q = (form.value("q") or "").strip()
    column = form.value("column")
    context = {
        "form": form,
        "q": q,
        "site": site,
        "page_obj": None,
        "searched": False,
        "message": "",
    }
    if q or "q" in request.GET:
        message = check_query(q) if "q" not in form.errors else form.errors["q"][0]
        context["message"] = message
        if not message:
            page = run_search(
                q,
                user=request.user,
                site=site,
                column=column,
                date_from=form.value("from"),
                date_to=form.value("to"),
                page=request.GET.get("page") or 1,
            )
            query = request.GET.copy()
            query.pop("page", None)
            encoded = query.urlencode()
            context.update(
                page_obj=page,
                searched=True,
                query_without_page=f"{encoded}&" if encoded else "",
            )
    return render(request, "portal/search/results.html", context)


urlpatterns = [path("search/", search_page, name="search")]
