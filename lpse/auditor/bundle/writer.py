"""Writing the bundle: one pass over the items into a ZIP on any binary stream (a file, a pipe,
a response), then the manifest and its detached CMS signature by the system key. Blobs are
copied in chunks, so memory stays flat in the bundle's size; nothing is read twice. The items
are written on a second thread while the next ones are read from the database.

A blob's SHA-256 in the manifest is its address: the blob store is content-addressed and hashed
every blob as it was written (storage.put_stream), so the copy is not hashed again — the
bundle then runs at the speed of the copy. The manifest thus states the SHA-256 the system
recorded (the one receipts, the commitment and the log name); a blob damaged in storage since
would be a file failing its hash in `lpse verify-bundle`, not a damaged file vouched for."""

import hashlib
import itertools
import json
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from lpse import pki_service, storage
from lpse.auditor.bundle import contents, layout, qualification, versions
from lpse.crypto.detached import sign_detached

CHUNK = 1024 * 1024
README_FILES = (('BACA-SAYA.txt', 'readme'), ('README.txt', 'readme'))
COMPRESSED = ('.json', '.jsonl', '.txt', '.pem', '.vkey')
Progress = Callable[[int, int, str], None]


def _method(path: str) -> int:
    """Text is deflated; envelopes and PDFs are stored (they do not compress)."""
    return zipfile.ZIP_DEFLATED if path.endswith(COMPRESSED) else zipfile.ZIP_STORED


def _entry(zf: zipfile.ZipFile, path: str):
    info = zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = _method(path)
    return zf.open(info, 'w', force_zip64=True)


def _copy(zf: zipfile.ZipFile, path: str, data: bytes) -> tuple[str, int]:
    """Write one entry from bytes; its SHA-256 and size."""
    with _entry(zf, path) as entry:
        entry.write(data)
    return hashlib.sha256(data).hexdigest(), len(data)


def _copy_blob(zf: zipfile.ZipFile, path: str, blob) -> int:
    """Write one entry from a stored blob, in chunks (memory stays flat); its size."""
    size = 0
    with _entry(zf, path) as entry:
        while chunk := blob.read(CHUNK):
            entry.write(chunk)
            size += len(chunk)
    return size


def _write(zf: zipfile.ZipFile, store, item: contents.Item) -> dict:
    """One item into the ZIP; its manifest entry."""
    if item.blob is not None:
        with store.open(item.blob) as blob:
            sha, size = item.blob, _copy_blob(zf, item.path, blob)
    else:
        sha, size = _copy(zf, item.path, item.data)
    entry = {'path': item.path, 'kind': item.kind, 'what': item.what, 'sha256': sha, 'size': size}
    if item.version is not None:
        entry['version'] = item.version
    return entry


def _write_all(zf, items, progress) -> tuple[list[dict], int]:
    """Write the items in their order on a second thread while the rest are still collected
    here (the database work overlaps the copying, which releases the GIL); then report each
    file's progress from this thread. The manifest entries, and the bundle's file count."""
    store = storage.blob_store()
    written = []
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix='bundle-writer') as copier:
        try:
            for item in items:
                written.append(copier.submit(_write, zf, store, item))
            total = len(written) + len(README_FILES) + 2
            files = []
            for done, future in enumerate(written, start=1):
                files.append(future.result())
                if progress:
                    progress(done, total, files[-1]['path'])
        except BaseException:
            for future in written:
                future.cancel()
            raise
    return files, total


def build_bundle(tender, out, progress: Progress | None = None, *, checkpoint=None) -> dict:
    """Write the audit bundle of `tender` to the binary stream `out` and return its manifest.

    `checkpoint` is the tree checkpoint the log slice is proved against (default: the newest;
    the edge cuts a fresh one first so every event so far is covered). `progress(done, total,
    note)` is called after each file (the job queue's progress bar)."""
    checkpoint = checkpoint or contents.covering_checkpoint(tender)
    if checkpoint is None:
        raise LookupError('no signed tree checkpoint yet: run `flask lpse checkpoint` first')
    with zipfile.ZipFile(out, 'w', allowZip64=True) as zf:
        items = itertools.chain(
            contents.collect(tender, checkpoint),
            qualification.qualification_items(tender),
            versions.earlier_items(tender),
        )
        files, total = _write_all(zf, items, progress)
        for name, kind in README_FILES:
            text = (Path(__file__).parent / name).read_bytes()
            sha, size = _copy(zf, name, text)
            files.append(
                {
                    'path': name,
                    'kind': kind,
                    'what': 'how to check by hand',
                    'sha256': sha,
                    'size': size,
                }
            )
        manifest = {
            'format': layout.MANIFEST_FORMAT,
            'tender': {'code': tender.code, 'version': tender.version, 'title': tender.title},
            'checkpoint': {'tree_size': checkpoint.seq, 'root': checkpoint.root_hash},
            'files': files,
        }
        data = json.dumps(manifest, indent=2, ensure_ascii=False, sort_keys=True).encode('utf-8')
        _copy(zf, layout.MANIFEST, data)
        authority = pki_service.require_authority()
        signature = sign_detached(data, key=pki_service.system_key(), cert=authority.system_cert)
        _copy(zf, layout.MANIFEST_SIGNATURE, signature)
        if progress:
            progress(total, total, layout.MANIFEST_SIGNATURE)
    return manifest
