"""axe-core (npm) over the main pages of each role, on a desktop and a phone: no serious or
critical violation (contrast, controls inside controls, names of fields and buttons...)."""

import pytest

from .browser import blocking_violations, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

WIDTHS = (1280, 390)


def pages_of(tree, this_month) -> dict[str, list[str]]:
    year, month = this_month
    hd, city = tree["hoai_duc"].pk, tree["city"].pk
    return {
        "hd_staff": [
            "/",
            f"/units/{hd}/entry/{year}/{month}/",
            f"/units/{hd}/completeness/{year}/{month}/",
            f"/units/{hd}/entry/{year}/{month}/history/",
            f"/units/{hd}/",
            f"/units/{hd}/members/",
            f"/units/{hd}/reports/",
            "/units/search/?q=hoai+duc",
        ],
        "hn_leader": [
            "/",
            f"/units/{city}/dashboard/",
            f"/units/{tree['hd_1'].pk}/dashboard/",
            f"/units/{city}/targets/",
            f"/units/{city}/completeness/{year}/{month}/",
            f"/units/{city}/quality/",
            f"/units/{city}/reports/",
        ],
    }


@pytest.mark.parametrize("username", ["hd_staff", "hn_leader"])
def test_the_main_pages_of_each_role_have_no_serious_violation(
    browser_page, tree, district_staff, city_leader, this_month, username
):
    page = browser_page
    log_in(page, username)
    found = {}
    for width in WIDTHS:
        page.set_viewport_size({"width": width, "height": 900})
        for path in pages_of(tree, this_month)[username]:
            page.goto(path)
            page.wait_for_load_state("networkidle")
            if violations := blocking_violations(page):
                found[(width, path)] = violations
    assert found == {}


def test_an_open_month_picker_and_an_error_summary_have_none(
    browser_page, tree, district_staff, this_month
):
    page = browser_page
    log_in(page, "hd_staff")
    page.goto(f"/units/{tree['hoai_duc'].pk}/entry/{this_month[0]}/{this_month[1]}/")
    page.locator("input[data-col]").first.fill("nhiều")
    page.get_by_role("button", name="Lưu số liệu").click()
    page.wait_for_selector("#error-summary")
    page.get_by_role("button", name="Chọn tháng").click()
    assert blocking_violations(page) == []
