"""What a person reads about safety on the web pages: the Learn page says what
triage says, names the medicines (combination products included) and the fluids
caution; remedy names are the same everywhere; no form records a symptom that
was never chosen (docs/safety.md, H-11 to H-15)."""

from __future__ import annotations

import datetime as dt
import html
import re
from html.parser import HTMLParser

import pytest
from web_support import ApiClient

from nosetwitch.domain.models import Diary, Person
from nosetwitch.interfaces.web import create_app
from nosetwitch.knowledge import knowledge
from nosetwitch.triage import triage


@pytest.fixture
def web(sqlite_url: str) -> ApiClient:
    return ApiClient(create_app(sqlite_url))


def _text(page: str) -> str:
    """The page as a person reads it: tags dropped, entities decoded, spaces collapsed."""
    page = re.sub(r"<(script|style)\b.*?</\1>", " ", page, flags=re.S)
    text = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page))).strip()
    return re.sub(r" ([:.,;])", r"\1", text)


class _Select(HTMLParser):
    """The options of one <select>, with which one a browser shows as chosen."""

    def __init__(self, select_id: str):
        super().__init__()
        self.select_id, self.inside, self.options, self.required = select_id, False, [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "select" and attrs.get("id") == self.select_id:
            self.inside, self.required = True, "required" in attrs
        elif tag == "option" and self.inside:
            self.options.append({"value": attrs.get("value"), "selected": "selected" in attrs, "label": ""})

    def handle_data(self, data):
        if self.inside and self.options:
            self.options[-1]["label"] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self.inside = False

    def shown(self) -> dict:
        """What the browser shows: the option marked selected, else the first one."""
        shown = next((o for o in self.options if o["selected"]), self.options[0])
        return {**shown, "label": shown["label"].strip()}


def _select(page: str, select_id: str) -> _Select:
    parser = _Select(select_id)
    parser.feed(page)
    assert parser.options, f"no <select id={select_id}>"
    return parser


# --- the Learn page -----------------------------------------------------------------------------


def test_learn_page_gives_the_same_droop_advice_as_triage(web: ApiClient) -> None:
    page = _text(web.get("/learn").text)
    net = triage(Diary(person=Person(timezone="UTC")), dt.datetime(2026, 3, 10, tzinfo=dt.timezone.utc)).safety_net
    for line in net[:2]:  # the emergency line and the same-day line, word for word
        assert line in page
    # a sudden droop: call now; one over hours or days: advice today
    assert re.search(r"Call 112 / 911 / 999 now if you notice any of these.*face suddenly drooping", page)
    assert re.search(r"Get medical advice the same day if one side of your face becomes weak or droops over hours or days", page)
    assert "now if your face droops" not in page  # the old line called every droop an emergency
    assert "If your face droops" not in page  # nor did the footer say "suddenly" first


def test_learn_page_names_the_common_members_and_the_combination_products(web: ApiClient) -> None:
    page = _text(web.get("/learn").text)
    for medicine_class in knowledge().medicine_classes:
        assert f"Commonly taken: {', '.join(medicine_class.common)}." in page
    for product in ("Zestoretic / Prinzide: lisinopril + hydrochlorothiazide", "Hyzaar", "Exforge HCT", "Tenoretic",
                    "Lasilactone: furosemide + spironolactone", "Atozet", "Caduet: amlodipine + atorvastatin", "Vytorin",
                    "Symbyax: olanzapine + fluoxetine", "Co-Diovan", "CoAprovel", "Olmetec Plus"):  # fmt: skip
        assert product in page, product
    for withdrawn_or_veterinary in ("cerivastatin", "acepromazine", "triflupromazine", "Baycol", "Twynsta"):
        assert withdrawn_or_veterinary not in page


def test_learn_page_and_advice_carry_the_fluids_caution(web: ApiClient) -> None:
    caution = knowledge().remedy("hydration").caution
    assert "limit how much you drink" in caution and "heart" in caution and "kidney" in caution
    learn = _text(web.get("/learn").text)
    assert f"Careful: {caution}" in learn
    hydration = next(a for a in triage(Diary(person=Person(timezone="UTC")), dt.datetime(2026, 3, 10, tzinfo=dt.timezone.utc)).advice if a.code == "hydration")
    assert caution in hydration.why
    overview = _text(web.get("/overview").text)
    assert caution in overview


def test_remedy_names_are_the_same_on_learn_in_advice_and_in_the_diary(web: ApiClient) -> None:
    learn = _text(web.get("/learn").text)
    advice = {a.code: a.name for a in triage(Diary(person=Person(timezone="UTC")), dt.datetime(2026, 3, 10, tzinfo=dt.timezone.utc)).advice}
    for remedy in knowledge().remedies:
        assert remedy.name in learn
        if remedy.code.value in advice:
            assert advice[remedy.code.value] == remedy.name
        assert web.post("/api/v1/remedies", {"code": remedy.code.value, "at": "2026-03-10T08:00:00+00:00"}).status_code == 201
    history = _text(web.get("/history?kind=remedies").text)
    for remedy in knowledge().remedies:
        assert remedy.name in history, remedy.name
    web.form("/log")
    episode = web.get("/episodes/e1").text
    offered = {o["value"]: o["label"].strip() for o in _select(episode, "remedy-code").options}
    assert all(offered[r.code.value] == r.name for r in knowledge().remedies)


# --- no preselected symptom -----------------------------------------------------------------------


def test_symptom_form_preselects_no_symptom(web: ApiClient) -> None:
    page = web.get("/symptoms/new").text
    code = _select(page, "code")
    assert code.required
    assert code.shown() == {"value": "", "selected": True, "label": "Choose…"}
    assert [o for o in code.options if o["selected"]] == [code.options[0]]
    for other in ("region", "detail"):
        assert _select(page, other).shown()["value"] == ""


def test_saving_a_symptom_without_choosing_one_stores_nothing_and_says_why(web: ApiClient) -> None:
    answer = web.form("/symptoms", {"onset": "sudden", "started_at": "2026-03-10T08:00", "side": "left", "region": "face", "note": "kept"})
    assert answer.status_code == 422
    text = _text(answer.text)
    assert "Choose what you notice from the list (nothing was saved)." in text
    assert 'aria-describedby="code-error"' in answer.text and 'id="code-error"' in answer.text
    assert _select(answer.text, "code").shown()["value"] == ""  # still nothing chosen for the person
    assert _select(answer.text, "region").shown()["value"] == "face"  # what was typed stays
    assert "kept" in answer.text
    assert web.get("/api/v1/symptoms").json()["items"] == []
    assert web.get("/api/v1/triage").json()["level"] == "self_care"


def test_a_chosen_symptom_is_saved_with_its_detail(web: ApiClient) -> None:
    answer = web.form("/symptoms", {"code": "vision_change", "onset": "gradual", "started_at": "2026-03-10T08:00", "detail": "blurred"})
    assert answer.status_code == 303
    (saved,) = web.get("/api/v1/symptoms").json()["items"]
    assert (saved["code"], saved["onset"], saved["detail"]) == ("vision_change", "gradual", "blurred")

