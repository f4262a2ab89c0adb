"""API serializers of the dues ledger (`/api/v1/dues/…`). Money travels as strings
("40.00"), months as the first day ("2026-03-01")."""

from __future__ import annotations

from rest_framework import serializers

from dangjian.core.api import ScopedPrimaryKeyRelatedField
from dangjian.dues.models import Channel, DuesBase, LedgerEntry, Payment
from dangjian.dues.permissions import VIEW_DUES


class MemberBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="pk")
    name = serializers.CharField(source="person.name")
    work_number = serializers.CharField(source="person.work_number", allow_null=True)


class LedgerEntrySerializer(serializers.ModelSerializer):
    member = MemberBriefSerializer()
    organization_name = serializers.CharField(source="organization.name")
    category_label = serializers.CharField(source="get_category_display")
    status_label = serializers.CharField(source="get_status_display")
    channel_label = serializers.CharField(source="get_channel_display")
    amount_owed = serializers.DecimalField(max_digits=12, decimal_places=2)

    class Meta:
        model = LedgerEntry
        fields = [
            "id",
            "member",
            "organization",
            "organization_name",
            "month",
            "category",
            "category_label",
            "base",
            "rate",
            "amount_due",
            "amount_paid",
            "amount_owed",
            "status",
            "status_label",
            "paid_on",
            "channel",
            "channel_label",
            "payer_name",
            "receipt_number",
        ]


class DuesBaseSerializer(serializers.ModelSerializer):
    member = MemberBriefSerializer()
    organization_name = serializers.CharField(source="member.organization.name")
    category_label = serializers.CharField(source="get_category_display")
    source_label = serializers.CharField(source="get_source_display")

    class Meta:
        model = DuesBase
        fields = [
            "id",
            "member",
            "organization_name",
            "year",
            "category",
            "category_label",
            "base",
            "rate",
            "monthly_amount",
            "source",
            "source_label",
            "note",
            "updated_at",
        ]


class PaymentSerializer(serializers.ModelSerializer):
    channel_label = serializers.CharField(source="get_channel_display")

    class Meta:
        model = Payment
        fields = [
            "id",
            "entry",
            "amount",
            "paid_on",
            "channel",
            "channel_label",
            "payer_name",
            "receipt_number",
            "is_catch_up",
            "note",
            "recorded_at",
        ]


class PaymentInputSerializer(serializers.Serializer):
    entry = ScopedPrimaryKeyRelatedField(
        model=LedgerEntry, permission=VIEW_DUES, help_text="台账行编号（某党员某月）。"
    )
    amount = serializers.DecimalField(
        max_digits=12,
        decimal_places=2,
        min_value=0,
        required=False,
        allow_null=True,
        help_text="缴纳金额（元）；不填则为该月尚欠的全部金额。",
        error_messages={
            "invalid": "请填写金额（数字），如 40.00。",
            "max_decimal_places": "金额最多保留两位小数。",
            "min_value": "金额不能为负数。",
            "max_digits": "金额过大，请核对。",
            "max_whole_digits": "金额过大，请核对。",
        },
    )
    paid_on = serializers.DateField(
        help_text="缴纳日期，如 2026-03-15。",
        error_messages={
            "required": "请填写缴纳日期。",
            "invalid": "缴纳日期格式应为 2026-03-15。",
        },
    )
    channel = serializers.ChoiceField(
        choices=Channel.choices,
        error_messages={
            "required": "请选择缴纳方式。",
            "invalid_choice": (
                "缴纳方式应为 cash（现金）、payroll（工资代扣）、"
                "transfer（转账）或 online（线上缴纳）。"
            ),
        },
    )
    payer_name = serializers.CharField(
        max_length=50, required=False, allow_blank=True, help_text="代缴人姓名；本人缴纳不填。"
    )
    receipt_number = serializers.CharField(max_length=50, required=False, allow_blank=True)
    note = serializers.CharField(max_length=200, required=False, allow_blank=True)


class ArrearsSerializer(serializers.Serializer):
    member = serializers.IntegerField(source="member_id")
    name = serializers.CharField(source="member__person__name")
    work_number = serializers.CharField(source="member__person__work_number", allow_null=True)
    organization = serializers.IntegerField(source="member__organization_id")
    organization_name = serializers.CharField(source="member__organization__name")
    months = serializers.IntegerField(help_text="连续未缴月数（最后一个缴清月份之后）。")
    owed = serializers.DecimalField(max_digits=14, decimal_places=2, help_text="欠缴金额（元）。")
    first_month = serializers.DateField()
    last_month = serializers.DateField()
