"""Brute force at the login page and the admin's: five wrong passwords in a row for a username
from one address lock that pair out for a quarter of an hour, the right password included."""

import pytest
from django.urls import reverse

from federation.tests.factories import UserFactory

RIGHT = "mat-khau-dung-ca-10"


@pytest.fixture
def staff(tree):
    user = UserFactory(username="hd_staff", role_on=tree["hoai_duc"])
    user.set_password(RIGHT)
    user.save()
    return user


def log_in(client, password, url="login"):
    return client.post(reverse(url), {"username": "hd_staff", "password": password})


def test_the_fifth_wrong_password_locks_the_login_page_for_fifteen_minutes(client, staff):
    for _ in range(4):
        assert log_in(client, "sai").status_code == 200  # the form again, with its error
    locked = log_in(client, "sai")
    assert locked.status_code == 429
    assert locked["Retry-After"] == str(15 * 60)
    assert "Hãy thử lại sau 15 phút" in locked.content.decode()
    assert log_in(client, RIGHT).status_code == 429
    assert "_auth_user_id" not in client.session


def test_a_right_password_before_the_limit_logs_in_and_starts_the_count_again(client, staff):
    for _ in range(4):
        log_in(client, "sai")
    assert log_in(client, RIGHT).status_code == 302
    client.logout()
    for _ in range(4):
        assert log_in(client, "sai").status_code == 200


def test_the_admin_login_is_locked_the_same_way(client, superuser):
    superuser.set_password(RIGHT)
    superuser.save()
    for _ in range(5):
        response = client.post(
            reverse("admin:login"), {"username": superuser.username, "password": "sai"}
        )
    assert response.status_code == 429
    assert "Tạm khóa đăng nhập" in response.content.decode()
