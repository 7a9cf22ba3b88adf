"""The clinic's clock answers in the clinic's zone, whoever asks."""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from core.clock import clinic_today, clinic_tz, local_midnight, localise


def test_today_is_the_clinics_date_even_with_another_zone_active(settings):
    settings.CLINIC_TIME_ZONE = "America/New_York"
    # 02:30 UTC is still the evening before in New York.
    moment = dt.datetime(2026, 3, 10, 2, 30, tzinfo=dt.UTC)
    with timezone.override(ZoneInfo("Asia/Tokyo")):
        assert clinic_today(moment) == dt.date(2026, 3, 9)
        assert localise(moment).tzinfo == clinic_tz()
        assert localise(moment).hour == 22


def test_local_midnight_is_right_across_a_daylight_saving_change(settings):
    settings.CLINIC_TIME_ZONE = "America/New_York"
    spring_forward = dt.date(2026, 3, 8)
    # Subtract in UTC: Python subtracts two times of one zone object on the wall clock.
    day_length = local_midnight(spring_forward + dt.timedelta(days=1)).astimezone(
        dt.UTC
    ) - local_midnight(spring_forward).astimezone(dt.UTC)
    assert day_length == dt.timedelta(hours=23)
