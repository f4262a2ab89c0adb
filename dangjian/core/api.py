"""Shared API pieces: one error body shape with Chinese messages, pagination, token auth."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.authentication import TokenAuthentication
from rest_framework.pagination import PageNumberPagination

_MESSAGES = {
    status.HTTP_400_BAD_REQUEST: "请求数据有误，请检查后重试。",
    status.HTTP_401_UNAUTHORIZED: "请先登录或提供有效的访问令牌。",
    status.HTTP_403_FORBIDDEN: "没有执行此操作的权限。",
    status.HTTP_404_NOT_FOUND: "请求的对象不存在。",
    status.HTTP_405_METHOD_NOT_ALLOWED: "不支持该请求方法。",
    status.HTTP_406_NOT_ACCEPTABLE: "不支持请求的返回格式。",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "不支持的请求数据格式。",
    status.HTTP_429_TOO_MANY_REQUESTS: "请求过于频繁，请稍后再试。",
}


class BearerTokenAuthentication(TokenAuthentication):
    """`Authorization: Bearer <token>` (the `Token` keyword is accepted too)."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = request.META.get("HTTP_AUTHORIZATION", "")
        if header.startswith("Token "):
            request.META["HTTP_AUTHORIZATION"] = "Bearer " + header[len("Token ") :]
        return super().authenticate(request)


class StandardPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200


def exception_handler(exc, context):
    """Every error answers `{"error": {"code", "message", "details"}}` with a Chinese message."""
    # Imported here: rest_framework.views reads the API settings, which name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, ValidationError):
        exc = exceptions.ValidationError(
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    details = response.data if isinstance(exc, exceptions.ValidationError) else None
    message = _MESSAGES.get(response.status_code, "请求失败。")
    if isinstance(exc, exceptions.ValidationError):
        message = _first_message(response.data) or message
    code = exc.get_codes() if isinstance(exc, exceptions.APIException) else "error"
    if not isinstance(code, str):
        code = "invalid"
    response.data = {"error": {"code": code, "message": message, "details": details}}
    return response


def _first_message(data) -> str:
    if isinstance(data, dict):
        for value in data.values():
            found = _first_message(value)
            if found:
                return found
    elif isinstance(data, list):
        for value in data:
            found = _first_message(value)
            if found:
                return found
    elif data:
        return str(data)
    return ""
