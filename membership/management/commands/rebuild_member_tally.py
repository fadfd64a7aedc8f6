from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from membership import tally


class Command(BaseCommand):
    help = (
        "Tính lại sổ đếm đoàn viên (biến động theo tháng và số CĐCS có danh sách của mỗi đơn "
        "vị) từ danh sách đoàn viên và cây đơn vị, trong một giao dịch. --check chỉ so sánh, "
        "in mọi dòng lệch và thoát với mã lỗi nếu có lệch."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="chỉ kiểm tra, không sửa")

    def handle(self, *args, check, **options):
        if check:
            self._check()
            return
        with transaction.atomic():
            movements, unions = tally.rebuild()
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã tính lại sổ đếm: {movements} dòng biến động theo tháng, {unions} dòng số CĐCS."
            )
        )

    def _check(self) -> None:
        with transaction.atomic():
            drift = tally.find_drift()
        for d in drift:
            unit_id, *month = d.key
            where = f"đơn vị {unit_id}" + (f", tháng {month[0]:%m/%Y}" if month else "")
            names = tally.MOVEMENTS if d.table == "members" else tally.UNION_FIGURES
            self.stdout.write(
                f"lệch: {where}: "
                + "; ".join(
                    f"{name} đang lưu {have}, đúng là {want}"
                    for name, have, want in zip(names, d.stored, d.expected, strict=True)
                    if have != want
                )
            )
        if drift:
            raise CommandError(f"{len(drift)} dòng sổ đếm đoàn viên bị lệch.")
        self.stdout.write(self.style.SUCCESS("Sổ đếm đoàn viên khớp với danh sách đoàn viên."))
