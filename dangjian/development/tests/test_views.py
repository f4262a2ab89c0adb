"""The development pages: who may open them, what they show, their forms and their cost."""

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.development.models import CaseStep, DevelopmentCase, Quota, State, StepCode
from dangjian.development.tests.factories import make_applicant, open_case, walk
from dangjian.members.tests.factories import make_member

C = StepCode
LIST_PAGE = {"no_role": 403, "out_of_scope": 200}


def url(name, *args):
    return reverse(f"development:{name}", args=args)


def case_at(world, state=None, *, name="李明", stop_before=None):
    case = open_case(world, make_applicant(world.branch1, name))
    if state is None and stop_before is None:
        return case
    return walk(world, case, until=state, stop_before=stop_before)


def steps_of(case):
    return list(CaseStep.objects.filter(case=case).values_list("code", flat=True))


# ---------------------------------------------------------------- access


@pytest.mark.parametrize("name", ["home", "case_list", "deadlines"])
def test_list_pages_matrix(client, world, name):
    case_at(world)
    result = assert_access_matrix(
        client,
        url=url(name),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect=LIST_PAGE,
    )
    if name == "case_list":
        assert "李明" in result.responses["in_scope"].content.decode()
        assert "李明" not in result.responses["out_of_scope"].content.decode()


def test_quota_page_is_for_the_committee_only(client, world):
    assert_access_matrix(
        client, url=url("quota"), in_scope=world.alice, out_of_scope=world.dave,
        no_role=world.bob, expect={"no_role": 403, "out_of_scope": 200},
    )  # fmt: skip


def test_case_page_matrix(client, world):
    case = case_at(world)
    result = assert_access_matrix(
        client,
        url=url("case_detail", case.pk),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )
    assert "递交入党申请书" in result.responses["in_scope"].content.decode()


def test_step_page_matrix_and_refused_posts_change_nothing(client, world):
    case = case_at(world)
    assert_access_matrix(
        client,
        url=url("step", case.pk, C.TALK),
        method="post",
        data={"done_on": "2024-02-01"},
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=lambda: (steps_of(case), DevelopmentCase.objects.get(pk=case.pk).state),
    )
    assert DevelopmentCase.objects.get(pk=case.pk).state == State.TALKED


def test_new_case_page_matrix(client, world):
    assert_access_matrix(client, url=url("case_new"), in_scope=world.bob, no_role=world.charlie)


def test_an_applicant_with_an_account_is_sent_to_their_own_case(client, world):
    case = case_at(world)
    world.charlie.person = case.person
    world.charlie.save()
    client.force_login(world.charlie)
    response = client.get(url("home"))
    assert response.status_code == 302
    assert response["Location"] == url("case_detail", case.pk)
    page = client.get(url("case_detail", case.pk)).content.decode()
    assert "李明" in page and 'data-testid="next-steps"' not in page


# ---------------------------------------------------------------- the list and the pipeline


def test_the_list_filters_by_state_organisation_and_pinyin(client, world):
    case_at(world, State.ACTIVIST, name="王小明")
    case_at(world, name="赵刚")
    client.force_login(world.alice)
    page = client.get(url("case_list"), {"state": State.ACTIVIST}).content.decode()
    assert "王小明" in page and "赵刚" not in page
    page = client.get(url("case_list"), {"q": "zg"}).content.decode()
    assert "赵刚" in page and "王小明" not in page
    page = client.get(url("case_list"), {"org": world.branch2.pk}).content.decode()
    assert "赵刚" not in page


def test_a_filter_outside_the_scope_says_so_instead_of_failing(client, world):
    client.force_login(world.bob)
    response = client.get(url("case_list"), {"org": world.branch3.pk, "state": "nonsense"})
    assert response.status_code == 200
    assert "不在您的权限范围内" in response.content.decode()


