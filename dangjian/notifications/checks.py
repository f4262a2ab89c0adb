"""System checks: a misconfigured SMS gateway fails at start-up, not at the first message."""

from django.conf import settings
from django.core.checks import Error, register
from django.core.exceptions import ImproperlyConfigured


@register()
def check_sms_gateway(app_configs=None, **kwargs):
    from dangjian.notifications.channels import HttpSMSAdapter, render_sms_body

    if not settings.SMS_GATEWAY_URL:
        return []
    try:
        HttpSMSAdapter(settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TEMPLATE)
        render_sms_body(settings.SMS_GATEWAY_TEMPLATE, mobile="13800000000", text='测试 "引号"')
    except ImproperlyConfigured as exc:
        return [
            Error(
                str(exc),
                hint="检查 DANGJIAN_SMS_URL 和 DANGJIAN_SMS_TEMPLATE",
                id="notifications.E001",
            )
        ]
    return []
