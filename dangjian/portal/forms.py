"""Forms of the article editor (撰稿). They parse input; `services.articles` and
`services.workflow` decide (permissions, states, sanitising the body, revisions).

Where a user may write: a column is writable when the user holds `portal.write_article` over
the site's organisation and the column names no publishers, or when the user is one of the
column's named publishers (`services.workflow.can_write`, here as one query for the choices).
"""

from __future__ import annotations

import re
import uuid

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from dangjian.core.forms import BootstrapForm
from dangjian.core.scope import scope_condition, scope_of
from dangjian.core.search_select import searchable
from dangjian.members.forms.pickers import search
from dangjian.orgs.models import Organization
from dangjian.portal.models import (
    Article,
    ArticleAttachment,
    Column,
    MediaAsset,
    Site,
    Visibility,
)
from dangjian.portal.permissions import WRITE_ARTICLE

TITLE_MAX = 200
SUMMARY_MAX = 500
BODY_MAX = 300_000  # characters of HTML; a long report with tables fits many times over
TAG_MAX = 30
TAGS_MAX = 10
TAG_SPLIT = re.compile(r"[,，、;；\s]+")
ORG_FIELDS = ("pk", "name", "short_name", "code", "path", "depth", "org_type", "is_active")


# ---------------------------------------------------------------- where the user may write


def writable_columns(user):
    """Active article columns (not 下载专区) the user may write in, on active sites."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Column.objects.none()
    through = Column.publishers.through
    named = Exists(through.objects.filter(column_id=OuterRef("pk")))
    is_named = Exists(through.objects.filter(column_id=OuterRef("pk"), user_id=user.pk))
    condition = Q(is_named)
    in_scope = scope_condition("site__organization__path", scope_of(user).paths_for(WRITE_ARTICLE))
    if in_scope is not None:
        condition |= in_scope & ~Q(named)
    return (
        Column.objects.filter(condition, is_active=True, site__is_active=True)
        .exclude(kind=Column.Kind.DOWNLOADS)
        .select_related("site", "parent")
        .order_by("site__organization__path", "order", "pk")
    )


def writable_sites(user):
    """Sites with at least one column the user may write in."""
    return Site.objects.filter(pk__in=writable_columns(user).order_by().values("site_id")).order_by(
        "organization__path"
    )


def site_organizations(site: Site):
    """Organisations an article of `site` may be limited to: the site's subtree."""
    return (
        Organization.objects.filter(path__startswith=site.organization.path, is_active=True)
        .only(*ORG_FIELDS)
        .order_by("path")
    )


def organization_options(site: Site, query: str, limit: int) -> list:
    found = search(site_organizations(site), query, "name", "short_name", "code")
    return list(found[:limit])


def split_tags(text: str) -> list[str]:
    """Tags typed with commas (also Chinese "，" and "、"), without repeats, in order."""
    seen: dict[str, None] = {}
    for part in TAG_SPLIT.split(text or ""):
        part = part.strip().lstrip("#")
        if part:
            seen.setdefault(part, None)
    return list(seen)


def column_label(column: Column) -> str:
    return f"{column.parent.name} · {column.name}" if column.parent_id else column.name


# ---------------------------------------------------------------- widgets and fields


class LocalDateTimeInput(forms.DateTimeInput):
    """The browser's own date-time picker (`2026-11-24T14:30` on the wire, local time)."""

    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


