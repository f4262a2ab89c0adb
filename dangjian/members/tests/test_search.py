"""Search in the member list: names, pinyin (every reading of polyphonic surnames), initials,
work numbers and full ID numbers (18-digit and legacy 15-digit)."""

from datetime import date

import pytest

from dangjian.core.idnumbers import make_id_number
from dangjian.members.selectors import filtered_members
from dangjian.members.tests.factories import make_member


def names(user, **data):
    queryset, form = filtered_members(user, data)
    assert form.is_valid(), form.errors
    return sorted(member.person.name for member in queryset)


@pytest.fixture
def people(world):
    return {
        name: make_member(world.branch1, name)
        for name in ("张三", "张珊", "李四", "单小明", "曾国强", "解小红", "王五")
    }


@pytest.mark.django_db
class TestPinyin:
    def test_it_finds_zhang_san_by_initials(self, world, people):
        assert names(world.alice, q="zs") == ["张三", "张珊"]

    def test_it_finds_by_full_pinyin_and_its_prefix(self, world, people):
        assert names(world.alice, q="zhangsan") == ["张三"]
        assert names(world.alice, q="zhangshan") == ["张珊"]
        assert names(world.alice, q="ZhangS") == ["张三", "张珊"]
        assert names(world.alice, q="lisi") == ["李四"]

    @pytest.mark.parametrize("query", ["shan", "dan", "chan", "sxm", "dxm", "danxiaoming"])
    def test_it_finds_every_reading_of_dan(self, world, people, query):
        assert names(world.alice, q=query) == ["单小明"]

    @pytest.mark.parametrize("query", ["zeng", "ceng", "zgq", "cengguoqiang"])
    def test_it_finds_every_reading_of_zeng(self, world, people, query):
        assert names(world.alice, q=query) == ["曾国强"]

    @pytest.mark.parametrize("query", ["xie", "jie", "xxh", "jiexiaohong"])
    def test_it_finds_every_reading_of_xie(self, world, people, query):
        assert names(world.alice, q=query) == ["解小红"]


@pytest.mark.django_db
class TestNames:
    def test_it_finds_chinese_text_inside_the_name(self, world, people):
        assert names(world.alice, q="小明") == ["单小明"]
        assert names(world.alice, q="张") == ["张三", "张珊"]

    def test_it_finds_nothing_for_an_unknown_name(self, world, people):
        assert names(world.alice, q="赵六") == []


@pytest.mark.django_db
class TestNumbers:
    def test_it_finds_a_member_by_the_full_id_number(self, world):
        number = make_id_number("410402", date(1980, 1, 1), 17)
        make_member(world.branch1, "张三", id_number=number)
        make_member(world.branch1, "李四")
        assert names(world.alice, q=number) == ["张三"]

    def test_it_finds_by_an_id_number_typed_with_lower_case_x_and_spaces(self, world):
        make_member(world.branch1, "张三", id_number="11010519491231002X", gender="female")
        assert names(world.alice, q=" 110105 19491231 002x ") == ["张三"]

    def test_it_finds_by_a_legacy_15_digit_number(self, world):
        # 15-digit 110105491231002 is 11010519491231002X once converted.
        make_member(world.branch1, "张三", id_number="11010519491231002X", gender="female")
        assert names(world.alice, q="110105491231002") == ["张三"]

    def test_it_does_not_match_a_part_of_an_id_number(self, world):
        make_member(world.branch1, "张三", id_number="11010519491231002X", gender="female")
        assert names(world.alice, q="110105") == []

    def test_it_finds_a_member_by_the_work_number_prefix(self, world):
        make_member(world.branch1, "张三", work_number="100231")
        make_member(world.branch1, "李四", work_number="100299")
        make_member(world.branch1, "王五", work_number="200231")
        assert names(world.alice, q="1002") == ["张三", "李四"]
        assert names(world.alice, q="100231") == ["张三"]

    def test_it_never_finds_a_member_outside_the_scope(self, world):
        number = make_id_number("410402", date(1980, 1, 1), 17)
        make_member(world.branch3, "张三", id_number=number)
        assert names(world.alice, q=number) == []
        assert names(world.alice, q="zs") == []
        assert names(world.dave, q="zs") == ["张三"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("name", "query"), [("解放", "xiefang"), ("单位", "shanw"), ("曾经", "zj")]
)
def test_a_surname_forming_a_word_with_the_given_name_is_found_by_its_surname_reading(
    world, name, query
):
    make_member(world.branch1, name)
    assert names(world.alice, q=query) == [name]
