"""三会一课台账: the data (ledger.py), the page, the PDF and Excel downloads, the big-year job."""

from __future__ import annotations

import io
import struct
import zlib
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.urls import reverse
from openpyxl import load_workbook

from dangjian.audit.models import AuditEntry
from dangjian.core.models import Job
from dangjian.core.testing.matrix import assert_access_matrix
from dangjian.meetings import ledger as ledgers
from dangjian.meetings import ledger_export as exports
from dangjian.meetings.models import Attendance, Meeting, MeetingFile, MeetingType
from dangjian.members.tests.factories import make_member
from dangjian.orgs.models import Committee, CommitteePost

TZ = ZoneInfo("Asia/Shanghai")
YEAR = 2026


def tiny_png(colour=(200, 30, 30)) -> bytes:
    width = height = 8
    rows = b"".join(b"\x00" + bytes(colour) * width for _ in range(height))

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


def held_meeting(organization, code, day, topic, *, status=Meeting.Status.HELD, people=(), **extra):
    """A recorded meeting written directly (the services are tested by the engine's tests):
    `people` is a list of (member, status, leave reason)."""
    meeting_type = MeetingType.objects.get(code=code)
    start = datetime(day.year, day.month, day.day, 9, 0, tzinfo=TZ)
    counts = {"present": 0, "leave": 0, "absent": 0}
    for _, state, _ in people:
        counts[state] += 1
    meeting = Meeting.objects.create(
        organization=organization,
        meeting_type=meeting_type,
        category=meeting_type.category,
        status=status,
        topic=topic,
        planned_start=start,
        planned_end=start + timedelta(hours=2),
        actual_start=start,
        actual_end=start + timedelta(hours=2),
        held_on=day,
        place="矿调度楼三楼会议室",
        minutes="<p>会议传达了上级精神。</p><p>大家进行了讨论。</p>",
        resolutions="一致同意。",
        agenda="一、传达学习\n二、讨论",
        recorded_at=start + timedelta(days=1),
        expected_count=len(people),
        present_count=counts["present"],
        leave_count=counts["leave"],
        absent_count=counts["absent"],
        **extra,
    )
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, person=member.person, status=state, leave_reason=reason)
        for member, state, reason in people
    )
    return meeting


def add_photo(meeting, title="照片"):
    stored = MeetingFile(meeting=meeting, kind=MeetingFile.Kind.PHOTO, title=title, file_kind="png")
    stored.file.save(f"{title}.png", ContentFile(tiny_png()), save=False)
    stored.size = stored.file.size
    stored.save()
    return stored


@pytest.fixture
def branch(world):
    """branch1 with three members (one in 第一党小组), a secretary and a year of meetings."""
    from datetime import date

    a = make_member(world.branch1, "王建国")
    b = make_member(world.branch1, "李卫东", party_group=world.group1)
    c = make_member(world.branch1, "赵春梅")
    committee = Committee.objects.create(
        organization=world.branch1, term_start=date(2024, 1, 1), term_end=date(2028, 12, 31)
    )
    CommitteePost.objects.create(
        committee=committee, post=CommitteePost.Post.SECRETARY, person=a.person
    )
    people = [(a, "present", ""), (b, "leave", "下井"), (c, "absent", "")]
    meetings = [
        held_meeting(world.branch1, "congress", date(YEAR, 3, 20), "一季度党员大会", people=people),
        held_meeting(
            world.branch1,
            "lecture",
            date(YEAR, 1, 10),
            "学习贯彻安全生产法专题党课",
            people=people,
            status=Meeting.Status.REVIEWED,
        ),
        held_meeting(
            world.group1, "group", date(YEAR, 2, 5), "党小组学习会", people=[(b, "present", "")]
        ),
        held_meeting(
            world.branch1,
            "theme_day",
            date(YEAR, 5, 8),
            '=HYPERLINK("http://x")主题党日',
            people=people,
            is_late_entry=True,
        ),
    ]
    # Not in the 台账: a planned meeting, last year's, another branch's.
    held_meeting(world.branch1, "congress", date(YEAR, 6, 1), "计划中", status="notified")
    held_meeting(world.branch1, "congress", date(YEAR - 1, 6, 1), "去年的党员大会")
    held_meeting(world.branch2, "congress", date(YEAR, 6, 1), "二队党员大会")
    return meetings


def ledger_url(name, world, year=YEAR, organization=None):
    organization = organization or world.branch1
    return f"{reverse(name)}?organization={organization.pk}&year={year}"


