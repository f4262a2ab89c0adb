"""The OpenAPI side of `dangjian.core.api`: the schema class and the authentication schemes.

Kept apart from `core.api` because DRF imports the authentication classes named in the settings
while `rest_framework.views` is still loading, and drf-spectacular's schema class imports that
module — one file holding both would be a circular import.
"""

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema

from dangjian.core.api import BearerTokenAuthentication, CsrfSessionAuthentication, ErrorSerializer


class BearerScheme(OpenApiAuthenticationExtension):
    target_class = BearerTokenAuthentication
    name = "bearerAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "访问令牌：`Authorization: Bearer <令牌>`（也接受 `Token <令牌>`）。",
        }


class CsrfSessionScheme(OpenApiAuthenticationExtension):
    target_class = CsrfSessionAuthentication
    name = "sessionAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "cookie",
            "name": settings.SESSION_COOKIE_NAME,
            "description": "浏览器会话；POST/PUT/PATCH/DELETE 须带 X-CSRFToken 请求头。",
        }


_ERROR_DESCRIPTIONS = {
    "400": "请求数据或查询参数有误（含服务拒绝的操作，如违反规则）。",
    "401": "未登录或访问令牌无效；响应带 `WWW-Authenticate: Bearer`。",
    "403": "已登录但没有此操作的权限（或会话调用缺少 CSRF 令牌）。",
    "404": "对象不存在或不在调用者的组织范围内（两者不加区分）。",
    "429": "请求过于频繁。",
}


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema plus the shared error responses on every operation."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                response = self._get_response_for_code(ErrorSerializer, code, direction=direction)
                response["description"] = _ERROR_DESCRIPTIONS[code]
                responses[code] = response
        return responses

    def _error_codes(self) -> list[str]:
        is_list = self.method == "GET" and self._is_list_view()
        # Query parameters declared on an action (`?year=`, `?page=`) are input too.
        declared = {getattr(p, "name", None) for p in self.get_override_parameters()}
        codes = ["401", "403", "429"]
        if is_list or declared or self.method in ("POST", "PUT", "PATCH"):
            codes.append("400")  # filters and page numbers are input too
        if is_list or "{" in self.path or "page" in declared:
            codes.append("404")  # a page past the end answers 404
        return sorted(codes)
