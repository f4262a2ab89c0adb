"""Shared API pieces (DESIGN §2, `/api/v1/`): authentication, one error body, pagination, scope.

Every API view of every app builds on this module:

* Authentication: `Authorization: Bearer <key>` (or `Token <key>`) with a DRF authtoken key, or
  the browser session — for which unsafe methods must carry the CSRF token. Bearer comes first
  in the settings so that an anonymous call answers 401 with `WWW-Authenticate: Bearer`.
* Errors: every refusal answers `{"error": {"code", "message", "details"}}` with a Chinese
  `message`; a service's `ServiceError` becomes a 400 carrying the service's own text.
* Scope: `ScopedViewSetMixin` takes the queryset from the app's selector (which starts from
  `Model.objects.visible_to(user, permission)`); an object outside it answers 404, a visible
  object the caller may not change answers 403, and a list is the visible part of the
  collection (possibly empty, never 403).

The OpenAPI side (the shared `Error` component on every operation, the security schemes) is in
`core.api_schema`.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, JsonResponse
from django.urls import Resolver404, resolve
from rest_framework import exceptions, serializers, status
from rest_framework.authentication import (
    SessionAuthentication,
    TokenAuthentication,
    get_authorization_header,
)
from rest_framework.pagination import PageNumberPagination

from dangjian.core.exceptions import RuleViolation
from dangjian.core.scope import scope_of

_STATUS_MESSAGES = {
    status.HTTP_400_BAD_REQUEST: "请求数据有误，请检查后重试。",
    status.HTTP_401_UNAUTHORIZED: "请先登录或提供有效的访问令牌。",
    status.HTTP_403_FORBIDDEN: "没有执行此操作的权限。",
    status.HTTP_404_NOT_FOUND: "请求的对象不存在。",
    status.HTTP_405_METHOD_NOT_ALLOWED: "不支持该请求方法。",
    status.HTTP_406_NOT_ACCEPTABLE: "不支持请求的返回格式。",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "不支持的请求数据格式，请以 JSON 提交。",
    status.HTTP_429_TOO_MANY_REQUESTS: "请求过于频繁，请稍后再试。",
}
# More precise texts for the codes DRF and this module raise (DRF's own texts are English or
# generic; the API speaks Chinese).
_CODE_MESSAGES = {
    "not_authenticated": "请先登录或提供有效的访问令牌。",
    "authentication_failed": "访问令牌无效或账号已停用。",
    "csrf_failed": "CSRF 校验失败：以会话方式调用时，修改数据的请求须带 X-CSRFToken 请求头。",
    "parse_error": "请求体不是有效的 JSON。",
}

TOKEN_KEYWORDS = ("bearer", "token")


class BearerTokenAuthentication(TokenAuthentication):
    """`Authorization: Bearer <key>`; the DRF keyword `Token <key>` is accepted too."""

    keyword = "Bearer"

    def authenticate(self, request):
        parts = get_authorization_header(request).split()
        if not parts or parts[0].decode("latin-1").lower() not in TOKEN_KEYWORDS:
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Authorization 请求头格式应为“Bearer 令牌”。")
        try:
            key = parts[1].decode("ascii")
        except UnicodeDecodeError as exc:
            raise exceptions.AuthenticationFailed() from exc
        return self.authenticate_credentials(key)

    def authenticate_credentials(self, key):
        """A token stands in for the password only: it never gets past the login policy.

        The three administrators must come through the web login with its second factor
        (等保 8.1.5: administrators authenticated through specific interfaces), and a user whose
        password must change is held back until they change it on the web.
        """
        from dangjian.accounts.selectors import is_admin, password_change_reason

        user, token = super().authenticate_credentials(key)
        if is_admin(user):
            raise exceptions.AuthenticationFailed(
                "三员管理员账号不能使用访问令牌，请通过网页登录（含双因素认证）操作。",
                code="token_not_allowed",
            )
        if password_change_reason(user):
            raise exceptions.AuthenticationFailed(
                "请先在网页上修改密码，然后再使用本接口。", code="password_change_required"
            )
        return user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'


class CsrfSessionAuthentication(SessionAuthentication):
    """The browser session; unsafe methods must carry the CSRF token (403 with a clear text)."""

    def enforce_csrf(self, request):
        try:
            super().enforce_csrf(request)
        except exceptions.PermissionDenied as exc:
            raise exceptions.PermissionDenied(
                _CODE_MESSAGES["csrf_failed"], code="csrf_failed"
            ) from exc


class StandardPagination(PageNumberPagination):
    """Page numbers sliced in the database (LIMIT/OFFSET), 20 a page, at most 200."""

    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 200


# --- errors ------------------------------------------------------------------------------------


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="机器可读的错误代码，如 not_found、invalid。")
    message = serializers.CharField(help_text="给用户看的中文说明。")
    details = serializers.JSONField(
        allow_null=True,
        help_text="校验错误时为 {字段: [中文说明…]}；其他错误多为 null。",
    )


class ErrorSerializer(serializers.Serializer):
    """The one error body of the API."""

    error = ErrorDetailSerializer()


def error_body(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details}}


def exception_handler(exc, context):
    """Every error answers `{"error": {"code", "message", "details"}}` with a Chinese message."""
    # Imported here: rest_framework.views reads the API settings, which name this module.
    from rest_framework.views import exception_handler as drf_exception_handler

    exc = _as_api_exception(exc)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = _validation_body(exc, response.data)
    else:
        code = _code_of(exc)
        body = error_body(code, _message_for(exc, code, response.status_code))
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            body["error"]["details"] = {"retry_after": int(exc.wait + 0.999)}
    response.data = body
    return response


def _as_api_exception(exc):
    """Django's own exceptions (raised by selectors and services) as DRF ones."""
    if isinstance(exc, Http404):
        return exceptions.NotFound()
    if isinstance(exc, PermissionDenied):
        return exceptions.PermissionDenied(str(exc.args[0]) if exc.args else None)
    if isinstance(exc, ValidationError):
        converted = exceptions.ValidationError(_validation_detail(exc), code=_service_code(exc))
        converted.rule = _rule_details(exc)
        return converted
    return exc