def _moment(label: str, help_text: str) -> forms.DateTimeField:
    example = f"{timezone.localdate():%Y-%m-%d} 08:00"
    return forms.DateTimeField(
        label=label,
        required=False,
        widget=LocalDateTimeInput(),
        help_text=help_text,
        error_messages={"invalid": f"{label}格式不正确，例如 {example}。"},
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, accept: str = "", **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": accept}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


class OrganizationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class AudienceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class ColumnField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return column_label(obj)


ATTACHMENT_ACCEPT = ".pdf,.doc,.docx,.xls,.xlsx,.ppt,.pptx,.txt"
IMAGE_ACCEPT = "image/jpeg,image/png,image/gif,image/webp"


# ---------------------------------------------------------------- the editor


class ArticleForm(BootstrapForm):
    """New article (`site` chosen among the writable sites) or an existing one (`article`:
    its site is fixed, its column may change within the site)."""

    site = forms.ModelChoiceField(
        queryset=Site.objects.none(),
        label="发布站点",
        widget=forms.HiddenInput,
        error_messages={
            "required": "请选择发布站点。",
            "invalid_choice": "所选站点不在您可以撰稿的范围内，请重新选择。",
        },
    )
    column = ColumnField(
        queryset=Column.objects.none(),
        label="栏目",
        empty_label="请选择栏目",
        error_messages={
            "required": "请选择栏目。",
            "invalid_choice": "所选栏目不存在或您没有向它投稿的权限，请重新选择。",
        },
    )
    title = forms.CharField(
        label="标题",
        max_length=TITLE_MAX,
        error_messages={
            "required": "请填写标题。",
            "max_length": f"标题不能超过 {TITLE_MAX} 个字。",
        },
    )
    subtitle = forms.CharField(
        label="副标题",
        max_length=200,
        required=False,
        error_messages={"max_length": "副标题不能超过 200 个字。"},
    )
    source = forms.CharField(
        label="来源",
        max_length=100,
        required=False,
        help_text="如“一矿党委宣传部”“人民日报”。",
        error_messages={"max_length": "来源不能超过 100 个字。"},
    )
    author = forms.CharField(
        label="作者",
        max_length=100,
        required=False,
        error_messages={"max_length": "作者不能超过 100 个字。"},
    )
    summary = forms.CharField(
        label="摘要",
        max_length=SUMMARY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="列表和搜索结果中显示；不填时取正文开头。",
        error_messages={"max_length": f"摘要不能超过 {SUMMARY_MAX} 个字。"},
    )
    body = forms.CharField(
        label="正文",
        max_length=BODY_MAX,
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "class": "dj-editor-source"}),
        error_messages={"max_length": "正文太长，请拆分成几篇文章或把材料作为附件上传。"},
    )
    cover = forms.CharField(required=False, widget=forms.HiddenInput)  # a MediaAsset key
    cover_file = forms.FileField(
        label="封面图",
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": IMAGE_ACCEPT}),
        help_text="JPG、PNG、GIF 或 WEBP 图片；图片新闻栏目建议横向、宽度不小于 1200 像素。",
    )
    remove_cover = forms.BooleanField(label="去掉封面图", required=False)
    tags = forms.CharField(
        label="标签",
        max_length=400,
        required=False,
        help_text="多个标签用逗号或顿号分开，如“主题教育，安全生产”。",
        error_messages={"max_length": "标签写得太多了，请精简。"},
    )
    pinned_until = _moment("置顶至", "在此时间前排在栏目和首页列表的最前面；不置顶请留空。")
    publish_at = _moment("定时发布", "审批通过后到此时间自动发布；留空则审批通过即发布。")
    expire_at = _moment("下线时间", "到此时间自动从门户撤下；长期有效请留空。")
    visibility = forms.ChoiceField(
        label="公开范围",
        choices=Visibility.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "请选择公开范围。", "invalid_choice": "请选择公开范围。"},
    )
    audience = AudienceField(
        queryset=Organization.objects.none(),
        label="可见组织",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "invalid_choice": "所选组织不在本站点的组织范围内，请重新选择。",
            "invalid_pk_value": "所选组织不存在，请重新选择。",
        },
    )
    audience_add = OrganizationField(
        queryset=Organization.objects.none(),
        label="添加可见组织",
        required=False,
        empty_label="选择要添加的组织",
        error_messages={"invalid_choice": "所选组织不在本站点的组织范围内，请重新选择。"},
    )
    attachments = MultipleFileField(
        label="上传附件",
        required=False,
        accept=ATTACHMENT_ACCEPT,
        help_text="PDF、Word、Excel、PowerPoint 或文本文件，可一次选多个；附件里的文字也能搜索到。",
    )
    remove_attachments = forms.ModelMultipleChoiceField(
        queryset=ArticleAttachment.objects.none(),  # set to the article's attachments
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    note = forms.CharField(
        label="修改说明",
        max_length=200,
        required=False,
        help_text="可选：写进版本记录，如“按审核意见修改第二段”。",
        error_messages={"max_length": "修改说明不能超过 200 个字。"},
    )

    def __init__(self, *args, user, article: Article | None = None, site: Site | None = None,
                 **kwargs):  # fmt: skip
        super().__init__(*args, **kwargs)
        self.user = user
        self.article = article
        for name in ("visibility", "audience", "remove_cover", "remove_attachments"):
            self.fields[name].widget.attrs["class"] = "form-check-input"
        self.fields["column"].widget.attrs["data-column-select"] = ""
        self.fields["body"].widget.attrs["data-testid"] = "body-source"
        columns = writable_columns(user)
        if article is not None:
            # The site is fixed; the current column stays selectable (a reviewer may edit an
            # article in a column named for other publishers).
            del self.fields["site"]
            self.site = article.site
            columns = Column.objects.filter(
                Q(pk__in=columns.filter(site=article.site).values("pk")) | Q(pk=article.column_id)
            ).select_related("site", "parent")
            self.fields["remove_attachments"].queryset = article.attachments.all()
        else:
            # A new article is written for one site (chosen before the editor opens).
            del self.fields["remove_attachments"]
            sites = writable_sites(user)
            self.fields["site"].queryset = sites
            self.site = self._bound_site(sites, site)
            if self.site is not None:
                self.fields["site"].initial = self.site.pk
            columns = columns.filter(site=self.site) if self.site else columns.none()
        self.fields["column"].queryset = columns.order_by("order", "pk")
        self.column_visibility = {str(c.pk): c.default_visibility for c in columns}
        if self.site is not None:
            orgs = site_organizations(self.site)
            self.fields["audience"].queryset = orgs
            self.fields["audience_add"].queryset = orgs
            searchable(
                self,
                "audience_add",
                f"{reverse('portal:audience_options')}?site={self.site.pk}",
                "输入组织名称或代码查找",
            )
            self._limit_audience_boxes()

    # ------------------------------------------------------------ rendering helpers

    def _bound_site(self, sites, preset):
        """The site the form is about: the submitted one, the preset, or the only one."""
        if self.is_bound:
            value = self.data.get(self.add_prefix("site"))
            found = sites.filter(pk=value).first() if str(value or "").isdigit() else None
            if found is not None:
                return found
        if preset is not None and sites.filter(pk=preset.pk).exists():
            return preset
        candidates = list(sites[:2])
        return candidates[0] if len(candidates) == 1 else None

    def _limit_audience_boxes(self):
        """Tick boxes for the chosen organisations and the site's top two levels; the search
        box adds any other organisation of the site."""
        field = self.fields["audience"]
        chosen = set()
        if self.is_bound and hasattr(self.data, "getlist"):
            values = self.data.getlist(self.add_prefix("audience"))
            chosen = {int(v) for v in values if str(v).isascii() and str(v).isdigit()}
        elif self.article is not None:
            chosen = set(self.article.audience.values_list("pk", flat=True))
        elif self.initial.get("audience"):
            chosen = {getattr(o, "pk", o) for o in self.initial["audience"]}
        depth = self.site.organization.depth
        shown = field.queryset.filter(Q(depth__lte=depth + 1) | Q(pk__in=chosen))[:60]
        field.widget.choices = [(o.pk, o.display_name) for o in shown]

    # ------------------------------------------------------------ cleaning

    def clean_title(self):
        title = " ".join(self.cleaned_data["title"].split())
        if not title:
            raise forms.ValidationError("请填写标题。")
        return title

    def clean_tags(self):
        tags = split_tags(self.cleaned_data.get("tags", ""))
        long = [tag for tag in tags if len(tag) > TAG_MAX]
        if long:
            raise forms.ValidationError(
                f"标签“{long[0][:10]}…”太长，每个标签不超过 {TAG_MAX} 个字。"
            )
        if len(tags) > TAGS_MAX:
            raise forms.ValidationError(f"标签最多 {TAGS_MAX} 个，请精简。")
        return tags

    def clean_cover(self):
        value = (self.cleaned_data.get("cover") or "").strip()
        if not value:
            return None
        try:
            key = uuid.UUID(value)
        except ValueError:
            raise forms.ValidationError("封面图无效，请重新上传。") from None
        if self.site is None:
            return None
        asset = MediaAsset.objects.filter(
            key=key, site=self.site, kind=MediaAsset.Kind.IMAGE
        ).first()
        if asset is None:
            raise forms.ValidationError("封面图不存在或不属于本站点，请重新上传。")
        return asset

    def clean(self):
        cleaned = super().clean()
        site = cleaned.get("site") if self.article is None else self.site
        column = cleaned.get("column")
        if site is not None and column is not None and column.site_id != site.pk:
            self.add_error("column", "所选栏目不属于所选站点，请重新选择。")
        publish_at, expire_at = cleaned.get("publish_at"), cleaned.get("expire_at")
        if expire_at and publish_at and expire_at <= publish_at:
            self.add_error("expire_at", "下线时间必须晚于定时发布时间。")
        elif expire_at and expire_at <= timezone.now() and self.article is None:
            self.add_error("expire_at", "下线时间已经过去，请重新填写或留空。")
        audience = list(cleaned.get("audience") or [])
        extra = cleaned.get("audience_add")
        if extra is not None and extra not in audience:
            audience.append(extra)
        cleaned["audience"] = audience
        if cleaned.get("visibility") == Visibility.ORGANIZATIONS and not audience:
            self.add_error("audience_add", "选择“指定组织”时，请至少选择一个可见组织。")
        return cleaned

    # ------------------------------------------------------------ for the services

    def article_data(self) -> dict:
        """The `data` of `services.articles.save_article`."""
        data = self.cleaned_data
        cover = data.get("cover")
        if self.article is not None and not data.get("cover") and not data.get("remove_cover"):
            cover = self.article.cover
        if data.get("remove_cover"):
            cover = None
        return {
            "title": data["title"],
            "subtitle": data.get("subtitle", "").strip(),
            "source": data.get("source", "").strip(),
            "author": data.get("author", "").strip(),
            "cover": cover,
            "summary": data.get("summary", "").strip(),
            "body": data.get("body", ""),
            "visibility": data["visibility"],
            "pinned_until": data.get("pinned_until"),
            "publish_at": data.get("publish_at"),
            "expire_at": data.get("expire_at"),
        }

    def audience_list(self) -> list:
        if self.cleaned_data.get("visibility") != Visibility.ORGANIZATIONS:
            return []
        return list(self.cleaned_data.get("audience") or [])


def initial_for(article: Article) -> dict:
    """The editor's initial values for an existing article."""

    def local(value):
        return timezone.localtime(value) if value else None

    return {
        "column": article.column_id,
        "title": article.title,
        "subtitle": article.subtitle,
        "source": article.source,
        "author": article.author,
        "summary": article.summary,
        "body": article.body,
        "cover": str(article.cover.key) if article.cover_id else "",
        "tags": "，".join(tag.name for tag in article.tags.all()),
        "pinned_until": local(article.pinned_until),
        "publish_at": local(article.publish_at),
        "expire_at": local(article.expire_at),
        "visibility": article.visibility,
        "audience": list(article.audience.values_list("pk", flat=True)),
    }


# ---------------------------------------------------------------- lists and revisions

STATUS_FILTERS = {
    "": ("全部", None),
    "draft": ("草稿", [Article.Status.DRAFT]),
    "returned": ("已退回", [Article.Status.RETURNED]),
    "review": (
        "审核中",
        [Article.Status.SUBMITTED, Article.Status.REVIEWED, Article.Status.APPROVED],
    ),
    "published": ("已发布", [Article.Status.PUBLISHED]),
    "withdrawn": ("已撤稿", [Article.Status.WITHDRAWN]),
}


class MyArticlesFilterForm(BootstrapForm):
    q = forms.CharField(label="标题", required=False, max_length=100)
    column = ColumnField(
        queryset=Column.objects.none(),
        label="栏目",
        required=False,
        empty_label="全部栏目",
        error_messages={"invalid_choice": "所选栏目不存在，已显示全部栏目。"},
    )

    def __init__(self, *args, columns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["column"].queryset = columns
        self.fields["q"].widget.attrs["placeholder"] = "按标题查找"
        self.fields["q"].widget.attrs["type"] = "search"


class DeleteForm(forms.Form):
    confirm = forms.BooleanField(
        label="我确认删除这篇稿件（连同其附件和版本记录）",
        error_messages={"required": "请勾选确认后再删除。"},
    )
