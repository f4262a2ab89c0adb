"""换届 pages and API: the terms page per subtree (soon, overdue with days, missing committee,
elections), query-count guards on every tab, the election form (picker of 正式党员, refusals,
double click), the result page and confirmation, and the scoped API."""

import itertools
from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from dangjian.appraisals.tests.helpers import full_members, probationary
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.meetings.models import Election
from dangjian.meetings.services import elections as services
from dangjian.orgs.models import Committee, Organization, OrgType

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()
_serial = itertools.count(1)


def committee_for(organization, term_end):
    return Committee.objects.create(
        organization=organization, term_start=term_end - timedelta(days=3 * 365), term_end=term_end
    )


def branches(world, count, *, term_end=None, full=0):
    made = []
    for _ in range(count):
        index = next(_serial)
        parent = Organization.objects.get(pk=world.mine.pk)
        branch = Organization.objects.add_child(
            parent, {"org_type": OrgType.BRANCH, "name": f"测试支部{index}", "code": f"T-{index}"}
        )
        if term_end:
            committee_for(branch, term_end)
        if full:
            Organization.objects.filter(pk=branch.pk).update(full_member_count=full)
        made.append(branch)
    return made


@pytest.fixture
def seeded(world):
    committee_for(world.branch1, TODAY + timedelta(days=60))
    committee_for(world.branch2, TODAY - timedelta(days=10))
    committee_for(world.branch3, TODAY + timedelta(days=30))
    return world


def _page(client, **params):
    return client.get(reverse("meetings:terms"), params)


def _table(client, **params) -> str:
    """The rows of the terms table only (the filter's options name organisations too)."""
    page = _page(client, **params).content.decode()
    start = page.find('data-testid="terms-table"')
    return page[start : page.find("</table>", start)] if start >= 0 else ""


def test_terms_page_matrix(client, seeded):
    assert_access_matrix(
        client,
        url=reverse("meetings:terms"),
        in_scope=seeded.alice,
        out_of_scope=seeded.dave,
        no_role=seeded.charlie,
        expect={"out_of_scope": 200},  # Dave sees his own subtree, never Alice's rows
    )
    client.force_login(seeded.dave)
    assert "综采一队" not in _page(client).content.decode()


def test_tabs_show_soon_overdue_with_days_and_missing(client, seeded):
    client.force_login(seeded.alice)
    soon = _table(client)
    assert "综采一队党支部" in soon and "60 天" in soon and "掘进二队" not in soon
    assert "通风区" not in soon  # another subtree
    overdue = _page(client, tab="overdue").content.decode()
    assert "掘进二队党支部" in overdue and 'data-testid="days-overdue">10 天' in overdue
    Organization.objects.filter(pk=seeded.branch1.pk).update(full_member_count=8)
    Committee.objects.filter(organization=seeded.branch1).delete()
    missing = _page(client, tab="missing").content.decode()
    assert "综采一队党支部" in missing and "应设立支部委员会" in missing


def test_within_narrows_to_a_subtree_and_refuses_one_outside(client, seeded):
    client.force_login(seeded.alice)
    assert "掘进二队党支部" in _table(client, within=seeded.branch2.pk, tab="overdue")
    assert "掘进二队党支部" not in _table(client, within=seeded.branch1.pk, tab="overdue")
    response = _page(client, within=seeded.branch3.pk, tab="nonsense", page="x")
    assert response.status_code == 200
    assert "不在您可以查看班子的范围内" in response.content.decode()


@pytest.mark.parametrize(
    ("tab", "term_end", "full"),
    [("soon", 40, 0), ("overdue", -40, 0), ("missing", None, 9), ("elections", None, 0)],
)
def test_every_tab_counts_queries_the_same_for_n_and_3n_rows(client, world, tab, term_end, full):
    end = TODAY + timedelta(days=term_end) if term_end else None

    def add(count):
        made = branches(world, count, term_end=end, full=full)
        if tab == "elections":
            for branch in made:
                Election.objects.create(
                    organization=branch, held_on=TODAY, seats=1, entitled_count=9, present_count=9
                )

    client.force_login(world.alice)
    add(2)
    _page(client, tab=tab)
    with CaptureQueriesContext(connection) as few:
        _page(client, tab=tab)
    add(4)
    with CaptureQueriesContext(connection) as many:
        response = _page(client, tab=tab)
    assert len(few) == len(many)
    assert response.content.decode().count("测试支部") >= 6


# --- elections ---------------------------------------------------------------------------------


@pytest.fixture
def voters(world):
    return [member.person for member in full_members(world.branch1, 9)]


