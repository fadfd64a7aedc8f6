"""Rules may read what the member roster of a CĐCS says of the month (roster_members,
roster_admitted, roster_left), and the first such rule: the members' total a CĐCS enters matches
its roster, where it keeps one."""

from django.db import migrations, models

RULE = {
    "name": "Tổng số đoàn viên khớp danh sách đoàn viên của CĐCS",
    "left": "total_members",
    "operator": "==",
    "right": "roster_members",
    "tolerance": 0,
    "importance": "warning",
    "applies_to": "grassroots",
    "message": (
        "Tổng số đoàn viên nhập ({left}) khác số đoàn viên trong danh sách của CĐCS cuối tháng "
        "({right}): kiểm tra lại số liệu hoặc cập nhật danh sách."
    ),
}


def seed(apps, schema_editor):
    apps.get_model("federation", "ValidationRule").objects.update_or_create(
        code="members-on-roster", defaults=RULE
    )


def unseed(apps, schema_editor):
    apps.get_model("federation", "ValidationRule").objects.filter(
        code="members-on-roster"
    ).delete()


class Migration(migrations.Migration):

    dependencies = [
        ('federation', '0011_seed_quality_checks'),
    ]

    operations = [
        migrations.AlterField(
            model_name='historicalvalidationrule',
            name='left',
            field=models.CharField(help_text='Tổng các số hạng nối bằng + hoặc -: một số, mã chỉ tiêu (số của tháng), mã[-1] (số tháng trước), hay số * mã; sổ của đơn vị: workforce (tổng số lao động); workforce_female (lao động nữ); roster_members (đoàn viên trong danh sách cuối tháng); roster_admitted (đoàn viên vào danh sách trong tháng); roster_left (đoàn viên ra khỏi danh sách trong tháng).', max_length=255, verbose_name='vế trái'),
        ),
        migrations.AlterField(
            model_name='historicalvalidationrule',
            name='right',
            field=models.CharField(help_text='Tổng các số hạng nối bằng + hoặc -: một số, mã chỉ tiêu (số của tháng), mã[-1] (số tháng trước), hay số * mã; sổ của đơn vị: workforce (tổng số lao động); workforce_female (lao động nữ); roster_members (đoàn viên trong danh sách cuối tháng); roster_admitted (đoàn viên vào danh sách trong tháng); roster_left (đoàn viên ra khỏi danh sách trong tháng).', max_length=255, verbose_name='vế phải'),
        ),
        migrations.AlterField(
            model_name='validationrule',
            name='left',
            field=models.CharField(help_text='Tổng các số hạng nối bằng + hoặc -: một số, mã chỉ tiêu (số của tháng), mã[-1] (số tháng trước), hay số * mã; sổ của đơn vị: workforce (tổng số lao động); workforce_female (lao động nữ); roster_members (đoàn viên trong danh sách cuối tháng); roster_admitted (đoàn viên vào danh sách trong tháng); roster_left (đoàn viên ra khỏi danh sách trong tháng).', max_length=255, verbose_name='vế trái'),
        ),
        migrations.AlterField(
            model_name='validationrule',
            name='right',
            field=models.CharField(help_text='Tổng các số hạng nối bằng + hoặc -: một số, mã chỉ tiêu (số của tháng), mã[-1] (số tháng trước), hay số * mã; sổ của đơn vị: workforce (tổng số lao động); workforce_female (lao động nữ); roster_members (đoàn viên trong danh sách cuối tháng); roster_admitted (đoàn viên vào danh sách trong tháng); roster_left (đoàn viên ra khỏi danh sách trong tháng).', max_length=255, verbose_name='vế phải'),
        ),
        migrations.RunPython(seed, unseed),
    ]
