from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import CommandError, call_command
from django.test import RequestFactory

from federation.entries import rollup
from federation.entries.services import entry_upsert
from federation.models import Role, Rollup

from .factories import indicator

# django-axes counts logins by address: every authentication names its request.
REQUEST = RequestFactory().post("/login/")


def run(*args):
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


class TestCreateUser:
    def test_creates_a_user_with_a_role_on_the_unit(self, tree):
        output = run(
            "createuser", "nguyenvana", "--password", "bi-mat-ca-10", "--unit", "HD",
            "--role", "leader",
        )  # fmt: skip
        assert "Đã tạo người dùng nguyenvana: Lãnh đạo tại LĐLĐ huyện Hoài Đức." in output
        user = authenticate(REQUEST, username="nguyenvana", password="bi-mat-ca-10")
        assert user is not None
        assert Role.objects.get(user=user).unit == tree["hoai_duc"]

    def test_running_again_changes_the_password_and_the_role(self, tree):
        run("createuser", "a", "--password", "mot-hai-ba-1", "--unit", "HD", "--role", "staff")
        output = run(
            "createuser", "a", "--password", "bon-nam-sau-4", "--unit", "HD", "--role", "admin"
        )
        assert "Đã cập nhật" in output
        assert authenticate(REQUEST, username="a", password="bon-nam-sau-4") is not None
        assert list(Role.objects.values_list("role", flat=True)) == ["admin"]

    def test_an_unknown_unit_is_a_clear_error(self, tree):
        with pytest.raises(CommandError, match="Không có đơn vị mã 'XX'"):
            run("createuser", "a", "--password", "p", "--unit", "XX", "--role", "staff")

    def test_an_unknown_role_is_a_clear_error_and_creates_nobody(self, tree):
        with pytest.raises(CommandError, match="Vai trò 'boss' không hợp lệ"):
            run("createuser", "a", "--password", "mot-hai-ba-1", "--unit", "HD", "--role", "boss")
        assert authenticate(REQUEST, username="a", password="mot-hai-ba-1") is None

    @pytest.mark.parametrize("password", ["1", "nguyenvana", "password", "", "12345678901"])
    def test_a_weak_password_is_refused_and_sets_nothing(self, tree, password):
        with pytest.raises(CommandError, match="Mật khẩu không được chấp nhận"):
            run(
                "createuser", "nguyenvana", "--password", password, "--unit", "HD",
                "--role", "staff",
            )  # fmt: skip
        assert not Role.objects.exists()
        assert authenticate(REQUEST, username="nguyenvana", password=password) is None


class TestRebuildRollup:
    @pytest.fixture
    def drifted(self, tree):
        entry_upsert(
            unit=tree["hd_1"],
            indicator=indicator("new_members"),
            year=2026,
            month=1,
            value=9,
            user=None,
        )
        Rollup.objects.filter(unit=tree["city"]).update(total=1)
        return tree

    def test_check_reports_drift_and_fails_without_fixing(self, drifted):
        out = StringIO()
        with pytest.raises(CommandError, match="1 dòng tổng hợp bị lệch"):
            call_command("rebuild_rollup", "--check", stdout=out)
        assert "đang lưu 1 (1 dòng), đúng là 9 (1 dòng)" in out.getvalue()
        assert len(rollup.find_drift()) == 1

    def test_rebuild_fixes_the_drift(self, drifted):
        assert "Đã sửa 1 dòng tổng hợp." in run("rebuild_rollup")
        assert rollup.find_drift() == []
        assert "khớp" in run("rebuild_rollup", "--check")

    def test_a_year_can_be_checked_alone(self, drifted):
        assert "khớp" in run("rebuild_rollup", "--check", "--year", "2025")
