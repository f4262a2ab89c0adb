"""公民身份号码 (GB 11643-1999): validation, 15→18 conversion, derived birth date and gender.

Structure: 6-digit address code + birth date YYYYMMDD + 3-digit sequence (odd = male, even =
female) + check character (ISO 7064 MOD 11-2), domain §7.3. Residence permits of Hong Kong,
Macao and Taiwan residents (81/82/83…) and the 2023 foreigners' permanent residence card
(starting with 9) use the same layout and checksum, so they validate the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)  # 2**(17-i) % 11
CHECK_CHARACTERS = "10X98765432"


class IdNumberError(ValueError):
    """An invalid number; the message says in Chinese what is wrong."""


@dataclass(frozen=True)
class IdNumber:
    number: str  # the normalised 18-character number
    birth_date: date
    gender: str  # "male" / "female" (members.models.Gender values)
    converted_from: str = ""  # the 15-digit legacy number it was converted from


def check_character(first17: str) -> str:
    return CHECK_CHARACTERS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalise(raw: str) -> str:
    """Strip spaces and full-width characters that Excel and IMEs leave behind; upper-case x."""
    table = str.maketrans("０１２３４５６７８９ｘＸ", "0123456789XX")
    return "".join((raw or "").split()).translate(table).upper()


def convert_15(number: str) -> str:
    """A legacy 15-digit number (GB 11643-1989, born 19xx) as its 18-character form."""
    first17 = number[:6] + "19" + number[6:]
    return first17 + check_character(first17)


def parse_id_number(raw: str, *, today: date | None = None) -> IdNumber:
    """Validate and normalise; raise IdNumberError with a Chinese reason."""
    number = normalise(raw)
    if not number:
        raise IdNumberError("身份证号为空。")
    converted_from = ""
    if len(number) == 15:
        if not number.isdigit():
            raise IdNumberError("15 位身份证号只能由数字组成。")
        converted_from, number = number, convert_15(number)
    if len(number) != 18:
        raise IdNumberError(f"身份证号应为 18 位（或旧版 15 位），这里是 {len(number)} 位。")
    if not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise IdNumberError("身份证号前 17 位须为数字，最后一位为数字或 X。")
    birth = _birth_date(number[6:14])
    if birth > (today or date.today()):
        raise IdNumberError(f"身份证号中的出生日期 {birth:%Y-%m-%d} 晚于今天。")
    expected = check_character(number[:17])
    if number[17] != expected:
        raise IdNumberError(f"身份证号校验位错误：按前 17 位计算，最后一位应为 {expected}。")
    gender = "male" if int(number[16]) % 2 else "female"
    return IdNumber(number, birth, gender, converted_from)


def _birth_date(digits: str) -> date:
    try:
        return date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise IdNumberError(f"身份证号中的出生日期 {digits} 不是有效日期。") from None


def is_valid(raw: str) -> bool:
    try:
        parse_id_number(raw)
    except IdNumberError:
        return False
    return True


def mask_id_number(value: str) -> str:
    """`410402********1234`: the address code and the last four (GB/T 35273 practice)."""
    from dangjian.core.crypto import mask_middle

    return mask_middle(value, 6, 4)


def make_id_number(region: str, birth: date, sequence: int) -> str:
    """A valid number for demo data and tests: odd `sequence` is male, even female."""
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_character(first17)
