"""The daily check-in reminder as an iCalendar file (RFC 5545), written with `icalendar`.

One VEVENT repeats on the chosen days (RRULE) at the chosen local time, in
the person's own time zone: DTSTART carries the TZID and the calendar holds
the matching VTIMEZONE, so 20:00 stays 20:00 on both sides of a daylight
saving change. A VALARM makes the phone remind; the event links back to
the day check-in. Nothing from the diary is in it.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from icalendar import Alarm, Calendar, Event

from nosetwitch import __version__
from nosetwitch.services.reminders import WEEKDAYS, Reminder

EVENT_MINUTES = 5
PRODID = f"-//nosetwitch//nosetwitch {__version__}//EN"


def reminder_calendar(reminder: Reminder, timezone: str, check_in_url: str, *, uid: str, today: dt.date) -> bytes:
    """The calendar file: its first event is the next chosen day from `today` on."""
    zone = ZoneInfo(timezone)
    first = next(today + dt.timedelta(days=n) for n in range(7) if _code(today + dt.timedelta(days=n)) in reminder.days)
    start = dt.datetime.combine(first, reminder.at, tzinfo=zone)

    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", dt.datetime.now(dt.timezone.utc).replace(microsecond=0))
    event.add("summary", "nosetwitch: day check-in")
    event.add("description", f"How did today go? A minute for sleep, caffeine and stress helps find patterns.\n{check_in_url}")
    event.add("url", check_in_url)
    event.add("dtstart", start)
    event.add("duration", dt.timedelta(minutes=EVENT_MINUTES))
    rule = {"freq": "daily"} if reminder.every_day else {"freq": "weekly", "byday": list(reminder.days)}
    event.add("rrule", rule)
    event.add("transp", "TRANSPARENT")  # a reminder, not a busy slot

    alarm = Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", "Day check-in: how did today go?")
    alarm.add("trigger", dt.timedelta(0))
    event.add_component(alarm)

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", "nosetwitch reminder")
    calendar.add("x-wr-timezone", timezone)
    calendar.add_component(event)
    # The VTIMEZONE for the event's TZID, with its transitions from the first event on.
    calendar.add_missing_timezones(first_date=first - dt.timedelta(days=1), last_date=first + dt.timedelta(days=366 * 10))
    return calendar.to_ical()


def _code(day: dt.date) -> str:
    return WEEKDAYS[day.weekday()]
