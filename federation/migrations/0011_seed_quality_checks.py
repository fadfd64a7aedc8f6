"""The checks every save applies, as data administrators may change in the admin: a plausible
ceiling and an outlier floor for each indicator of the catalogue, and the first validation rules.
"""

from django.db import migrations

# code: (the most one unit reports for itself in a month, a gap from the usual never worth a word)
LIMITS = {
    "new_members": (200_000, 20),
    "new_grassroots_unions": (1_000, 2),
    "members_left": (200_000, 20),
    "dissolved_grassroots_unions": (1_000, 2),
    "total_members": (12_000_000, 50),
    "training_classes": (10_000, 5),
    "officials_trained": (1_000_000, 50),
    "party_candidates": (100_000, 5),
    "new_party_members": (100_000, 5),
    "support_visits": (1_000_000, 20),
    "support_amount": (1_000_000_000_000, 50_000_000),
    "union_fees_collected": (10_000_000_000_000, 200_000_000),
    "member_dues_collected": (1_000_000_000_000, 50_000_000),
    "initiatives": (100_000, 5),
    "grassroots_unions_consolidated": (10_000, 3),
}

# code, name, left, operator, right, tolerance, importance, applies to, message
RULES = [
    (
        "leavers-within-members",
        "Đoàn viên giảm không quá số đoàn viên tháng trước và số kết nạp",
        "members_left", "<=", "total_members[-1] + new_members", 0, "error", "all",
        "Số đoàn viên giảm ({left}) nhiều hơn tổng số đoàn viên tháng trước cộng số kết nạp "
        "trong tháng ({right}).",
    ),
    (
        "members-balance",
        "Tổng số đoàn viên bằng tháng trước cộng kết nạp trừ giảm",
        "total_members", "==", "total_members[-1] + new_members - members_left", 2, "warning",
        "all",
        "Tổng số đoàn viên ({left}) không khớp với tổng tháng trước cộng kết nạp, trừ giảm "
        "({right}).",
    ),
    (
        "admissions-within-workforce",
        "Số kết nạp không quá tổng số lao động của CĐCS",
        "new_members", "<=", "workforce", 0, "warning", "grassroots",
        "Số kết nạp ({left}) nhiều hơn tổng số lao động của CĐCS ({right}).",
    ),
    (
        "one-union-founded",
        "Một CĐCS chỉ thành lập một CĐCS (chính nó) trong tháng",
        "new_grassroots_unions", "<=", "1", 0, "error", "grassroots",
        "Một CĐCS chỉ ghi thành lập một CĐCS là chính nó; số nhập là {left}.",
    ),
    (
        "dues-per-member",
        "Đoàn phí thu không quá 500.000 đồng một đoàn viên",
        "member_dues_collected", "<=", "500000 * total_members", 0, "warning", "all",
        "Đoàn phí thu ({left} đồng) vượt 500.000 đồng một đoàn viên ({right} đồng).",
    ),
    (
        "fees-per-worker",
        "Kinh phí công đoàn thu không quá 2.000.000 đồng một người lao động",
        "union_fees_collected", "<=", "2000000 * workforce", 0, "warning", "grassroots",
        "Kinh phí công đoàn thu ({left} đồng) vượt 2.000.000 đồng một người lao động "
        "({right} đồng).",
    ),
    (
        "support-per-visit",
        "Số tiền hỗ trợ không quá 20.000.000 đồng một lượt thăm hỏi",
        "support_amount", "<=", "20000000 * support_visits", 0, "warning", "all",
        "Số tiền hỗ trợ ({left} đồng) vượt 20.000.000 đồng một lượt thăm hỏi ({right} đồng).",
    ),
]  # fmt: skip


def seed(apps, schema_editor):
    Indicator = apps.get_model("federation", "Indicator")
    for code, (ceiling, floor) in LIMITS.items():
        Indicator.objects.filter(code=code).update(plausible_max=ceiling, outlier_floor=floor)
    ValidationRule = apps.get_model("federation", "ValidationRule")
    for code, name, left, operator, right, tolerance, importance, scope, message in RULES:
        ValidationRule.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "left": left,
                "operator": operator,
                "right": right,
                "tolerance": tolerance,
                "importance": importance,
                "applies_to": scope,
                "message": message,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("federation", "ValidationRule").objects.filter(
        code__in=[rule[0] for rule in RULES]
    ).delete()
    apps.get_model("federation", "Indicator").objects.update(plausible_max=None, outlier_floor=10)


class Migration(migrations.Migration):
    dependencies = [("federation", "0010_data_quality")]
    operations = [migrations.RunPython(seed, unseed)]
