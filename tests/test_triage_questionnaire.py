"""The check's questions (policy section "The check questionnaire"): every case of the
policy can be answered, every path ends at the level `triage` gives for the diary plus
the records the answers made, in the CLI and on the web page, and answers are saved and
undone by one service."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
from starlette.datastructures import FormData

from nosetwitch.domain.models import Diary, Episode, Onset, Person, SymptomCode
from nosetwitch.interfaces.cli.triage_commands import dialogue
from nosetwitch.interfaces.web import check as web_check
from nosetwitch.interfaces.web.deps import Viewer
from nosetwitch.services.check import diary_with, finish_check
from nosetwitch.services.diary import DiaryService, NotFound
from nosetwitch.services.owner import DiaryOwner
from nosetwitch.triage import Level, triage
from nosetwitch.triage import questionnaire as qn
from nosetwitch.triage.rules import is_stroke_type

NOW = dt.datetime(2026, 3, 10, 21, 0, tzinfo=dt.timezone(dt.timedelta(hours=1)))
STROKE_TYPE = {c for c in SymptomCode if c not in (SymptomCode.PAIN, SymptomCode.EYELID_CLOSURE, SymptomCode.OTHER)}


MEDICINES = ("", "Lasix 40 mg tablets")


def options(q: qn.Question, path_number: int) -> list:
    """Every answer to a question. The free-text medicines question cannot be enumerated:
    its two answers (no medicine, a linked one) take turns from one path to the next."""
    if q.kind == "yes_no":
        return [True, False]
    if q.kind == "choice":
        return [c.value for c in q.choices]
    return [MEDICINES[path_number % 2]]


def every_path() -> list[list[tuple[str, object]]]:
    """Every path through the questions, as (question id, answer) in the order asked."""
    paths: list[list[tuple[str, object]]] = []

    def walk(answers: dict, path: list) -> None:
        q = qn.next_question(answers)
        if q is None:
            paths.append(path)
            return
        for answer in options(q, len(paths)):
            walk({**answers, q.id: answer}, [*path, (q.id, answer)])

    walk({}, [])
    return paths


PATHS = every_path()


def _empty() -> Diary:
    return Diary(person=Person(timezone="Europe/Berlin"))


def _consult() -> Diary:
    """Twitching on 3 days in a row up to today: `persistent`, consult."""
    episodes = [Episode(id=f"e{i}", started_at=NOW - dt.timedelta(days=i, hours=2)) for i in range(3)]
    return Diary(person=Person(timezone="Europe/Berlin"), episodes=episodes)


DIARIES = {"empty": _empty, "consult": _consult}


def test_the_diaries_walked_are_at_different_levels() -> None:
    assert triage(_empty(), NOW).level is Level.SELF_CARE
    assert triage(_consult(), NOW).level is Level.CONSULT


def test_every_stroke_type_symptom_can_be_answered_with_every_onset_side_and_detail() -> None:
    made = set()
    for path in PATHS:
        for symptom in qn.records_from_answers(dict(path), NOW).symptoms:
            made.add((symptom.code, symptom.onset, symptom.side and symptom.side.value, symptom.detail and symptom.detail.value))
    for code in STROKE_TYPE:
        for onset in (Onset.SUDDEN, Onset.UNKNOWN, Onset.GRADUAL):
            assert any(c is code and o is onset for c, o, _, _ in made), (code, onset)
    for side in ("left", "right", "both", None):
        for onset in Onset:
            assert (SymptomCode.NUMBNESS, onset, side, None) in made, (side, onset)
    for detail in ("blurred", "double", "loss"):
        for onset in Onset:
            assert (SymptomCode.VISION_CHANGE, onset, None, detail) in made, (detail, onset)


@pytest.mark.slow  # every path: about 20 s of CPU per diary
def test_every_path_ends_at_an_emergency_exactly_when_triage_says_so_and_stops_at_once() -> None:
    assert len(PATHS) > 10_000
    for path in PATHS:
        answers = dict(path)
        records = qn.records_from_answers(answers, NOW)
        level = triage(diary_with(_empty(), records), NOW).level
        stopped = qn.emergency_sign(answers)
        assert (level is Level.EMERGENCY) == (stopped is not None), path
        if stopped is not None:  # nothing asked after the answer that made the emergency
            assert path[-1][0] == f"{stopped.id}_onset", path
        # every stroke-type symptom the path made carries the onset, side and detail answered
        for symptom in records.symptoms:
            sign = symptom.note.split(": ")[1]
            if symptom.code in STROKE_TYPE:
                assert symptom.onset.value == answers[f"{sign}_onset"]
            if symptom.code is SymptomCode.NUMBNESS:
                assert (symptom.side.value if symptom.side else "not_sure") == answers["numbness_side"]
            if symptom.code is SymptomCode.VISION_CHANGE:
                assert symptom.detail.value == answers["vision_detail"]


@pytest.fixture
def viewers(sqlite_url: str, tmp_path) -> dict[str, Viewer]:
    """A web viewer per diary level, each on its own database."""
    made = {}
    for name, build in DIARIES.items():
        service = DiaryService(f"sqlite:///{tmp_path / name}.db")
        service.import_diary(build())
        made[name] = Viewer(account=None, diary=DiaryOwner(service))
    return made


def _form(path: list[tuple[str, object]], save: str) -> FormData:
    """The web form that posts the last answer of `path`, the earlier ones in hidden fields."""
    fields = [(f"a_{qid}", web_check.raw_answer(answer)) for qid, answer in path[:-1]]
    qid, answer = path[-1]
    return FormData([*fields, ("question", qid), ("answer", web_check.raw_answer(answer)), ("save", save)])


@pytest.mark.slow  # every path: about 20 s of CPU per diary
@pytest.mark.parametrize("diary_name", DIARIES)
def test_every_path_shows_the_level_of_triage_of_the_diary_plus_its_records_in_the_cli_and_on_the_web(
    diary_name: str, viewers: dict[str, Viewer], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every path (every answer to every question, the onset, side and detail choices
    included) through the CLI's dialogue and through the web page's handler. The web page
    runs at its own 'now'; the expectation is computed at the same instant."""
    from nosetwitch.interfaces.web import usecases

    viewer = viewers[diary_name]
    stored = viewer.diary.load_diary()
    monkeypatch.setattr(usecases, "now_for", lambda _viewer: NOW)
    for path in PATHS:
        expected = triage(diary_with(stored, qn.records_from_answers(dict(path), NOW)), NOW).level

        # the CLI: `nosetwitch check` runs `dialogue` and then `finish_check`
        scripted = iter(answer for _, answer in path)
        asked, emergencies = [], []
        answers = dialogue(lambda q: asked.append(q.id) or next(scripted), emergencies.append)
        assert asked == [qid for qid, _ in path]
        assert bool(emergencies) == (expected is Level.EMERGENCY), path
        assert finish_check(None, answers, NOW, save=False, diary=stored).result.level is expected, path

        # the web page: the form posting the last answer
        shown = web_check.step(viewer, _form(path, save="0"))
        assert shown.level is expected, path
        assert shown.template == ("check_emergency.html" if expected is Level.EMERGENCY else "check_result.html"), path


