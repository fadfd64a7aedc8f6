"""The draft a new report starts with: header fields guessed from the tree, and text sections in
the usual words of union reports for the leader to rewrite. No figures here: Ưu điểm and Tồn
tại, hạn chế are drafted from the figures by assessment.py, and every number a PDF prints comes
from the version's snapshot."""

from django.utils import timezone

from federation.formatting import full_name
from federation.models import Role, RoleKind, Unit, UnitKind

from . import wording
from .models import ReportKind

ABBREVIATIONS = {
    UnitKind.CONFEDERATION: "TLĐ",
    UnitKind.PROVINCIAL_FEDERATION: "LĐLĐ",
    UnitKind.DISTRICT_FEDERATION: "LĐLĐ",
    UnitKind.SECTOR_UNION: "CĐN",
    UnitKind.CORPORATION_UNION: "CĐTCT",
    UnitKind.INDUSTRIAL_ZONE_UNION: "CĐKCN",
    UnitKind.GRASSROOTS_UNION: "CĐCS",
}


def abbreviation(unit: Unit) -> str:
    """The issuer's part of the document number: "45/BC-LĐLĐ"."""
    return ABBREVIATIONS.get(unit.kind, "CĐ")


def default_place(unit: Unit, ancestors: list[Unit]) -> str:
    """Where the unit sits: its own place name, else the nearest federation's above it."""
    for candidate in [unit, *reversed(ancestors)]:
        if place := wording.place_name(candidate.name):
            return place
    return ""


def default_signers(units: list[Unit]) -> dict[int, str]:
    """Unit id → the full name of its first leader, for the units that have one."""
    roles = (
        Role.objects.filter(unit__in=units, role=RoleKind.LEADER, user__is_active=True)
        .select_related("user")
        .order_by("-created_at")
    )
    return {role.unit_id: full_name(role.user) for role in roles}  # the first made, written last


def default_recipients(unit: Unit, parent: Unit | None) -> str:
    lines = []
    if parent is not None:
        lines.append(f"{parent.name} (để báo cáo)")
    lines += ["Các đồng chí Ủy viên Ban Thường vụ", "Các đơn vị trực thuộc"]
    return "\n".join(lines)


CAUSES = "\n".join(
    [
        "Khách quan: sản xuất, kinh doanh của một số doanh nghiệp còn khó khăn, lao động "
        "biến động nhiều; một số chủ doanh nghiệp chưa tạo điều kiện cho hoạt động "
        "công đoàn.",
        "Chủ quan: cán bộ công đoàn cơ sở phần lớn kiêm nhiệm, thời gian dành cho hoạt "
        "động công đoàn còn hạn chế.",
    ]
)


def default_texts(unit: Unit, parent: Unit | None, year: int, kind: str) -> dict[str, str]:
    above = parent.name if parent else "cấp trên"
    if kind == ReportKind.H1:
        next_span = f"6 tháng cuối năm {year}"
        closing = f"Chuẩn bị tốt các điều kiện để tổng kết công tác công đoàn năm {year}."
    else:
        next_span = f"năm {year + 1}"
        closing = f"Xây dựng chương trình công tác năm {year + 1} sát với thực tiễn của đơn vị."
    return {
        "causes": CAUSES,
        "priorities": "\n".join(
            [
                "Tiếp tục đẩy mạnh công tác phát triển đoàn viên, thành lập công đoàn cơ sở, "
                f"phấn đấu hoàn thành các chỉ tiêu được giao {next_span}.",
                "Tăng cường chăm lo, bảo vệ quyền, lợi ích hợp pháp, chính đáng của đoàn viên, "
                "người lao động; tổ chức tốt đối thoại, thương lượng tập thể tại nơi làm việc.",
                "Nâng cao chất lượng hoạt động của công đoàn cơ sở; làm tốt công tác đào tạo, "
                "bồi dưỡng cán bộ công đoàn.",
                "Thực hiện tốt công tác tài chính công đoàn: thu đúng, thu đủ kinh phí và đoàn "
                "phí công đoàn.",
                closing,
            ]
        ),
        "proposals": (
            f"Đề nghị {above} tiếp tục quan tâm hướng dẫn, hỗ trợ nguồn lực cho công tác phát "
            "triển đoàn viên, thành lập công đoàn cơ sở ở khu vực doanh nghiệp ngoài nhà nước."
        ),
    }


def report_defaults(
    unit: Unit, ancestors: list[Unit], year: int, kind: str, signer_name: str
) -> dict:
    """Every field of a new report, prefilled; `ancestors` are the unit's, root first, and
    `signer_name` its leader's (default_signers)."""
    parent = ancestors[-1] if ancestors else None
    return {
        "through_month": ReportKind(kind).default_through_month,
        "place": default_place(unit, ancestors),
        "issued_on": timezone.localdate(),
        "signer_name": signer_name,
        "signer_title": "CHỦ TỊCH",
        "recipients": default_recipients(unit, parent),
        **default_texts(unit, parent, year, kind),
    }
