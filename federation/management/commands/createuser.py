from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from federation.models import RoleKind, Unit
from federation.services import role_grant


class Command(BaseCommand):
    help = (
        "Tạo (hoặc cập nhật) người dùng và giao vai trò trên một đơn vị và các đơn vị trực thuộc."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--password", required=True)
        parser.add_argument("--unit", required=True, help="mã đơn vị, ví dụ HN-HD")
        parser.add_argument("--role", required=True, help="staff | leader | admin")

    def handle(self, *args, username, password, unit, role, **options):
        if role not in RoleKind.values:
            raise CommandError(
                f"Vai trò '{role}' không hợp lệ; chọn một trong: {', '.join(RoleKind.values)}."
            )
        try:
            target_unit = Unit.objects.get(code=unit)
        except Unit.DoesNotExist:
            raise CommandError(f"Không có đơn vị mã '{unit}'.") from None
        with transaction.atomic():
            user, created = get_user_model().objects.get_or_create(username=username)
            try:
                # The rules of settings.AUTH_PASSWORD_VALIDATORS, as every form that sets one.
                validate_password(password, user)
            except ValidationError as error:
                refused = " ".join(error.messages)
                raise CommandError(f"Mật khẩu không được chấp nhận: {refused}") from None
            user.set_password(password)
            user.save()
            try:
                role_grant(user=user, unit=target_unit, role=role)
            except ValidationError as error:
                raise CommandError("; ".join(error.messages)) from None
        verb = "Đã tạo" if created else "Đã cập nhật"
        self.stdout.write(
            f"{verb} người dùng {username}: {RoleKind(role).label} tại {target_unit.name}."
        )
