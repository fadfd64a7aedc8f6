"""The member roster (đoàn viên công đoàn) of each grassroots union."""

import datetime

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q
from simple_history.models import HistoricalRecords

from federation.models import Unit

MIN_AGE, MAX_AGE = 15, 100


class Gender(models.TextChoices):
    MALE = "male", "Nam"
    FEMALE = "female", "Nữ"


class LeaveReason(models.TextChoices):
    RESIGNED = "resigned", "Nghỉ việc"
    TRANSFERRED = "transferred", "Chuyển công tác"
    RETIRED = "retired", "Nghỉ hưu"
    WITHDRAWN = "withdrawn", "Ra khỏi tổ chức công đoàn"
    DECEASED = "deceased", "Từ trần"
    OTHER = "other", "Lý do khác"


class Member(models.Model):
    """A union member of one CĐCS; a member who left keeps the row, with left_on and the reason."""

    union = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"kind": "grassroots_union"},
        verbose_name="công đoàn cơ sở",
    )
    full_name = models.CharField("họ và tên", max_length=255)
    gender = models.CharField("giới tính", max_length=8, choices=Gender.choices)
    birth_date = models.DateField("ngày sinh", null=True, blank=True)
    joined_on = models.DateField("ngày vào công đoàn")
    left_on = models.DateField("ngày ra khỏi CĐCS", null=True, blank=True)
    leave_reason = models.CharField("lý do", max_length=16, choices=LeaveReason.choices, blank=True)
    card_number = models.CharField("số thẻ đoàn viên", max_length=32, blank=True)
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = "đoàn viên"
        verbose_name_plural = "đoàn viên"
        ordering = ["full_name", "pk"]
        indexes = [
            models.Index(fields=["union", "full_name"]),
            models.Index(fields=["card_number"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="member_left_after_joined",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def is_active(self) -> bool:
        return self.left_on is None

    def clean(self) -> None:
        errors = {}
        if self.union_id and not self.union.is_grassroots:
            errors["union"] = "Đoàn viên chỉ sinh hoạt tại công đoàn cơ sở."
        if self.left_on and self.joined_on and self.left_on < self.joined_on:
            errors["left_on"] = "Ngày ra khỏi CĐCS phải sau ngày vào công đoàn."
        if self.left_on and not self.leave_reason:
            errors["leave_reason"] = "Cần ghi lý do khi đoàn viên ra khỏi CĐCS."
        if self.birth_date:
            today = datetime.date.today()
            age = (today - self.birth_date).days // 365
            if self.birth_date > today:
                errors["birth_date"] = "Ngày sinh không được ở tương lai."
            elif not MIN_AGE <= age <= MAX_AGE:
                errors["birth_date"] = f"Tuổi phải từ {MIN_AGE} đến {MAX_AGE}."
            elif self.joined_on and (self.joined_on - self.birth_date).days // 365 < MIN_AGE:
                errors["joined_on"] = f"Đoàn viên phải đủ {MIN_AGE} tuổi khi vào công đoàn."
        if errors:
            raise ValidationError(errors)
