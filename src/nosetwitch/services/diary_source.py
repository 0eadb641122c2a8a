"""Which diary an engine command reads, and at which moment: a file, or the stored diary.

`nosetwitch triage`, `insights` and `report` take either a diary file (a case
file, an export) or, without one, the person's stored diary. They decide here
which diary that is and the moment to evaluate it at, so a file and the store
are treated the same way by every command. Reading the file itself (its
format, its size limit) is the interchange layer's: the CLI hands the parsed
file in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from nosetwitch.domain.models import Diary

if TYPE_CHECKING:  # a file is read without loading the database layer
    from nosetwitch.services.diary import DiaryService

UndatedFile = Literal["latest record", "now"]


def diary_and_moment(
    file: Diary | None,
    stored: Callable[[], DiaryService],
    as_of: dt.datetime | None = None,
    *,
    undated_file: UndatedFile = "latest record",
) -> tuple[Diary, dt.datetime]:
    """(the diary, the moment to evaluate it at).

    A `file` is read as it is, no database opened, at `as_of` when given, else
    the file's own `as_of`, else (`undated_file`) its latest record or now.
    Without a file: the stored diary (`stored()` opens it) as of `as_of` or now.
    """
    # Not rounded down to the second: a record stored a moment ago (a check's answer,
    # with its microseconds) would then lie "after now" and be left out of the triage.
    now = dt.datetime.now(dt.timezone.utc)
    if file is not None:
        if as_of is None and file.as_of is None and undated_file == "latest record":
            from nosetwitch.insights.daily import default_as_of  # lazy: half a second of imports `triage` does not need (start-up time)

            as_of = default_as_of(file)
        return file, as_of or file.as_of or now
    as_of = as_of or now
    return stored().load_diary(as_of=as_of), as_of
