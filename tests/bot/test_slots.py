"""Finding a time to meet: slots inside everyone's hours, in their zones, in the round's week."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from bot.slots import (
    DEFAULT_HOURS,
    SLOT,
    Hours,
    Person,
    find_slots,
    fits,
    for_each,
    hours_of,
    week_of,
)

ZONES = (
    "Pacific/Auckland",
    "America/Los_Angeles",
    "America/New_York",
    "Europe/London",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Australia/Adelaide",
    "UTC",
)


def inside(moment: datetime, person: Person) -> bool:
    """Checked here from the person's wall clock, independently of the finder."""
    zone = ZoneInfo(person.timezone)
    local_start = moment.astimezone(zone)
    local_end = (moment + timedelta(minutes=30)).astimezone(zone)
    start_minutes = local_start.hour * 60 + local_start.minute
    end_minutes = local_end.hour * 60 + local_end.minute
    return (
        local_start.weekday() < 5
        and local_start.date() == local_end.date()
        and start_minutes >= person.hours.start.hour * 60 + person.hours.start.minute
        and end_minutes <= person.hours.end.hour * 60 + person.hours.end.minute
        and end_minutes - start_minutes == 30
    )


def test_auckland_and_london_in_nine_to_five_share_no_slot() -> None:
    now = datetime(2026, 12, 7, 9, tzinfo=UTC)  # a Monday
    assert find_slots([Person("Pacific/Auckland"), Person("Europe/London")], week_of(now)) == []
    trio = [Person("Pacific/Auckland"), Person("America/Los_Angeles"), Person("Europe/London")]
    assert find_slots(trio, week_of(now)) == []


def test_auckland_and_los_angeles_meet_across_the_date_line() -> None:
    # Auckland's Tuesday 09:00 is Los Angeles' Monday 12:00 in December: five shared hours a
    # day, except Los Angeles' Friday afternoon, which is Auckland's Saturday.
    now = datetime(2026, 12, 7, 9, tzinfo=UTC)
    people = [Person("Pacific/Auckland"), Person("America/Los_Angeles")]
    found = find_slots(people, week_of(now), most=500)
    assert found and all(inside(m, p) for m in found for p in people)
    los_angeles = ZoneInfo("America/Los_Angeles")
    assert {m.astimezone(los_angeles).weekday() for m in found} <= {0, 1, 2, 3}
    assert all(m.astimezone(los_angeles).hour >= 12 for m in found)


def test_london_and_new_york_get_three_afternoon_slots_on_different_days() -> None:
    now = datetime(2026, 12, 7, 9, tzinfo=UTC)
    people = [Person("Europe/London"), Person("America/New_York")]
    found = find_slots(people, week_of(now))
    assert len(found) == 3
    assert len({moment.date() for moment in found}) == 3
    for moment in found:  # 09:00–17:00 in both: 14:00–17:00 London, in December
        assert time(14) <= moment.astimezone(ZoneInfo("Europe/London")).time() <= time(16, 30)


def test_in_the_dst_week_of_2026_03_29_slots_follow_each_zones_own_clock() -> None:
    # New York moved to summer time on 8 March, London on Sunday 29 March: from Monday 30 March
    # the two are five hours apart again; before, four. Their overlap moves with it.
    now = datetime(2026, 3, 26, 8, tzinfo=UTC)  # a Thursday
    people = [Person("Europe/London"), Person("America/New_York")]
    found = find_slots(people, week_of(now), most=50)
    assert found, "London and New York share afternoons"
    assert all(inside(m, p) for m in found for p in people)
    london = ZoneInfo("Europe/London")
    before = [m for m in found if m.astimezone(london).date().day in (26, 27)]
    after = [m for m in found if m.astimezone(london).date() >= datetime(2026, 3, 30).date()]
    assert before and after
    # Before the change London's 13:00 is New York's 09:00; after it, 14:00 is.
    assert min(m.astimezone(london).time() for m in before) == time(13)
    assert min(m.astimezone(london).time() for m in after) == time(14)


def test_own_hours_narrow_the_slots() -> None:
    now = datetime(2026, 12, 7, 9, tzinfo=UTC)
    early = Person("Europe/London", Hours(time(8), time(10)))
    found = find_slots([early, Person("Europe/Berlin")], week_of(now), most=50)
    # Berlin's 09:00 is London's 08:00: only 08:00–10:00 London, four half-hours a day.
    assert found and all(
        time(8) <= m.astimezone(ZoneInfo("Europe/London")).time() <= time(9, 30) for m in found
    )


def test_a_slot_soon_after_the_round_is_not_offered() -> None:
    now = datetime(2026, 12, 7, 9, tzinfo=UTC)
    found = find_slots([Person("UTC"), Person("UTC")], week_of(now), most=500)
    assert min(found) == datetime(2026, 12, 7, 11, tzinfo=UTC)


def test_no_slot_falls_at_a_weekend() -> None:
    now = datetime(2026, 12, 7, 9, tzinfo=UTC)
    found = find_slots([Person("Asia/Kolkata"), Person("Europe/London")], week_of(now), most=500)
    assert found and all(m.weekday() < 5 for m in found)


def test_each_members_time_is_named_with_the_day_only_where_it_differs() -> None:
    moment = datetime(2026, 12, 8, 14, tzinfo=UTC)  # a Tuesday
    shown = for_each(moment, [("Ana", "Europe/London"), ("Ben", "America/New_York")])
    assert shown == "Tue 14:00 for Ana, 09:00 for Ben"
    late = for_each(
        datetime(2026, 12, 8, 23, tzinfo=UTC), [("Ana", "Europe/London"), ("Kai", "Asia/Tokyo")]
    )
    assert late == "Tue 23:00 for Ana, Wed 08:00 for Kai"


def test_stored_hours_read_back_and_anything_else_is_the_communitys() -> None:
    assert hours_of("08:00-16:00") == Hours(time(8), time(16))
    assert hours_of(None) == hours_of("") == hours_of("nonsense") == DEFAULT_HOURS


hours = (
    st.tuples(st.integers(0, 47), st.integers(1, 48))
    .filter(lambda t: t[0] < t[1])
    .map(
        lambda t: Hours(
            time(t[0] // 2, 30 * (t[0] % 2)),
            time(23, 59) if t[1] == 48 else time(t[1] // 2, 30 * (t[1] % 2)),
        )
    )
)
people = st.lists(st.builds(Person, st.sampled_from(ZONES), hours), min_size=2, max_size=3)
moments = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)


@hypothesis_settings(max_examples=300, deadline=None)
@given(people, moments)
def test_every_slot_lies_inside_everyones_hours_is_half_an_hour_in_the_future_and_the_week(
    group: list[Person], now: datetime
) -> None:
    window = week_of(now)
    found = find_slots(group, window)
    assert len(found) <= 3
    assert found == sorted(set(found))
    for moment in found:
        assert moment > now
        assert window[0] <= moment and moment + SLOT <= now + timedelta(days=7)
        for person in group:
            assert inside(moment, person), (moment, person)
            assert fits(moment, person)


@hypothesis_settings(max_examples=100, deadline=None)
@given(people, moments)
def test_slots_are_found_wherever_a_shared_half_hour_exists(
    group: list[Person], now: datetime
) -> None:
    window = week_of(now)
    step = timedelta(minutes=15)
    moment = window[0]
    shared = False
    while moment + SLOT <= window[1]:
        if all(inside(moment, p) for p in group):
            shared = True
            break
        moment += step
    assert bool(find_slots(group, window)) == shared
