"""The ZIP of a batch, sent as it is written: what it holds, that it is written while sent, and
that the web process holds a chunk of it at a time, never the batch."""

import io
import tracemalloc
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.http import StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone

from federation.tests.factories import UnitFactory
from reports import archive, services
from reports.models import ReportVersion, VersionStatus


def finish(version: ReportVersion, pdf: bytes, docx: bytes | None) -> None:
    """The version as the task leaves it, with these bytes for its files."""
    version.pdf.save("report.pdf", ContentFile(pdf), save=False)
    if docx is not None:
        version.docx.save("report.docx", ContentFile(docx), save=False)
    version.status, version.finished_at = VersionStatus.DONE, timezone.now()
    version.save()


def city_batch(tree, pdf_size: int = 0, extra_districts: int = 0):
    """The city's batch with every version finished; each file's bytes say whose it is and, with
    `pdf_size`, are padded to that size. Returns the batch and the files by unit code."""
    for n in range(extra_districts):
        UnitFactory(parent=tree["city"], code=f"Q{n:02d}", name=f"LĐLĐ quận Số {n}")
    batch = services.report_batch_request(parent=tree["city"], year=2022, kind="H1", user=None)
    files = {}
    for version in batch.versions.select_related("report__unit"):
        code = version.report.unit.code
        pdf = f"%PDF-1.7 {code} ".encode().ljust(pdf_size, b".")
        docx = f"PK Word {code}".encode()
        finish(version, pdf, docx)
        files[code] = (version, pdf, docx)
    return batch, files


def zip_of(response) -> dict[str, bytes]:
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert bundle.testzip() is None  # every entry's checksum holds
    return {name: bundle.read(name) for name in bundle.namelist()}


def test_zip_holds_each_childs_latest_pdf_signed_if_it_was_and_its_word_copy(
    client, city_leader, tree
):
    batch, files = city_batch(tree)
    signed_version = files["HD"][0]
    signed_version.signed_pdf.save("signed.pdf", ContentFile(b"%PDF-1.7 HD signed"), save=True)
    no_word_copy = files["GD"][0]
    no_word_copy.docx = ""
    no_word_copy.save()
    client.force_login(city_leader)

    response = client.get(reverse("report_batch_zip", args=[batch.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert response["Content-Disposition"] == 'attachment; filename="BaoCao_HN_2022_H1.zip"'
    assert zip_of(response) == {
        "GD_cong-doan-nganh-giao-duc_v1.pdf": files["GD"][1],
        "HD_ldld-huyen-hoai-duc_v1.pdf": b"%PDF-1.7 HD signed",
        "HD_ldld-huyen-hoai-duc_v1.docx": files["HD"][2],
        "ML_ldld-huyen-me-linh_v1.pdf": files["ML"][1],
        "ML_ldld-huyen-me-linh_v1.docx": files["ML"][2],
    }


def test_zip_is_written_while_it_is_sent(client, city_leader, tree, monkeypatch):
    batch, _ = city_batch(tree, pdf_size=3 * archive.CHUNK_BYTES)
    opened = []
    open_file = FileSystemStorage._open

    def counting_open(storage, name, mode="rb"):
        opened.append(name)
        return open_file(storage, name, mode)

    monkeypatch.setattr(FileSystemStorage, "_open", counting_open)
    client.force_login(city_leader)

    response = client.get(reverse("report_batch_zip", args=[batch.pk]))

    assert isinstance(response, StreamingHttpResponse)
    assert not response.has_header("Content-Length")
    assert opened == []  # the answer started before any file was read
    first_piece = next(iter(response.streaming_content))
    assert first_piece.startswith(b"PK\x03\x04")  # the first entry's header, then its data
    assert len(first_piece) <= archive.CHUNK_BYTES + 200
    assert len(opened) == 1


def test_zip_of_a_big_batch_is_sent_holding_a_chunk_at_a_time(client, city_leader, tree):
    megabyte = 1024 * 1024
    batch, files = city_batch(tree, pdf_size=2 * megabyte, extra_districts=17)
    assert len(files) == 20
    client.force_login(city_leader)
    url = reverse("report_batch_zip", args=[batch.pk])
    zip_of(client.get(url))  # once before, so that what the first request imports is not counted

    tracemalloc.start()
    try:
        sent = sum(len(piece) for piece in client.get(url).streaming_content)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    assert sent > 40 * megabyte
    # Half of one PDF, a 40th of the batch: the request's own objects and a few chunks of 64 KB.
    assert peak < megabyte


def test_zip_of_a_batch_above_the_user_answers_404(client, district_leader, tree):
    batch, _ = city_batch(tree)
    client.force_login(district_leader)  # Hoài Đức's leader: the city's batch is above it

    assert client.get(reverse("report_batch_zip", args=[batch.pk])).status_code == 404


# --- zip_stream alone ---------------------------------------------------------------------------


def test_zip_stream_writes_empty_and_chunk_sized_files_whole(tmp_path):
    storage = FileSystemStorage(location=tmp_path)
    contents = {
        "empty.pdf": b"",
        "exact.pdf": b"x" * archive.CHUNK_BYTES,
        "over.docx": bytes(range(256)) * (archive.CHUNK_BYTES // 128 + 1),
    }
    for name, content in contents.items():
        storage.save(name, ContentFile(content))
    files = [archive.ArchivedFile(f"out/{name}", storage, name) for name in contents]

    pieces = list(archive.zip_stream(files))

    assert all(pieces)  # never an empty piece: a WSGI server may read one as the end
    bundle = zipfile.ZipFile(io.BytesIO(b"".join(pieces)))
    assert {info.filename: info.compress_type for info in bundle.infolist()} == {
        f"out/{name}": zipfile.ZIP_STORED for name in contents
    }
    assert {name: bundle.read(f"out/{name}") for name in contents} == contents


@pytest.mark.parametrize("names", [[], ["a.pdf"]])
def test_zip_stream_of_few_files_is_a_valid_archive(tmp_path, names):
    storage = FileSystemStorage(location=tmp_path)
    for name in names:
        storage.save(name, ContentFile(b"%PDF"))

    data = b"".join(archive.zip_stream(archive.ArchivedFile(n, storage, n) for n in names))

    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == names
