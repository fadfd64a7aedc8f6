"""A leader's digital signature on a report PDF: PAdES (baseline B) with pyHanko, a visible box
in the signature block of the last page and the invisible signature over the whole file.

The certificate and its password come with the request and live only in this call: nothing
here stores or logs them. Every refusal is a `CertificateError` in words a leader understands.
"""

import functools
import os
import tempfile
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path

from asn1crypto import pkcs12 as asn1_pkcs12
from cryptography import x509
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import NameOID
from fontTools.ttLib import TTFont
from fontTools.ttLib.scaleUpem import scale_upem
from pyhanko.pdf_utils.font.opentype import GlyphAccumulatorFactory
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.text import TextBoxStyle
from pyhanko.sign import fields, signers
from pyhanko.stamp import TextStampStyle

from .pdf import FONT_FILES, fonts_dir

FIELD_NAME = "ChuKySo"
# The signature block's empty space, named in the PDF's template (pdf.html) so the box finds it.
ANCHOR = "signature-box"
MM = 72 / 25.4
BOX_WIDTH, BOX_HEIGHT = 68 * MM, 22 * MM
DATE_FORMAT = "%d/%m/%Y"


class CertificateError(ValueError):
    """Why a certificate cannot sign, in Vietnamese."""


@dataclass(frozen=True)
class Credentials:
    """The key and certificate of one signing, held in memory only."""

    signer: signers.SimpleSigner
    certificate: x509.Certificate

    @property
    def subject(self) -> str:
        return self.certificate.subject.rfc4514_string()

    @property
    def common_name(self) -> str:
        names = self.certificate.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
        return str(names[0].value) if names else self.subject


def is_pkcs12(content: bytes) -> bool:
    """Whether the bytes are a PKCS#12 archive (.p12, .pfx), read without the password."""
    try:
        asn1_pkcs12.Pfx.load(content).native  # noqa: B018 - parsing it whole is the check
    except (ValueError, TypeError, KeyError):
        return False
    return True


def load_credentials(content: bytes, password: str, *, now: datetime) -> Credentials:
    """The key and certificate in the archive, if the password opens it and the certificate is
    valid `now`; CertificateError otherwise."""
    try:
        key, certificate, _ = pkcs12.load_key_and_certificates(content, password.encode())
    except ValueError:
        # cryptography says no more than this: the archive was checked as PKCS#12 by the form.
        raise CertificateError("Mật khẩu không đúng, không mở được tệp chứng thư số.") from None
    if key is None or certificate is None:
        raise CertificateError("Tệp không có đủ khóa bí mật và chứng thư số để ký.")
    _check_validity(certificate, now)
    signer = signers.SimpleSigner.load_pkcs12_data(content, (), passphrase=password.encode())
    return Credentials(signer=signer, certificate=certificate)


def _check_validity(certificate: x509.Certificate, now: datetime) -> None:
    if now < certificate.not_valid_before_utc:
        since = certificate.not_valid_before_utc.strftime(DATE_FORMAT)
        raise CertificateError(f"Chứng thư số chưa có hiệu lực (có hiệu lực từ ngày {since}).")
    if now > certificate.not_valid_after_utc:
        until = certificate.not_valid_after_utc.strftime(DATE_FORMAT)
        raise CertificateError(f"Chứng thư số đã hết hạn từ ngày {until}.")


def signature_box(content: bytes) -> tuple[int, int, int, int]:
    """Where the visible signature goes: centred in the signature block's empty space on the
    last page (the block is never split across pages), found by its named destination."""
    reader = PdfFileReader(BytesIO(content))
    names = list(reader.root["/Names"]["/Dests"]["/Names"])  # a flat [name, destination, ...]
    destination = names[names.index(ANCHOR) + 1].get_object()
    left, top = float(destination[2]), float(destination[3])
    column = (210 - 30 - 15) * 0.55 * MM  # .closing .signature in pdf.html
    x = left + (column - BOX_WIDTH) / 2
    y = top - BOX_HEIGHT - 2 * MM
    return round(x), round(y), round(x + BOX_WIDTH), round(y + BOX_HEIGHT)


@functools.cache
def _box_font() -> str:
    """Tinos at 1000 units per em, written once per process. pyHanko writes a TrueType font's
    glyph widths (/W) as the font's own units, which a PDF reads as thousandths of an em: with
    Tinos's 2048 the box's text came out letter-spaced."""
    font = TTFont(fonts_dir() / FONT_FILES[("normal", "normal")])
    scale_upem(font, 1000)
    path = Path(tempfile.gettempdir()) / f"tinos-1000-{os.getpid()}.ttf"
    font.save(path)
    return str(path)


def _stamp_style() -> TextStampStyle:
    return TextStampStyle(
        stamp_text="Ký số bởi: %(name)s\n%(unit)s\nThời gian ký: %(when)s",
        text_box_style=TextBoxStyle(font=GlyphAccumulatorFactory(_box_font()), font_size=10),
        border_width=1,
        background=None,
    )


def sign_pdf(content: bytes, credentials: Credentials, *, unit: str, when: str) -> bytes:
    """The PDF with a PAdES signature and its visible box (signer, unit, time) added as an
    incremental update: the pages as they were, the signature over every byte of them."""
    writer = IncrementalPdfFileWriter(BytesIO(content))
    spec = fields.SigFieldSpec(FIELD_NAME, on_page=-1, box=signature_box(content))
    fields.append_signature_field(writer, spec)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        subfilter=fields.SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        name=credentials.common_name,
    )
    signer = signers.PdfSigner(metadata, signer=credentials.signer, stamp_style=_stamp_style())
    params = {"name": credentials.common_name, "unit": unit, "when": when}
    return signer.sign_pdf(writer, appearance_text_params=params).getvalue()
