"""公民身份号码 (GB 11643-1999) checks with the vectors of domain.md §7.3."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dangjian.core.idnumbers import (
    IdNumberError,
    check_character,
    convert_15,
    is_valid,
    make_id_number,
    mask_id_number,
    parse_id_number,
)


@pytest.mark.parametrize(
    ("number", "birth", "gender"),
    [
        ("11010519491231002X", date(1949, 12, 31), "female"),
        ("440524188001010014", date(1880, 1, 1), "male"),
        ("34052419800101001X", date(1980, 1, 1), "male"),
    ],
)
def test_it_accepts_the_domain_vectors(number, birth, gender):
    parsed = parse_id_number(number)
    assert parsed.number == number
    assert parsed.birth_date == birth
    assert parsed.gender == gender
    assert parsed.converted_from == ""


def test_it_rejects_a_wrong_check_character():
    with pytest.raises(IdNumberError, match=r"校验位错误.*应为 X"):
        parse_id_number("340524198001010013")
    assert not is_valid("340524198001010013")


def test_it_rejects_a_birth_date_in_the_future():
    tomorrow = date.today() + timedelta(days=1)
    number = make_id_number("410402", tomorrow, 11)
    with pytest.raises(IdNumberError, match="晚于今天"):
        parse_id_number(number)


def test_it_accepts_a_birth_date_of_today():
    assert parse_id_number(make_id_number("410402", date.today(), 11)).birth_date == date.today()


def test_it_rejects_the_31st_of_february():
    first17 = "41040219800231001"
    with pytest.raises(IdNumberError, match="不是有效日期"):
        parse_id_number(first17 + check_character(first17))


def test_it_converts_a_legacy_15_digit_number():
    parsed = parse_id_number("110105491231002")
    assert parsed.number == "11010519491231002X"
    assert parsed.converted_from == "110105491231002"
    assert parsed.birth_date == date(1949, 12, 31)
    assert parsed.gender == "female"


def test_15_digit_conversion_inserts_19_and_computes_the_check_character():
    assert convert_15("340524800101001") == "34052419800101001X"


def test_a_15_digit_number_with_letters_is_refused():
    with pytest.raises(IdNumberError, match="15 位身份证号只能由数字组成"):
        parse_id_number("11010549123100X")


@pytest.mark.parametrize(
    "raw",
    [
        "１１０１０５１９４９１２３１００２Ｘ",
        "11010519491231002x",
        " 110105 19491231 002x ",
        "11010519491231002ｘ",
    ],
)
def test_full_width_digits_spaces_and_lower_case_x_are_normalised(raw):
    assert parse_id_number(raw).number == "11010519491231002X"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("", "为空"),
        ("1101051949123100", "这里是 16 位"),
        ("1101051949123100XX", "前 17 位须为数字"),
        ("11010519491231002Y", "最后一位为数字或 X"),
    ],
)
def test_malformed_numbers_say_what_is_wrong(raw, message):
    with pytest.raises(IdNumberError, match=message):
        parse_id_number(raw)


def test_hong_kong_and_foreign_permanent_residence_numbers_use_the_same_checksum():
    assert is_valid(make_id_number("810000", date(1990, 5, 1), 21))
    assert is_valid(make_id_number("910000", date(1990, 5, 1), 22))


def test_masking_keeps_the_region_and_the_last_four():
    assert mask_id_number("11010519491231002X") == "110105********002X"
    assert mask_id_number("") == ""


@given(
    region=st.from_regex(r"[1-9][0-9]{5}", fullmatch=True),
    birth=st.dates(min_value=date(1900, 1, 1), max_value=date.today()),
    sequence=st.integers(min_value=0, max_value=999),
)
def test_make_id_number_always_validates_and_round_trips(region, birth, sequence):
    number = make_id_number(region, birth, sequence)
    parsed = parse_id_number(number)
    assert parsed.number == number
    assert parsed.birth_date == birth
    assert parsed.gender == ("male" if sequence % 2 else "female")
    assert parse_id_number(number.lower()).number == number