def covering_paths() -> list[list[tuple[str, object]]]:
    """A path for every answer to every question (each sign's every detail, side and onset)."""
    wanted = {(qid, repr(answer)) for path in PATHS for qid, answer in path}
    chosen = []
    for path in PATHS:
        new = {(qid, repr(answer)) for qid, answer in path} & wanted
        if new:
            chosen.append(path)
            wanted -= new
    assert not wanted
    return chosen


@pytest.mark.parametrize("diary_name", DIARIES)
def test_saved_answers_are_the_records_the_level_was_computed_with_and_undo_removes_exactly_them(db_url: str, diary_name: str) -> None:
    service = DiaryService(db_url)
    service.import_diary(DIARIES[diary_name]())
    service.add_symptom(code="pain", onset="unknown", started_at=NOW - dt.timedelta(days=60), ended_at=NOW - dt.timedelta(days=59))
    service.add_medication(name="lasix 40 mg tablets")  # already there: a check does not add it twice
    before = service.load_diary(as_of=NOW)
    for path in covering_paths():
        outcome = finish_check(service, dict(path), NOW, save=True)
        after = service.load_diary(as_of=NOW)
        new_symptoms = sorted((s for s in after.symptoms if s.id not in {b.id for b in before.symptoms}), key=lambda s: int(s.id[1:]))
        assert [s.id for s in new_symptoms] == [s.id for s in outcome.saved.symptoms]
        assert all(s.id.startswith("s") and s.id[1:].isdigit() for s in new_symptoms)  # the diary's one id scheme
        assert len(after.medications) == len(before.medications)  # Lasix was there already
        assert after.episodes == before.episodes  # a check logs no twitch
        records = qn.records_from_answers(dict(path), NOW)
        assert [(s.code, s.onset, s.side, s.detail) for s in new_symptoms] == [(s.code, s.onset, s.side, s.detail) for s in records.symptoms]
        assert outcome.result.level is triage(diary_with(before, records), NOW).level, path
        if not outcome.saved.empty:
            service.undo_check_answer(outcome.saved.check_id)
            with pytest.raises(NotFound):  # a second undo (the back button) removes nothing more
                service.undo_check_answer(outcome.saved.check_id)
        assert service.load_diary(as_of=NOW) == before


def test_undo_removes_a_new_medicine_and_leaves_a_symptom_deleted_meanwhile_alone(sqlite_url: str) -> None:
    service = DiaryService(sqlite_url)
    saved = service.save_check_answer(
        qn.records_from_answers({"pain": True, "eyelid_closure": True}, NOW).symptoms,
        qn.records_from_answers({"medicines": "Zyprexa, zyprexa, vitamin D"}, NOW).medications,
        NOW,
    )
    assert [m.record.name for m in saved.medications] == ["Zyprexa", "vitamin D"]
    service.delete_symptom(saved.symptoms[0].id)
    kept = service.add_symptom(code="facial_droop", onset="sudden", started_at=NOW)
    removed = service.undo_check_answer(saved.check_id)
    assert [s.id for s in removed.symptoms] == [saved.symptoms[1].id]
    assert [s.id for s in service.load_diary().symptoms] == [kept.id]
    assert service.load_diary().medications == []


