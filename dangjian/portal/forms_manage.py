"""Forms of the portal back-end (站点、栏目、首页区块). They check the shape of the input; the
rules (unique codes, the two-level tree, which column a block may show, link addresses) live in
`services/manage.py`, which answers a Chinese `ServiceError` the view shows on the form."""

from __future__ import annotations

from django import forms
from django.urls import reverse

from dangjian.core.forms import BootstrapForm
from dangjian.core.search_select import searchable
from dangjian.portal.models import Column, HomeBlock, Visibility
from dangjian.portal.services import manage

CODE_HELP = "用于网址，" + manage.SLUG_RULE + "。"


class ManageForm(BootstrapForm):
    """Bootstrap's check class on check boxes and a Chinese "required" message per field."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput | forms.CheckboxSelectMultiple):
                field.widget.attrs["class"] = "form-check-input"
            verb = "请选择" if isinstance(field, forms.ChoiceField) else "请填写"
            field.error_messages["required"] = f"{verb}{field.label}。"


class OrganizationField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name


class UserField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name or obj.username


class UsersField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.display_name or obj.username


class ColumnField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        prefix = f"{obj.site.name} · " if self.show_site else ""
        parent = f"{obj.parent.name} › " if obj.parent_id and obj.parent else ""
        return f"{prefix}{parent}{obj.name}（{obj.get_kind_display()}）"

    show_site = False


# --- sites -------------------------------------------------------------------------------------


class SiteOpenForm(ManageForm):
    organization = OrganizationField(
        queryset=None,
        label="开通站点的党组织",
        empty_label="请选择党委或党总支",
        error_messages={
            "invalid_choice": "所选党组织不在您的管理范围内、不是党委或党总支，或已经开通了站点。"
        },
        help_text="只列出您管理范围内、尚未开通站点的党委和党总支。",
    )
    name = forms.CharField(
        label="站点名称", max_length=100, required=False, help_text="留空则为“组织简称 + 党建网”。"
    )
    code = forms.CharField(
        label="站点代码", max_length=40, required=False, help_text=CODE_HELP + "留空则用组织代码。"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = manage.openable_organizations(user)
        url = reverse("portal:manage_site_organizations")
        searchable(self, "organization", url, "输入名称或代码查找")


class SiteForm(ManageForm):
    name = forms.CharField(label="站点名称", max_length=100)
    code = forms.CharField(label="站点代码", max_length=40, help_text=CODE_HELP)
    slogan = forms.CharField(
        label="标语", max_length=100, required=False, help_text="显示在站点名称下方，可不填。"
    )
    show_parent_items = forms.BooleanField(
        label="显示上级站点的内容",
        required=False,
        help_text="栏目设置了“继承上级栏目”时，同时列出上级站点该栏目中本站读者可见的文章。",
    )
    is_active = forms.BooleanField(
        label="启用", required=False, help_text="停用后站点的页面不再对外显示，文章保留。"
    )


# --- columns -----------------------------------------------------------------------------------


class ColumnForm(ManageForm):
    name = forms.CharField(label="栏目名称", max_length=50)
    slug = forms.CharField(label="栏目代码", max_length=40, help_text=CODE_HELP)
    parent = ColumnField(
        queryset=None, label="上级栏目", required=False, empty_label="（无，作为一级栏目）"
    )
    kind = forms.ChoiceField(label="栏目类型", choices=Column.Kind.choices)
    description = forms.CharField(label="栏目说明", max_length=200, required=False)
    order = forms.IntegerField(
        label="排序", min_value=0, max_value=100000, initial=100, help_text="数字小的排在前面。"
    )
    default_visibility = forms.ChoiceField(
        label="默认公开范围",
        choices=Visibility.choices,
        help_text="新文章的默认公开范围，撰稿人可以在文章中修改。",
    )
    needs_review = forms.BooleanField(
        label="发布前需审核审批",
        required=False,
        help_text="关闭后，撰稿人提交即直接发布，不经审核审批。",
    )
    needs_secrecy_review = forms.BooleanField(
        label="审核时须做保密审查",
        required=False,
        help_text="党务公开类栏目必须审核并做保密审查（《中国共产党党务公开条例（试行）》），"
        "选择该类型后这两项自动打开、不能关闭。",
    )
    inherit_from = ColumnField(
        queryset=None,
        label="继承上级栏目",
        required=False,
        empty_label="（不继承）",
        help_text="同时列出上级站点这个栏目里本站读者可见的文章（如集团的通知公告）。",
    )
    show_in_nav = forms.BooleanField(label="显示在站点导航", required=False)
    is_active = forms.BooleanField(
        label="启用", required=False, help_text="停用的栏目不再显示，文章保留。"
    )
    publishers = UsersField(
        queryset=None,
        label="可投稿人员",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="取消勾选即移出。",
    )
    add_publisher = UserField(
        queryset=None,
        label="添加投稿人员",
        required=False,
        empty_label="（不添加）",
        error_messages={"invalid_choice": "所选人员在本站组织内没有职务，不能设为投稿人员。"},
        help_text="不指定时，本站所有有撰稿权限的人员都可向本栏目投稿；指定后只有所列人员"
        "可以投稿（没有撰稿权限的人也可以）。可选人员：在本站组织内担任职务的用户。",
    )

    def __init__(self, *args, site, column=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["parent"].queryset = manage.parent_choices(site, column)
        inherit = self.fields["inherit_from"]
        inherit.queryset = manage.inheritable_columns(site)
        inherit.show_site = True
        current = column.publishers.all() if column is not None and column.pk else None
        candidates = manage.publisher_candidates(site)
        self.fields["publishers"].queryset = (
            current.order_by("display_name", "username")
            if current is not None
            else candidates.none()
        )
        self.fields["add_publisher"].queryset = candidates
        url = reverse("portal:manage_publishers", args=[site.pk])
        searchable(self, "add_publisher", url, "输入姓名或登录名查找")
        self.fields["kind"].widget.attrs["data-column-kind"] = ""
        for name in ("needs_review", "needs_secrecy_review"):
            self.fields[name].widget.attrs["data-disclosure-forced"] = ""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("kind") == Column.Kind.DISCLOSURE:
            cleaned["needs_review"] = True
            cleaned["needs_secrecy_review"] = True
        return cleaned

    def chosen_publishers(self) -> list:
        chosen = list(self.cleaned_data.get("publishers") or [])
        extra = self.cleaned_data.get("add_publisher")
        if extra is not None and all(user.pk != extra.pk for user in chosen):
            chosen.append(extra)
        return chosen

    def column_values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in manage.COLUMN_FIELDS}


# --- home-page blocks --------------------------------------------------------------------------


class BlockForm(ManageForm):
    kind = forms.ChoiceField(label="区块类型", choices=HomeBlock.Kind.choices)
    title = forms.CharField(label="标题", max_length=50)
    column = ColumnField(
        queryset=None,
        label="栏目",
        required=False,
        empty_label="（不选）",
        help_text="图片新闻轮播选“图片新闻”类型的栏目；通知公告、栏目文章列表选文章类栏目；"
        "最新下载可选“下载专区”栏目，也可不选。",
    )
    size = forms.IntegerField(
        label="条数",
        min_value=manage.BLOCK_SIZE_RANGE[0],
        max_value=manage.BLOCK_SIZE_RANGE[1],
        initial=8,
        help_text="列表显示的条数（1–20）。",
        error_messages={
            "min_value": "条数须在 1 到 20 之间。",
            "max_value": "条数须在 1 到 20 之间。",
            "invalid": "条数须是 1 到 20 之间的整数。",
        },
    )
    width = forms.ChoiceField(
        label="宽度", choices=HomeBlock.Width.choices, help_text="手机上所有区块都占整行。"
    )
    is_active = forms.BooleanField(label="显示", required=False)

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["column"].queryset = manage.block_columns(site)
        self.fields["kind"].widget.attrs["data-block-kind"] = ""

    def block_values(self) -> dict:
        return {name: self.cleaned_data.get(name) for name in manage.BLOCK_FIELDS}


def posted_links(data) -> list[tuple[str, str]]:
    """The links editor's rows (`link_name`/`link_url` repeated) as (name, url) pairs."""
    names = data.getlist("link_name")
    urls = data.getlist("link_url")
    length = max(len(names), len(urls))
    names += [""] * (length - len(names))
    urls += [""] * (length - len(urls))
    return list(zip(names, urls, strict=True))