def _validation_detail(exc: ValidationError):
    if hasattr(exc, "error_dict"):
        return exc.message_dict
    return {"non_field_errors": exc.messages}


def _service_code(exc: ValidationError) -> str:
    return getattr(exc, "code", None) or "invalid"


def _rule_details(exc: ValidationError) -> dict | None:
    if not isinstance(exc, RuleViolation):
        return None
    return {"rule_key": exc.rule_key, "source": exc.source, "remedy": exc.remedy}


def _validation_body(exc: exceptions.ValidationError, data) -> dict:
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else _single_code(codes)
    details = data if isinstance(data, dict) else {"non_field_errors": data}
    rule = getattr(exc, "rule", None)
    if rule:
        details = {**details, "rule": rule}
    message = _first_message(data) or _STATUS_MESSAGES[status.HTTP_400_BAD_REQUEST]
    return error_body(code, message, details)


def _single_code(codes) -> str:
    """A service's own code (e.g. `rule_violation`) survives; field errors say `invalid`."""
    if isinstance(codes, dict) and list(codes) == ["non_field_errors"]:
        inner = codes["non_field_errors"]
        if isinstance(inner, list) and len(inner) == 1 and isinstance(inner[0], str):
            return inner[0]
    return "invalid"


def _code_of(exc) -> str:
    if isinstance(exc, exceptions.APIException):
        code = exc.get_codes()
        return code if isinstance(code, str) else "error"
    return "error"


def _message_for(exc, code: str, status_code: int) -> str:
    detail = str(getattr(exc, "detail", ""))
    # A Chinese message raised on purpose is kept; DRF's default texts are replaced by ours.
    if detail != str(getattr(exc, "default_detail", "")) and _is_chinese(detail):
        return detail
    return _CODE_MESSAGES.get(code) or _STATUS_MESSAGES.get(status_code, "请求失败。")


def _is_chinese(text: str) -> bool:
    return any("\u4e00" <= char <= "\u9fff" for char in text)