@pytest.mark.parametrize(
    "typed, understood",
    [(word, True) for word in ("yes", "Y", " yeah ", "YEP", "sure", "Ja", "1", "yes.")]
    + [(word, False) for word in ("no", "N", "nope ", "NEIN", "0", " No ")],
)
def test_yes_and_no_are_understood_as_people_type_them(typed: str, understood: bool) -> None:
    assert qn.parse_answer(qn.question("face"), typed) is understood


@pytest.mark.parametrize("typed", ["maybe", "", "2", "yesno", "ok?"])
def test_anything_else_is_asked_again_with_what_is_expected(typed: str) -> None:
    with pytest.raises(ValueError, match="yes or no"):
        qn.parse_answer(qn.question("face"), typed)


def test_choices_are_understood_by_number_value_label_or_word() -> None:
    onset = qn.question("face_onset")
    assert [qn.parse_answer(onset, t) for t in ("1", "Suddenly", "woke up", "2", "I don't know", "3", " slowly ")] == [
        "sudden", "sudden", "unknown", "unknown", "unknown", "gradual", "gradual",
    ]
    side = qn.question("numbness_side")
    assert [qn.parse_answer(side, t) for t in ("left", "R", "both", "not sure", "4")] == ["left", "right", "both", "not_sure", "not_sure"]
    assert qn.parse_answer(qn.question("vision_detail"), "lost") == "loss"
    with pytest.raises(ValueError, match="1 Suddenly"):
        qn.parse_answer(onset, "yesterday")


def test_the_signs_of_a_stroke_come_first_in_be_fast_order_and_cover_every_stroke_type_symptom() -> None:
    signs = [q for q in qn.QUESTIONS if q.kind == "yes_no" and q.emergency]
    assert qn.QUESTIONS[0] is signs[0] and all(q.emergency for q in qn.QUESTIONS[: qn.QUESTIONS.index(signs[-1]) + 1])
    assert [q.text.split(":")[0] for q in signs[:5]] == ["Balance", "Eyes", "Face", "Arms and legs", "Speech"]
    assert {s.code for s in qn.SIGNS if s.stroke_type} == STROKE_TYPE


@pytest.mark.parametrize(
    "answers, level, code",
    [
        ({"vision": True, "vision_detail": "blurred", "vision_onset": "sudden"}, Level.EMERGENCY, "stroke_sign"),
        ({"face": True, "face_onset": "unknown"}, Level.EMERGENCY, "stroke_sign"),  # woke up with it
        ({"face": True, "face_onset": "gradual"}, Level.URGENT, "facial_weakness"),
        ({"weakness": True, "weakness_onset": "gradual"}, Level.CONSULT, "accompanying_symptom"),
        ({"numbness": True, "numbness_side": "both", "numbness_onset": "sudden"}, Level.CONSULT, "accompanying_symptom"),
        ({"numbness": True, "numbness_side": "not_sure", "numbness_onset": "sudden"}, Level.EMERGENCY, "stroke_sign"),
        ({"speech": True, "speech_onset": "gradual"}, Level.CONSULT, "accompanying_symptom"),
        ({"swallowing": True, "swallowing_onset": "gradual"}, Level.CONSULT, "accompanying_symptom"),
        ({"balance": True, "balance_onset": "gradual"}, Level.CONSULT, "accompanying_symptom"),
    ],
)
def test_the_holes_of_policy_1_are_closed(answers: dict, level: Level, code: str) -> None:
    result = triage(diary_with(_empty(), qn.records_from_answers(answers, NOW)), NOW)
    assert (result.level, result.reasons[0].code) == (level, code)


def test_an_unanswered_onset_counts_as_unknown_the_safe_side() -> None:
    (symptom,) = qn.records_from_answers({"face": True}, NOW).symptoms
    assert symptom.onset is Onset.UNKNOWN and is_stroke_type(symptom)


def test_a_check_makes_no_twitch_episode_and_now_must_carry_an_offset() -> None:
    records = qn.records_from_answers({q.id: True for q in qn.QUESTIONS if q.kind == "yes_no"}, NOW)
    assert not hasattr(records, "episode")
    with pytest.raises(ValueError, match="offset"):
        qn.records_from_answers({}, dt.datetime(2026, 3, 10, 21, 0))


def test_combinations_of_non_emergency_answers_add_up() -> None:
    """Several non-emergency answers at once: the highest level wins, every sign gives its reason."""
    for face, pain, medicine in itertools.product((True, False), repeat=3):
        answers = {"face": face, "face_onset": "gradual", "pain": pain, "medicines": "Lasix" if medicine else ""}
        result = triage(diary_with(_consult(), qn.records_from_answers(answers, NOW)), NOW)
        assert result.level is (Level.URGENT if face else Level.CONSULT)
        assert ("medication_review" in result.reason_codes) is medicine
