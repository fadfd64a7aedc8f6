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


def test_district_staff_enters_a_month_fixes_an_error_and_sees_the_saved_values(
    browser_page, tree, district_staff
):
    from federation.entries.locks import month_due
    from federation.models import MonthlyEntry

    from .factories import indicator

    year, month = month_due(tree["hoai_duc"])
    page = browser_page
    log_in(page, "hd_staff")
    page.goto(f"/units/{tree['hoai_duc'].pk}/")
    page.get_by_role("link", name="Nhập số liệu tháng").click()
    page.wait_for_url(f"**/units/{tree['hoai_duc'].pk}/entry/{year}/{month}/")

    new_members = f"#v-{tree['hd_1'].pk}-{indicator('new_members').pk}"
    money = f"#v-{tree['hd_2'].pk}-{indicator('support_amount').pk}"
    page.get_by_role("button", name="Phát triển đoàn viên").click()
    page.fill(new_members, "12")
    page.get_by_role("button", name="Chăm lo đời sống").click()
    page.fill(money, "1.500.000đ")
    page.press(money, "Enter")  # Enter saves

    page.wait_for_selector(".invalid-feedback")
    assert "Phải là số nguyên" in page.locator(".invalid-feedback").inner_text()
    assert not MonthlyEntry.objects.exists()
    assert page.input_value(new_members) == "12"  # nothing typed is lost

    page.fill(money, "1.500.000")
    page.press(money, "Enter")
    page.wait_for_selector(".alert-success")
    assert "Đã lưu 2 số liệu" in page.locator(".alert-success").inner_text()
    assert page.input_value(new_members) == "12"
    assert page.input_value(money) == "1.500.000"
    assert MonthlyEntry.objects.get(indicator__code="support_amount").value == 1_500_000
