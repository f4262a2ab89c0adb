"""The holiday calendar: working-day arithmetic, its services, and the administrators' page."""

import datetime

import pytest
from django.urls import reverse

from dangjian.audit.models import AuditEntry
from dangjian.core.exceptions import ServiceError
from dangjian.core.models import CalendarDay
from dangjian.core.services import calendar_day_delete, calendar_day_set, calendar_import
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.core.workdays import add_working_days, is_working_day, working_days_between

D = datetime.date
HOLIDAY, WORKDAY = CalendarDay.Kind.HOLIDAY, CalendarDay.Kind.WORKDAY
LIST = {"no_role": 403, "out_of_scope": 403}


def mark(day, kind, name="国庆节"):
    return CalendarDay.objects.create(date=day, kind=kind, name=name)


@pytest.fixture
def national_day(db):
    """国庆 2026: 10-01 (Thu) to 10-07 (Wed) off, Saturday 10-10 worked (调休)."""
    for offset in range(7):
        mark(D(2026, 10, 1) + datetime.timedelta(days=offset), HOLIDAY)
    mark(D(2026, 10, 10), WORKDAY, "国庆节调休")


def calendar_state():
    return list(CalendarDay.objects.order_by("date").values()), AuditEntry.objects.count()


# ---------------------------------------------------------------- arithmetic


@pytest.mark.django_db
def test_weekdays_work_and_weekends_rest_by_default():
    assert is_working_day(D(2026, 11, 23))  # Monday
    assert is_working_day(D(2026, 11, 27))  # Friday
    assert not is_working_day(D(2026, 11, 28))  # Saturday
    assert not is_working_day(D(2026, 11, 29))  # Sunday


def test_a_holiday_on_a_weekday_is_a_rest_day(national_day):
    assert D(2026, 10, 1).weekday() == 3
    assert not is_working_day(D(2026, 10, 1))


def test_a_tiaoxiu_saturday_is_a_working_day(national_day):
    assert D(2026, 10, 10).weekday() == 5
    assert is_working_day(D(2026, 10, 10))
    assert not is_working_day(D(2026, 10, 11))


def test_five_working_days_of_publicity_span_the_national_day_break(national_day):
    # 09-30 is the 1st; 10-08, 10-09, 10-10 (调休) the 2nd–4th; Monday 10-12 the 5th.
    assert add_working_days(D(2026, 9, 29), 5) == D(2026, 10, 12)


def test_add_working_days_without_holidays_skips_the_weekend(db):
    assert add_working_days(D(2026, 11, 26), 2) == D(2026, 11, 30)
    assert add_working_days(D(2026, 11, 26), 0) == D(2026, 11, 26)
    with pytest.raises(ValueError):
        add_working_days(D(2026, 11, 26), -1)


def test_add_working_days_reaches_past_a_long_run_of_holidays(db):
    for offset in range(60):
        mark(D(2027, 1, 1) + datetime.timedelta(days=offset), HOLIDAY, "测试长假")
    assert add_working_days(D(2026, 12, 31), 1) == D(2027, 3, 2)


def test_working_days_between_counts_after_start_up_to_end(national_day):
    assert working_days_between(D(2026, 9, 29), D(2026, 10, 12)) == 5
    assert working_days_between(D(2026, 10, 12), D(2026, 9, 29)) == -5
    assert working_days_between(D(2026, 10, 1), D(2026, 10, 7)) == 0
    assert working_days_between(D(2026, 11, 23), D(2026, 11, 23)) == 0


def test_each_call_reads_the_calendar_once(national_day, django_assert_num_queries):
    with django_assert_num_queries(1):
        add_working_days(D(2026, 9, 1), 40)
    with django_assert_num_queries(1):
        working_days_between(D(2026, 1, 1), D(2026, 12, 31))
    with django_assert_num_queries(1):
        is_working_day(D(2026, 10, 10))


# ---------------------------------------------------------------- services


def test_setting_a_day_is_audited_with_before_and_after(world):
    calendar_day_set(actor=world.sysadmin, day=D(2026, 10, 1), kind=HOLIDAY, name="国庆节")
    calendar_day_set(
        actor=world.sysadmin, day=D(2026, 10, 1), kind=HOLIDAY, name="国庆节", note="第一天"
    )
    assert CalendarDay.objects.get().note == "第一天"
    entries = AuditEntry.objects.filter(action="core.calendar_day_set").order_by("pk")
    assert entries.first().before is None
    assert entries.last().before["note"] == "" and entries.last().after["note"] == "第一天"


def test_deleting_a_day_is_audited(world):
    calendar_day_set(actor=world.sysadmin, day=D(2026, 10, 1), kind=HOLIDAY, name="国庆节")
    calendar_day_delete(actor=world.sysadmin, day=D(2026, 10, 1))
    assert not CalendarDay.objects.exists()
    entry = AuditEntry.objects.get(action="core.calendar_day_delete")
    assert entry.before["name"] == "国庆节"
    with pytest.raises(ServiceError, match="没有标记"):
        calendar_day_delete(actor=world.sysadmin, day=D(2026, 10, 1))


def test_a_weekday_cannot_be_marked_as_a_tiaoxiu_workday(world):
    with pytest.raises(ServiceError, match="本来就上班"):
        calendar_day_set(actor=world.sysadmin, day=D(2026, 10, 9), kind=WORKDAY, name="调休")
    with pytest.raises(ServiceError, match="名称"):
        calendar_day_set(actor=world.sysadmin, day=D(2026, 10, 10), kind=WORKDAY, name=" ")
    assert not CalendarDay.objects.exists()


