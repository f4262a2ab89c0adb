"""The registered sources: the contract's keys exist, and none scores what domain §6 forbids."""

import pytest

from dangjian.assessment import sources
from dangjian.assessment.models import TargetKind
from dangjian.assessment.testing import SHEET

CONTRACT_KEYS = {
    "meetings.sanhui_yike",
    "documents.sign_timeliness",
    "documents.reply_rate",
    "dues.on_time",
    "development.deadlines",
    "completeness.member_records",
}
# 国办《政务移动互联网应用程序规范化管理办法》:
# "不得将点赞量、网络投票数、转发量、学习时长等作为考评依据".
FORBIDDEN = ("学习时长", "点赞", "在线", "浏览", "转发", "分享", "点击", "登录", "积分排名")


def test_the_contract_sources_are_registered_for_organisations():
    registered = dict(sources.choices(TargetKind.ORGANIZATION))
    assert set(registered) >= CONTRACT_KEYS
    assert all(registered[key] for key in CONTRACT_KEYS)


def test_the_test_sheet_names_registered_sources():
    named = {
        extra["source"]
        for _, _, items in SHEET
        for _, _, leaves in items
        for *_, extra in leaves
        if extra.get("source")
    }
    assert named and all(sources.get(key) is not None for key in named)


@pytest.mark.parametrize("key", sorted(key for key, _ in sources.choices()))
def test_no_source_scores_clicks_likes_or_time_online(key):
    source = sources.get(key)
    text = f"{source.key} {source.label} {source.description}"
    assert not [word for word in FORBIDDEN if word in text], text
    assert source.key.split(".")[1] not in ("online_time", "likes", "clicks", "views")


@pytest.mark.parametrize("key", sorted(CONTRACT_KEYS))
def test_no_cards_no_results(key, db):
    assert sources.get(key).compute(None, None, []) == {}
