"""Peer ratings are anonymous: nothing links a rating to its rater — not the schema, not the
audit log, not the pages, the API or the export."""

import pytest
from django.db import models
from django.urls import reverse
from django.utils import timezone

from dangjian.appraisals import services
from dangjian.appraisals.models import Grade, Participant, RatingTally
from dangjian.appraisals.tests.helpers import member_with_account, open_round
from dangjian.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def test_the_tally_has_no_rater_no_time_and_a_random_key():
    fields = {field.name: field for field in RatingTally._meta.get_fields()}
    assert set(fields) == {"id", "round", "ratee", "grade", "count"}
    assert isinstance(fields["id"], models.UUIDField)
    assert not any(isinstance(f, models.DateField | models.DateTimeField) for f in fields.values())
    assert fields["ratee"].related_model is Participant  # the person rated, never the rater
    assert not RatingTally._meta.ordering


def test_the_participant_row_says_that_someone_rated_never_what_or_when():
    names = {field.name for field in Participant._meta.get_fields()}
    assert "has_rated" in names
    assert not {"rated_at", "ratings", "ballot"} & names


@pytest.fixture
def rated(world, client):
    people = [
        member_with_account(world.branch1, name, username)
        for name, username in (("张三", "zhang"), ("李四", "li"), ("王五", "wang"))
    ]
    round_ = open_round(world)
    services.round_advance(actor=world.bob, round_=round_)
    rows = {row.name: row for row in round_.participants.select_related("round", "member")}
    users = {member.person.name: user for member, user in people}
    # 张三 gives 李四 不合格 — a choice that must not be traceable to 张三.
    services.ratings_submit(
        actor=users["张三"],
        participant=rows["张三"],
        ratings={rows["李四"].pk: Grade.UNQUALIFIED, rows["王五"].pk: Grade.EXCELLENT},
    )
    return round_, rows, users


def test_the_audit_entry_records_the_submission_not_the_choices(rated):
    entry = AuditEntry.objects.get(action="appraisals.rating_submit")
    text = f"{entry.before} {entry.after} {entry.message} {entry.object_repr}"
    assert "unqualified" not in text and "不合格" not in text and "李四" not in text
    assert entry.object_type == "appraisals.round"


def test_no_page_shows_counts_while_the_peer_phase_runs(client, world, rated):
    round_, _rows, _ = rated
    client.force_login(world.bob)
    detail = client.get(reverse("appraisals:detail", args=[round_.pk])).content.decode()
    assert "已提交互评" in detail and "不合格" not in detail
    grading = client.get(reverse("appraisals:grading", args=[round_.pk])).content.decode()
    assert 'data-testid="grading-closed"' in grading
    assert 'data-testid="grading-table"' not in grading
    assert client.get(f"/api/v1/appraisals/rounds/{round_.pk}/peer-counts/").status_code == 400


def test_after_the_phase_only_counts_per_ratee_exist_anywhere(client, world, rated):
    round_, _rows, users = rated
    services.round_advance(actor=world.bob, round_=round_)
    client.force_login(world.bob)
    counts = client.get(f"/api/v1/appraisals/rounds/{round_.pk}/peer-counts/").json()
    li = next(row for row in counts if row["name"] == "李四")
    assert li["counts"] == {"excellent": 0, "qualified": 0, "basic": 0, "unqualified": 1}
    assert all(set(row) == {"participant", "name", "counts"} for row in counts)
    # The rater's own view says only that they rated.
    client.force_login(users["张三"])
    mine = client.get("/api/v1/appraisals/mine/").json()["results"][0]
    assert mine["has_rated"] is True
    assert "unqualified" not in str(mine)
    page = client.get(reverse("appraisals:mine_detail", args=[round_.pk])).content.decode()
    assert 'data-testid="rated"' in page and 'type="radio"' not in page  # no choices shown


def test_the_export_holds_grades_not_ratings(client, world, rated):
    round_, rows, _ = rated
    services.round_advance(actor=world.bob, round_=round_)
    grades = {
        rows["张三"].pk: (Grade.QUALIFIED, ""),
        rows["李四"].pk: (Grade.QUALIFIED, ""),
        rows["王五"].pk: (Grade.EXCELLENT, ""),
    }
    services.grades_propose(actor=world.bob, round_=round_, grades=grades)
    services.round_advance(actor=world.bob, round_=round_)
    services.round_finalise(
        actor=world.bob,
        round_=round_,
        meeting_kind="assembly",
        meeting_date=timezone.localdate(),
        grades=grades,
    )
    from dangjian.appraisals.exporting import HEADERS, results_workbook

    _content, rows_written = results_workbook(round_)
    assert rows_written == 3
    assert "互评" not in "".join(HEADERS)
