"""自愿多交: the branch records a member's voluntary extra payment; a one-off at or above the
rule `dues.central_threshold` is marked as going wholly to 中央 (the service decides)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from dangjian.core.exceptions import ServiceError
from dangjian.core.forms import parse_id
from dangjian.core.rules import rule_value
from dangjian.core.scope import get_visible_or_404
from dangjian.dues import rules, services
from dangjian.dues.forms import VoluntaryForm
from dangjian.dues.permissions import MANAGE_DUES
from dangjian.dues.views.common import first_message
from dangjian.members.models import Member


@login_required
@require_http_methods(["GET", "POST"])
def voluntary_new(request, member_id):
    user = request.user
    member = get_visible_or_404(
        Member.objects.select_related("person", "organization"),
        user,
        MANAGE_DUES,
        pk=parse_id(member_id),
    )
    form = VoluntaryForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            payment = services.voluntary_payment_record(
                actor=user,
                member=member,
                amount=data["amount"],
                paid_on=data["paid_on"],
                channel=data["channel"],
                receipt_number=data["receipt_number"].strip(),
                note=data["note"].strip(),
            )
        except ServiceError as error:
            form.add_error(None, first_message(error))
        else:
            text = f"已登记{member.person.name}自愿多交党费 {payment.amount} 元"
            text += "，按规定全额上缴中央。" if payment.to_central else "。"
            messages.success(request, text)
            return redirect(reverse("members:detail", args=[member.pk]) + "?tab=dues")
    context = {
        "member": member,
        "form": form,
        "threshold": rule_value(rules.CENTRAL_THRESHOLD),
    }
    return render(request, "dues/voluntary_form.html", context, status=400 if form.errors else 200)


urlpatterns = [
    path("members/<int:member_id>/voluntary/", voluntary_new, name="voluntary-new"),
]