@pytest.mark.parametrize("who", ["alice", "charlie", "secadmin"])
def test_only_a_global_holder_may_change_the_calendar(world, who):
    from django.http import Http404

    actor = getattr(world, who)
    before = calendar_state()
    with pytest.raises(Http404):
        calendar_day_set(actor=actor, day=D(2026, 10, 1), kind=HOLIDAY, name="国庆节")
    with pytest.raises(Http404):
        calendar_import(actor=actor, text="2026-10-01 holiday 国庆节")
    assert calendar_state() == before


def test_import_marks_every_line_and_writes_one_audit_entry(world):
    text = "# 2026 国庆\n2026-10-01 holiday 国庆节\n\n2026-10-10 班 国庆节调休 周六上班\n"
    assert calendar_import(actor=world.sysadmin, text=text) == 2
    saturday = CalendarDay.objects.get(date=D(2026, 10, 10))
    assert (saturday.kind, saturday.name, saturday.note) == (WORKDAY, "国庆节调休", "周六上班")
    assert (
        AuditEntry.objects.get(action="core.calendar_import").after["days"][0]["name"] == "国庆节"
    )


def test_import_writes_nothing_and_names_every_bad_line(world):
    mark(D(2026, 10, 1), HOLIDAY)
    before = calendar_state()
    text = (
        "2026-10-02 holiday 国庆节\n"
        "2026-13-01 holiday 坏日期\n"
        "2026-10-03 rest 国庆节\n"
        "2026-10-09 workday 周五调休\n"
        "2026-10-02 holiday 重复\n"
        "2026-10-04\n"
    )
    with pytest.raises(ServiceError) as error:
        calendar_import(actor=world.sysadmin, text=text)
    message = error.value.message
    for number in (2, 3, 4, 5, 6):
        assert f"第 {number} 行" in message
    assert "第 1 行：" not in message and "与第 1 行重复" in message
    assert calendar_state() == before


def test_an_empty_import_is_refused(world):
    with pytest.raises(ServiceError, match="没有可导入的行"):
        calendar_import(actor=world.sysadmin, text="# 只有注释\n\n")


# ---------------------------------------------------------------- page


def test_calendar_page_matrix(client, world):
    assert_access_matrix(
        client,
        url=reverse("manage:calendar"),
        in_scope=world.sysadmin,
        out_of_scope=world.alice,
        no_role=world.charlie,
        expect=LIST,
    )


def test_refused_writes_change_nothing(client, world):
    mark(D(2026, 10, 1), HOLIDAY)
    writes = [
        (reverse("manage:calendar_save"), {"day": "2026-10-02", "kind": "holiday", "name": "x"}),
        (reverse("manage:calendar_import"), {"text": "2026-10-02 holiday 国庆节"}),
        (reverse("manage:calendar_delete", args=["2026-10-01"]), {}),
    ]
    for url, data in writes:
        assert_access_matrix(
            client,
            url=url,
            method="post",
            data=data,
            in_scope=world.sysadmin,
            out_of_scope=world.alice,
            no_role=world.charlie,
            expect={**LIST, "in_scope": 302},
            state=calendar_state,
        )
    assert list(CalendarDay.objects.values_list("date", flat=True)) == [D(2026, 10, 2)]


def test_the_page_lists_the_year_and_edits_a_day(client, world, national_day):
    client.force_login(world.sysadmin)
    page = client.get(reverse("manage:calendar"), {"year": "2026", "edit": "2026-10-10"})
    html = page.content.decode()
    assert "2026-10-10" in html and "周六" in html and "国庆节调休" in html
    assert page.context["editing"].date == D(2026, 10, 10)
    assert "节假日与调休" in html  # the menu entry
    response = client.post(
        reverse("manage:calendar_save"),
        {"day": "2026-10-10", "kind": "workday", "name": "国庆调休", "year": "2026"},
    )
    assert response.status_code == 302 and response["Location"].endswith("?year=2026")
    assert CalendarDay.objects.get(date=D(2026, 10, 10)).name == "国庆调休"


def test_the_page_shows_service_and_import_errors(client, world):
    client.force_login(world.sysadmin)
    response = client.post(
        reverse("manage:calendar_save"), {"day": "2026-10-09", "kind": "workday", "name": "调休"}
    )
    assert response.status_code == 400 and "本来就上班" in response.content.decode()
    response = client.post(reverse("manage:calendar_import"), {"text": "bad line\n"})
    assert response.status_code == 400 and "第 1 行" in response.content.decode()
    assert not CalendarDay.objects.exists()


def test_the_menu_entry_is_hidden_from_a_non_global_holder(client, world):
    client.force_login(world.alice)
    assert reverse("manage:calendar") not in client.get(reverse("dashboard:home")).content.decode()


def _queries(client, django_assert_max_num_queries, url, budget):
    with django_assert_max_num_queries(budget) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_page_does_not_grow_with_rows(client, world, django_assert_max_num_queries):
    client.force_login(world.sysadmin)
    url = reverse("manage:calendar") + "?year=2026"
    client.get(url)  # the first request of a session also writes the session
    mark(D(2026, 10, 1), HOLIDAY)
    few = _queries(client, django_assert_max_num_queries, url, 15)
    for offset in range(1, 20):
        mark(D(2026, 10, 1) + datetime.timedelta(days=offset), HOLIDAY)
    assert _queries(client, django_assert_max_num_queries, url, few) == few
