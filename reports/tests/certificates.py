"""Throw-away certificates for the signing tests, made in the test: a root CA and leaders'
certificates it issues, as PKCS#12 archives a leader would upload. Nothing binary is committed."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from cryptography.x509.oid import NameOID

PASSWORD = "mat-khau-ky-so-2022"


@dataclass(frozen=True)
class Authority:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "LĐLĐ huyện Hoài Đức"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(subject: x509.Name, issuer: x509.Name, key, not_before, not_after):
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
    )


def authority() -> Authority:
    key = ec.generate_private_key(ec.SECP256R1())
    name = _name("CA thử nghiệm báo cáo công đoàn")
    now = datetime.now(UTC)
    certificate = (
        _builder(name, name, key, now - timedelta(days=30), now + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_usage(certificate_sign=True), critical=True)
        .sign(key, hashes.SHA256())
    )
    return Authority(key, certificate)


def _usage(*, certificate_sign: bool = False) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not certificate_sign,
        content_commitment=not certificate_sign,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=certificate_sign,
        crl_sign=certificate_sign,
        encipher_only=False,
        decipher_only=False,
    )


def leader_pkcs12(
    ca: Authority,
    common_name: str = "Nguyễn Văn Bình",
    *,
    valid_from: timedelta = timedelta(days=-1),
    valid_until: timedelta = timedelta(days=365),
    password: str = PASSWORD,
) -> bytes:
    """A leader's key and certificate issued by `ca`, valid from now + `valid_from` to now +
    `valid_until`, in a PKCS#12 archive locked with `password`."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    certificate = (
        _builder(
            _name(common_name), ca.certificate.subject, key, now + valid_from, now + valid_until
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_usage(), critical=True)
        .sign(ca.key, hashes.SHA256())
    )
    encryption = BestAvailableEncryption(password.encode())
    return pkcs12.serialize_key_and_certificates(
        b"leader", key, certificate, [ca.certificate], encryption
    )
