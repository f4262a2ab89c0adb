"""Reference data that migrations load (roles, the 党费 rate table, meeting types and rules)
comes back after a flush — which every transactional test's teardown does — so the tests after
it in the same worker find it, in whatever order the files run."""

from django.core.management import call_command

from dangjian.accounts.models import Role
from dangjian.dues.models import RateTable
from dangjian.meetings.models import ComplianceRule, MeetingType


def test_a_flush_restores_the_reference_data(transactional_db):
    call_command("flush", interactive=False, verbosity=0)
    assert RateTable.objects.filter(effective_from="2008-04-01").exists()
    assert MeetingType.objects.filter(code="congress").exists()
    assert ComplianceRule.objects.exists()
    assert Role.objects.filter(code="party_office").exists()
