from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from federation import excel, services
from federation.models import Door, Indicator, PendingUpload, Period, Target
from federation.targets import selectors
from federation.targets.excel import check_import
from federation.targets.forms import field_name
from federation.targets.services import TargetCell, target_set, targets_save
from federation.tests.factories import GrassrootsFactory, UserFactory, indicator
from federation.uploads import UPLOAD_GONE


def targets_url(unit, name="unit_targets"):
    return reverse(name, args=[unit.pk])


def cell(unit, ind) -> str:
    return field_name(unit.pk, ind.pk)


def text(response) -> str:
    return response.content.decode()


def saved(unit, code, year=2026, period="Y"):
    target = Target.objects.filter(
        unit=unit, indicator__code=code, year=year, period=period
    ).first()
    return target.value if target else None


def post_grid(client, unit, values: dict, year=2026, period="Y", **extra):
    data = {"year": year, "period": period, **extra}
    data.update({cell(u, indicator(code)): v for (u, code), v in values.items()})
    return client.post(targets_url(unit), data)


def set_target(unit, code, value, year=2026, period="Y"):
    target_set(
        unit=unit, indicator=indicator(code), year=year, period=period, value=value, user=None
    )


# --- the grid ----------------------------------------------------------------------------------


def test_a_district_leader_sets_its_unions_targets_in_one_grid(client, tree, district_leader):
    client.force_login(district_leader)

    response = post_grid(
        client,
        tree["hoai_duc"],
        {
            (tree["hd_1"], "new_members"): "300",
            (tree["hd_2"], "new_members"): " 212 ",
            (tree["hd_1"], "union_fees_collected"): "1.500.000",
        },
    )

    assert response.status_code == 302
    assert response["Location"] == f"{targets_url(tree['hoai_duc'])}?year=2026&period=Y"
    assert saved(tree["hd_1"], "new_members") == 300
    assert saved(tree["hd_2"], "new_members") == 212
    assert saved(tree["hd_1"], "union_fees_collected") == 1_500_000
    target = Target.objects.get(unit=tree["hd_1"], indicator__code="new_members")
    assert target.set_by == district_leader
    record = target.history.latest()
    assert (record.history_change_reason, record.history_user) == (Door.PAGE, district_leader)
    assert "Đã lưu 3 chỉ tiêu cả năm 2026." in text(client.get(response["Location"]))


def test_one_bad_cell_saves_nothing_and_is_explained_beside_it(client, tree, district_leader):
    client.force_login(district_leader)

    response = post_grid(
        client,
        tree["hoai_duc"],
        {(tree["hd_1"], "new_members"): "300", (tree["hd_2"], "new_members"): "1,5"},
    )

    assert response.status_code == 200
    assert saved(tree["hd_1"], "new_members") is None
    form = response.context["form"]
    assert form.errors[cell(tree["hd_2"], indicator("new_members"))] == [
        "Phải là số nguyên, ví dụ 1500000 hoặc 1.500.000."
    ]
    page = text(response)
    assert "Chưa lưu." in page
    assert 'aria-invalid="true"' in page
    assert 'value="300"' in page  # what was typed stays in the grid


def test_clearing_a_target_already_set_is_refused(client, tree, district_leader):
    set_target(tree["hd_1"], "new_members", 300)
    client.force_login(district_leader)

    response = post_grid(client, tree["hoai_duc"], {(tree["hd_1"], "new_members"): ""})

    assert response.status_code == 200
    assert "nhập 0 nếu không giao" in text(response)
    assert saved(tree["hd_1"], "new_members") == 300


def test_cells_left_as_they_were_write_nothing(client, tree, district_leader):
    set_target(tree["hd_1"], "new_members", 300)
    client.force_login(district_leader)
    before = Target.history.count()

    response = post_grid(client, tree["hoai_duc"], {(tree["hd_1"], "new_members"): "300"})

    assert response.status_code == 302
    assert Target.history.count() == before
    assert "Không có chỉ tiêu nào thay đổi" in text(client.get(response["Location"]))


def test_the_grid_shows_saved_targets_the_vietnamese_way(client, tree, district_staff):
    set_target(tree["hd_1"], "union_fees_collected", 25_000_000)
    client.force_login(district_staff)

    response = client.get(targets_url(tree["hoai_duc"]), {"year": 2026})

    assert 'value="25.000.000"' in text(response)


