"""Working-day arithmetic over the holiday calendar (`CalendarDay`, with 调休).

Monday–Friday are working days unless marked as a holiday; Saturday and Sunday are rest days unless
marked as a 调休 workday. Each call reads the marked days of the range it needs in one query.
"""

import datetime

from dangjian.core.models import CalendarDay

ONE_DAY = datetime.timedelta(days=1)
# Room for the longest 黄金周 / 春节 breaks when guessing how far n working days reach.
_SLACK_DAYS = 30


def _marks(first: datetime.date, last: datetime.date) -> dict[datetime.date, str]:
    rows = CalendarDay.objects.filter(date__range=(first, last)).values_list("date", "kind")
    return dict(rows)


def _is_working(day: datetime.date, marks: dict[datetime.date, str]) -> bool:
    kind = marks.get(day)
    if kind is not None:
        return kind == CalendarDay.Kind.WORKDAY
    return day.weekday() < 5


def is_working_day(day: datetime.date) -> bool:
    return _is_working(day, _marks(day, day))


def add_working_days(start: datetime.date, n: int) -> datetime.date:
    """The n-th working day after `start` (start itself is not counted; n = 0 gives start)."""
    if n < 0:
        raise ValueError("n must not be negative")
    horizon = start + datetime.timedelta(days=2 * n + _SLACK_DAYS)
    while True:
        marks = _marks(start + ONE_DAY, horizon)
        day, counted = start, 0
        while counted < n and day < horizon:
            day += ONE_DAY
            counted += _is_working(day, marks)
        if counted == n:
            return day
        # Only a calendar marking weeks on end as holidays gets here; widen and read again.
        horizon += datetime.timedelta(days=2 * n + _SLACK_DAYS)


def working_days_between(start: datetime.date, end: datetime.date) -> int:
    """Working days after `start` up to and including `end` (negative when end is earlier), so
    that `working_days_between(s, add_working_days(s, n)) == n`."""
    if end < start:
        return -working_days_between(end, start)
    marks = _marks(start + ONE_DAY, end)
    days = (start + datetime.timedelta(days=i) for i in range(1, (end - start).days + 1))
    return sum(_is_working(day, marks) for day in days)


def calendar_year(user, *, year: int):
    """The marked days of one year, for the administrators who maintain the calendar."""
    from dangjian.core.services import CALENDAR_PERMISSION, require_global

    require_global(user, CALENDAR_PERMISSION)
    return CalendarDay.objects.filter(date__year=year).order_by("date")
