from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from federation.entries import rollup


class Command(BaseCommand):
    help = (
        "Tính lại bảng tổng hợp (roll-up) từ số liệu tháng, báo các dòng lệch và sửa chúng. "
        "--check chỉ báo, không sửa, và thoát với mã lỗi nếu có lệch."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="chỉ kiểm tra, không sửa")
        parser.add_argument("--year", type=int, help="chỉ xét một năm")

    def handle(self, *args, check, year, **options):
        with transaction.atomic():
            drift = rollup.find_drift(year)
            for d in drift[:50]:
                unit_id, indicator_id, y, m = d.key
                self.stdout.write(
                    f"lệch: đơn vị {unit_id}, chỉ tiêu {indicator_id}, {m:02d}/{y}: "
                    f"đang lưu {d.stored.total} ({d.stored.entries} dòng), "
                    f"đúng là {d.expected.total} ({d.expected.entries} dòng)"
                )
            if len(drift) > 50:
                self.stdout.write(f"... và {len(drift) - 50} dòng lệch khác")
            if not drift:
                self.stdout.write(self.style.SUCCESS("Bảng tổng hợp khớp với số liệu tháng."))
                return
            if check:
                raise CommandError(f"{len(drift)} dòng tổng hợp bị lệch.")
            rollup.correct(drift)
        self.stdout.write(self.style.SUCCESS(f"Đã sửa {len(drift)} dòng tổng hợp."))