# --- the data ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ledger_lists_the_branch_and_its_groups_recorded_meetings_in_date_order(world, branch):
    data = ledgers.build_ledger(world.branch1, YEAR)
    topics = [item.meeting.topic for item in data.meetings]
    assert topics == [
        "学习贯彻安全生产法专题党课",
        "党小组学习会",
        "一季度党员大会",
        '=HYPERLINK("http://x")主题党日',
    ]
    assert data.secretary == "王建国"
    assert data.groups == 1
    congress = data.meetings[2]
    assert congress.present == ["王建国"]
    assert [(p.name, p.reason) for p in congress.leave] == [("李卫东", "下井")]
    assert congress.absent == ["赵春梅"]
    assert data.meetings[0].marks == ["已审核"]
    assert data.meetings[3].marks == ["补录", "待审核"]


@pytest.mark.django_db
def test_ledger_summary_counts_held_against_required_by_quarter(world, branch):
    data = ledgers.build_ledger(world.branch1, YEAR)
    rows = {row.category: row for row in data.summary}
    assert rows["congress"].held == {1: 1, 2: 0, 3: 0, 4: 0}
    assert rows["congress"].required == {1: 1, 2: 1, 3: 1, 4: 1}
    assert not rows["congress"].met
    assert rows["group"].required == {1: 3, 2: 3, 3: 3, 4: 3}  # one group, monthly
    assert rows["group"].year_held == 1
    assert rows["org_life"].required == {1: 0, 2: 0, 3: 0, 4: 1}  # due in December
    # No committee post-holder meeting is required of a branch without… it has one: the row is in.
    assert "committee" in rows


@pytest.mark.django_db
def test_only_an_ended_quarter_is_short(world, branch):
    with time_machine.travel(datetime(YEAR, 11, 24, 12, tzinfo=TZ)):
        rows = {row.category: row for row in ledgers.build_ledger(world.branch1, YEAR).summary}
    congress = rows["congress"].cells()
    assert congress[0] == (1, 1, False)
    assert congress[1] == (0, 1, True)  # Q2 ended without a 党员大会
    assert congress[3] == (0, 1, False)  # Q4 is still open
    assert rows["congress"].verdict == ("未落实", "danger")
    assert rows["talk"].verdict[0] == "待落实"  # the year is still open


@pytest.mark.django_db
def test_ledger_summary_leaves_out_committee_meetings_without_a_committee(world, branch):
    Committee.objects.filter(organization=world.branch1).update(is_current=False)
    categories = {row.category for row in ledgers.build_ledger(world.branch1, YEAR).summary}
    assert "committee" not in categories
    assert "congress" in categories


