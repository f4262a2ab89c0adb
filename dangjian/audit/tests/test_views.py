"""The audit page: only the audit administrator reads the log; every read is audited."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from dangjian.audit.models import AuditEntry, AuditVerification
from dangjian.audit.selectors import PAGE_SIZE
from dangjian.audit.services import audit_log
from dangjian.audit.tests.helpers import drop_triggers, raw, write_entries
from dangjian.core.models import Job
from dangjian.core.testing.matrix import assert_access_matrix

LIST = "/audit/"
REFUSED_LIST = {"no_role": 403, "out_of_scope": 403}


def _detail(entry) -> str:
    return reverse("audit:detail", args=[entry.pk])


def _entry_count():
    return AuditEntry.objects.count()


class TestAccess:
    def test_the_list_is_for_the_audit_administrator_only(self, client, world):
        write_entries(2)
        assert_access_matrix(
            client,
            url=LIST,
            in_scope=world.auditor,
            out_of_scope=world.sysadmin,
            no_role=world.charlie,
            expect=REFUSED_LIST,
        )

    @pytest.mark.parametrize("name", ["sysadmin", "alice", "charlie"])
    def test_others_get_403_for_the_list_and_nothing_is_logged(self, client, world, name):
        client.force_login(getattr(world, name))
        count = _entry_count()
        assert client.get(LIST).status_code == 403
        assert _entry_count() == count

    def test_an_entry_is_404_for_everyone_else(self, client, world):
        entry = write_entries(1)[0]
        assert_access_matrix(
            client,
            url=_detail(entry),
            in_scope=world.auditor,
            out_of_scope=world.sysadmin,
            no_role=world.charlie,
        )
        client.force_login(world.secadmin)
        assert client.get(_detail(entry)).status_code == 404

    def test_the_security_administrator_reads_only_the_auditors_actions(self, client, world):
        business = audit_log(
            actor=world.alice, action="orgs.organization_update", organization=world.branch1
        )
        client.force_login(world.auditor)
        client.get(LIST)  # reading the log is itself an entry, by the auditor
        read = AuditEntry.objects.filter(actor=world.auditor, action="audit.view_log").latest("id")
        client.force_login(world.secadmin)
        response = client.get(LIST)
        assert response.status_code == 200
        ids = [entry.pk for entry in response.context["log"].page.entries]
        assert read.pk in ids and business.pk not in ids
        assert client.get(_detail(read)).status_code == 200
        assert client.get(_detail(business)).status_code == 404
        assert 'data-testid="chain-verify"' not in response.content.decode()

    def test_a_missing_entry_is_404_for_the_auditor(self, client, world):
        client.force_login(world.auditor)
        assert client.get(reverse("audit:detail", args=[999999])).status_code == 404

    def test_an_auditor_of_one_mine_reads_only_that_mine(self, client, world):
        from dangjian.core.testing.world import grant, make_user

        local = make_user("mineauditor", "矿审计员")
        grant(local, "audit_admin", world.mine)
        inside = audit_log(
            actor=world.alice, action="orgs.organization_update", organization=world.branch1
        )
        outside = audit_log(
            actor=world.dave, action="orgs.organization_update", organization=world.branch3
        )
        platform = audit_log(actor=world.alice, action="accounts.login")
        client.force_login(local)
        assert client.get(_detail(inside)).status_code == 200
        assert client.get(_detail(outside)).status_code == 404
        assert client.get(_detail(platform)).status_code == 404
        ids = [entry.pk for entry in client.get(LIST).context["log"].page.entries]
        assert inside.pk in ids and outside.pk not in ids and platform.pk not in ids

    def test_posting_verify_or_export_is_refused_to_others(self, client, world):
        for user in (world.sysadmin, world.secadmin, world.charlie):
            client.force_login(user)
            jobs = Job.objects.count()
            assert client.post(reverse("audit:verify")).status_code == 403
            assert client.post(reverse("audit:export")).status_code == 403
            assert Job.objects.count() == jobs

    def test_anonymous_posts_go_to_login(self, client, world):
        for name in ("audit:verify", "audit:export"):
            response = client.post(reverse(name))
            assert response.status_code == 302
            assert "/accounts/login/" in response["Location"]

    def test_get_is_refused_on_the_post_endpoints(self, client, world):
        client.force_login(world.auditor)
        assert client.get(reverse("audit:verify")).status_code == 405
        assert client.get(reverse("audit:export")).status_code == 405


class TestReadingIsAudited:
    def test_viewing_the_list_writes_an_entry_with_the_filter(self, client, world):
        client.force_login(world.auditor)
        client.get(LIST, {"result": "failure"})
        entry = AuditEntry.objects.order_by("-id").first()
        assert entry.action == "audit.view_log"
        assert entry.actor == world.auditor
        assert entry.after == {"filters": {"result": "failure"}}

    def test_viewing_an_entry_writes_an_entry(self, client, world):
        target = write_entries(1)[0]
        client.force_login(world.auditor)
        client.get(_detail(target))
        entry = AuditEntry.objects.order_by("-id").first()
        assert (entry.action, entry.object_id) == ("audit.view_entry", str(target.pk))


def _ids(response) -> list[int]:
    return [entry.pk for entry in response.context["log"].page.entries]


class TestFilters:
    @pytest.fixture
    def entries(self, world):
        return {
            "alice_login": audit_log(actor=world.alice, action="accounts.login"),
            "bob_branch": audit_log(
                actor=world.bob, action="orgs.organization_update", organization=world.branch1
            ),
            "dave_mine2": audit_log(
                actor=world.dave, action="orgs.committee_create", organization=world.branch3
            ),
            "alice_failed": audit_log(
                actor=None,
                action="accounts.login_failed",
                obj=world.alice,
                success=False,
            ),
            "unknown_failed": audit_log(
                actor=None,
                action="accounts.login_failed",
                object_type="accounts.user",
                object_repr="mallory",
                success=False,
            ),
            "secadmin_grant": audit_log(
                actor=world.secadmin,
                action="accounts.role_grant",
                obj=world.bob,
                organization=world.branch2,
            ),
        }

    def _get(self, client, world, **params):
        client.force_login(world.auditor)
        response = client.get(LIST, params)
        assert response.status_code == 200
        return response

    def test_person_by_login_name_includes_failed_logins_on_the_account(
        self, client, world, entries
    ):
        ids = _ids(self._get(client, world, person="alice"))
        assert set(ids) == {entries["alice_login"].pk, entries["alice_failed"].pk}

    def test_person_by_part_of_the_display_name(self, client, world, entries):
        ids = _ids(self._get(client, world, person="鲍"))
        assert ids == [entries["bob_branch"].pk]

    def test_person_matches_an_unknown_login_name_typed_at_login(self, client, world, entries):
        assert _ids(self._get(client, world, person="mallory")) == [entries["unknown_failed"].pk]

    def test_action_exact(self, client, world, entries):
        ids = _ids(self._get(client, world, action="accounts.login_failed"))
        assert set(ids) == {entries["alice_failed"].pk, entries["unknown_failed"].pk}

    def test_action_group(self, client, world, entries):
        ids = _ids(self._get(client, world, action="orgs.*"))
        assert set(ids) == {entries["bob_branch"].pk, entries["dave_mine2"].pk}

    def test_organisation_covers_its_subtree(self, client, world, entries):
        ids = _ids(self._get(client, world, organization=world.mine.pk))
        assert set(ids) == {entries["bob_branch"].pk, entries["secadmin_grant"].pk}

    def test_result(self, client, world, entries):
        ids = _ids(self._get(client, world, result="failure"))
        assert set(ids) == {entries["alice_failed"].pk, entries["unknown_failed"].pk}

    def test_time_range_in_local_days(self, client, world):
        day = datetime.date(2026, 3, 10)
        with time_machine.travel(datetime.datetime(2026, 3, 9, 23, 30, tzinfo=_SHANGHAI)):
            before = audit_log(actor=world.alice, action="accounts.login")
        with time_machine.travel(datetime.datetime(2026, 3, 10, 0, 10, tzinfo=_SHANGHAI)):
            inside = audit_log(actor=world.alice, action="accounts.login")
        with time_machine.travel(datetime.datetime(2026, 3, 11, 0, 0, tzinfo=_SHANGHAI)):
            after = audit_log(actor=world.alice, action="accounts.login")
        ids = _ids(self._get(client, world, date_from=day, date_to=day, action="accounts.login"))
        assert ids == [inside.pk]
        assert before.pk not in ids and after.pk not in ids

    def test_combined_filters(self, client, world, entries):
        ids = _ids(self._get(client, world, person="secadmin", organization=world.mine.pk))
        assert ids == [entries["secadmin_grant"].pk]

    @pytest.mark.parametrize(
        ("params", "message"),
        [
            ({"date_from": "2026-13-01"}, "起始日期格式不正确"),
            ({"date_from": "2026-03-02", "date_to": "2026-03-01"}, "截止日期不能早于起始日期"),
            ({"action": "nope.nothing"}, "请从列表中选择操作类型"),
            ({"result": "maybe"}, "结果只能选择"),
            ({"organization": "999999"}, "请从列表中选择党组织"),
        ],
    )
    def test_bad_input_gets_a_chinese_message_and_no_rows(
        self, client, world, entries, params, message
    ):
        count = _entry_count()
        response = self._get(client, world, **params)
        assert message in response.content.decode()
        assert _ids(response) == []
        assert _entry_count() == count  # an invalid query is not a read of the log

    def test_an_organisation_outside_the_auditors_scope_is_refused(self, client, world):
        from dangjian.core.testing.world import grant, make_user

        local = make_user("mineauditor", "矿审计员")
        grant(local, "audit_admin", world.mine)
        client.force_login(local)
        response = client.get(LIST, {"organization": world.mine2.pk})
        assert "请从列表中选择党组织" in response.content.decode()

    def test_the_filter_form_shows_labels_of_known_actions(self, client, world, entries):
        content = self._get(client, world).content.decode()
        for text in ("登录成功", "登录失败", "账号锁定", "授予角色", "全部党组织操作"):
            assert text in content

    def test_unknown_action_codes_show_raw(self, client, world):
        audit_log(actor=world.alice, action="future.something_new")
        assert "future.something_new" in self._get(client, world).content.decode()


_SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


class TestPaging:
    def test_keyset_pages_walk_back_and_forth(self, client, world):
        entries = write_entries(PAGE_SIZE * 2 + 10)
        client.force_login(world.auditor)
        first = client.get(LIST, {"action": "orgs.organization_update"})
        page = first.context["log"].page
        assert _ids(first) == [e.pk for e in entries[::-1][:PAGE_SIZE]]
        assert page.newer is None and page.older == entries[-PAGE_SIZE].pk
        second = client.get(LIST, {"action": "orgs.organization_update", "before": page.older})
        assert _ids(second) == [e.pk for e in entries[::-1][PAGE_SIZE : PAGE_SIZE * 2]]
        third = client.get(
            LIST,
            {"action": "orgs.organization_update", "before": second.context["log"].page.older},
        )
        assert len(_ids(third)) == 10 and third.context["log"].page.older is None
        back = client.get(
            LIST, {"action": "orgs.organization_update", "after": third.context["log"].page.newer}
        )
        assert _ids(back) == _ids(second)
        assert f"before={second.context['log'].page.older}" in second.content.decode()

    def test_the_list_query_count_does_not_grow_with_rows(
        self, client, world, django_assert_max_num_queries
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        client.force_login(world.auditor)
        write_entries(10, organization=world.branch1)
        client.get(LIST)  # warm the session and caches
        with CaptureQueriesContext(connection) as small:
            client.get(LIST)
        write_entries(20, organization=world.branch2)
        with django_assert_max_num_queries(len(small)):
            response = client.get(LIST)
        assert len(_ids(response)) == 32  # 30 written + two earlier views


class TestDetail:
    def test_it_shows_a_before_after_table_with_changed_rows(self, client, world):
        entry = audit_log(
            actor=world.sysadmin,
            action="orgs.organization_update",
            obj=world.branch1,
            organization=world.branch1,
            before={"name": "综采一队党支部", "sort_order": 1, "is_active": True},
            after={"name": "综采一队第一党支部", "sort_order": 1, "is_active": True},
        )
        client.force_login(world.auditor)
        response = client.get(_detail(entry))
        diff = {row.field: row for row in response.context["diff"]}
        assert diff["name"].changed and not diff["sort_order"].changed
        assert diff["name"].label == "全称"  # the model field's verbose name
        assert diff["is_active"].before == "是"
        content = response.content.decode()
        assert "综采一队第一党支部" in content and "dj-diff-changed" in content
        assert "修改党组织" in content and "本条内容与哈希一致" in content

    def test_it_shows_that_a_tampered_entry_no_longer_matches(self, client, world):
        entry = write_entries(1)[0]
        drop_triggers()
        raw("UPDATE audit_auditentry SET message = '改' WHERE id = %s", [entry.pk])
        client.force_login(world.auditor)
        assert "本条内容与哈希不符" in client.get(_detail(entry)).content.decode()


class TestChainStatus:
    def test_the_page_shows_that_nothing_was_verified_yet(self, client, world):
        client.force_login(world.auditor)
        assert "尚未校验" in client.get(LIST).content.decode()

    def test_verify_now_runs_as_a_job_and_the_page_shows_the_result(
        self, client, world, django_capture_on_commit_callbacks
    ):
        write_entries(3)
        client.force_login(world.auditor)
        with django_capture_on_commit_callbacks(execute=True):
            response = client.post(reverse("audit:verify"))
        job = Job.objects.get(kind="audit.verify")
        assert response.status_code == 302
        assert response["Location"] == f"/jobs/{job.pk}/"
        job.refresh_from_db()
        assert job.status == Job.Status.DONE, job.message
        assert job.owner == world.auditor
        verification = AuditVerification.objects.get()
        assert verification.ok and verification.triggered_by == world.auditor
        content = client.get(LIST).content.decode()
        assert "完整" in content and "校验 3 条" in content

    def test_a_broken_chain_is_shown_with_a_link_to_the_entry(
        self, client, world, django_capture_on_commit_callbacks
    ):
        entries = write_entries(3)
        drop_triggers()
        raw("UPDATE audit_auditentry SET message = '改' WHERE id = %s", [entries[1].pk])
        client.force_login(world.auditor)
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("audit:verify"))
        content = client.get(LIST).content.decode()
        assert "发现异常" in content and "内容被篡改" in content
        assert _detail(entries[1]) in content


def test_the_admin_menu_has_the_audit_log_for_the_auditor_only(client, world):
    client.force_login(world.auditor)
    assert 'href="/audit/"' in client.get(reverse("dashboard:home")).content.decode()
    client.force_login(world.sysadmin)
    assert 'href="/audit/"' not in client.get(reverse("dashboard:home")).content.decode()
