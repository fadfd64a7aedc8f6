"""The member roster (đoàn viên công đoàn) of each grassroots union, and who exported it."""

import datetime
import unicodedata

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

from federation.models import Unit

MIN_AGE, MAX_AGE = 15, 100


def search_key(text: str) -> str:
    """A name as it is searched: lower case, no diacritics, đ → d, single spaces.

    "Nguyễn  Văn Ánh" → "nguyen van anh", so "nguyen van a" finds it with or without marks.
    """
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(bare.lower().split())


def card_key(text: str) -> str:
    """A card number as it is stored and searched: no spaces, upper case."""
    return "".join(str(text).split()).upper()


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


class MemberQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        # bulk_create skips save(): fill the search column here so bulk imports and the demo
        # seed stay searchable, and count the rows in the tally in the same transaction, so
        # that no bulk door (the import, the demo, a bench) leaves the counts behind.
        from . import tally  # it builds on this module

        objs = list(objs)
        for member in objs:
            member.fill_search_name()
        with transaction.atomic(using=self.db, savepoint=False):
            created = super().bulk_create(objs, *args, **kwargs)
            tally.members_added(created)
        return created

    def active_on(self, day: datetime.date) -> "MemberQuerySet":
        """Members already in and not yet gone at the end of `day`."""
        return self.filter(Q(left_on__isnull=True) | Q(left_on__gt=day), joined_on__lte=day)


