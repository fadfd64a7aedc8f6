"""Two versions compared from their frozen documents and snapshots."""

from reports import comparison


def snapshot(new_members=310, percent="60.5", children_actual=200):
    return {
        "year": 2022,
        "period": "H1",
        "through_month": 6,
        "indicators": [
            {
                "code": "new_members",
                "name": "Đoàn viên kết nạp mới",
                "unit_of_measure": "người",
                "higher_is_better": True,
                "actual": new_members,
                "target": 512,
                "target_period": "Y",
                "percent": percent,
                "previous": 0,
            }
        ],
        "children": {
            "columns": [{"code": "new_members", "name": "Kết nạp mới", "has_target": False}],
            "rows": [
                {
                    "id": 7,
                    "code": "HD01",
                    "name": "CĐCS Công ty May 10",
                    "figures": {
                        "new_members": {"actual": children_actual, "target": None, "percent": None}
                    },
                }
            ],
        },
    }


def document(**texts):
    return {"superior": "Thành phố", "strengths": "", "shortcomings": "", **texts}


def test_moved_figures_are_listed_old_and_new_the_vietnamese_way():
    result = comparison.compare(
        (document(), snapshot()), (document(), snapshot(new_members=1310, percent="255.9"))
    )

    assert [(c.name, c.measure, c.old, c.new) for c in result.figures] == [
        ("Đoàn viên kết nạp mới", "thực hiện", "310", "1.310"),
        ("Đoàn viên kết nạp mới", "đạt %", "60,5%", "255,9%"),
    ]


def test_a_child_units_moved_figure_is_listed_under_its_column():
    result = comparison.compare(
        (document(), snapshot()), (document(), snapshot(children_actual=260))
    )

    assert [(c.name, c.measure, c.old, c.new) for c in result.children] == [
        ("CĐCS Công ty May 10", "Kết nạp mới: thực hiện", "200", "260")
    ]


def test_changed_generated_clauses_and_edited_paragraphs_are_removed_and_added():
    old = document(strengths="Giữ nguyên.\nCâu cũ.")
    new = document(strengths="Giữ nguyên.\nCâu mới.")

    result = comparison.compare((old, snapshot()), (new, snapshot(new_members=330)))

    sections = {section.title: section for section in result.sections}
    part_one = sections["Phần I: kết quả (câu viết từ số liệu)"]
    assert part_one.removed == [
        "Công tác phát triển đoàn viên, thành lập công đoàn cơ sở: Kết nạp được 310/512 đoàn "
        "viên, đạt 60,5% kế hoạch năm Thành phố giao"
    ]
    assert "330/512" in part_one.added[0]
    assert (sections["Ưu điểm"].removed, sections["Ưu điểm"].added) == (["Câu cũ."], ["Câu mới."])
    assert "Tồn tại, hạn chế" not in sections


def test_identical_versions_compare_empty():
    assert comparison.compare((document(), snapshot()), (document(), snapshot())).is_empty
