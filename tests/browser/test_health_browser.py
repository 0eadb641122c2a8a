"""The health-app import on the Data page, in chromium at phone size (dry runs: the shared demo diary stays as it is)."""

from __future__ import annotations

import pytest
from health_exports import apple_xml, apple_zip
from test_health_import import BILLION_LAUGHS, apple_records

pytestmark = pytest.mark.browser


def test_a_phone_uploads_an_apple_health_export_and_sees_what_it_would_fill(phone, tmp_path):
    export = apple_zip(tmp_path / "export.zip", apple_xml(apple_records()))
    phone.goto("/data")
    phone.page.get_by_label("Export file").set_input_files(str(export))
    phone.page.get_by_label("Only show what would change").check()
    phone.page.get_by_role("button", name="Import", exact=True).last.click()
    result = phone.page.locator("#health-result")
    result.wait_for()
    assert "Nothing written: this is what the import would do." in result.inner_text()
    sleep_row = phone.page.locator("#health-table tr", has_text="Sleep").inner_text().split()
    assert sleep_row == ["Sleep", "4", "0", "0"]
    # the whole table is readable on a 375 px screen, without scrolling sideways
    box = phone.page.locator("#health-table").bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 375, box
    assert phone.page.evaluate("document.activeElement.id") == "health-result"
    phone.shot("phone-health-import")

    bad = tmp_path / "export.xml"
    bad.write_bytes(BILLION_LAUGHS)
    phone.page.get_by_label("Export file").set_input_files(str(bad))
    phone.page.get_by_role("button", name="Import", exact=True).last.click()
    errors = phone.page.locator("#health-errors")
    errors.wait_for()
    assert "Refused, the XML declares an entity" in errors.inner_text()
    assert "Nothing was imported." in phone.page.locator("#health-failed").inner_text()
    phone.shot("phone-health-refused")
    # the refusal is a 422 answer, which chromium logs as a failed resource: expected here
    phone.errors[:] = [e for e in phone.errors if "status of 422" not in e]
