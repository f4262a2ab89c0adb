"""Letter numbers: per issuing committee per year, without gaps or repeats."""

import threading
from datetime import date

import pytest
from django.db import IntegrityError, connection

from dangjian.transfers.models import Letter
from dangjian.transfers.services.letters import letter_number, next_serial
from dangjian.transfers.tests.helpers import issued

pytestmark = pytest.mark.django_db


def test_numbers_run_on_per_committee_and_restart_each_year(world, time_machine):
    from dangjian.members.tests.factories import make_member

    time_machine.move_to(date(2026, 3, 10), tick=False)
    for name in ("甲", "乙", "丙"):
        issued(world, make_member(world.branch1, name))
    assert list(Letter.objects.order_by("id").values_list("serial", flat=True)) == [1, 2, 3]
    assert next_serial(world.mine, 2027) == 1
    assert next_serial(world.mine2, 2026) == 1
    assert letter_number(world.mine, 2026, 7) == "一矿党委组转〔2026〕第0007号"


def test_the_database_refuses_a_repeated_number(world):
    from dangjian.members.tests.factories import make_member
    from dangjian.transfers.tests.helpers import request_out

    transfer = request_out(world, make_member(world.branch1, "甲"), day=date(2026, 1, 2))
    fields = {
        "transfer": transfer,
        "committee": world.mine,
        "year": 2026,
        "serial": 1,
        "number": "x",
        "issued_on": date(2026, 1, 2),
        "validity_days": 10,
        "valid_until": date(2026, 1, 12),
    }
    Letter.objects.create(**fields)
    with pytest.raises(IntegrityError):
        Letter.objects.create(**fields)


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_never_share_a_number():
    if connection.vendor != "postgresql":
        pytest.skip("row locks across threads need PostgreSQL (SQLite serialises every write)")
    from dangjian.core.testing.world import build_world

    world = build_world()
    serials, errors = [], []
    barrier = threading.Barrier(4)

    def take():
        from django.db import connection as own
        from django.db import transaction

        try:
            barrier.wait()
            with transaction.atomic():
                serials.append(next_serial(world.mine, 2026))
        except Exception as problem:
            errors.append(problem)
        finally:
            own.close()

    threads = [threading.Thread(target=take) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(serials) == [1, 2, 3, 4]
