"""Issue 7's journey in a real browser: district staff add a member, find them by typing a name
without diacritics, and transfer them to another CĐCS of the district."""

import pytest
from playwright.sync_api import expect

from federation.tests.browser import log_in
from membership.models import LeaveReason, Member

# transaction=True: the live server reads from another thread; serialized_rollback brings back
# the indicator catalogue the data migration seeded, which the flush after the test removes.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_staff_adds_a_member_finds_them_and_records_a_transfer(browser_page, tree, district_staff):
    page = browser_page
    log_in(page, "hd_staff")

    page.goto(f"/units/{tree['hd_1'].pk}/")
    page.get_by_role("link", name="Danh sách đoàn viên").click()
    page.get_by_role("link", name="Thêm đoàn viên").first.click()
    page.get_by_label("Họ và tên").fill("Đặng Thị Ánh")
    page.get_by_label("Nữ").check()
    page.get_by_label("Ngày sinh").fill("12/08/1995")
    page.get_by_label("Ngày vào công đoàn").fill("01/04/2020")
    page.get_by_label("Số thẻ đoàn viên").fill("hd 777")
    page.get_by_role("button", name="Lưu", exact=True).click()

    assert "Đã thêm đoàn viên Đặng Thị Ánh." in page.locator("main").inner_text()
    assert "HD777" in page.locator("main").inner_text()

    crumbs = page.get_by_role("navigation", name="breadcrumb")
    crumbs.get_by_role("link", name="Đoàn viên", exact=True).click()
    page.get_by_label("Tìm theo tên hoặc số thẻ").fill("dang thi anh")
    expect(page.locator("#roster-results")).to_contain_text("1 đoàn viên khớp với “dang thi anh”")
    page.get_by_role("link", name="Đặng Thị Ánh").click()

    page.get_by_role("link", name="Chuyển sinh hoạt").click()
    page.get_by_label("Chuyển đến công đoàn cơ sở").select_option(str(tree["hd_2"].pk))
    page.get_by_label("Ngày chuyển").fill("15/05/2024")
    page.get_by_role("button", name="Chuyển sinh hoạt").click()

    text = page.locator("main").inner_text()
    assert f"Đã chuyển Đặng Thị Ánh sang {tree['hd_2'].name}." in text
    assert f"Chuyển đến ngày 15/05/2024 từ {tree['hd_1'].name}" in text
    old, new = Member.objects.order_by("pk")
    assert (old.union, old.left_on.isoformat(), old.leave_reason) == (
        tree["hd_1"],
        "2024-05-15",
        LeaveReason.TRANSFERRED,
    )
    assert (new.union, new.transferred_from) == (tree["hd_2"], old)
