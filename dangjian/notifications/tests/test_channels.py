"""The channels for real: e-mail through the locmem backend, SMS over HTTP to a local server."""

import json
import socket

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from dangjian.notifications.channels import (
    ConsoleSMSAdapter,
    DeliveryError,
    HttpSMSAdapter,
    render_sms_body,
    send_email,
    sms_adapter,
)
from dangjian.notifications.checks import check_sms_gateway

TEMPLATE = '{"mobile": "{mobile}", "content": "{text}", "sign": "党建"}'


@override_settings(DEFAULT_FROM_EMAIL="dangjian@mine.example.cn")
def test_email_goes_through_the_django_mail_backend():
    send_email(to="bob@example.cn", subject="【党建信息平台】开会", body="周五下午三点")
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["bob@example.cn"]
    assert message.from_email == "dangjian@mine.example.cn"
    assert (message.subject, message.body) == ("【党建信息平台】开会", "周五下午三点")


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
def test_an_unreachable_smtp_server_is_a_delivery_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    with (
        override_settings(EMAIL_HOST="127.0.0.1", EMAIL_PORT=closed_port, EMAIL_TIMEOUT=2),
        pytest.raises(DeliveryError, match="邮件发送失败"),
    ):
        send_email(to="bob@example.cn", subject="s", body="b")


def test_the_http_adapter_posts_the_template_as_json(gateway):
    HttpSMSAdapter(gateway.url, TEMPLATE).send(mobile="13812345678", text="请于周五参加支部大会")
    [request] = gateway.received
    assert request["path"] == "/sms/send"
    assert request["content_type"] == "application/json; charset=utf-8"
    assert request["json"] == {
        "mobile": "13812345678",
        "content": "请于周五参加支部大会",
        "sign": "党建",
    }


def test_quotes_and_newlines_in_the_text_cannot_change_the_body(gateway):
    text = '第一行\n", "mobile": "10086'
    HttpSMSAdapter(gateway.url, TEMPLATE).send(mobile="13812345678", text=text)
    body = gateway.received[0]["json"]
    assert body["mobile"] == "13812345678"
    assert body["content"] == text


def test_a_gateway_error_status_is_a_delivery_error(gateway):
    gateway.status = 500
    with pytest.raises(DeliveryError, match="HTTP 500"):
        HttpSMSAdapter(gateway.url, TEMPLATE).send(mobile="13812345678", text="x")


def test_a_gateway_that_does_not_answer_in_time_is_a_delivery_error(gateway):
    gateway.delay = 1.0
    with pytest.raises(DeliveryError, match="无法连接短信网关"):
        HttpSMSAdapter(gateway.url, TEMPLATE, timeout=0.2).send(mobile="13812345678", text="x")


def test_a_closed_port_is_a_delivery_error():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        url = f"http://127.0.0.1:{probe.getsockname()[1]}/"
    with pytest.raises(DeliveryError, match="无法连接短信网关"):
        HttpSMSAdapter(url, TEMPLATE).send(mobile="13812345678", text="x")


def test_the_http_adapter_waits_five_seconds_by_default():
    assert HttpSMSAdapter("http://127.0.0.1:9/", TEMPLATE).timeout == 5


def test_the_http_adapter_refuses_other_schemes():
    with pytest.raises(ImproperlyConfigured):
        HttpSMSAdapter("file:///etc/passwd", TEMPLATE)


def test_a_template_that_is_not_json_is_refused():
    with pytest.raises(ImproperlyConfigured):
        render_sms_body('{"content": {text}}', mobile="138", text="党建")


def test_the_body_is_utf8_json():
    body = render_sms_body(TEMPLATE, mobile="138", text="党建")
    assert json.loads(body.decode("utf-8"))["content"] == "党建"


def test_the_console_adapter_prints_the_text_with_a_masked_number(capsys):
    ConsoleSMSAdapter().send(mobile="13812345678", text="请于周五参加支部大会")
    out = capsys.readouterr().out
    assert "138****5678" in out
    assert "13812345678" not in out
    assert "请于周五参加支部大会" in out


def test_the_console_adapter_is_the_default():
    assert isinstance(sms_adapter(), ConsoleSMSAdapter)


def test_a_gateway_url_selects_the_http_adapter(gateway):
    with override_settings(SMS_GATEWAY_URL=gateway.url, SMS_GATEWAY_TEMPLATE=TEMPLATE):
        adapter = sms_adapter()
    assert isinstance(adapter, HttpSMSAdapter)
    assert adapter.url == gateway.url


def test_the_system_check_reports_a_broken_gateway_setting():
    with override_settings(SMS_GATEWAY_URL="ftp://gw", SMS_GATEWAY_TEMPLATE=TEMPLATE):
        assert [e.id for e in check_sms_gateway()] == ["notifications.E001"]
    with override_settings(SMS_GATEWAY_URL="http://gw/", SMS_GATEWAY_TEMPLATE="{text}"):
        assert [e.id for e in check_sms_gateway()] == ["notifications.E001"]
    with override_settings(SMS_GATEWAY_URL="http://gw/", SMS_GATEWAY_TEMPLATE=TEMPLATE):
        assert check_sms_gateway() == []
