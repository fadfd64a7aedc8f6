from decimal import Decimal
from xml.etree import ElementTree

from reports.chart import Bar, achievement_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_chart_draws_a_bar_and_a_label_per_indicator_with_the_plan_marked():
    svg = achievement_chart(
        [Bar("Đoàn viên kết nạp mới", Decimal("60.5")), Bar("CĐCS thành lập mới", Decimal("110"))]
    )

    root = ElementTree.fromstring(svg)
    texts = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert len(list(root.iter(f"{SVG}rect"))) == 2
    assert {"Đoàn viên kết nạp mới", "CĐCS thành lập mới", "60,5%", "110,0%"} <= set(texts)
    assert "100%" in texts
    assert any(line.get("stroke-dasharray") for line in root.iter(f"{SVG}line"))


def test_chart_scale_reaches_past_the_longest_bar():
    svg = achievement_chart([Bar("Sáng kiến", Decimal("180"))])

    texts = ["".join(t.itertext()) for t in ElementTree.fromstring(svg).iter(f"{SVG}text")]
    assert "200%" in texts


def test_chart_escapes_indicator_names():
    svg = achievement_chart([Bar("<script>alert(1)</script>", Decimal("50"))])

    assert "<script>" not in svg
    ElementTree.fromstring(svg)


def test_no_targets_no_chart():
    assert achievement_chart([]) == ""
