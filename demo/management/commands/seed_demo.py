import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from demo.seed import DEMO_PASSWORD, login_table, seed
from federation.formatting import vn_number


class Command(BaseCommand):
    help = (
        "Tạo dữ liệu mẫu: LĐLĐ Thành phố Hà Nội, các LĐLĐ quận, huyện, công đoàn ngành, "
        "Công đoàn HANDICO, CĐCS, đoàn viên, chỉ tiêu giao, số liệu tháng và tài khoản dùng thử. "
        "Chạy lại bao nhiêu lần cũng cho cùng một bộ dữ liệu."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--months-back",
            type=int,
            help="chỉ nhập số liệu của N tháng gần nhất (mặc định: từ tháng 1 hai năm trước)",
        )

    def handle(self, *args, months_back, **options):
        if not settings.DEMO_DATA_ALLOWED:
            raise CommandError(
                "Không tạo dữ liệu mẫu khi DEBUG=0: các tài khoản dùng thử có mật khẩu công khai."
            )
        if months_back is not None and months_back < 1:
            raise CommandError("--months-back phải là số nguyên dương.")
        started = time.monotonic()
        seed(months_back=months_back, log=self.stdout.write)
        seconds = vn_number(round(time.monotonic() - started, 1))
        self.stdout.write(self.style.SUCCESS(f"Xong dữ liệu mẫu sau {seconds} giây."))
        self.stdout.write(f"\nTài khoản dùng thử (mật khẩu chung: {DEMO_PASSWORD}):")
        for line in login_table():
            self.stdout.write(f"  {line}")