def test_the_allocation_check_compares_the_childrens_sum_with_the_parents_target(
    client, tree, district_leader
):
    set_target(tree["hoai_duc"], "new_members", 512)
    set_target(tree["hoai_duc"], "training_classes", 10)
    set_target(tree["hoai_duc"], "initiatives", 4)
    set_target(tree["hd_1"], "new_members", 300)
    set_target(tree["hd_2"], "new_members", 200)
    set_target(tree["hd_1"], "training_classes", 10)
    set_target(tree["hd_1"], "initiatives", 3)
    set_target(tree["hd_2"], "initiatives", 3)
    client.force_login(district_leader)

    response = client.get(targets_url(tree["hoai_duc"]), {"year": 2026})

    checks = {a.indicator.code: a for a in response.context["allocations"]}
    assert (checks["new_members"].own, checks["new_members"].children) == (512, 500)
    assert checks["new_members"].state == "under"
    assert checks["training_classes"].state == "match"
    assert checks["initiatives"].state == "over"
    assert checks["officials_trained"].state == "none"
    page = text(response)
    assert "Thiếu 12" in page and "Khớp" in page and "Vượt 2" in page
    assert "Chỉ tiêu Hoài Đức được giao" in page or "Chỉ tiêu LĐLĐ huyện Hoài Đức được giao" in page


def test_the_allocation_check_is_per_period(client, tree, district_leader):
    set_target(tree["hoai_duc"], "new_members", 250, period="H1")
    set_target(tree["hd_1"], "new_members", 250, period="H1")
    client.force_login(district_leader)

    response = client.get(targets_url(tree["hoai_duc"]), {"year": 2026, "period": "H1"})

    check = next(a for a in response.context["allocations"] if a.indicator.code == "new_members")
    assert check.state == "match"


def test_last_years_targets_fill_the_grid_without_saving(client, tree, district_leader):
    set_target(tree["hd_1"], "new_members", 280, year=2025)
    set_target(tree["hd_2"], "new_members", 190, year=2025)
    client.force_login(district_leader)

    response = client.get(targets_url(tree["hoai_duc"]), {"year": 2026, "copy": "1"})

    page = text(response)
    assert 'value="280"' in page and 'value="190"' in page
    assert "Đã điền 2 chỉ tiêu của năm 2025" in page
    assert not Target.objects.filter(year=2026).exists()


def test_copying_when_last_year_had_no_targets_says_so(client, tree, district_leader):
    client.force_login(district_leader)

    response = client.get(targets_url(tree["hoai_duc"]), {"year": 2026, "copy": "1"})

    assert "Năm 2025 chưa giao chỉ tiêu cả năm để sao chép." in text(response)


def test_a_city_leader_sets_the_districts_targets(client, tree, city_leader):
    client.force_login(city_leader)

    response = post_grid(client, tree["city"], {(tree["hoai_duc"], "new_members"): "512"})

    assert response.status_code == 302
    assert saved(tree["hoai_duc"], "new_members") == 512


def test_one_indicator_at_a_time_leaves_the_others_as_they_were(client, tree, district_leader):
    set_target(tree["hd_1"], "initiatives", 3)
    client.force_login(district_leader)

    page = client.get(targets_url(tree["hoai_duc"]), {"year": 2026, "indicator": "new_members"})
    response = post_grid(
        client, tree["hoai_duc"], {(tree["hd_1"], "new_members"): "300"}, indicator="new_members"
    )

    assert [i.code for i in page.context["grid"].indicators] == ["new_members"]
    assert len(page.context["form"].fields) == 2
    assert response["Location"].endswith("?year=2026&period=Y&indicator=new_members")
    assert saved(tree["hd_1"], "new_members") == 300
    assert saved(tree["hd_1"], "initiatives") == 3


def test_a_long_list_of_children_is_split_into_pages_under_the_field_limit(
    client, tree, district_leader, settings
):
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 100
    GrassrootsFactory.create_batch(5, parent=tree["hoai_duc"])
    per_page = selectors.rows_per_page(Indicator.objects.filter(is_active=True))
    assert per_page * Indicator.objects.filter(is_active=True).count() < 100
    client.force_login(district_leader)

    first = client.get(targets_url(tree["hoai_duc"]), {"year": 2026})
    second = client.get(targets_url(tree["hoai_duc"]), {"year": 2026, "page": 2})

    assert len(first.context["form"].units) == per_page
    assert second.context["page"].number == 2
    assert "Trang 2/" in text(second)


# --- who may --------------------------------------------------------------------------------------


def test_staff_see_the_targets_read_only_and_get_403_on_saving(client, tree, district_staff):
    set_target(tree["hd_1"], "new_members", 300)
    client.force_login(district_staff)

    page = client.get(targets_url(tree["hoai_duc"]), {"year": 2026})
    response = post_grid(client, tree["hoai_duc"], {(tree["hd_1"], "new_members"): "999"})

    assert page.status_code == 200
    assert "readonly" in text(page) and "Lưu chỉ tiêu" not in text(page)
    assert response.status_code == 403
    assert saved(tree["hd_1"], "new_members") == 300


