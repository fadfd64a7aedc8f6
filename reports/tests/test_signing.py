"""A leader signs a version's PDF (PAdES) with a certificate made here, checked by pyHanko's
validator and by poppler's pdfsig as a reader of the file would."""

import logging
import shutil
import subprocess
from datetime import timedelta
from io import BytesIO

import pytest
from asn1crypto import x509 as asn1_x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.core.exceptions import PermissionDenied, ValidationError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from reports import services, signing
from reports.models import ReportVersion, VersionStatus
from reports.tests import pdf_reading
from reports.tests.certificates import PASSWORD, authority, leader_pkcs12


@pytest.fixture(scope="module")
def ca():
    return authority()


@pytest.fixture
def version(report, district_leader, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        version = services.report_version_request(report=report, user=district_leader)
    version.refresh_from_db()
    assert version.status == VersionStatus.DONE, version.error
    return version


def sign(version, user, archive, password=PASSWORD):
    return services.report_version_sign(
        version=version, user=user, pkcs12=archive, password=password
    )


@pytest.fixture
def signed(version, district_leader, ca):
    sign(version, district_leader, leader_pkcs12(ca))
    version.refresh_from_db()
    return version


def trusting(ca) -> ValidationContext:
    root = asn1_x509.Certificate.load(ca.certificate.public_bytes(Encoding.DER))
    return ValidationContext(trust_roots=[root])


def test_leader_signs_and_the_signed_pdf_becomes_the_download(signed, district_leader):
    assert signed.is_signed
    assert signed.download_file == signed.signed_pdf
    assert signed.download_name == "BaoCao_HD_2022_H1_v1_da_ky.pdf"
    assert "CN=Nguyễn Văn Bình" in signed.certificate_subject
    assert signed.signed_by == district_leader
    assert signed.signed_at is not None
    audit = signed.history.first()
    assert (audit.history_user, audit.history_change_reason) == (district_leader, "Ký số")


def test_signature_is_a_valid_pades_signature_over_the_whole_file(signed, ca):
    reader = PdfFileReader(BytesIO(signed.signed_pdf.read()))
    embedded = reader.embedded_signatures[0]

    status = validate_pdf_signature(embedded, trusting(ca))

    assert status.bottom_line, status.pretty_print_details()
    assert status.coverage.name == "ENTIRE_FILE"
    assert embedded.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert status.signing_cert.subject.native["common_name"] == "Nguyễn Văn Bình"


def test_pdfsig_finds_a_valid_signature_by_the_leader(signed, tmp_path):
    """poppler-utils is installed by .ci/run: a missing pdfsig fails here rather than skipping."""
    assert shutil.which("pdfsig"), "pdfsig (poppler-utils) is needed: .ci/run installs it"
    path = tmp_path / "signed.pdf"
    path.write_bytes(signed.signed_pdf.read())

    output = subprocess.run(
        ["pdfsig", str(path)], capture_output=True, text=True, timeout=60
    ).stdout

    assert "Signature is Valid." in output
    assert "Nguyễn Văn Bình" in output
    assert "ETSI.CAdES.detached" in output


def test_the_visible_box_sits_in_the_signature_block_of_the_last_page(signed):
    pdf = pdf_reading.reader(signed.signed_pdf.read())
    last = len(pdf.pages) - 1
    widgets = [a.get_object() for a in pdf.pages[last].get("/Annots", [])]
    box = next(w for w in widgets if w.get("/FT") == "/Sig")
    left, bottom, right, top = (float(v) for v in box["/Rect"])
    lines = {t.text: t for t in pdf_reading.placed_text(pdf, last)}

    assert "/AP" in box  # drawn, not an empty field
    assert lines["CHỦ TỊCH"].y > top > bottom > lines["Nguyễn Văn Bình"].y
    assert left > lines["Nơi nhận:"].x + 80 * pdf_reading.MM
    assert box["/T"] == "ChuKySo"


def test_the_pages_are_unchanged_under_the_signature(signed, version):
    signed_pdf = signed.signed_pdf.read()
    original = version.pdf.read()

    assert signed_pdf.startswith(original)  # an incremental update: every byte kept
    assert pdf_reading.full_text(pdf_reading.reader(signed_pdf)) == pdf_reading.full_text(
        pdf_reading.reader(original)
    )


def test_wrong_password_is_a_clear_message_and_changes_nothing(version, district_leader, ca):
    with pytest.raises(ValidationError, match="Mật khẩu không đúng"):
        sign(version, district_leader, leader_pkcs12(ca), password="sai-mat-khau")

    version.refresh_from_db()
    assert not version.is_signed
    assert (version.signed_at, version.certificate_subject) == (None, "")


@pytest.mark.parametrize(
    ("valid_from", "valid_until", "message"),
    [
        (timedelta(days=-400), timedelta(days=-2), "Chứng thư số đã hết hạn từ ngày"),
        (timedelta(days=3), timedelta(days=400), "Chứng thư số chưa có hiệu lực"),
    ],
)
def test_a_certificate_out_of_its_validity_is_refused(
    version, district_leader, ca, valid_from, valid_until, message
):
    archive = leader_pkcs12(ca, valid_from=valid_from, valid_until=valid_until)

    with pytest.raises(ValidationError, match=message):
        sign(version, district_leader, archive)

    version.refresh_from_db()
    assert not version.is_signed


def test_staff_may_not_sign(version, district_staff, ca):
    with pytest.raises(PermissionDenied):
        sign(version, district_staff, leader_pkcs12(ca))


def test_a_city_leader_may_sign_a_districts_report(version, city_leader, ca):
    assert sign(version, city_leader, leader_pkcs12(ca)).is_signed


def test_a_signed_version_is_not_signed_again(signed, district_leader, ca):
    with pytest.raises(ValidationError, match="đã được ký số"):
        sign(signed, district_leader, leader_pkcs12(ca))


def test_the_password_and_key_are_neither_stored_nor_logged(version, district_leader, ca, caplog):
    archive = leader_pkcs12(ca)
    caplog.set_level(logging.DEBUG)

    sign(version, district_leader, archive)
    with pytest.raises(ValidationError):
        sign(version, district_leader, archive, password=f"{PASSWORD}-sai")

    assert PASSWORD not in caplog.text
    rows = list(ReportVersion.objects.values()) + list(ReportVersion.history.values())
    stored = repr(rows)
    assert PASSWORD not in stored
    assert archive[-64:].hex() not in stored


def test_editing_a_signed_report_makes_a_new_version_and_keeps_the_signed_one(
    signed, report, district_leader, django_capture_on_commit_callbacks
):
    signed_bytes = signed.signed_pdf.read()
    services.report_update(report=report, user=district_leader, causes="Nguyên nhân mới.")
    with django_capture_on_commit_callbacks(execute=True):
        again = services.report_version_request(report=report, user=district_leader)
    services.report_version_build(version_id=signed.pk)  # a stray message for the signed one

    signed.refresh_from_db()
    again.refresh_from_db()
    assert again.number == 2 and not again.is_signed
    assert signed.signed_pdf.read() == signed_bytes
    assert signed.document["causes"] != "Nguyên nhân mới."


def test_only_a_pkcs12_archive_is_taken_for_one():
    assert not signing.is_pkcs12(b"%PDF-1.7 not a certificate")
    assert not signing.is_pkcs12(b"")
    assert signing.is_pkcs12(leader_pkcs12(authority()))
