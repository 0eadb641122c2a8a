"""The same validation mistake reads the same in the CLI, the importer and the API."""

import pytest
from pydantic import ValidationError

from nosetwitch.domain.models import Diary, Episode
from nosetwitch.domain.problems import field_path, plain_message


def _errors(model, data):
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    return caught.value.errors(include_url=False)


def test_paths_name_the_fields_a_person_wrote_without_pydantic_internals():
    (error,) = _errors(Episode, {"id": "e1", "started_at": "2026-03-10T20:00", "sites": ["nose"]})
    assert field_path(error["loc"]) == "started_at"
    assert plain_message(error).startswith("timestamp '2026-03-10T20:00' has no UTC offset")
    errors = _errors(Diary, {"person": {"timezone": "UTC"}, "episodes": [{"id": "e1", "started_at": "2026-03-10T20:00Z", "sites": ["nosey"]}]})
    assert [field_path(e["loc"]) for e in errors] == ["episodes[0].sites[0]"]


def test_unknown_and_missing_fields_and_offending_values_in_plain_words():
    errors = {field_path(e["loc"]): e for e in _errors(Episode, {"started_at": "2026-03-10T20:00Z", "colour": "red", "intensity": "3"})}
    assert plain_message(errors["colour"]) == "unknown field"
    assert plain_message(errors["id"]) == "required field is missing"
    assert plain_message(errors["intensity"], show_input=True) == 'must be a whole number (got "3")'
    assert "got" not in plain_message(errors["intensity"])


@pytest.mark.parametrize(
    ("data", "field", "words"),
    [
        ({"intensity": 9}, "intensity", "cannot be more than 5"),
        ({"intensity": 0}, "intensity", "cannot be less than 1"),
        ({"intensity": 2.5}, "intensity", "must be a whole number"),
        ({"side": "top"}, "side", "must be one of"),
        ({"duration_s": -5}, "duration_s", "must be more than 0"),
        ({"visible": "maybe"}, "visible", "must be true or false"),
    ],
)
def test_limits_and_kinds_read_as_the_web_forms_word_them(data, field, words):
    errors = {field_path(e["loc"]): e for e in _errors(Episode, {"id": "e1", "started_at": "2026-03-10T20:00Z", **data})}
    message = plain_message(errors[field])
    assert message.startswith(words), message
    assert "Input should" not in message and "should be" not in message.lower()
