import datetime

import pytest
from django.contrib.auth.forms import AuthenticationForm
from django.urls import reverse
from django.utils import timezone, translation

from federation import services
from federation.entries.services import EntryRow, entries_save, entry_upsert
from federation.models import Period
from federation.selectors import CHILDREN_PER_PAGE
from federation.targets.services import target_set
from federation.tests.factories import GrassrootsFactory, UnitFactory, UserFactory, indicator

PASSWORD = "mat-khau-123"  # UserFactory's


def unit_url(unit):
    return reverse("unit_detail", args=[unit.pk])


def children_url(unit):
    return reverse("unit_children", args=[unit.pk])


def links_to(response, unit) -> bool:
    return f'href="{unit_url(unit)}"' in response.content.decode()


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def hoai_duc_h1_2022(tree):
    """The figures of LĐLĐ huyện Hoài Đức's 2022 mid-year report (DESIGN.md)."""
    new_members = indicator("new_members")
    founded = indicator("new_grassroots_unions")
    entries_save(
        rows=[
            EntryRow(tree["hd_1"], new_members, 2022, 3, 200),
            EntryRow(tree["hd_2"], new_members, 2022, 5, 60),
            EntryRow(tree["hd_2"], new_members, 2022, 6, 50),
        ],
        user=None,
    )
    entry_upsert(unit=tree["hoai_duc"], indicator=founded, year=2022, month=4, value=11, user=None)
    target_set(
        unit=tree["hoai_duc"],
        indicator=new_members,
        year=2022,
        period=Period.YEAR,
        value=512,
        user=None,
    )
    target_set(
        unit=tree["hoai_duc"], indicator=founded, year=2022, period=Period.H1, value=20, user=None
    )
    return tree["hoai_duc"]


# --- home page ---------------------------------------------------------------------------------


def test_anonymous_visitor_is_sent_to_login(client):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response["Location"] == f"{reverse('login')}?next=/"


def test_district_staff_sees_own_district_and_its_grassroots_unions_only(
    client, tree, district_staff
):
    client.force_login(district_staff)

    response = client.get(reverse("home"))

    assert response.status_code == 200
    text = page_text(response)
    assert "LĐLĐ huyện Hoài Đức" in text
    assert links_to(response, tree["hd_1"]) and links_to(response, tree["hd_2"])
    assert "LĐLĐ huyện Mê Linh" not in text
    assert "Công đoàn ngành Giáo dục" not in text
    assert "LĐLĐ Thành phố Hà Nội" not in text
    assert not links_to(response, tree["ml_1"])
    assert not links_to(response, tree["edu_1"])


def test_district_leader_sees_the_same_subtree_as_district_staff(client, tree, district_leader):
    client.force_login(district_leader)

    response = client.get(reverse("home"))

    assert links_to(response, tree["hoai_duc"]) and links_to(response, tree["hd_2"])
    assert not links_to(response, tree["me_linh"])
    assert not links_to(response, tree["city"])


def test_city_leader_sees_the_city_and_its_children_with_grandchildren_left_to_load(
    client, tree, city_leader
):
    client.force_login(city_leader)

    response = client.get(reverse("home"))

    text = page_text(response)
    assert "LĐLĐ Thành phố Hà Nội" in text
    for name in ("LĐLĐ huyện Hoài Đức", "LĐLĐ huyện Mê Linh", "Công đoàn ngành Giáo dục"):
        assert name in text
    assert not links_to(response, tree["hd_1"])
    assert f'hx-get="{children_url(tree["hoai_duc"])}"' in text


def test_superuser_sees_the_roots(client, tree, superuser):
    other_root = UnitFactory(
        code="HCM", name="LĐLĐ Thành phố Hồ Chí Minh", kind="provincial_federation"
    )
    client.force_login(superuser)

    response = client.get(reverse("home"))

    assert links_to(response, tree["city"]) and links_to(response, other_root)
    assert links_to(response, tree["me_linh"])


def test_user_without_roles_is_told_to_ask_for_one(client, tree):
    client.force_login(UserFactory())

    response = client.get(reverse("home"))

    assert "chưa được giao vai trò" in page_text(response)
    assert not links_to(response, tree["city"])


