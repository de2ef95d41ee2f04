from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import time_machine

from marrowtrack.core import clock

TOKYO = SimpleNamespace(timezone="Asia/Tokyo")
NEW_YORK = SimpleNamespace(timezone="America/New_York")


@time_machine.travel(datetime(2026, 3, 1, 20, 30, tzinfo=UTC))
def test_today_is_the_clinics_own_date_not_the_servers() -> None:
    assert clock.today(TOKYO) == date(2026, 3, 2)
    assert clock.today(NEW_YORK) == date(2026, 3, 1)


def test_localdate_keeps_a_late_evening_on_its_own_day() -> None:
    late = datetime(2026, 1, 1, 4, 59, tzinfo=UTC)  # 23:59 on 31 December in New York
    assert clock.localdate(late, NEW_YORK) == date(2025, 12, 31)
    assert clock.localdate(late, TOKYO) == date(2026, 1, 1)


def test_localtime_carries_the_clinics_offset() -> None:
    noon_utc = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)
    assert clock.localtime(noon_utc, NEW_YORK).utcoffset() == timedelta(hours=-4)


def test_day_bounds_span_the_clinics_day_even_across_a_dst_change() -> None:
    start, end = clock.day_bounds(date(2026, 3, 8), NEW_YORK)  # clocks go forward
    assert start == datetime(2026, 3, 8, 5, 0, tzinfo=UTC)
    assert end - start == timedelta(hours=23)