class Member(models.Model):
    """A union member of one CĐCS; a member who left keeps the row, with left_on and the reason.

    A transfer to another CĐCS closes this row (reason "transferred") and opens a new one there,
    whose `transferred_from` points back here, so each CĐCS keeps its own history.
    """

    union = models.ForeignKey(
        Unit,
        on_delete=models.PROTECT,
        related_name="members",
        limit_choices_to={"kind": "grassroots_union"},
        verbose_name="công đoàn cơ sở",
        db_index=False,  # the composite indexes below all start with the union
    )
    full_name = models.CharField("họ và tên", max_length=255)
    search_name = models.CharField(
        "họ và tên không dấu", max_length=255, blank=True, editable=False
    )
    gender = models.CharField("giới tính", max_length=8, choices=Gender.choices)
    birth_date = models.DateField("ngày sinh", null=True, blank=True)
    joined_on = models.DateField("ngày vào công đoàn")
    left_on = models.DateField("ngày ra khỏi CĐCS", null=True, blank=True)
    leave_reason = models.CharField("lý do", max_length=16, choices=LeaveReason.choices, blank=True)
    card_number = models.CharField("số thẻ đoàn viên", max_length=32, blank=True)
    transferred_from = models.OneToOneField(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="transferred_to",
        verbose_name="chuyển đến từ",
    )
    created_at = models.DateTimeField("tạo lúc", auto_now_add=True)
    updated_at = models.DateTimeField("cập nhật lúc", auto_now=True)

    history = HistoricalRecords(excluded_fields=["search_name"])
    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = "đoàn viên"
        verbose_name_plural = "đoàn viên"
        ordering = ["search_name", "pk"]
        indexes = [
            # The roster of a CĐCS, in name order, a page at a time.
            models.Index(fields=["union", "search_name", "id"], name="member_union_name"),
            # Counts (active, women, admitted, left) read from the index alone.
            models.Index(
                fields=["union", "joined_on", "left_on", "gender"], name="member_union_dates"
            ),
            # A district-wide roster in name order walks this index.
            models.Index(fields=["search_name", "id"], name="member_name"),
            # Prefix search on card numbers; the pattern class makes LIKE 'X%' use it on
            # PostgreSQL whatever the database collation (other databases ignore it).
            models.Index(
                fields=["card_number"], name="member_card", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="member_left_after_joined",
            ),
            models.UniqueConstraint(
                fields=["card_number"],
                condition=Q(left_on__isnull=True) & ~Q(card_number=""),
                name="member_active_card_unique",
                violation_error_message="Số thẻ này đang được dùng cho một đoàn viên khác.",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name

    def save(self, *args, **kwargs):
        self.fill_search_name()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "full_name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "search_name"}
        super().save(*args, **kwargs)

    @property
    def is_active(self) -> bool:
        return self.left_on is None

    @property
    def was_transferred(self) -> bool:
        return self.leave_reason == LeaveReason.TRANSFERRED

    def clean(self) -> None:
        errors = {}
        today = timezone.localdate()
        if self.union_id and not self.union.is_grassroots:
            errors["union"] = "Đoàn viên chỉ sinh hoạt tại công đoàn cơ sở."
        if self.joined_on and self.joined_on > today:
            errors["joined_on"] = "Ngày vào công đoàn không được ở tương lai."
        if self.left_on and self.left_on > today:
            errors["left_on"] = "Ngày ra khỏi CĐCS không được ở tương lai."
        elif self.left_on and self.joined_on and self.left_on < self.joined_on:
            errors["left_on"] = "Ngày ra khỏi CĐCS phải sau ngày vào công đoàn."
        if self.left_on and not self.leave_reason:
            errors["leave_reason"] = "Cần ghi lý do khi đoàn viên ra khỏi CĐCS."
        if self.leave_reason and not self.left_on:
            errors["leave_reason"] = "Chỉ ghi lý do khi đoàn viên đã ra khỏi CĐCS."
        if self.birth_date:
            age = (today - self.birth_date).days // 365
            if self.birth_date > today:
                errors["birth_date"] = "Ngày sinh không được ở tương lai."
            elif not MIN_AGE <= age <= MAX_AGE:
                errors["birth_date"] = f"Tuổi phải từ {MIN_AGE} đến {MAX_AGE}."
            elif (
                self.joined_on
                and "joined_on" not in errors
                and (self.joined_on - self.birth_date).days // 365 < MIN_AGE
            ):
                errors["joined_on"] = f"Đoàn viên phải đủ {MIN_AGE} tuổi khi vào công đoàn."
        if errors:
            raise ValidationError(errors)

    def fill_search_name(self) -> None:
        self.search_name = search_key(self.full_name or "")


class RosterExport(models.Model):
    """Who downloaded which roster, when, and how many members it held: personal data left."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name="người xuất",
    )
    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="+", verbose_name="đơn vị"
    )
    exported_at = models.DateTimeField("thời điểm", auto_now_add=True)
    row_count = models.PositiveIntegerField("số đoàn viên")
    filters = models.CharField("điều kiện lọc", max_length=500, blank=True)

    class Meta:
        verbose_name = "lượt xuất danh sách đoàn viên"
        verbose_name_plural = "nhật ký xuất danh sách đoàn viên"
        ordering = ["-exported_at"]
        indexes = [models.Index(fields=["unit", "-exported_at"], name="roster_export_unit")]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.exported_at:%d/%m/%Y %H:%M}"


class MemberTally(models.Model):
    """The roster's movements in one month over a unit's subtree: kept on write, read by counts.

    A row per unit and month for the CĐCS whose roster moved AND each of its ancestors, so a
    count at any level reads its own rows (one per month with a movement: a few hundred at the
    root), never a subtree. The columns are the month's deltas, not its stock: a member touches
    only the month it joined and the month it left, at each level, whereas a stock column would
    change in every month after. The stock is their sum: members at the end of a month are
    admitted − departed through it, women likewise, on record (joined by then, left since or not)
    admitted through it. Transfers are counted in admitted and departed as well as on their own.
    Written only by `membership.tally` (see there who calls it); `rebuild_member_tally` checks it.
    """

    # Derived rows, rebuilt by SQL: a database-checked key would cost the national rebuild a
    # lookup for each of its 7 million rows at commit. Django still deletes them with the unit.
    unit = models.ForeignKey(
        Unit, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False
    )
    month = models.DateField("tháng")  # its first day
    admitted = models.IntegerField("vào", default=0)
    departed = models.IntegerField("ra", default=0)  # "left" is a word SQL keeps for itself
    women_admitted = models.IntegerField("nữ vào", default=0)
    women_departed = models.IntegerField("nữ ra", default=0)
    transferred_in = models.IntegerField("chuyển đến", default=0)
    transferred_out = models.IntegerField("chuyển đi", default=0)

    class Meta:
        verbose_name = "biến động đoàn viên theo tháng"
        verbose_name_plural = "biến động đoàn viên theo tháng"
        constraints = [
            models.UniqueConstraint(fields=["unit", "month"], name="member_tally_unit_month")
        ]

    def __str__(self) -> str:
        return f"{self.unit_id} · {self.month:%m/%Y}"


class UnionTally(models.Model):
    """Over a unit's subtree: its CĐCS, how many keep a roster (have anyone on it, current or
    past) and the workforce of those, so the share of members in the workforce compares like
    with like without reading 100,000 CĐCS at the root. A row for every unit with a CĐCS in its
    subtree (the CĐCS's own row is its contribution); kept by `membership.tally`."""

    unit = models.OneToOneField(Unit, on_delete=models.CASCADE, primary_key=True, related_name="+")
    unions = models.IntegerField("số CĐCS", default=0)
    with_roster = models.IntegerField("số CĐCS có danh sách", default=0)
    workforce = models.BigIntegerField("lao động của CĐCS có danh sách", default=0)

    class Meta:
        verbose_name = "số CĐCS có danh sách đoàn viên"
        verbose_name_plural = "số CĐCS có danh sách đoàn viên"

    def __str__(self) -> str:
        return f"{self.unit_id}: {self.with_roster}/{self.unions}"