def test_superuser_gets_an_admin_link_and_others_do_not(client, tree, superuser, district_staff):
    client.force_login(superuser)
    assert 'href="/admin/"' in page_text(client.get(reverse("home")))

    client.force_login(district_staff)
    assert 'href="/admin/"' not in page_text(client.get(reverse("home")))


def test_home_page_query_count_does_not_grow_with_the_tree(
    client, tree, city_leader, django_assert_max_num_queries
):
    client.force_login(city_leader)
    # session, user, roles, top units, children, the count of values to check, the navbar's unit;
    # the desk: the month due (2), its completeness (4), the children behind pace (6)
    with django_assert_max_num_queries(19):
        client.get(reverse("home"))

    for parent in (tree["hoai_duc"], tree["me_linh"], tree["education"]):
        GrassrootsFactory.create_batch(20, parent=parent)
    UnitFactory.create_batch(5, parent=tree["city"])

    with django_assert_max_num_queries(19):
        response = client.get(reverse("home"))
    assert response.status_code == 200


# --- children partial --------------------------------------------------------------------------


def test_children_partial_lists_the_children_of_a_visible_unit(client, tree, district_staff):
    client.force_login(district_staff)

    response = client.get(children_url(tree["hoai_duc"]))

    assert response.status_code == 200
    assert links_to(response, tree["hd_1"]) and links_to(response, tree["hd_2"])
    assert "<html" not in page_text(response)


def test_children_partial_is_404_for_a_unit_outside_the_users_scope(client, tree, district_staff):
    client.force_login(district_staff)

    assert client.get(children_url(tree["me_linh"])).status_code == 404
    assert client.get(children_url(tree["city"])).status_code == 404


