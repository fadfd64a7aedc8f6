"""The indicator catalogue DESIGN.md lists; administrators may add more later."""

from django.db import migrations

# code, Vietnamese name, unit of measure, aggregation, higher is better
CATALOGUE = [
    ("new_members", "Đoàn viên kết nạp mới", "người", "sum", True),
    ("new_grassroots_unions", "CĐCS thành lập mới", "CĐCS", "sum", True),
    ("members_left", "Đoàn viên giảm", "người", "sum", False),
    ("dissolved_grassroots_unions", "CĐCS giải thể", "CĐCS", "sum", False),
    ("total_members", "Tổng số đoàn viên", "người", "last", True),
    ("training_classes", "Lớp tập huấn", "lớp", "sum", True),
    ("officials_trained", "Lượt cán bộ được tập huấn", "lượt", "sum", True),
    ("party_candidates", "Đoàn viên ưu tú giới thiệu kết nạp Đảng", "người", "sum", True),
    ("new_party_members", "Đảng viên mới được kết nạp", "người", "sum", True),
    ("support_visits", "Lượt thăm hỏi, hỗ trợ đoàn viên", "lượt", "sum", True),
    ("support_amount", "Số tiền thăm hỏi, hỗ trợ", "đồng", "sum", True),
    ("union_fees_collected", "Kinh phí công đoàn thu", "đồng", "sum", True),
    ("member_dues_collected", "Đoàn phí công đoàn thu", "đồng", "sum", True),
    ("initiatives", "Sáng kiến", "sáng kiến", "sum", True),
    ("grassroots_unions_consolidated", "CĐCS được kiện toàn cán bộ", "CĐCS", "sum", True),
]


def seed(apps, schema_editor):
    Indicator = apps.get_model("federation", "Indicator")
    for position, (code, name, unit, aggregation, higher) in enumerate(CATALOGUE, start=1):
        Indicator.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "unit_of_measure": unit,
                "aggregation": aggregation,
                "higher_is_better": higher,
                "position": position * 10,
            },
        )


def unseed(apps, schema_editor):
    apps.get_model("federation", "Indicator").objects.filter(
        code__in=[row[0] for row in CATALOGUE]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("federation", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