@pytest.mark.django_db
def test_ledger_queries_do_not_grow_with_meetings_and_photos(
    world, branch, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for meeting in branch:
        add_photo(meeting)
    with CaptureQueriesContext(connection) as few:
        ledgers.build_ledger(world.branch1, YEAR)
    from datetime import date

    member = make_member(world.branch1, "孙浩")
    for index in range(8):
        extra = held_meeting(
            world.branch1, "theme_day", date(YEAR, 7, index + 1), f"主题党日{index}",
            people=[(member, "leave", "轮休")],
        )  # fmt: skip
        add_photo(extra)
        add_photo(extra, "照片二")
    with django_assert_max_num_queries(len(few)):
        data = ledgers.build_ledger(world.branch1, YEAR)
    assert len(data.meetings) == 12
    assert all(item.photos[0].startswith("data:image/jpeg;base64,") for item in data.meetings)


@pytest.mark.django_db
def test_ledger_prints_at_most_four_photos_a_meeting_and_counts_the_rest(world, branch):
    for index in range(6):
        add_photo(branch[0], f"照片{index}")
    item = next(i for i in ledgers.build_ledger(world.branch1, YEAR).meetings if i.photo_total)
    assert item.photo_total == 6
    assert len(item.photos) == 4


@pytest.mark.django_db
def test_a_missing_photo_file_is_counted_not_printed(world, branch):
    stored = add_photo(branch[0])
    stored.file.delete(save=False)
    item = next(i for i in ledgers.build_ledger(world.branch1, YEAR).meetings if i.photo_total)
    assert item.photos == []


# --- the page ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_ledger_page_access(client, world, branch):
    assert_access_matrix(
        client,
        url=reverse("meetings:ledger"),
        in_scope=world.bob,
        no_role=world.charlie,
    )


@pytest.mark.django_db
def test_ledger_page_previews_the_year(client, world, branch):
    client.force_login(world.bob)
    response = client.get(ledger_url("meetings:ledger", world))
    assert response.status_code == 200
    body = response.content.decode()
    assert "综采一队党支部2026年度“三会一课”台账" in body
    assert "学习贯彻安全生产法专题党课" in body
    assert "二队党员大会" not in body
    assert "补录" in body and "已审核" in body
    assert reverse("meetings:ledger_pdf") in body


@pytest.mark.django_db
def test_ledger_page_refuses_an_organisation_out_of_scope_with_a_message(client, world, branch):
    client.force_login(world.bob)
    response = client.get(ledger_url("meetings:ledger", world, organization=world.branch2))
    assert response.status_code == 400
    assert "不在您可以查看组织生活的范围内" in response.content.decode()
    response = client.get(f"{reverse('meetings:ledger')}?organization=abc&year=1999")
    assert response.status_code == 400


@pytest.mark.django_db
def test_ledger_page_queries_do_not_grow_with_meetings(
    client, world, branch, django_assert_max_num_queries
):
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(world.alice)
    url = ledger_url("meetings:ledger", world)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    member = make_member(world.branch1, "孙浩")
    for index in range(8):
        held_meeting(
            world.branch1, "lecture", date(YEAR, 8, index + 1), f"党课{index}",
            people=[(member, "present", "")],
        )  # fmt: skip
    with django_assert_max_num_queries(len(few)):
        assert client.get(url).status_code == 200


@pytest.mark.django_db
def test_ledger_organisation_search_lists_only_the_scope(client, world):
    client.force_login(world.alice)
    body = client.get(reverse("meetings:ledger_options"), {"q": "党支部"}).content.decode()
    assert "综采一队党支部" in body and "掘进二队党支部" in body
    assert "通风区党支部" not in body
    assert "第一党小组" not in body  # 党小组 are part of their branch's 台账


# --- PDF and Excel -------------------------------------------------------------------------


@pytest.mark.django_db
def test_ledger_pdf_is_a_pdf_and_is_audited(client, world, branch):
    add_photo(branch[0])
    client.force_login(world.bob)
    response = client.get(ledger_url("meetings:ledger_pdf", world))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    entry = AuditEntry.objects.get(action="meetings.ledger_export")
    assert entry.after["format"] == "pdf" and entry.after["meetings"] == 4


@pytest.mark.django_db
def test_ledger_pdf_html_holds_every_part(world, branch):
    from django.template.loader import render_to_string

    add_photo(branch[2])
    data = ledgers.build_ledger(world.branch1, YEAR)
    html = render_to_string(exports.TEMPLATE, {"ledger": data, "quarters": ledgers.QUARTERS})
    expected = ["王建国", "李卫东（下井）", "赵春梅", "一、传达学习", "一致同意。", "补录"]
    expected += ["<p>会议传达了上级精神。</p>", "已审核", "data:image/jpeg;base64,", "落实情况汇总"]
    for text in expected:
        assert text in html, text


@pytest.mark.django_db
def test_ledger_downloads_are_out_of_scope_404(client, world, branch):
    for name in ("meetings:ledger_pdf", "meetings:ledger_xlsx"):
        assert_access_matrix(
            client,
            url=ledger_url(name, world),
            in_scope=world.alice,
            out_of_scope=world.dave,
            no_role=world.charlie,
            state=lambda: AuditEntry.objects.filter(action="meetings.ledger_export").count(),
        )
    client.force_login(world.bob)
    assert client.get(f"{reverse('meetings:ledger_pdf')}?organization=x&year=y").status_code == 404


@pytest.mark.django_db
def test_ledger_workbook_has_a_summary_and_a_sheet_per_category(client, world, branch):
    client.force_login(world.bob)
    response = client.get(ledger_url("meetings:ledger_xlsx", world))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["汇总", "支部党员大会", "党小组会", "党课", "主题党日"]
    rows = list(book["支部党员大会"].iter_rows(values_only=True))
    assert rows[2][3] == "一季度党员大会"
    assert "李卫东（下井）" in rows[2]
    theme = list(book["主题党日"].iter_rows(values_only=True))[2]
    assert theme[3].startswith("=HYPERLINK")
    cell = book["主题党日"].cell(row=3, column=4)
    assert cell.data_type == "s"  # text, never a formula
    assert AuditEntry.objects.get(action="meetings.ledger_export").after["format"] == "xlsx"


# --- the big year --------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_big_year_is_made_in_the_background_once_per_click(
    client, world, branch, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(exports, "LARGE_MEETINGS", 2)
    client.force_login(world.bob)
    page = client.get(ledger_url("meetings:ledger", world)).content.decode()
    assert "生成 PDF（后台）" in page
    response = client.get(ledger_url("meetings:ledger_pdf", world))
    assert response.status_code == 302  # sent back to the page, which offers the job
    url = ledger_url("meetings:ledger_pdf", world)
    with django_capture_on_commit_callbacks(execute=True):
        first = client.post(url, {"request_key": "k1"})
    with django_capture_on_commit_callbacks(execute=True):
        second = client.post(url, {"request_key": "k1"})
    assert first.status_code == second.status_code == 302
    job = Job.objects.get(kind=exports.JOB_KIND)
    assert job.status == Job.Status.DONE
    assert first["Location"] == second["Location"]
    download = client.get(job.result_url)
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    actions = list(
        AuditEntry.objects.filter(action="meetings.ledger_export")
        .order_by("pk")
        .values_list("after", flat=True)
    )
    assert [a.get("download", False) for a in actions] == [False, True]
    client.force_login(world.alice)  # someone else's job is missing
    assert client.get(job.result_url).status_code == 404