def test_a_leader_cannot_set_its_own_units_targets(client, tree, district_leader):
    """The city's grid holds Hoài Đức: its leaders cannot even see the city."""
    client.force_login(district_leader)
    response = post_grid(client, tree["city"], {(tree["hoai_duc"], "new_members"): "9999"})
    assert response.status_code == 404
    assert saved(tree["hoai_duc"], "new_members") is None


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("unit_targets", "get"),
        ("unit_targets", "post"),
        ("unit_targets_template", "get"),
        ("unit_targets_import", "post"),
        ("unit_targets_import_confirm", "post"),
    ],
)
def test_staff_of_one_district_get_404_on_another_districts_targets(
    client, tree, district_staff, name, method
):
    client.force_login(district_staff)
    for unit in ("me_linh", "city"):
        url = targets_url(tree[unit], name)
        response = getattr(client, method)(url, {"year": 2026, "period": "Y"})
        assert response.status_code == 404


@pytest.mark.parametrize("name", ["unit_targets_import", "unit_targets_import_confirm"])
def test_staff_get_403_on_importing_targets(client, tree, district_staff, name):
    client.force_login(district_staff)
    response = client.post(
        targets_url(tree["hoai_duc"], name), {"year": 2026, "period": "Y", "token": "x"}
    )
    assert response.status_code == 403


@pytest.mark.parametrize("data", [{}, {"year": "2026"}, {"year": "abc", "period": "Y"}])
def test_a_save_must_name_a_good_year_and_period(client, tree, district_leader, data):
    client.force_login(district_leader)
    assert client.post(targets_url(tree["hoai_duc"]), data).status_code == 400


def test_the_targets_pages_need_a_login(client, tree):
    response = client.get(targets_url(tree["hoai_duc"]))
    assert response.status_code == 302


# --- Excel -------------------------------------------------------------------------------------


def upload(rows, headers=None) -> SimpleUploadedFile:
    headers = headers or [
        "Mã đơn vị",
        "Tên đơn vị",
        "Đoàn viên kết nạp mới (người)",
        "Kinh phí công đoàn thu (đồng)",
    ]
    data = excel.workbook_bytes(excel.Sheet("Chỉ tiêu", headers, rows))
    return SimpleUploadedFile("chi-tieu.xlsx", data, content_type=excel.XLSX_TYPE)


def import_file(client, unit, file, year=2026, period="Y"):
    url = targets_url(unit, "unit_targets_import")
    return client.post(url, {"year": year, "period": period, "file": file})


def test_the_template_lists_the_children_and_their_targets(client, tree, district_leader):
    set_target(tree["hd_2"], "new_members", 212, period="H1")
    client.force_login(district_leader)

    response = client.get(
        targets_url(tree["hoai_duc"], "unit_targets_template"), {"year": 2026, "period": "H1"}
    )

    assert response["Content-Disposition"] == 'attachment; filename="chi-tieu-hd-H1-2026.xlsx"'
    sheet = load_workbook(BytesIO(response.content)).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["Mã đơn vị", "Tên đơn vị", "Đoàn viên kết nạp mới (người)"]
    assert [r[0] for r in rows[1:]] == ["HD01", "HD02"]
    assert rows[2][2] == 212


def test_an_import_is_previewed_then_saved_all_at_once(client, tree, district_leader):
    set_target(tree["hd_2"], "new_members", 200)
    client.force_login(district_leader)

    preview = import_file(
        client,
        tree["hoai_duc"],
        upload([["HD01", "", 300, "1.500.000"], ["hd02", None, 200, None]]),
    )

    assert preview.status_code == 200
    check = preview.context["check"]
    assert [(c.unit.code, c.indicator.code, c.old, c.new) for c in check.changes] == [
        ("HD01", "new_members", None, 300),
        ("HD01", "union_fees_collected", None, 1_500_000),
    ]
    assert check.unchanged == 1
    assert "Xác nhận lưu 2 chỉ tiêu" in text(preview)
    assert saved(tree["hd_1"], "new_members") is None

    token = preview.context["token"]
    confirm_url = targets_url(tree["hoai_duc"], "unit_targets_import_confirm")
    response = client.post(confirm_url, {"token": token, "year": 2026, "period": "Y"})

    assert response.status_code == 302
    assert saved(tree["hd_1"], "new_members") == 300
    assert saved(tree["hd_1"], "union_fees_collected") == 1_500_000
    record = Target.objects.get(unit=tree["hd_1"], indicator__code="new_members").history.latest()
    assert record.history_change_reason == Door.IMPORT
    assert not PendingUpload.objects.filter(token=token).exists()


