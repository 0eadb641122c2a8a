"""Safety wording and forms in a real browser at phone size (see conftest.py):
no symptom is chosen for the person, and the Learn page says what triage says."""

from __future__ import annotations

import json
import re
import urllib.request

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _symptom_count(server_url: str) -> int:
    with urllib.request.urlopen(f"{server_url}/api/v1/symptoms?limit=500", timeout=10) as response:
        return len(json.loads(response.read())["items"])


def test_symptom_form_has_no_preselected_symptom_on_a_phone(phone, server_url):
    before = _symptom_count(server_url)
    phone.goto("/symptoms/new")
    what = phone.page.get_by_label("What you notice")
    assert what.input_value() == ""
    assert what.locator("option:checked").inner_text() == "Choose…"
    phone.shot("phone-symptom-form")
    # saving straight away: the browser asks for a choice and nothing is sent
    phone.page.get_by_role("button", name="Save symptom").click()
    assert phone.page.url.endswith("/symptoms/new")
    assert what.evaluate("element => element.validity.valueMissing") is True
    # a browser that does not check `required` reaches the server, which says what is missing
    what.evaluate("element => element.removeAttribute('required')")
    phone.page.get_by_label("Note").fill("saved without a choice")
    phone.page.get_by_role("button", name="Save symptom").click()
    message = phone.page.locator("#code-error")
    message.wait_for()
    assert message.inner_text() == "Choose what you notice from the list (nothing was saved)."
    assert phone.page.get_by_label("What you notice").input_value() == ""
    assert phone.page.get_by_label("Note").input_value() == "saved without a choice"
    phone.shot("phone-symptom-form-error")
    assert _symptom_count(server_url) == before
    # the form came back with status 422, which the browser logs as a failed load: expected here
    phone.errors[:] = [e for e in phone.errors if "status of 422" not in e]


@pytest.mark.parametrize("size", ["phone", "desktop"])
def test_learn_page_gives_the_triage_wording_and_the_medicines(size, phone, desktop):
    page = phone if size == "phone" else desktop
    page.goto("/learn")
    emergency = page.page.locator("#safety-net-emergency")
    same_day = page.page.locator("#safety-net-urgent")
    assert re.search(r"Call 112 / 911 / 999 now.*face suddenly drooping", emergency.inner_text())
    assert re.search(r"the same day if one side of your face becomes weak or droops over hours or days", same_day.inner_text())
    diuretics = page.page.locator("#medicine-diuretic")
    assert "Zestoretic" not in diuretics.inner_text()  # folded: the list is long on a phone
    diuretics.get_by_text("Combination products that contain one").click()
    page.page.locator("#medicine-antipsychotic").get_by_text("Combination products that contain one").click()
    assert "Zestoretic / Prinzide: lisinopril + hydrochlorothiazide" in diuretics.inner_text()
    assert "Symbyax: olanzapine + fluoxetine" in page.page.locator("#medicine-antipsychotic").inner_text()
    assert "limit how much you drink" in page.page.locator("#remedy-hydration").inner_text()
    page.shot(f"{size}-learn")
