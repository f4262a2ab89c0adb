"""Calendar arithmetic for terms (届) and reminders: years and months, clamped at month end."""

import calendar
import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def add_years(day: datetime.date, years: int) -> datetime.date:
    return add_months(day, 12 * years)
