"""Name search keys: full pinyin and initials for every reading of polyphonic characters."""

import pytest

from dangjian.core.pinyin import MAX_COMBINATIONS, is_pinyin_query, name_matches_q, search_key


def tokens(name):
    return search_key(name).split()


def test_the_key_holds_full_pinyin_and_initials_between_spaces():
    key = search_key("张三")
    assert key == " zhangsan zs "


@pytest.mark.parametrize(
    ("name", "readings"),
    [
        ("单小明", {"shanxiaoming", "danxiaoming", "chanxiaoming", "sxm", "dxm", "cxm"}),
        ("曾国强", {"zengguoqiang", "cengguoqiang", "zgq", "cgq"}),
        ("解小红", {"xiexiaohong", "jiexiaohong", "xxh", "jxh"}),
    ],
)
def test_every_reading_of_a_polyphonic_surname_is_kept(name, readings):
    assert readings <= set(tokens(name))


@pytest.mark.parametrize(("name", "reading"), [("解放", "xiefang"), ("单位", "shanwei")])
def test_a_surname_that_forms_a_word_with_the_given_name_keeps_its_readings(name, reading):
    assert reading in tokens(name)


def test_the_umlaut_is_written_v():
    assert "lvxiao" in tokens("吕晓")


def test_non_chinese_characters_are_ignored_and_an_empty_name_gives_no_key():
    assert search_key("") == ""
    assert search_key("   ") == ""
    assert tokens("张三A") == ["zhangsan", "zs"]


def test_combinations_are_capped_for_long_polyphonic_names():
    assert len(tokens("单曾解单曾解")) <= 2 * MAX_COMBINATIONS


def test_the_cap_keeps_every_reading_of_the_surname():
    key = tokens("单曾解单曾解")
    assert {token[:4] for token in key} >= {"shan", "chan", "danc"}
    assert {"s", "c", "d"} <= {token[0] for token in key if len(token) == 6}  # initials


@pytest.mark.parametrize(
    ("query", "is_pinyin"),
    [
        ("zs", True),
        ("ZhangSan", True),
        ("张三", False),
        ("zs1", False),
        ("", False),
        ("z s", False),
    ],
)
def test_is_pinyin_query(query, is_pinyin):
    assert is_pinyin_query(query) is is_pinyin


def test_name_matches_q_looks_for_a_token_prefix_or_the_name():
    assert str(name_matches_q(" ZS ")) == "(AND: ('pinyin_key__contains', ' zs'))"
    assert str(name_matches_q("张")) == "(AND: ('name__contains', '张'))"
    q = name_matches_q("zs", name_field="person__name", key_field="person__pinyin_key")
    assert str(q) == "(AND: ('person__pinyin_key__contains', ' zs'))"


@pytest.mark.django_db
def test_a_query_never_matches_inside_a_token(world):
    """`san` must not find 张三 (it would with a bare substring match)."""
    from dangjian.members.models import Person
    from dangjian.members.tests.factories import make_person

    make_person(world.branch1, "张三")
    assert not Person.objects.filter(name_matches_q("san")).exists()
    assert Person.objects.filter(name_matches_q("zhangs")).exists()
