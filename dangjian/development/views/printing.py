"""The printable forms as PDF: each view checks scope (404 outside it), writes the audit
entry and returns the PDF inline (the browser's viewer is where people print from)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.urls import path
from django.views.decorators.http import require_GET

from dangjian.core.forms import parse_id
from dangjian.core.pdf import pdf_response
from dangjian.development import pdfs
from dangjian.development import selectors_ui as select
from dangjian.development.views.common import case_or_404

CASE_FORMS = {"activist": pdfs.activist_context, "candidate": pdfs.candidate_context}


@login_required
@require_GET
def case_form(request, pk, form):
    if form not in CASE_FORMS:
        raise Http404
    case = case_or_404(request, pk)
    content = pdfs.render_form(form, CASE_FORMS[form](case))
    pdfs.form_printed(actor=request.user, case=case, key=form)
    title = pdfs.FORMS[form][0]
    return pdf_response(content, f"{title}-{case.person.name}.pdf")


@login_required
@require_GET
def publicity_notice(request, pk):
    publicity = select.publicity_for(request.user, parse_id(pk))
    context = pdfs.publicity_context(publicity)
    content = pdfs.render_form("publicity", context)
    pdfs.form_printed(
        actor=request.user,
        case=publicity.case,
        key="publicity",
        detail=f"（{publicity.get_purpose_display()}）",
    )
    return pdf_response(content, f"{context['title']}.pdf")


@login_required
@require_GET
def vote_record(request, pk):
    vote = select.vote_for(request.user, parse_id(pk))
    content = pdfs.render_form("vote", pdfs.vote_context(vote))
    pdfs.form_printed(
        actor=request.user,
        case=vote.case,
        key="vote",
        detail=f"（{vote.get_purpose_display()} {vote.meeting_on:%Y-%m-%d}）",
    )
    return pdf_response(content, f"支部大会表决记录-{vote.case.person.name}.pdf")


urlpatterns = [
    path("cases/<int:pk>/print/<slug:form>/", case_form, name="case_form"),
    path("publicity/<int:pk>/print/", publicity_notice, name="publicity_notice"),
    path("votes/<int:pk>/print/", vote_record, name="vote_record"),
]
