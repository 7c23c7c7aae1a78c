"""Writing the bundle: one pass over the items into a ZIP on any binary stream (a file, a pipe,
a response), hashing each file as it is copied (a blob's chunks on a second thread, beside the
copy), then the manifest and its detached CMS signature by the system key. Blobs are copied in
chunks, so memory stays flat in the bundle's size; nothing is read twice."""

import hashlib
import json
import zipfile
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, ThreadPoolExecutor
from pathlib import Path

from lpse import pki_service, storage
from lpse.auditor.bundle import contents, layout
from lpse.crypto.detached import sign_detached

CHUNK = 1024 * 1024
DEPTH = 4  # chunks a file's hashing may lag behind its copy
README_FILES = (('BACA-SAYA.txt', 'readme'), ('README.txt', 'readme'))
COMPRESSED = ('.json', '.jsonl', '.txt', '.pem', '.vkey')
Progress = Callable[[int, int, str], None]


def _method(path: str) -> int:
    """Text is deflated; envelopes and PDFs are stored (they do not compress)."""
    return zipfile.ZIP_DEFLATED if path.endswith(COMPRESSED) else zipfile.ZIP_STORED


def _copy(zf: zipfile.ZipFile, path: str, source, hasher: Executor) -> tuple[str, int]:
    """Write one entry from bytes or a binary file; its SHA-256 and size. A file's chunks are
    hashed on `hasher`'s one thread (in order; hashlib releases the GIL) while the next chunk
    is read and written, at most DEPTH chunks behind, so memory stays flat."""
    digest, size = hashlib.sha256(), 0
    info = zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0))
    info.compress_type = _method(path)
    with zf.open(info, 'w', force_zip64=True) as entry:
        if isinstance(source, bytes):
            digest.update(source)
            entry.write(source)
            size = len(source)
        else:
            pending = deque()
            while chunk := source.read(CHUNK):
                pending.append(hasher.submit(digest.update, chunk))
                entry.write(chunk)
                size += len(chunk)
                while len(pending) > DEPTH:
                    pending.popleft().result()
            for done in pending:
                done.result()
    return digest.hexdigest(), size


def build_bundle(tender, out, progress: Progress | None = None, *, checkpoint=None) -> dict:
    """Write the audit bundle of `tender` to the binary stream `out` and return its manifest.

    `checkpoint` is the tree checkpoint the log slice is proved against (default: the newest;
    the edge cuts a fresh one first so every event so far is covered). `progress(done, total,
    note)` is called after each file (the job queue's progress bar)."""
    checkpoint = checkpoint or contents.covering_checkpoint(tender)
    if checkpoint is None:
        raise LookupError('no signed tree checkpoint yet: run `flask lpse checkpoint` first')
    items = list(contents.collect(tender, checkpoint))
    total = len(items) + len(README_FILES) + 2
    store = storage.blob_store()
    files = []
    with (
        ThreadPoolExecutor(max_workers=1, thread_name_prefix='bundle-sha256') as hasher,
        zipfile.ZipFile(out, 'w', allowZip64=True) as zf,
    ):
        for done, item in enumerate(items, start=1):
            if item.blob is not None:
                with store.open(item.blob) as blob:
                    sha, size = _copy(zf, item.path, blob, hasher)
            else:
                sha, size = _copy(zf, item.path, item.data, hasher)
            files.append(
                {
                    'path': item.path,
                    'kind': item.kind,
                    'what': item.what,
                    'sha256': sha,
                    'size': size,
                }
            )
            if progress:
                progress(done, total, item.path)
        for name, kind in README_FILES:
            text = (Path(__file__).parent / name).read_bytes()
            sha, size = _copy(zf, name, text, hasher)
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
        _copy(zf, layout.MANIFEST, data, hasher)
        authority = pki_service.require_authority()
        signature = sign_detached(data, key=pki_service.system_key(), cert=authority.system_cert)
        _copy(zf, layout.MANIFEST_SIGNATURE, signature, hasher)
        if progress:
            progress(total, total, layout.MANIFEST_SIGNATURE)
    return manifest
