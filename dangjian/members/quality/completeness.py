"""The missing-data checks of the 党员名册: members the organisation still holds (正常、停止党籍、
恢复党籍) without a photo or a mobile number; the missing ID number is an ID-number check.
"""

from __future__ import annotations

from collections.abc import Iterator

from dangjian.members.quality.registry import INFO, Finding, check
from dangjian.members.quality.subtree import CHUNK, Subtree


@check(
    "missing_photo",
    "缺少照片",
    severity=INFO,
    why="党员档案、党员证明和组织关系转接都需要本人照片。",
    fix="在党员信息编辑页上传近期免冠照片（JPG 或 PNG）。",
)
def find_missing_photos(subtree: Subtree) -> Iterator[Finding]:
    members = subtree.held_members().filter(person__photo="")
    for pk, organization_id in members.values_list("person_id", "organization_id").iterator(
        chunk_size=CHUNK
    ):
        yield Finding(pk, organization_id, "未上传照片")


@check(
    "missing_mobile",
    "缺少手机号",
    severity=INFO,
    why="通知、短信提醒和失联党员的查找都要靠手机号；没有手机号的党员收不到组织的短信通知。",
    fix="向本人核实后补录手机号。",
)
def find_missing_mobiles(subtree: Subtree) -> Iterator[Finding]:
    members = subtree.held_members().filter(person__mobile="")
    for pk, organization_id in members.values_list("person_id", "organization_id").iterator(
        chunk_size=CHUNK
    ):
        yield Finding(pk, organization_id, "未登记手机号")
