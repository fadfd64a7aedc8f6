from decimal import Decimal

import pytest
from django.template import Context, Template
from django.utils import translation

from federation.formatting import vn_number, vn_percent


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0"),
        (None, "—"),
        (999, "999"),
        (1000, "1.000"),
        (1234567, "1.234.567"),
        (8558063, "8.558.063"),
        (Decimal("60.5"), "60,5"),
        (Decimal("55.0"), "55,0"),
        (Decimal("1234.5"), "1.234,5"),
        (-1234567, "-1.234.567"),
        (Decimal("-0.5"), "-0,5"),
        (0.1, "0,1"),
    ],
)
def test_vn_number_writes_thousand_dots_and_a_decimal_comma(value, expected):
    assert vn_number(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (0, "0,0%"),
        (None, "—"),
        (55, "55,0%"),
        (Decimal("55.0"), "55,0%"),
        (Decimal("60.5"), "60,5%"),
        (Decimal("60.50"), "60,5%"),
        (Decimal("91.66"), "91,7%"),
        (Decimal("100.0"), "100,0%"),
        (Decimal("1234.5"), "1.234,5%"),
        (Decimal("-12.5"), "-12,5%"),
        (Decimal("-12.0"), "-12,0%"),
        (33.3, "33,3%"),
    ],
)
def test_vn_percent_always_has_one_decimal(value, expected):
    assert vn_percent(value) == expected


@pytest.mark.parametrize("language", ["vi", "en", "de"])
def test_formatting_ignores_the_active_language(language):
    with translation.override(language):
        assert vn_number(1234567) == "1.234.567"
        assert vn_percent(Decimal("60.5")) == "60,5%"


def render(source: str, **context) -> str:
    return Template("{% load vn %}" + source).render(Context(context))


def test_filters_format_numbers_in_templates():
    rendered = render(
        "{{ members|vn_number }} · {{ share|vn_percent }} · {{ missing|vn_percent }}",
        members=8558063,
        share=Decimal("60.5"),
        missing=None,
    )

    assert rendered == "8.558.063 · 60,5% · —"


def test_filters_pass_non_numbers_through_unchanged():
    assert render("{{ text|vn_number }}|{{ text|vn_percent }}", text="chưa có") == (
        "chưa có|chưa có"
    )
    assert render("{{ undefined|vn_number }}") == ""


def entry_cell(cell) -> str:
    """The fourth cell of a grid row, as the row's tag draws it."""
    from federation.entries.selectors import Cell, GridRow

    others = [Cell(cell.unit, cell.indicator, None) for _ in range(3)]
    template = Template("{% load entry_grid %}{% entry_row row unit %}")
    row = GridRow(cell.unit, [*others, cell])
    return template.render(Context({"row": row, "unit": cell.unit})).split("\n<td")[4]


@pytest.mark.django_db
def test_an_entry_cell_escapes_what_the_person_typed_and_the_checks_said(tree):
    from federation.entries.selectors import Cell
    from federation.tests.factories import indicator

    cell = Cell(
        tree["hd_1"], indicator("new_members"), 1200, previous=1000, last_year=None,
        suggestion=1234, typed='12"><script>', error="Giá trị <b>sai</b>",
        warnings=["Cao hơn <i>thường</i>"], changed_meanwhile="Lê A vừa sửa",
    )  # fmt: skip
    html = entry_cell(cell)
    assert 'value="12&quot;&gt;&lt;script&gt;"' in html
    assert "<script>" not in html and "<b>" not in html and "<i>" not in html
    assert f'name="{cell.seen_name}" value="1200"' in html  # the stale check reads it raw
    assert f'aria-describedby="{cell.name}-error"' in html and 'data-col="3"' in html
    for shown in ("Giá trị &lt;b&gt;sai&lt;/b&gt;", "Lê A vừa sửa", "Tháng trước: 1.000",
                  "Cùng kỳ năm trước: —", "Số theo danh sách: 1.234"):  # fmt: skip
        assert shown in html


@pytest.mark.django_db
def test_the_entry_grid_draws_its_cells_without_a_template_node_each(
    client, tree, district_staff, this_month, monkeypatch
):
    """A grid page is 25 units × every indicator: its rows cost a few template nodes each,
    not a dozen a cell (issue 17: three quarters of the page's time under load)."""
    from django.template import base
    from django.urls import reverse

    from federation.tests.factories import GrassrootsFactory

    rendered = {"nodes": 0}
    render = base.Node.render_annotated

    def counted(node, context):
        rendered["nodes"] += 1
        return render(node, context)

    monkeypatch.setattr(base.Node, "render_annotated", counted)
    client.force_login(district_staff)
    url = reverse("entry_month", args=[tree["hoai_duc"].pk, *this_month])

    def nodes() -> int:
        rendered["nodes"] = 0
        assert client.get(url).status_code == 200
        return rendered["nodes"]

    before = nodes()
    for n in range(5):
        GrassrootsFactory(parent=tree["hoai_duc"], code=f"HD1{n}")
    tree["hoai_duc"].refresh_from_db()
    assert (nodes() - before) / 5 < 60


@pytest.mark.django_db
def test_an_entry_row_links_its_unit_marks_the_grids_own_and_counts_what_is_filled(tree):
    from django.urls import reverse

    from federation.entries.selectors import Cell, GridRow
    from federation.tests.factories import indicator

    union = tree["hd_1"]
    union.short_name = "CĐ <Hoài Đức> 1"
    cells = [
        Cell(union, indicator(code), value)
        for code, value in (("new_members", 12), ("members_left", None))
    ]
    template = Template("{% load entry_grid %}{% entry_row row unit %}")

    def row(shown) -> str:
        return template.render(Context({"row": GridRow(union, cells), "unit": shown}))

    html = row(tree["hoai_duc"])
    assert f'<a href="{reverse("unit_detail", args=[union.pk])}">CĐ &lt;Hoài Đức&gt; 1</a>' in html
    assert ">1/2</td></tr>" in html and "số liệu của chính đơn vị" not in html
    assert "số liệu của chính đơn vị" in row(union)
