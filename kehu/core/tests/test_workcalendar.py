import datetime as dt

import pytest

from kehu.core.models import CalendarDay
from kehu.core.workcalendar import add_working_days, is_workday, working_days_between

pytestmark = pytest.mark.django_db

# 2025 National Day: 10-01..10-08 off; Sunday 09-28 and Saturday 10-11 are make-up working days (调休).


def test_three_working_days_after_the_friday_before_national_day_count_the_make_up_sunday():
    assert add_working_days(dt.date(2025, 9, 26), 3) == dt.date(2025, 9, 30)


def test_three_working_days_across_the_holiday_week_land_on_the_make_up_saturday():
    assert add_working_days(dt.date(2025, 9, 30), 3) == dt.date(2025, 10, 11)


def test_make_up_saturday_is_a_working_day_and_holiday_wednesday_is_not():
    assert is_workday(dt.date(2025, 10, 11)) is True
    assert is_workday(dt.date(2025, 10, 1)) is False


def test_admin_override_wins_over_package_data():
    CalendarDay.objects.create(date=dt.date(2025, 9, 28), is_workday=False, name="公司调整")
    assert is_workday(dt.date(2025, 9, 28)) is False
    assert add_working_days(dt.date(2025, 9, 26), 3) == dt.date(2025, 10, 9)


def test_working_days_between_skips_the_holiday_week():
    assert working_days_between(dt.date(2025, 9, 30), dt.date(2025, 10, 9)) == 1