def test_home_counts_by_state_and_links_to_the_list(client, world):
    case_at(world, State.ACTIVIST, name="王小明")
    case_at(world, name="赵刚")
    client.force_login(world.bob)
    page = client.get(url("home")).content.decode()
    assert 'data-testid="open-total">2<' in page
    assert f"{url('case_list')}?state=activist" in page


def test_home_of_an_organisation_outside_the_scope_is_404(client, world):
    client.force_login(world.bob)
    assert client.get(url("home"), {"org": world.branch3.pk}).status_code == 404
    assert client.get(url("home"), {"org": "x1"}).status_code == 404


@pytest.mark.parametrize("name", ["case_list", "home", "deadlines"])
def test_pages_do_not_run_more_queries_with_more_cases(client, world, name):
    client.force_login(world.alice)
    case_at(world, name="甲")
    case_at(world, State.ACTIVIST, name="丙")  # every rule the pages read is read once already
    client.get(url(name))
    with CaptureQueriesContext(connection) as few:
        assert client.get(url(name)).status_code == 200
    for index in range(4):
        case_at(world, State.ACTIVIST, name=f"乙{index}")
    with CaptureQueriesContext(connection) as many:
        assert client.get(url(name)).status_code == 200
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


def test_the_case_page_runs_a_fixed_number_of_queries(client, world):
    client.force_login(world.bob)
    young = case_at(world, name="甲")
    client.get(url("case_detail", young.pk))
    with CaptureQueriesContext(connection) as few:
        client.get(url("case_detail", young.pk))
    old = case_at(world, State.PROBATIONARY, name="乙")
    with CaptureQueriesContext(connection) as many:
        client.get(url("case_detail", old.pk))
    assert len(many) <= len(few) + 3


# ---------------------------------------------------------------- opening a case


def test_the_applicant_search_offers_only_people_who_may_apply(client, world):
    make_applicant(world.branch1, "张卫东")
    make_member(world.branch1, "张卫国")
    client.force_login(world.bob)
    page = client.get(url("people_options"), {"person_q": "张卫"}).content.decode()
    assert "张卫东" in page and "张卫国" not in page


def test_opening_a_case_with_the_application_file(client, world):
    person = make_applicant(world.branch1, "张卫东")
    client.force_login(world.bob)
    response = client.post(
        url("case_new"),
        {
            "person": person.pk,
            "organization": world.branch1.pk,
            "applied_on": "2025-03-01",
            "received_on": "2025-03-03",
            "application_file": _pdf("申请书.pdf"),
        },
    )
    case = DevelopmentCase.objects.get(person=person)
    assert response.status_code == 302 and response["Location"] == url("case_detail", case.pk)
    assert case.materials.get().kind == "application"


