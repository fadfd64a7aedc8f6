"""The month's close in a real browser, at 1280 and 390 px (issue 13's "done when"): district
staff open the home, follow the month due, enter values in two groups, fix an error reached
from the summary, are warned before losing typed values, save, and mark the month complete for
the district and its CĐCS; the city leader's home then shows the district complete.

With SCREENSHOTS_DIR set, the home of both roles, the grid and the month picker are saved there.
"""

import os
from pathlib import Path

import pytest

from .browser import blocking_violations, log_in
from .factories import indicator

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def shoot(page, width: int, name: str) -> None:
    folder = os.environ.get("SCREENSHOTS_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{width}_{name}.png", full_page=True)


@pytest.mark.parametrize("width", [1280, 390])
def test_staff_close_the_month_and_the_city_sees_the_district_complete(
    browser_page, tree, district_staff, city_leader, width
):
    from federation.entries.locks import month_due
    from federation.models import MonthCompletion, MonthlyEntry

    page = browser_page
    page.set_viewport_size({"width": width, "height": 900})
    year, month = month_due(tree["hoai_duc"])
    due = f"{month:02d}/{year}"

    log_in(page, "hd_staff")
    assert f"Tháng cần nhập: {due}" in page.locator("main").inner_text()
    shoot(page, width, "home_staff")
    page.get_by_role("link", name=f"Tiếp tục nhập số liệu tháng {due}").click()
    page.wait_for_url(f"**/units/{tree['hoai_duc'].pk}/entry/{year}/{month}/")
    shoot(page, width, "grid")
    page.get_by_role("button", name="Chọn tháng").click()
    shoot(page, width, "month_picker")
    page.keyboard.press("Escape")

    new_members = f"#v-{tree['hd_1'].pk}-{indicator('new_members').pk}"
    fees = f"#v-{tree['hd_2'].pk}-{indicator('union_fees_collected').pk}"
    page.get_by_role("button", name="Phát triển đoàn viên").click()
    page.fill(new_members, "12")
    page.get_by_role("button", name="Tài chính").click()
    page.fill(fees, "1,5 triệu")

    # Leaving by the month switcher asks first; staying keeps what was typed.
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator(".month-switcher a").first.click()
    assert asked and "chưa lưu" in asked[0]
    assert page.input_value(new_members) == "12"

    page.get_by_role("button", name="Lưu số liệu").click()
    page.wait_for_selector("#error-summary")
    assert not MonthlyEntry.objects.exists()
    page.get_by_role("button", name="Phát triển đoàn viên").click()
    assert not page.locator(fees).is_visible()
    page.locator("#error-summary a.error-link").first.click()
    assert page.locator(fees).is_visible()
    assert page.evaluate("document.activeElement.id") == fees[1:]
    page.fill(fees, "1.500.000")
    page.press(fees, "Enter")
    page.wait_for_selector(".alert-success")
    assert "Đã lưu 2 số liệu" in page.locator(".alert-success").first.inner_text()
    assert blocking_violations(page) == []

    page.get_by_label("Xác nhận luôn cho 2 CĐCS trực thuộc").check()
    page.get_by_role("button", name="Hoàn thành nhập liệu tháng").click()
    page.wait_for_selector("text=Đã xác nhận hoàn thành nhập liệu")
    marked = MonthCompletion.objects.filter(year=year, month=month).values_list("unit", flat=True)
    assert set(marked) == {tree["hoai_duc"].pk, tree["hd_1"].pk, tree["hd_2"].pk}

    page.context.clear_cookies()
    log_in(page, "hn_leader")
    home = page.locator("main").inner_text()
    assert "1/3 đã hoàn thành" in home
    missing = page.locator(".missing-list").inner_text()
    assert "Hoài Đức" not in missing and "Mê Linh" in missing
    assert blocking_violations(page) == []
    shoot(page, width, "home_leader")
