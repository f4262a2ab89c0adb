"""System checks that refuse to run production with unsafe settings (DESIGN §5)."""

from django.conf import settings
from django.core import checks


def production_config_errors() -> list[checks.Error]:
    if settings.ENVIRONMENT != "production":
        return []
    errors = []
    if not settings.SECRET_KEY or settings.SECRET_KEY == settings.DEFAULT_SECRET_KEY:
        errors.append(
            checks.Error(
                "生产环境必须通过 DANGJIAN_SECRET_KEY 设置自己的密钥，不能使用默认值。",
                id="dangjian.E001",
            )
        )
    elif len(settings.SECRET_KEY) < 50:
        errors.append(checks.Error("DANGJIAN_SECRET_KEY 长度至少 50 个字符。", id="dangjian.E002"))
    if settings.DEBUG:
        errors.append(checks.Error("生产环境不能开启 DANGJIAN_DEBUG。", id="dangjian.E003"))
    if not settings.FIELD_KEY:
        errors.append(
            checks.Error(
                "生产环境必须设置字段加密密钥 DANGJIAN_FIELD_KEY（32 字节，base64）。",
                id="dangjian.E004",
            )
        )
    else:
        from django.core.exceptions import ImproperlyConfigured

        from dangjian.core.crypto import decode_master_key

        try:
            decode_master_key(settings.FIELD_KEY)
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id="dangjian.E005"))
    return errors


@checks.register(checks.Tags.security, deploy=False)
def check_production_settings(app_configs=None, **kwargs):
    return production_config_errors()