def _form_data(people, votes, *, token="", **figures):
    data = {
        "form_token": token,
        "held_on": (TODAY - timedelta(days=1)).isoformat(),
        "meeting": "",
        "seats": 3,
        "entitled_count": 9,
        "present_count": 9,
        "ballots_issued": 9,
        "ballots_returned": 9,
        "ballots_valid": 9,
        "term_years": 3,
        "note": "",
        "cand-TOTAL_FORMS": str(len(people)),
        "cand-INITIAL_FORMS": "0",
    }
    for index, (person, vote) in enumerate(zip(people, votes, strict=True)):
        data[f"cand-{index}-person"] = person.pk
        data[f"cand-{index}-votes"] = vote
    data.update(figures)
    return data


def _create_url(world):
    return reverse("meetings:election_create") + f"?organization={world.branch1.pk}"


def test_election_create_matrix(client, world, voters):
    assert_access_matrix(
        client,
        url=_create_url(world),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_record_and_confirm_through_the_pages(client, world, voters):
    client.force_login(world.bob)
    form = client.get(_create_url(world))
    data = _form_data(voters[:4], [9, 8, 5, 7], token=form.context["form_token"])
    response = client.post(_create_url(world), data)
    assert response.status_code == 302
    assert client.post(_create_url(world), data).status_code == 302  # the double click
    election = Election.objects.get()
    page = client.get(reverse("meetings:election_detail", args=[election.pk])).content.decode()
    assert 'data-testid="quorum">有效' in page and 'data-testid="confirm-form"' in page
    assert page.count("当选</span>") == 3
    assert 'data-testid="margin-warning"' not in page  # 4 candidates for 3 seats is 差额 ≥ 20 %
    elected = election.candidates.filter(is_elected=True).order_by("-votes")
    token = client.get(reverse("meetings:election_detail", args=[election.pk])).context[
        "form_token"
    ]
    confirm = {"form_token": token, f"post-{elected[0].pk}": "secretary", "approval_note": ""}
    url = reverse("meetings:election_confirm", args=[election.pk])
    assert client.post(url, confirm).status_code == 302
    assert client.post(url, confirm).status_code == 302  # repeated: no second committee
    election.refresh_from_db()
    assert election.status == "confirmed" and election.committee.is_current
    assert Committee.objects.filter(organization=world.branch1).count() == 1
    page = client.get(reverse("meetings:election_detail", args=[election.pk])).content.decode()
    assert "已产生新一届班子" in page and 'data-testid="post">书记</span>' in page


def test_a_probationary_member_is_refused_by_the_form(client, world, voters):
    young = probationary(world.branch1).person
    client.force_login(world.bob)
    response = client.post(_create_url(world), _form_data([*voters[:3], young], [9, 8, 7, 1]))
    assert response.status_code == 400
    assert "预备党员没有选举权和被选举权" in response.content.decode()
    assert not Election.objects.exists()


def test_contradicting_figures_are_refused_in_chinese(client, world, voters):
    client.force_login(world.bob)
    data = _form_data(voters[:4], [9, 8, 5, 7], ballots_returned=10, ballots_issued=9)
    response = client.post(_create_url(world), data)
    assert response.status_code == 400
    assert "收回的选票多于发出的选票" in response.content.decode()


def test_people_picker_lists_only_full_members_of_the_organisation(client, world, voters):
    probationary(world.branch1, "预备乙")
    full_members(world.branch2, 1, prefix="邻支部")
    client.force_login(world.bob)
    url = reverse("meetings:election_people")
    page = client.get(url, {"organization": world.branch1.pk, "q": "党员1"}).content.decode()
    assert "党员1" in page and "预备乙" not in page
    page = client.get(url, {"organization": world.branch1.pk, "q": ""}).content.decode()
    assert "预备乙" not in page and "邻支部" not in page
    assert client.get(url, {"organization": world.branch3.pk}).status_code == 404


def test_detail_matrix_and_confirm_matrix(client, world, voters):
    election = services.election_save(
        actor=world.bob,
        organization=world.branch1,
        held_on=TODAY,
        seats=1,
        entitled_count=9,
        present_count=9,
        ballots_issued=9,
        ballots_returned=9,
        ballots_valid=9,
        candidates=[(voters[0], 8), (voters[1], 1)],
    )
    assert_access_matrix(
        client,
        url=reverse("meetings:election_detail", args=[election.pk]),
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )
    assert_access_matrix(
        client,
        url=reverse("meetings:election_confirm", args=[election.pk]),
        method="post",
        data={},
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=lambda: list(Committee.objects.values_list("pk", flat=True)),
    )
    election.refresh_from_db()
    assert election.status == "confirmed"


def test_tie_page_shows_the_second_ballot_warning_and_no_confirm(client, world, voters):
    election = services.election_save(
        actor=world.bob,
        organization=world.branch1,
        held_on=TODAY,
        seats=1,
        entitled_count=9,
        present_count=9,
        ballots_issued=9,
        ballots_returned=9,
        ballots_valid=9,
        candidates=[(voters[0], 5), (voters[1], 5)],
    )
    client.force_login(world.bob)
    page = client.get(reverse("meetings:election_detail", args=[election.pk])).content.decode()
    assert 'data-testid="tie-warning"' in page and 'data-testid="confirm-form"' not in page
    assert 'data-testid="margin-warning"' not in page


def test_api_terms_and_elections_are_scoped(client, seeded, voters):
    client.force_login(seeded.alice)
    soon = client.get("/api/v1/meetings/terms/").json()["results"]
    assert [(row["name"], row["days"]) for row in soon] == [("综采一队党支部", 60)]
    overdue = client.get("/api/v1/meetings/terms/", {"kind": "overdue"}).json()["results"]
    assert overdue[0]["days"] == -10
    assert client.get("/api/v1/meetings/terms/", {"kind": "x"}).status_code == 400
    narrowed = client.get("/api/v1/meetings/terms/", {"organization": seeded.branch3.pk})
    assert narrowed.status_code == 400
    election = services.election_save(
        actor=seeded.bob,
        organization=seeded.branch1,
        held_on=TODAY,
        seats=1,
        entitled_count=9,
        present_count=9,
        ballots_issued=9,
        ballots_returned=9,
        ballots_valid=9,
        candidates=[(voters[0], 8), (voters[1], 1)],
    )
    body = client.get(f"/api/v1/meetings/elections/{election.pk}/").json()
    assert body["tally"]["quorum_met"] and body["tally"]["candidates"][0]["is_elected"]
    client.force_login(seeded.dave)
    assert client.get(f"/api/v1/meetings/elections/{election.pk}/").status_code == 404
    assert client.get("/api/v1/meetings/elections/").json()["results"] == []
    client.logout()
    assert client.get("/api/v1/meetings/terms/").status_code in (401, 403)


def test_election_date_field_is_today_or_earlier(client, world, voters):
    client.force_login(world.bob)
    data = _form_data(voters[:4], [9, 8, 5, 7], held_on=(TODAY + timedelta(days=3)).isoformat())
    response = client.post(_create_url(world), data)
    assert response.status_code == 400 and "不能晚于今天" in response.content.decode()


@pytest.mark.parametrize("kind", ["soon", "overdue", "missing", "elections"])
def test_api_lists_count_queries_the_same_for_n_and_3n_rows(client, world, voters, kind):
    end = {"soon": 40, "overdue": -40}.get(kind)

    def add(count):
        made = branches(
            world,
            count,
            term_end=TODAY + timedelta(days=end) if end else None,
            full=9 if kind == "missing" else 0,
        )
        if kind == "elections":
            for branch in made:
                election = Election.objects.create(
                    organization=branch, held_on=TODAY, seats=1, entitled_count=9, present_count=9
                )
                election.candidates.create(person=voters[0], votes=5)
                election.candidates.create(person=voters[1], votes=3)

    url = "/api/v1/meetings/elections/" if kind == "elections" else "/api/v1/meetings/terms/"
    params = {} if kind == "elections" else {"kind": kind}
    client.force_login(world.alice)
    add(2)
    client.get(url, params)
    with CaptureQueriesContext(connection) as few:
        client.get(url, params)
    add(4)
    with CaptureQueriesContext(connection) as many:
        body = client.get(url, params).json()
    assert len(few) == len(many)
    assert body["count"] >= 6


def test_terms_export_is_scoped_and_audited(client, seeded):
    import io

    from openpyxl import load_workbook

    from dangjian.audit.models import AuditEntry

    url = reverse("meetings:terms_export")
    assert_access_matrix(
        client,
        url=url,
        method="post",
        data={"tab": "overdue"},
        in_scope=seeded.alice,
        no_role=seeded.charlie,
        expect={"in_scope": 200},
    )
    client.force_login(seeded.dave)
    sheet = load_workbook(io.BytesIO(client.post(url, {"tab": "overdue"}).content)).active
    assert [row[1] for row in sheet.iter_rows(min_row=3, values_only=True)] == []
    client.force_login(seeded.alice)
    response = client.post(url, {"tab": "overdue"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=3, values_only=True))
    assert rows == [
        (1, "掘进二队党支部", "党支部", (TODAY - timedelta(days=10)).isoformat(), -10, 0)
    ]
    assert AuditEntry.objects.filter(action="meetings.terms_export").count() == 3


def test_election_report_pdf_is_scoped_and_audited(client, world, voters):
    from dangjian.audit.models import AuditEntry

    election = services.election_save(
        actor=world.bob,
        organization=world.branch1,
        held_on=TODAY,
        seats=1,
        entitled_count=9,
        present_count=9,
        ballots_issued=9,
        ballots_returned=9,
        ballots_valid=9,
        candidates=[(voters[0], 8), (voters[1], 1)],
    )
    result = assert_access_matrix(
        client,
        url=reverse("meetings:election_pdf", args=[election.pk]),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )
    response = result.responses["in_scope"]
    assert response["Content-Type"] == "application/pdf" and response.content.startswith(b"%PDF")
    assert AuditEntry.objects.filter(action="meetings.election_print").count() == 1