def test_an_applicant_under_18_is_refused_with_the_rule(client, world):
    person = make_applicant(world.branch1, "小李", birth=date(2008, 6, 1))
    client.force_login(world.bob)
    response = client.post(
        url("case_new"),
        {
            "person": person.pk,
            "organization": world.branch1.pk,
            "applied_on": "2025-03-01",
            "received_on": "2025-03-03",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200 and "18" in page and "依据" in page
    assert not DevelopmentCase.objects.exists()


@pytest.mark.parametrize(
    "data, message",
    [
        ({"person": ""}, "请先搜索并选择申请人"),
        ({"person": "abc"}, "请从搜索结果中选择申请人"),
        ({"applied_on": "2025-13-45"}, "日期格式不正确"),
        ({"received_on": "2025-02-01"}, "不能早于申请书落款日期"),
        ({"organization": "999999"}, "不在您的权限范围内"),
    ],
)
def test_bad_input_on_the_new_case_form_says_what_to_fix(client, world, data, message):
    person = make_applicant(world.branch1, "张卫东")
    client.force_login(world.bob)
    base = {
        "person": person.pk,
        "organization": world.branch1.pk,
        "applied_on": "2025-03-01",
        "received_on": "2025-03-03",
    }
    response = client.post(url("case_new"), base | data)
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not DevelopmentCase.objects.exists()


# ---------------------------------------------------------------- steps


def test_naming_a_candidate_eleven_months_after_becoming_an_activist_is_refused(client, world):
    case = case_at(world, stop_before=C.CANDIDATE)
    client.force_login(world.bob)
    response = client.post(url("step", case.pk, C.CANDIDATE), {"done_on": "2025-06-15"})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="blocked"' in page and "2025-07-15" in page  # activist 2024-07-15 + 1 y
    assert 'data-testid="earliest-date"' in page and "依据" in page
    assert 'data-testid="override"' not in page  # Bob may not override
    assert DevelopmentCase.objects.get(pk=case.pk).state == State.ACTIVIST


def test_an_override_needs_a_written_reason_and_is_recorded(client, world):
    case = case_at(world, stop_before=C.CANDIDATE)
    client.force_login(world.alice)
    target = url("step", case.pk, C.CANDIDATE)
    page = client.post(target, {"done_on": "2025-06-15"}).content.decode()
    assert 'data-testid="override"' in page
    key = "development.cultivation_min_months"
    response = client.post(
        target, {"done_on": "2025-06-15", "override_rules": key, "override": "1"}
    )
    assert "例外放行须写明理由" in response.content.decode()
    assert DevelopmentCase.objects.get(pk=case.pk).state == State.ACTIVIST
    reason = "经上级党委研究同意，因其在抢险救灾中表现突出，提前列为发展对象。"
    response = client.post(
        target,
        {
            "done_on": "2025-06-15",
            "override_rules": key,
            "override": "1",
            "override_reason": reason,
        },
    )
    assert response.status_code == 302
    step = CaseStep.objects.get(case=case, code=C.CANDIDATE)
    assert step.override_reason == reason and key in step.overridden_rules


def test_a_step_that_is_not_legal_now_shows_why_and_writes_nothing(client, world):
    case = case_at(world)
    client.force_login(world.bob)
    response = client.post(url("step", case.pk, C.APPROVAL), {"done_on": "2024-02-01"})
    assert response.status_code == 200
    assert "不能办理" in response.content.decode()
    assert steps_of(case) == [C.APPLICATION]


@pytest.mark.parametrize("code", ["nonsense", "application", "1"])
def test_unknown_steps_are_404(client, world, code):
    case = case_at(world)
    client.force_login(world.bob)
    assert client.get(f"/development/cases/{case.pk}/steps/{code}/").status_code == 404


@pytest.mark.parametrize(
    "data, message",
    [
        ({}, "请填写谈话日期"),
        ({"done_on": "yesterday"}, "日期格式不正确"),
        ({"done_on": "2999-01-01"}, "不能晚于今天"),
        ({"done_on": "2024-02-01", "note": "字" * 2001}, "不能超过"),
    ],
)
def test_bad_step_input_says_what_to_fix(client, world, data, message):
    case = case_at(world)
    client.force_login(world.bob)
    response = client.post(url("step", case.pk, C.TALK), data)
    assert response.status_code == 200 and message in response.content.decode()
    assert steps_of(case) == [C.APPLICATION]


def test_bad_vote_counts_say_what_to_fix(client, world):
    case = case_at(world, stop_before=C.ACCEPTANCE_MEETING)
    client.force_login(world.bob)
    target = url("step", case.pk, C.ACCEPTANCE_MEETING)
    base = {"done_on": "2025-09-02", "entitled": "20", "present": "15", "yes": "14",
            "method": "show_of_hands"}  # fmt: skip
    page = client.post(target, base | {"present": "21"}).content.decode()
    assert "不能多于应到人数" in page
    page = client.post(target, base | {"yes": "十"}).content.decode()
    assert "请填写整数" in page
    page = client.post(target, base | {"no": "5"}).content.decode()
    assert "多于实到人数" in page
    assert DevelopmentCase.objects.get(pk=case.pk).state == State.PRE_APPROVED


def test_the_acceptance_meeting_sets_the_probation_end_one_year_later(client, world):
    case = case_at(world, stop_before=C.ACCEPTANCE_MEETING)
    client.force_login(world.bob)
    target = url("step", case.pk, C.ACCEPTANCE_MEETING)
    assert 'data-testid="probation-preview"' in client.get(target).content.decode()
    response = client.post(
        target,
        {"done_on": "2025-09-02", "entitled": "20", "present": "15", "yes": "14", "abstain": "1",
         "method": "show_of_hands"},
    )  # fmt: skip
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.BRANCH_ACCEPTED and case.probation_ends_on == date(2026, 9, 2)
    page = client.get(url("case_detail", case.pk)).content.decode()
    assert 'data-testid="probation-end">2026-09-02<' in page


def test_a_failed_vote_can_be_recorded_without_doing_the_step(client, world):
    case = case_at(world, stop_before=C.ACCEPTANCE_MEETING)
    client.force_login(world.bob)
    target = url("step", case.pk, C.ACCEPTANCE_MEETING)
    data = {"done_on": "2025-09-03", "entitled": "20", "present": "11", "yes": "10",
            "method": "show_of_hands"}  # fmt: skip
    page = client.post(target, data).content.decode()
    assert 'data-testid="blocked"' in page
    assert not case.votes.filter(meeting_on=date(2025, 9, 3)).exists()
    response = client.post(target, data | {"record_vote_only": "on"})
    assert response.status_code == 302
    vote = case.votes.get(meeting_on=date(2025, 9, 3))
    assert vote.has_quorum and not vote.passed
    assert DevelopmentCase.objects.get(pk=case.pk).state == State.PRE_APPROVED


def test_posting_the_same_form_twice_records_one_step(client, world):
    case = case_at(world, State.ACTIVIST)
    client.force_login(world.bob)
    data = {"done_on": "2025-01-10", "note": "表现良好", "form_token": "a" * 32}
    target = url("step", case.pk, C.ACTIVIST_REVIEW)
    assert client.post(target, data).status_code == 302
    assert client.post(target, data).status_code == 302
    assert steps_of(case).count(C.ACTIVIST_REVIEW) == 1


def test_contacts_are_picked_from_the_branchs_full_members(client, world):
    case = case_at(world, stop_before=C.ACTIVIST_FILING)
    one = make_member(world.branch1, "联系人甲")
    other = make_member(world.branch2, "外支部党员")
    client.force_login(world.bob)
    target = url("step", case.pk, C.CONTACTS)
    page = client.get(target).content.decode()
    assert "联系人甲" in page and "外支部党员" not in page
    page = client.post(target, {"done_on": "2024-07-20", "sponsors": [other.pk]}).content.decode()
    assert "不是本支部的正式党员" in page
    response = client.post(target, {"done_on": "2024-07-20", "sponsors": [one.pk]})
    assert response.status_code == 302
    assert list(case.sponsors.values_list("member_id", flat=True)) == [one.pk]


def test_the_date_preview_warns_before_submitting(client, world):
    case = case_at(world, stop_before=C.CANDIDATE)
    client.force_login(world.bob)
    target = url("step", case.pk, C.CANDIDATE)
    page = client.get(
        target, {"preview": "1", "done_on": "2025-06-15"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-testid="preview-warning"' in page and "2025-07-15" in page
    page = client.get(
        target, {"preview": "1", "done_on": "bad"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert "preview-warning" not in page


# ---------------------------------------------------------------- 公示, materials, quota, tab


def test_publicity_is_recorded_and_concluded(client, world):
    case = case_at(world, State.CANDIDATE)
    client.force_login(world.bob)
    response = client.post(
        url("publicity_new", case.pk),
        {"purpose": "acceptance", "starts_on": "2025-08-25", "ends_on": "2025-08-29"},
    )
    assert response.status_code == 302
    publicity = case.publicities.get(purpose="acceptance")
    page = client.post(url("publicity_conclude", publicity.pk), {"result": "resolved"})
    assert "请写明反映的问题" in page.content.decode()
    client.post(url("publicity_conclude", publicity.pk), {"result": "no_objection"})
    publicity.refresh_from_db()
    assert publicity.result == "no_objection"


def test_a_publicity_ending_before_it_starts_is_refused(client, world):
    case = case_at(world, State.CANDIDATE)
    client.force_login(world.bob)
    response = client.post(
        url("publicity_new", case.pk),
        {"purpose": "acceptance", "starts_on": "2025-08-25", "ends_on": "2025-08-20"},
    )
    assert "不能早于开始日期" in response.content.decode()


def test_materials_are_downloaded_only_in_scope(client, world):
    case = case_at(world)
    client.force_login(world.bob)
    client.post(
        url("material_upload", case.pk),
        {"kind": "thought_report", "title": "第一季度思想汇报", "file": _pdf("a.pdf")},
    )
    material = case.materials.get()
    assert_access_matrix(
        client,
        url=url("material_download", material.pk),
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_an_upload_that_is_not_a_document_is_refused(client, world):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = case_at(world)
    client.force_login(world.bob)
    response = client.post(
        url("material_upload", case.pk),
        {"kind": "other", "title": "脚本", "file": SimpleUploadedFile("x.pdf", b"<script>")},
    )
    assert response.status_code == 200 and "form-error" in response.content.decode()
    assert not case.materials.exists()


def test_the_committee_sets_quotas_and_sees_branches_over_quota(client, world):
    walk(world, open_case(world, make_applicant(world.branch1, "甲")), until=State.BRANCH_ACCEPTED)
    client.force_login(world.alice)
    response = client.post(url("quota_set", world.branch1.pk), {"year": "2025", "planned": "0"})
    assert response.status_code == 302
    assert Quota.objects.get(organization=world.branch1, year=2025).planned == 0
    page = client.get(url("quota"), {"year": "2025"}).content.decode()
    assert "超计划" in page
    client.post(url("quota_set", world.branch1.pk), {"year": "2025", "planned": "-1"})
    assert Quota.objects.get(organization=world.branch1, year=2025).planned == 0
    assert client.post(url("quota_set", world.branch3.pk), {"planned": "3"}).status_code == 404


def test_the_member_page_shows_the_development_record_once_admitted(client, world):
    case = case_at(world, State.PROBATIONARY)
    client.force_login(world.bob)
    member_url = reverse("members:detail", args=[case.member_id])
    page = client.get(member_url, {"tab": "development"}).content.decode()
    assert 'data-testid="development-tab"' in page and "上级党委审批" in page


def _pdf(name):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")


# ---------------------------------------------------------------- every other endpoint


def _case_pages(world):
    case = case_at(world, State.CANDIDATE)
    publicity = case.publicities.first() or _publicity(world, case)
    sponsor = case.sponsors.first()
    return case, publicity, sponsor


def _publicity(world, case):
    from dangjian.development import services

    return services.publicity_record(
        actor=world.bob, case=case, purpose="acceptance", starts_on=date(2025, 8, 25),
        ends_on=date(2025, 8, 29),
    )  # fmt: skip


@pytest.mark.parametrize(
    "name, target",
    [("publicity_new", "case"), ("material_upload", "case"), ("publicity_conclude", "publicity")],
)
def test_record_pages_matrix(client, world, name, target):
    case, publicity, _ = _case_pages(world)
    obj = {"case": case, "publicity": publicity}[target]
    assert_access_matrix(
        client, url=url(name, obj.pk), in_scope=world.bob, out_of_scope=world.dave,
        no_role=world.charlie,
    )  # fmt: skip


def test_removing_a_sponsor_matrix(client, world):
    case, _, sponsor = _case_pages(world)
    assert_access_matrix(
        client,
        url=url("sponsor_remove", sponsor.pk),
        method="post",
        data={},
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=lambda: sorted(case.sponsors.values_list("pk", flat=True)),
    )


def test_deleting_a_material_matrix(client, world):
    from dangjian.development import services

    case = case_at(world)
    material = services.material_upload(
        actor=world.bob, case=case, kind="other", title="说明", upload=_pdf("x.pdf")
    )
    assert_access_matrix(
        client,
        url=url("material_delete", material.pk),
        method="post",
        data={},
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
        expect={"in_scope": 302},
        state=lambda: sorted(case.materials.values_list("pk", flat=True)),
    )
    assert not case.materials.exists()


def test_people_search_and_quota_writes_matrix(client, world):
    assert_access_matrix(
        client, url=url("people_options") + "?person_q=李", in_scope=world.bob,
        no_role=world.charlie,
    )  # fmt: skip
    assert_access_matrix(
        client,
        url=url("quota_set", world.branch1.pk),
        method="post",
        data={"year": "2025", "planned": "3"},
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.bob,
        expect={"no_role": 403, "in_scope": 302},
        state=lambda: list(Quota.objects.values_list("planned", flat=True)),
    )


def test_the_menu_lists_the_development_pages(client, world):
    client.force_login(world.bob)
    page = client.get(url("home")).content.decode()
    assert url("case_new") in page and url("quota") not in page
    client.force_login(world.alice)
    assert url("quota") in client.get(url("home")).content.decode()


def test_a_committee_step_tells_the_branch_who_does_it(client, world):
    case = case_at(world, stop_before=C.ACTIVIST_FILING)
    client.force_login(world.bob)
    page = client.get(url("step", case.pk, C.ACTIVIST_FILING)).content.decode()
    assert "须由上级党委办理" in page and 'data-testid="step-form"' not in page
    client.force_login(world.alice)
    page = client.get(url("step", case.pk, C.ACTIVIST_FILING)).content.decode()
    assert 'data-testid="step-form"' in page


def test_the_meeting_date_preview_shows_the_probation_end(client, world):
    case = case_at(world, stop_before=C.ACCEPTANCE_MEETING)
    client.force_login(world.bob)
    target = url("step", case.pk, C.ACCEPTANCE_MEETING)
    page = client.get(target).content.decode()
    assert f'hx-get="{target}?preview=1"' in page
    page = client.get(
        target, {"preview": "1", "done_on": "2025-09-02"}, HTTP_HX_REQUEST="true"
    ).content.decode()
    assert 'data-testid="preview-probation"' in page and "2026-09-02" in page


def test_closing_a_case_needs_a_reason(client, world):
    case = case_at(world, State.ACTIVIST)
    client.force_login(world.bob)
    target = url("step", case.pk, C.CLOSE)
    page = client.post(target, {"done_on": "2024-08-01"}).content.decode()
    assert "请填写终止原因" in page
    assert DevelopmentCase.objects.get(pk=case.pk).state == State.ACTIVIST
    response = client.post(target, {"done_on": "2024-08-01", "note": "本人书面申请撤回入党申请。"})
    assert response.status_code == 302
    assert DevelopmentCase.objects.get(pk=case.pk).state == State.CLOSED
    page = client.get(url("case_detail", case.pk)).content.decode()
    assert "本人书面申请撤回入党申请" in page and 'data-testid="next-steps"' not in page


def test_extending_the_probation_asks_for_the_months_and_a_vote(client, world):
    case = case_at(world, State.PROBATIONARY)
    client.force_login(world.alice)
    target = url("step", case.pk, C.EXTENSION)
    base = {"done_on": "2026-09-02", "note": "预备期内两次无故不参加组织生活，需继续考察。",
            "entitled": "20", "present": "15", "yes": "14", "method": "show_of_hands"}  # fmt: skip
    assert "请填写延长的月数" in client.post(target, base).content.decode()
    page = client.post(target, base | {"months": "3"}).content.decode()
    assert 'data-testid="rule-block"' in page
    response = client.post(target, base | {"months": "6"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.state == State.PROBATION_EXTENDED and case.extended_until == date(2027, 3, 2)
