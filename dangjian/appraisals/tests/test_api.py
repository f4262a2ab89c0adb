"""`/api/v1/appraisals/`: scoped rounds and results, peer counts, the member's own submission."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from dangjian.appraisals import services
from dangjian.appraisals.models import Grade, RatingTally, Round
from dangjian.appraisals.tests.helpers import full_members, member_with_account, open_round
from dangjian.core.testing.matrix import assert_access_matrix

pytestmark = pytest.mark.django_db
API = "/api/v1/appraisals"


@pytest.fixture
def setup(world):
    _zhang, zhang_user = member_with_account(world.branch1, "张三", "zhang")
    others = full_members(world.branch1, 3)
    round_ = open_round(world)
    return round_, zhang_user, others


def test_round_detail_matrix(client, world, setup):
    round_, _, _ = setup
    assert_access_matrix(
        client,
        url=f"{API}/rounds/{round_.pk}/",
        api=True,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_lists_are_the_visible_part(client, world, setup):
    for url in (f"{API}/rounds/", f"{API}/results/", f"{API}/mine/"):
        assert_access_matrix(
            client,
            url=url,
            api=True,
            in_scope=world.bob,
            no_role=world.charlie,
            out_of_scope=world.dave,
            expect={"no_role": 200, "out_of_scope": 200},
        )
    client.force_login(world.dave)
    assert client.get(f"{API}/rounds/").json()["count"] == 0
    assert client.get(f"{API}/rounds/?year=abc").status_code == 200


def test_peer_counts_only_after_the_peer_phase_and_never_raters(client, world, setup):
    round_, zhang_user, _others = setup
    services.round_advance(actor=world.bob, round_=round_)
    client.force_login(zhang_user)
    peers = client.get(f"{API}/mine/{round_.pk}/peers/").json()
    assert len(peers) == 3
    body = {"ratings": {str(peer["participant"]): Grade.QUALIFIED for peer in peers}}
    url = f"{API}/mine/{round_.pk}/ratings/"
    response = client.post(url, body, content_type="application/json")
    assert response.json() == {"counted": True}
    again = client.post(url, body, content_type="application/json")
    assert again.json() == {"counted": False}
    client.force_login(world.bob)
    early = client.get(f"{API}/rounds/{round_.pk}/peer-counts/")
    assert early.status_code == 400
    assert "互评结束后" in early.json()["error"]["message"]
    services.round_advance(actor=world.bob, round_=round_)
    rows = client.get(f"{API}/rounds/{round_.pk}/peer-counts/").json()
    assert {row["counts"]["qualified"] for row in rows if row["name"] != "张三"} == {1}
    assert all(set(row) == {"participant", "name", "counts"} for row in rows)


def test_rating_submission_bad_input_is_400_not_500(client, world, setup):
    round_, zhang_user, _ = setup
    services.round_advance(actor=world.bob, round_=round_)
    client.force_login(zhang_user)
    url = f"{API}/mine/{round_.pk}/ratings/"
    for body in ({}, {"ratings": "x"}, {"ratings": {"abc": "excellent"}}, {"ratings": {"1": "z"}}):
        response = client.post(url, body, content_type="application/json")
        assert response.status_code == 400, body
        assert response.json()["error"]["message"]
    assert not RatingTally.objects.filter(count__gt=0).exists()
    client.force_login(world.charlie)
    assert client.post(url, {"ratings": {}}, content_type="application/json").status_code == 404


def test_self_assessment_over_the_api(client, world, setup):
    round_, zhang_user, _ = setup
    client.force_login(zhang_user)
    url = f"{API}/mine/{round_.pk}/self-assessment/"
    response = client.post(url, {"text": "认真学习"}, content_type="application/json")
    assert response.status_code == 200
    assert Round.objects.get(pk=round_.pk).self_count == 1


def test_results_include_ones_own(client, world, setup):
    round_, zhang_user, _ = setup
    for _ in range(2):
        services.round_advance(actor=world.bob, round_=round_)
    grades = {row.pk: (Grade.QUALIFIED, "") for row in round_.participants.all()}
    services.grades_propose(actor=world.bob, round_=round_, grades=grades)
    services.round_advance(actor=world.bob, round_=round_)
    services.round_finalise(
        actor=world.bob,
        round_=round_,
        meeting_kind="assembly",
        meeting_date=timezone.localdate(),
        grades=grades,
    )
    client.force_login(zhang_user)
    own = client.get(f"{API}/results/").json()
    assert [row["name"] for row in own["results"]] == ["张三"]
    client.force_login(world.alice)
    with CaptureQueriesContext(connection) as captured:
        data = client.get(f"{API}/results/").json()
    assert data["count"] == 4
    assert len(captured) < 12


def _api_queries(client, url) -> int:
    client.get(url)
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_api_lists_do_not_grow_with_rows(client, world):
    from dangjian.appraisals.tests.test_views import _round_at

    client.force_login(world.alice)
    _round_at(world, "AA", 2, "closed")
    few = [_api_queries(client, f"{API}/{name}/") for name in ("rounds", "results")]
    for code in ("AB", "AC", "AD"):
        _round_at(world, code, 3, "closed")
    assert [_api_queries(client, f"{API}/{name}/") for name in ("rounds", "results")] == few


def test_every_detail_endpoint_matrix(client, world, setup):
    round_, zhang_user, _ = setup
    for _ in range(2):
        services.round_advance(actor=world.bob, round_=round_)
    assert_access_matrix(
        client,
        url=f"{API}/rounds/{round_.pk}/peer-counts/",
        api=True,
        in_scope=world.bob,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )
    assert_access_matrix(
        client,
        url=f"{API}/mine/{round_.pk}/peers/",
        api=True,
        in_scope=zhang_user,
        out_of_scope=world.bob,  # the secretary is not a participant: not their ballot
        no_role=world.charlie,
    )
    grades = {row.pk: (Grade.QUALIFIED, "") for row in round_.participants.all()}
    services.grades_propose(actor=world.bob, round_=round_, grades=grades)
    services.round_advance(actor=world.bob, round_=round_)
    services.round_finalise(
        actor=world.bob,
        round_=round_,
        meeting_kind="assembly",
        meeting_date=timezone.localdate(),
        grades=grades,
    )
    result = round_.results.first()
    assert_access_matrix(
        client,
        url=f"{API}/results/{result.pk}/",
        api=True,
        in_scope=world.alice,
        out_of_scope=world.dave,
        no_role=world.charlie,
    )


def test_rating_endpoint_refuses_after_the_phase(client, world, setup):
    round_, zhang_user, _ = setup
    for _ in range(2):
        services.round_advance(actor=world.bob, round_=round_)
    client.force_login(zhang_user)
    response = client.post(
        f"{API}/mine/{round_.pk}/ratings/", {"ratings": {}}, content_type="application/json"
    )
    assert response.status_code == 400
    assert "已经结束" in response.json()["error"]["message"]