def test_an_import_with_bad_cells_lists_each_by_row_and_column_and_saves_nothing(
    client, tree, district_leader
):
    client.force_login(district_leader)
    headers = ["Mã đơn vị", "Tên đơn vị", "Đoàn viên kết nạp mới (người)", "Chỉ tiêu lạ"]

    response = import_file(
        client,
        tree["hoai_duc"],
        upload(
            [
                ["HD01", "", "1,5", None],
                ["ML01", "", 10, None],
                ["XX99", "", 10, None],
                ["HD01", "", 10, None],
                ["", "", 10, None],
                ["HD02", "", -4, None],
            ],
            headers,
        ),
    )

    errors = [(e.row, e.column, e.message) for e in response.context["check"].errors]
    assert errors == [
        (1, "D", "Không rõ chỉ tiêu “Chỉ tiêu lạ”."),
        (2, "C", "Phải là số nguyên, ví dụ 1500000 hoặc 1.500.000."),
        (3, "A", "Mã đơn vị “ML01” không phải đơn vị trực thuộc LĐLĐ huyện Hoài Đức."),
        (4, "A", "Mã đơn vị “XX99” không phải đơn vị trực thuộc LĐLĐ huyện Hoài Đức."),
        (5, "A", "Đơn vị HD01 có ở một dòng trước."),
        (6, "A", "Thiếu mã đơn vị."),
        (7, "C", "Không được là số âm."),
    ]
    page = text(response)
    assert "Chưa lưu chỉ tiêu nào" in page
    assert "C · Đoàn viên kết nạp mới (người)" in page
    assert "Xác nhận lưu" not in page
    assert response.context["token"] is None
    assert not Target.objects.exists()


def test_a_file_that_is_not_excel_is_sent_back_with_the_reason(client, tree, district_leader):
    client.force_login(district_leader)
    bad = SimpleUploadedFile("x.xlsx", b"not excel", content_type=excel.XLSX_TYPE)

    response = import_file(client, tree["hoai_duc"], bad)

    assert response.status_code == 302
    assert "không phải là tệp Excel" in text(client.get(response["Location"]))


def test_a_file_without_the_code_column_is_refused(client, tree, district_leader):
    client.force_login(district_leader)

    response = import_file(client, tree["hoai_duc"], upload([["HD01", 1]], ["Tên", "Sáng kiến"]))

    assert "Không thấy cột “Mã đơn vị”" in text(client.get(response["Location"]))


def test_indicator_columns_may_be_named_without_their_unit_or_by_code(tree):
    grid = selectors.grid_for(tree["hoai_duc"], 2026, Period.YEAR)
    file = upload([["HD01", "", 5, 7]], ["Mã đơn vị", "Tên đơn vị", "sáng  kiến", "initiatives"])

    check = check_import(file, grid)

    assert [(e.column, e.message) for e in check.errors] == [("D", "Cột “initiatives” bị lặp.")]


def test_the_confirmation_checks_the_file_again(client, tree, district_leader):
    client.force_login(district_leader)
    preview = import_file(client, tree["hoai_duc"], upload([["HD01", "", 300, None]]))
    token = preview.context["token"]
    services.unit_move(unit=tree["hd_1"], new_parent=tree["me_linh"], user=None)

    response = client.post(
        targets_url(tree["hoai_duc"], "unit_targets_import_confirm"),
        {"token": token, "year": 2026, "period": "Y"},
    )

    assert response.status_code == 200
    assert "không phải đơn vị trực thuộc" in text(response)
    assert not Target.objects.exists()


def test_a_forged_or_used_token_is_refused(client, tree, district_leader):
    client.force_login(district_leader)

    response = client.post(
        targets_url(tree["hoai_duc"], "unit_targets_import_confirm"),
        {"token": "../../etc/passwd", "year": 2026, "period": "Y"},
    )

    assert response.status_code == 302
    assert UPLOAD_GONE in text(client.get(response["Location"]))


def test_targets_save_is_all_or_nothing(tree):
    user = UserFactory(role_on=tree["hoai_duc"], role_on__role="leader")
    members = indicator("new_members")
    good = TargetCell(tree["hd_1"], members, 10)
    bad = TargetCell(tree["hd_2"], members, -1)

    with pytest.raises(Exception, match="không âm"):
        targets_save(
            parent=tree["hoai_duc"],
            cells=[good, bad],
            year=2026,
            period="Y",
            user=user,
            door=Door.PAGE,
        )

    assert not Target.objects.exists()
