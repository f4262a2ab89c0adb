"""External channels: e-mail through Django's mail API (`EMAIL_URL`), SMS through an adapter.

The SMS adapter is chosen by settings: with `SMS_GATEWAY_URL` empty the console adapter writes
the text to the worker's output (development); otherwise the HTTP adapter POSTs a JSON body
built from `SMS_GATEWAY_TEMPLATE`, where `{mobile}` and `{text}` are replaced by the values
escaped as JSON string content, so a quote in a message cannot change the body's structure.
A channel that cannot deliver raises `DeliveryError`, whose text is recorded on the Delivery.
"""

import json
import logging
import re
import smtplib
import sys
import urllib.error
import urllib.request
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMessage

from dangjian.core.crypto import mask_phone

logger = logging.getLogger("dangjian.notifications")

SMS_TIMEOUT_SECONDS = 5
_PLACEHOLDER = re.compile(r"\{(mobile|text)\}")


class DeliveryError(Exception):
    """A channel could not deliver the message; the text says why (in Chinese)."""


def send_email(*, to: str, subject: str, body: str) -> None:
    message = EmailMessage(
        subject=subject, body=body, from_email=settings.DEFAULT_FROM_EMAIL, to=[to]
    )
    try:
        message.send()
    except (smtplib.SMTPException, OSError) as exc:
        raise DeliveryError(f"邮件发送失败：{exc}") from exc


class ConsoleSMSAdapter:
    """Development adapter: prints the text instead of sending it (number masked)."""

    def __init__(self, stream=None):
        self.stream = stream

    def send(self, *, mobile: str, text: str) -> None:
        stream = self.stream or sys.stdout
        stream.write(f"[短信] {mask_phone(mobile)}：{text}\n")
        stream.flush()
        logger.info("SMS to %s written to the console", mask_phone(mobile))


def render_sms_body(template: str, *, mobile: str, text: str) -> bytes:
    """The gateway's JSON body: the template with the placeholders filled in, validated."""
    values = {"mobile": mobile, "text": text}
    filled = _PLACEHOLDER.sub(lambda match: json.dumps(values[match[1]])[1:-1], template)
    try:
        json.loads(filled)
    except ValueError as exc:
        raise ImproperlyConfigured(f"SMS_GATEWAY_TEMPLATE 填充后不是合法的 JSON：{exc}") from exc
    return filled.encode()


class HttpSMSAdapter:
    """POSTs the message to an SMS gateway on the internal network."""

    def __init__(self, url: str, template: str, timeout: float = SMS_TIMEOUT_SECONDS):
        if urlsplit(url).scheme not in ("http", "https"):
            raise ImproperlyConfigured("SMS_GATEWAY_URL 必须以 http:// 或 https:// 开头")
        self.url = url
        self.template = template
        self.timeout = timeout
        # The gateway sits on the intranet: never route it through a proxy from the environment.
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def send(self, *, mobile: str, text: str) -> None:
        request = urllib.request.Request(  # noqa: S310 — scheme checked in __init__
            self.url,
            data=render_sms_body(self.template, mobile=mobile, text=text),
            headers={"Content-Type": "application/json; charset=utf-8"},
            method="POST",
        )
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                response.read(4096)
        except urllib.error.HTTPError as exc:
            raise DeliveryError(f"短信网关返回错误：HTTP {exc.code}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise DeliveryError(f"无法连接短信网关：{reason}") from exc


def sms_adapter():
    if settings.SMS_GATEWAY_URL:
        return HttpSMSAdapter(settings.SMS_GATEWAY_URL, settings.SMS_GATEWAY_TEMPLATE)
    return ConsoleSMSAdapter()


def send_sms(*, mobile: str, text: str) -> None:
    sms_adapter().send(mobile=mobile, text=text)