def _first_message(data) -> str:
    if isinstance(data, dict):
        data = list(data.values())
    if isinstance(data, list):
        for value in data:
            found = _first_message(value)
            if found:
                return found
        return ""
    return str(data) if data else ""


def api_not_found(request, *args, **kwargs):
    """Unknown addresses under /api/v1/ answer the API error body, not the HTML 404 page."""
    message = "接口地址不存在。"
    if not request.path.endswith("/") and _resolves(request.path + "/"):
        message = "接口地址须以“/”结尾。"
    return JsonResponse(
        error_body("not_found", message), status=404, json_dumps_params={"ensure_ascii": False}
    )


def _resolves(path: str) -> bool:
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.func is not api_not_found


# --- scope ---------------------------------------------------------------------------------------


class ScopedViewSetMixin:
    """Querysets come from a selector built on `visible_to`; writes re-check the permission.

    Subclasses implement `scoped_queryset(user)` and name `model`. Objects outside the scope
    answer 404 (exactly as missing ones); a visible object that the caller may not change
    answers 403.
    """

    model = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return self.model.objects.none()
        return self.scoped_queryset(self.request.user)

    def scoped_queryset(self, user):
        raise NotImplementedError

    def parse(self, serializer_class) -> dict:
        """Validate the request body with an input serializer (400 with field errors)."""
        serializer = serializer_class(data=self.request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def get_object_for(self, permission: str):
        """The URL's object for a write: 404 unless visible, 403 unless `permission` covers it."""
        obj = self.get_object()
        self.require_permission(permission, scope_path_of(obj))
        return obj

    def require_permission(self, permission: str, path: str | None = None) -> None:
        """403 unless the caller holds the permission over `path` (or anywhere, without one)."""
        scope = scope_of(self.request.user)
        allowed = scope.covers(permission, path) if path is not None else scope.has(permission)
        if not allowed:
            raise exceptions.PermissionDenied()


def scope_path_of(obj) -> str:
    """The organisation path that scopes `obj`, following the model's `scope_path` lookup."""
    value = obj
    for part in type(obj).scope_path.split("__"):
        value = getattr(value, part)
    return value


class ScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """An id in a request body, valid only inside the caller's scope for `permission`.

    An id outside the scope gets the same 400 as an id that does not exist.
    """

    default_error_messages = {
        "required": "请填写此项。",
        "does_not_exist": "编号为 {pk_value} 的对象不存在，或不在您可办理此业务的范围内。",
        "incorrect_type": "请填写对象的编号（整数），而不是 {data_type}。",
    }

    def __init__(self, *, model, permission: str, **kwargs):
        self.scoped_model = model
        self.permission = permission
        super().__init__(queryset=model.objects.none(), **kwargs)

    def get_queryset(self):
        request = self.context.get("request")
        if request is None:
            return self.scoped_model.objects.none()
        return self.scoped_model.objects.visible_to(request.user, self.permission)


def query_integer(request, name: str, *, minimum: int, maximum: int, default=None):
    """`?name=` as an integer within [minimum, maximum]; absent or empty gives `default`, anything
    else answers 400 with a Chinese message naming the parameter."""
    raw = request.query_params.get(name)
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise exceptions.ValidationError({name: ["须为整数。"]}) from exc
    if not minimum <= value <= maximum:
        raise exceptions.ValidationError({name: [f"须在 {minimum} 至 {maximum} 之间。"]})
    return value


def query_organization(request, permission: str):
    """`?organization=` as an organisation the caller sees with `permission` (None when absent;
    400 when malformed, missing or out of scope — the message does not say which)."""
    from dangjian.orgs.models import Organization

    pk = query_integer(request, "organization", minimum=1, maximum=2**31 - 1)
    if pk is None:
        return None
    organization = Organization.objects.visible_to(request.user, permission).filter(pk=pk).first()
    if organization is None:
        raise exceptions.ValidationError(
            {"organization": [f"编号为 {pk} 的党组织不存在，或不在您的查看范围内。"]}
        )
    return organization
