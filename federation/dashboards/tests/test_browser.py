"""The journey of issue 5 in a real browser: a city leader drills from the city's dashboard to a
district's and to a CĐCS's, sorts and exports a table on the way."""

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from playwright.sync_api import expect

from federation.entries.services import EntryRow, entries_save
from federation.models import Period
from federation.targets.services import target_set
from federation.tests.browser import log_in
from federation.tests.factories import indicator

# transaction=True: the live server reads from another thread; serialized_rollback brings back
# the indicator catalogue the data migration seeded, which the flush after the test removes.
pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


@pytest.fixture
def h1_2022(tree):
    members = indicator("new_members")
    entries_save(
        rows=[
            EntryRow(tree["hd_1"], members, 2022, 3, 200),
            EntryRow(tree["hd_2"], members, 2022, 5, 110),
            EntryRow(tree["ml_1"], members, 2022, 2, 40),
        ],
        user=None,
    )
    for unit, period, value in [
        ("hoai_duc", Period.YEAR, 512),
        ("me_linh", Period.YEAR, 100),
        ("hd_1", Period.H1, 150),
        ("hd_2", Period.YEAR, 212),
    ]:
        target_set(
            unit=tree[unit], indicator=members, year=2022, period=period, value=value, user=None
        )
    return tree


def test_city_leader_drills_from_the_city_to_a_grassroots_union_and_exports_a_table(
    browser_page, h1_2022, city_leader, tmp_path
):
    page, tree = browser_page, h1_2022
    log_in(page, "hn_leader")

    city_url = f"{reverse('unit_dashboard', args=[tree['city'].pk])}?year=2022&period=H1"
    history = page.evaluate("history.length")
    page.goto(city_url)
    main = page.locator("main")
    assert "Theo dõi thực hiện chỉ tiêu" in main.inner_text()
    page.wait_for_function("() => window.Chart && Chart.getChart('trend-monthly') !== undefined")

    # The children's table comes after the page, into it, without a new address.
    children = page.locator("#dashboard-children")
    expect(children.locator("tbody tr")).to_have_count(3)
    assert page.evaluate("history.length") == history + 1
    assert page.url.endswith(city_url)
    children.get_by_role("link", name="LĐLĐ huyện Hoài Đức").click()
    page.wait_for_url(f"**/units/{tree['hoai_duc'].pk}/dashboard/?year=2022&period=H1")
    assert "310/512 — đạt 60,5%" in main.inner_text()

    rows = page.locator("#dashboard-children tbody tr")
    expect(rows).to_have_count(2)
    assert rows.first.inner_text().startswith("1")
    page.locator("#dashboard-children th").get_by_role("link", name="Thực hiện").click()
    page.wait_for_url("**sort=actual**")
    assert tree["hd_1"].display_name in rows.first.inner_text()
    page.locator("#dashboard-children th").get_by_role("link", name="Thực hiện").click()
    page.wait_for_url("**sort=actual&dir=asc**")
    expect(rows.first).to_contain_text(tree["hd_2"].display_name)
    # The pushed address, opened again, loads the table in that order.
    page.reload()
    expect(page.locator("#dashboard-children th[aria-sort=ascending]")).to_have_text("Thực hiện")
    assert tree["hd_2"].display_name in rows.first.inner_text()

    with page.expect_download() as download:
        page.locator("#dashboard-children").get_by_role("link", name="Tải Excel").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name == "don-vi-truc-thuoc-hd-H1-2022.xlsx"
    sheet = [list(r) for r in load_workbook(saved).active.iter_rows(values_only=True)]
    assert [r[:7] for r in sheet[1:]] == [  # in the table's order: the smaller figure first
        [2, "HD02", tree["hd_2"].name, 110, 212, 51.9, "Đúng tiến độ"],
        [1, "HD01", tree["hd_1"].name, 200, 150, 133.3, "Đạt"],
    ]

    page.locator("#dashboard-children").get_by_role("link", name=tree["hd_1"].display_name).click()
    page.wait_for_url(f"**/units/{tree['hd_1'].pk}/dashboard/?year=2022&period=H1")
    text = main.inner_text()
    assert "200/150 — đạt 133,3%" in text
    assert "Đơn vị trực thuộc" not in text
    breadcrumbs = page.locator("nav[aria-label=breadcrumb]")
    breadcrumbs.get_by_role("link", name="LĐLĐ Thành phố Hà Nội").click()
    page.wait_for_url(f"**/units/{tree['city'].pk}/dashboard/?year=2022&period=H1")
