"""The journey of issue 2 in a real browser: district staff log in and see their own tree."""

import pytest

from .browser import log_in

# transaction=True: the live server reads from another thread; serialized_rollback brings back
# the indicator catalogue the data migration seeded, which the flush after the test removes.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_district_staff_logs_in_and_sees_its_district_in_vietnamese(
    browser_page, tree, district_staff
):
    log_in(browser_page, "hd_staff")

    tree_text = browser_page.locator("main").inner_text()
    assert "LĐLĐ huyện Hoài Đức" in tree_text
    assert "LĐLĐ huyện Mê Linh" not in tree_text

    browser_page.get_by_role("link", name="LĐLĐ huyện Hoài Đức").first.click()
    browser_page.wait_for_url(f"**/units/{tree['hoai_duc'].pk}/")
    assert "Tiến độ thực hiện chỉ tiêu" in browser_page.locator("main").inner_text()
