"""A mistake travels as data, field and message, from validation to every interface.

The service raises `InvalidRecord` with `FieldProblem`s; the API sends them as
problem+json `errors`, the pages show each message beside its field and the
CLI prints them as its one line. Nothing takes a message apart again, so a
message that itself holds ': ' and '; ' (here: a time zone typed with them,
quoted back in the message) arrives whole, at the right field. The regular
expressions this replaced split such a message at the '; ' and gave its second
half to a field called "body".
"""

from __future__ import annotations

import html
import re

import pytest
from web_support import ApiClient

from nosetwitch.domain.models import Symptom
from nosetwitch.domain.problems import FieldProblem
from nosetwitch.interfaces.cli.main import run_captured as cli
from nosetwitch.interfaces.interchange.diary_json import DiaryFormatError, parse_diary
from nosetwitch.interfaces.web import create_app
from nosetwitch.interfaces.web.usecases import as_problem
from nosetwitch.services.diary import DiaryService
from nosetwitch.services.errors import Conflict, InvalidRecord

TRICKY_ZONE = "Mars: Olympus; Mons"
ZONE_MESSAGE = "unknown time zone 'Mars: Olympus; Mons' (use an IANA name such as 'Europe/Berlin')"


def _field_error(page: str, field: str) -> str | None:
    """The text of the message shown beside `field` (the page's `field-error` paragraph)."""
    found = re.search(rf'<p class="field-error" id="{re.escape(field)}-error">(.*?)</p>', page, re.S)
    if found is None:
        return None
    return html.unescape(re.sub(r'<span class="skip-visually">.*?</span>', "", found.group(1))).strip()


@pytest.fixture
def web(sqlite_url: str) -> ApiClient:
    return ApiClient(create_app(sqlite_url))


def test_the_service_refuses_with_the_field_and_message_as_data(sqlite_url):
    with pytest.raises(InvalidRecord) as caught:
        DiaryService(sqlite_url).update_person(timezone=TRICKY_ZONE)
    assert caught.value.problems == (FieldProblem("timezone", ZONE_MESSAGE),)
    assert str(caught.value) == f"person: timezone: {ZONE_MESSAGE}"  # the readable line for logs
    problem = as_problem(caught.value)
    assert (problem.status, problem.errors) == (422, [{"field": "timezone", "message": ZONE_MESSAGE}])


def test_several_problems_stay_apart_and_conflicts_name_their_field(sqlite_url):
    service = DiaryService(sqlite_url)
    with pytest.raises(InvalidRecord) as caught:
        service.add_episode(id="e1", started_at="2026-03-10T20:00:00+01:00", intensity=9, side="up")
    assert [p.field for p in caught.value.problems] == ["intensity", "side"]
    service.add_episode(id="e1", started_at="2026-03-10T20:00:00+01:00")
    with pytest.raises(Conflict) as clash:
        service.add_episode(id="e1", started_at="2026-03-10T21:00:00+01:00")
    assert as_problem(clash.value).errors == [{"field": "id", "message": "'e1' is already used by an episode"}]


def test_the_api_the_form_and_the_cli_show_the_same_message_at_the_same_field(web, sqlite_url):
    answer = web.put("/api/v1/profile", {"timezone": TRICKY_ZONE})
    assert answer.status_code == 422
    assert answer.json()["errors"][0] == {"field": "timezone", "message": ZONE_MESSAGE}

    page = web.form("/profile", {"timezone": TRICKY_ZONE})
    assert page.status_code == 422
    assert _field_error(page.text, "timezone") == ZONE_MESSAGE

    code, _, err = cli("--db", sqlite_url, "profile", "--timezone", TRICKY_ZONE)
    assert code == 2 and err == f"nosetwitch: error: person: timezone: {ZONE_MESSAGE}\n"
    assert DiaryService(sqlite_url).get_person().timezone != TRICKY_ZONE


def test_a_rule_between_two_fields_is_reported_at_the_field_it_concerns(web, sqlite_url):
    """"Gone since" before "since when": a rule of the whole symptom (a model validator),
    which pydantic alone would report at the record, not at `ended_at`."""
    with pytest.raises(ValueError) as caught:
        Symptom(id="s1", code="pain", onset="gradual", started_at="2026-03-10T10:00:00Z", ended_at="2026-03-10T09:00:00Z")
    assert "ended_at" in str(caught.value)  # pydantic's own report names it too

    symptom = {"code": "pain", "onset": "gradual", "started_at": "2026-03-10T10:00:00+00:00", "ended_at": "2026-03-10T09:00:00+00:00"}
    answer = web.post("/api/v1/symptoms", symptom)
    assert answer.status_code == 422 and answer.json()["errors"] == [{"field": "ended_at", "message": "is before started_at"}]

    page = web.form("/symptoms", {**symptom, "started_at": "2026-03-10T10:00", "ended_at": "2026-03-10T09:00"})
    assert page.status_code == 422 and _field_error(page.text, "ended_at") == "is before started_at"

    code, _, err = cli("--db", sqlite_url, "log", "symptom", "pain", "--at", symptom["started_at"], "--ended", symptom["ended_at"])
    assert code == 2 and err == "nosetwitch: error: symptom: ended_at: is before started_at\n"


def test_an_imported_file_names_each_record_and_field_as_data():
    document = {
        "format": "nosetwitch-diary",
        "version": 2,
        "person": {"timezone": "UTC"},
        "episodes": [{"id": "e1", "started_at": "2026-03-10T20:00:00Z", "intensity": 9}],
        "remedies": [{"code": "massage", "at": "2026-03-10T20:05:00Z", "episode_id": "e9"}],
    }
    with pytest.raises(DiaryFormatError) as caught:
        parse_diary(document)
    assert [p.field for p in caught.value.problems] == ['episodes[0] (id "e1").intensity']
    del document["episodes"][0]["intensity"]
    with pytest.raises(DiaryFormatError) as caught:
        parse_diary(document)
    assert caught.value.problems == (FieldProblem("remedies[0].episode_id", "'e9' names no episode in this diary"),)