def test_children_partial_requires_login(client, tree):
    response = client.get(children_url(tree["hoai_duc"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_long_children_lists_come_a_page_at_a_time(client, tree, city_leader):
    extra = GrassrootsFactory.create_batch(CHILDREN_PER_PAGE + 1 - 2, parent=tree["hoai_duc"])
    client.force_login(city_leader)

    first = client.get(children_url(tree["hoai_duc"]))
    second = client.get(children_url(tree["hoai_duc"]), {"page": 2})

    assert page_text(first).count('class="unit-node"') == CHILDREN_PER_PAGE
    assert "Xem thêm (còn 1 đơn vị)" in page_text(first)
    assert f'hx-get="{children_url(tree["hoai_duc"])}?page=2"' in page_text(first)
    assert page_text(second).count('class="unit-node"') == 1
    assert links_to(second, extra[-1])
    assert "Xem thêm" not in page_text(second)


def test_children_partial_treats_a_bad_page_number_as_the_first(client, tree, district_staff):
    client.force_login(district_staff)

    response = client.get(children_url(tree["hoai_duc"]), {"page": "abc"})

    assert response.status_code == 200
    assert links_to(response, tree["hd_1"])


# --- unit page ---------------------------------------------------------------------------------


def test_unit_page_is_404_for_a_unit_outside_the_users_scope(client, tree, district_staff):
    client.force_login(district_staff)

    assert client.get(unit_url(tree["ml_1"])).status_code == 404
    assert client.get(unit_url(tree["city"])).status_code == 404


def test_unit_page_requires_login(client, tree):
    response = client.get(unit_url(tree["hd_1"]))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_unit_page_links_only_the_ancestors_the_user_may_see(client, tree, district_staff):
    client.force_login(district_staff)

    response = client.get(unit_url(tree["hd_1"]))

    assert response.status_code == 200
    assert links_to(response, tree["hoai_duc"])
    assert "LĐLĐ Thành phố Hà Nội" in page_text(response)
    assert not links_to(response, tree["city"])


def test_unit_page_shows_the_units_facts_the_vietnamese_way(client, tree, district_staff):
    services.unit_update(
        unit=tree["hd_1"],
        user=None,
        founded_on=datetime.date(2019, 3, 5),
        workforce_total=1250,
        workforce_female=870,
    )
    client.force_login(district_staff)

    text = page_text(client.get(unit_url(tree["hd_1"])))

    assert "05/03/2019" in text
    assert "1.250" in text and "870" in text
    assert "Ngoài nhà nước" in text
    assert "Công đoàn cơ sở" in text
    assert "HD01" in text


def test_unit_page_shows_progress_as_reports_write_it(client, hoai_duc_h1_2022, district_staff):
    client.force_login(district_staff)

    response = client.get(unit_url(hoai_duc_h1_2022), {"year": 2022, "period": "H1"})

    text = page_text(response)
    assert "310/512 — đạt 60,5%" in text
    assert "11/20 — đạt 55,0%" in text
    assert 'value="2022"' in text


def test_unit_page_cuts_the_period_off_at_the_chosen_month(
    client, hoai_duc_h1_2022, district_staff
):
    client.force_login(district_staff)

    response = client.get(
        unit_url(hoai_duc_h1_2022), {"year": 2022, "period": "H1", "through_month": 5}
    )

    assert "260/512 — đạt 50,8%" in page_text(response)
    assert "tháng 05/2022" in page_text(response)


def test_unit_page_writes_large_figures_with_thousand_dots(client, tree, district_staff):
    entry_upsert(
        unit=tree["hd_1"],
        indicator=indicator("union_fees_collected"),
        year=2022,
        month=2,
        value=8558063,
        user=None,
    )
    client.force_login(district_staff)

    response = client.get(unit_url(tree["hoai_duc"]), {"year": 2022, "period": "H1"})

    assert "8.558.063" in page_text(response)


def test_unit_page_defaults_to_this_year_and_half(client, tree, district_staff):
    today = timezone.localdate()
    client.force_login(district_staff)

    response = client.get(unit_url(tree["hoai_duc"]))

    query = response.context["query"]
    assert (query.year, query.through_month) == (today.year, None)
    assert query.period == (Period.H1 if today.month <= 6 else Period.YEAR)


@pytest.mark.parametrize(
    "params",
    [
        {"year": "abc"},
        {"year": "1999"},
        {"year": "9" * 5000},
        {"period": "Q3"},
        {"through_month": "13"},
        {"period": "H2", "through_month": "3"},
        {"through_month": "-1"},
    ],
)
def test_unit_page_falls_back_with_a_message_on_bad_parameters(
    client, tree, district_staff, params
):
    client.force_login(district_staff)

    response = client.get(unit_url(tree["hoai_duc"]), params)

    assert response.status_code == 200
    assert 'class="alert alert-warning' in page_text(response)


def test_unit_page_query_count_does_not_grow_with_the_tree(
    client, tree, district_staff, django_assert_max_num_queries
):
    GrassrootsFactory.create_batch(30, parent=tree["hoai_duc"])
    client.force_login(district_staff)

    with django_assert_max_num_queries(9):
        response = client.get(unit_url(tree["hoai_duc"]))
    assert response.status_code == 200


# --- login and logout --------------------------------------------------------------------------


def test_login_page_speaks_vietnamese_with_bootstrap_fields(client, db):
    response = client.get(reverse("login"))

    text = page_text(response)
    assert response.status_code == 200
    assert '<html lang="vi">' in text
    assert "Tên đăng nhập" in text and "Mật khẩu" in text and "Đăng nhập" in text
    assert 'class="textinput form-control' in text or 'class="form-control' in text


def test_logging_in_with_the_right_password_goes_home(client, district_staff):
    response = client.post(reverse("login"), {"username": "hd_staff", "password": PASSWORD})

    assert response.status_code == 302
    assert response["Location"] == reverse("home")


def test_a_wrong_password_is_refused_in_vietnamese(client, district_staff):
    response = client.post(reverse("login"), {"username": "hd_staff", "password": "sai"})

    with translation.override("vi"):
        expected = AuthenticationForm().get_invalid_login_error().messages[0]
    assert response.status_code == 200
    assert expected in page_text(response)


def test_logout_is_a_post_that_returns_to_login(client, district_staff):
    client.force_login(district_staff)

    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))

    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302
