"""The printable forms: scope-checked, audited, real PDFs."""

import pytest
from django.urls import reverse

from dangjian.audit.models import AuditEntry
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.development import pdfs
from dangjian.development.models import State
from dangjian.development.tests.factories import make_applicant, open_case, walk


@pytest.fixture
def accepted(world):
    case = open_case(world, make_applicant(world.branch1, "李明"))
    return walk(world, case, until=State.PROBATIONARY)


def _urls(case):
    publicity = case.publicities.get(purpose="acceptance")
    vote = case.votes.get(purpose="acceptance")
    return [
        reverse("development:case_form", args=[case.pk, "activist"]),
        reverse("development:case_form", args=[case.pk, "candidate"]),
        reverse("development:publicity_notice", args=[publicity.pk]),
        reverse("development:vote_record", args=[vote.pk]),
    ]


def test_every_form_is_a_pdf_in_scope_only_and_audited(client, world, accepted):
    for url in _urls(accepted):
        before = AuditEntry.objects.filter(action=pdfs.PRINT_ACTION).count()
        result = assert_access_matrix(
            client, url=url, in_scope=world.bob, out_of_scope=world.dave, no_role=world.charlie
        )
        response = result.responses["in_scope"]
        assert response["Content-Type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert "filename*=UTF-8''" in response["Content-Disposition"]
        assert AuditEntry.objects.filter(action=pdfs.PRINT_ACTION).count() == before + 1


def test_an_unknown_form_is_404(client, world, accepted):
    client.force_login(world.bob)
    url = reverse("development:case_form", args=[accepted.pk, "nonsense"])
    assert client.get(url).status_code == 404


def test_the_print_action_has_a_label():
    from dangjian.audit.actions import LABELS

    assert pdfs.PRINT_ACTION in LABELS


def test_the_vote_record_states_quorum_and_pass_against_the_entitled(world, accepted):
    from django.template.loader import render_to_string

    vote = accepted.votes.get(purpose="acceptance")
    html = render_to_string(pdfs.FORMS["vote"][1], pdfs.vote_context(vote))
    assert "应到 20 人的半数（10）" in html and "达到" in html and "通过" in html


def test_the_publicity_notice_names_the_purpose(world, accepted):
    from django.template.loader import render_to_string

    publicity = accepted.publicities.get(purpose="acceptance")
    html = render_to_string(pdfs.FORMS["publicity"][1], pdfs.publicity_context(publicity))
    assert "关于李明同志拟接收预备党员的公示" in html
