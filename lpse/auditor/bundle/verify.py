"""`lpse verify-bundle`: check an audit bundle offline, with nothing but the instance CA
certificate, and say which file failed which check.

Every check is charged to the one file whose bytes it doubts: a cross-check runs only once the
other side has passed its own check (a receipt is compared with its envelope only if the
receipt's signature holds), so one altered file is reported once, under its own path. Anchors
come from the signed material: the manifest (system key), receipts, the commitment and the
checkpoint (system key), and the log slice (inclusion proofs to the log's signed tree head),
whose events carry the SHA-256 of every issued PDF and of the decided evaluation. An earlier
version of a retendered package (`versions/N/`) gets the same checks as the current version."""

import hashlib
import json
import re
import zipfile
from dataclasses import dataclass, field

from cryptography import x509

from lpse.auditor.bundle import layout
from lpse.auditor.bundle.signatures import verify_detached
from lpse.auditor.bundle.verify_bids import check_bids
from lpse.auditor.bundle.verify_log import check_log
from lpse.auditor.bundle.verify_qualification import check_qualification
from lpse.crypto import pki
from lpse.crypto.errors import CryptoError
from lpse.pdf.sign import verify_pdf
from lpse.scoring.case import CaseError, parse_case, result_to_dict
from lpse.scoring.methods import evaluate

OK, FAILED, SKIPPED = 'OK', 'GAGAL', 'dilewati'
VERSION = re.compile(rf'^{layout.VERSIONS}(\d+)/')


@dataclass(frozen=True)
class Row:
    """One line of the table: which file, which check, the outcome and why."""

    item: str
    check: str
    result: str
    detail: str = ''

    @property
    def failed(self) -> bool:
        return self.result == FAILED


@dataclass
class Report:
    """The rows so far, and what the checks learnt for later ones."""

    rows: list[Row] = field(default_factory=list)
    anchors: dict = field(default_factory=dict)  # sha256 values vouched for by the log

    def add(self, item, check, ok, detail=''):
        result = SKIPPED if ok is None else OK if ok else FAILED
        self.rows.append(Row(item, check, result, detail))
        return ok

    @property
    def ok(self) -> bool:
        return not any(row.failed for row in self.rows)


class Bundle:
    """The ZIP, read entry by entry (an envelope is streamed, never unpacked to disk)."""

    def __init__(self, zf: zipfile.ZipFile):
        self.zf = zf
        self.names = set(zf.namelist())

    def read(self, path: str) -> bytes:
        return self.zf.read(path)

    def json(self, path: str):
        return json.loads(self.read(path).decode('utf-8'))

    def sha256(self, path: str) -> tuple[str, int]:
        digest, size = hashlib.sha256(), 0
        with self.zf.open(path) as fh:
            while chunk := fh.read(1024 * 1024):
                digest.update(chunk)
                size += len(chunk)
        return digest.hexdigest(), size


class VersionFolder:
    """An earlier version's folder (`versions/N/`) seen at the current version's paths, so the
    same checks run on it."""

    def __init__(self, bundle: Bundle, folder: str):
        self.bundle, self.folder = bundle, folder
        self.names = {n.removeprefix(folder) for n in bundle.names if n.startswith(folder)}
        self.zf = self  # the checks that stream an entry call bundle.zf.open

    def open(self, path: str):
        return self.bundle.zf.open(self.folder + path)

    def read(self, path: str) -> bytes:
        return self.bundle.read(self.folder + path)

    def json(self, path: str):
        return self.bundle.json(self.folder + path)

    def sha256(self, path: str) -> tuple[str, int]:
        return self.bundle.sha256(self.folder + path)


@dataclass
class VersionReport:
    """Rows about a version folder's files, under their full paths in the bundle; what the
    checks learn (the anchors) is shared with the whole bundle's report."""

    report: Report
    folder: str

    def add(self, item, check, ok, detail=''):
        return self.report.add(self.folder + item, check, ok, detail)

    @property
    def anchors(self) -> dict:
        return self.report.anchors


def _cert(data: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(data)


def check_detached(report, bundle, sig_path, content_path, *, ca_cert, check):
    """A detached signature: its own integrity (charged to the signature), then whether it
    signs the content (charged to the content). The signer certificate, or None."""
    try:
        digest, verified = verify_detached(bundle.read(sig_path))
        signer = verified.signer_cert
        pki.check_issued_by(signer, ca_cert)
    except (CryptoError, ValueError, KeyError) as exc:
        report.add(sig_path, check, False, str(exc))
        return None
    report.add(sig_path, check, True, signer.subject.rfc4514_string())
    content = (
        hashlib.sha256(bundle.read(content_path)).digest() if content_path in bundle.names else None
    )
    report.add(
        content_path,
        f'{check}: content',
        content == digest,
        '' if content == digest else 'not the signed bytes',
    )
    return signer if content == digest else None


def check_manifest(report, bundle, ca_cert):
    """The manifest's signature by the system certificate and every file's SHA-256 and size."""
    system = None
    try:
        bundled = _cert(bundle.read(layout.SYSTEM_CERT))
        pki.check_issued_by(bundled, ca_cert)
        system = bundled
        report.add(layout.SYSTEM_CERT, 'issued by the CA', True, system.subject.rfc4514_string())
    except (ValueError, KeyError, CryptoError) as exc:
        report.add(layout.SYSTEM_CERT, 'issued by the CA', False, str(exc))
    signer = check_detached(
        report,
        bundle,
        layout.MANIFEST_SIGNATURE,
        layout.MANIFEST,
        ca_cert=ca_cert,
        check='manifest signature',
    )
    try:
        manifest = bundle.json(layout.MANIFEST)
    except (ValueError, KeyError) as exc:
        report.add(layout.MANIFEST, 'readable', False, str(exc))
        return system
    if signer is None:
        report.add('*', 'file hashes', None, 'the manifest is not vouched for')
        return system
    if system is not None and signer != system:
        report.add(
            layout.MANIFEST_SIGNATURE,
            'signed by the system certificate',
            False,
            signer.subject.rfc4514_string(),
        )
    listed = {f['path']: f for f in manifest.get('files', [])}
    for path in sorted(bundle.names - set(listed) - {layout.MANIFEST, layout.MANIFEST_SIGNATURE}):
        report.add(path, 'listed in the manifest', False, 'a file the manifest does not list')
    for path, entry in listed.items():
        if path not in bundle.names:
            report.add(path, 'present', False, 'listed in the manifest, missing from the ZIP')
            continue
        sha, size = bundle.sha256(path)
        ok = (sha, size) == (entry['sha256'], entry['size'])
        report.add(path, 'SHA-256 and size', ok, '' if ok else f'{sha} ({size} bytes) ≠ manifest')
    return system


def check_pki(report, bundle, ca_cert):
    """The bundled CA is the one given; the CRL is the CA's. The CRL, or None."""
    try:
        bundled = _cert(bundle.read(layout.CA))
        same = pki.certificate_fingerprint(bundled) == pki.certificate_fingerprint(ca_cert)
        report.add(layout.CA, 'the CA given with --ca', same, pki.certificate_fingerprint(bundled))
    except (ValueError, KeyError) as exc:
        report.add(layout.CA, 'the CA given with --ca', False, str(exc))
    for path in sorted(p for p in bundle.names if p.startswith(layout.CRL_HISTORY)):
        try:
            kept = x509.load_pem_x509_crl(bundle.read(path))
            ok = kept.issuer == ca_cert.subject and kept.is_signature_valid(ca_cert.public_key())
            report.add(path, 'signed by the CA', ok, f'issued {kept.last_update_utc.isoformat()}')
        except (ValueError, KeyError) as exc:
            report.add(path, 'signed by the CA', False, str(exc))
    try:
        crl = x509.load_pem_x509_crl(bundle.read(layout.CRL))
        ok = crl.issuer == ca_cert.subject and crl.is_signature_valid(ca_cert.public_key())
        report.add(layout.CRL, 'signed by the CA', ok, f'updated {crl.last_update_utc.isoformat()}')
        return crl if ok else None
    except (ValueError, KeyError) as exc:
        report.add(layout.CRL, 'signed by the CA', False, str(exc))
        return None


def check_evaluation(report, bundle):
    """case.json and result.json are the ones the log recorded; the case recomputes to it."""
    if layout.CASE not in bundle.names:
        return
    anchored = {}
    for path, key in ((layout.CASE, 'case_sha256'), (layout.RESULT, 'result_sha256')):
        sha = hashlib.sha256(bundle.read(path)).hexdigest()
        known = report.anchors.get(key)
        anchored[path] = known is not None and sha in known
        report.add(
            path, 'SHA-256 recorded in the log', None if known is None else anchored[path], sha[:16]
        )
    if not all(anchored.values()):
        return
    try:
        case = parse_case(json.loads(bundle.read(layout.CASE)))
        recomputed = result_to_dict(evaluate(case.method, case.params, case.bids))
    except (CaseError, ValueError) as exc:
        report.add(layout.CASE, 'lpse evaluate', False, str(exc))
        return
    same = recomputed == bundle.json(layout.RESULT)
    report.add(layout.RESULT, 'equals the recomputed evaluation', same)


def check_pdfs(report, bundle, ca_cert, system):
    """Each issued PDF: PAdES signature by the system, its SHA-256 in the log, its data file."""
    documents = report.anchors.get('documents')
    if system is None:
        report.add('documents/', 'PAdES signature', None, 'no system certificate')
        return
    for path in sorted(
        n for n in bundle.names if n.startswith('documents/') and n.endswith('.pdf')
    ):
        data = bundle.read(path)
        result = verify_pdf(data, ca_cert=ca_cert, system_certs=[system])
        if not report.add(path, 'PAdES signature', result.valid, result.reason_if_invalid or ''):
            continue
        sha = hashlib.sha256(data).hexdigest()
        document_id = path.removeprefix('documents/').removesuffix('.pdf')
        if documents is None:
            report.add(path, 'issued in the log', None, 'the log slice could not be read')
        else:
            report.add(path, 'issued in the log', documents.get(document_id) == sha, sha[:16])
        data_path = layout.pdf_data(document_id)
        try:
            meta = bundle.json(data_path)
            ok = meta['sha256'] == sha and meta['id'] == document_id
            receipt = report.anchors.get('receipts', {}).get(meta['data'].get('document_number'))
            if ok and meta['kind'] == 'bid_receipt' and receipt is not None:
                ok = meta['data'].get('receipt') == receipt
            report.add(data_path, 'the data of this PDF', ok)
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            report.add(data_path, 'the data of this PDF', False, str(exc))


def check_versions(report, bundle, *, ca_cert, system, crl):
    """A retendered package's earlier versions: each folder checked as the current version is
    (its bids, evaluation and PDFs; the manifest already covered every file's hash)."""
    numbers = sorted({int(m.group(1)) for n in bundle.names if (m := VERSION.match(n))})
    for number in numbers:
        folder = layout.version_folder(number)
        version, rows = VersionFolder(bundle, folder), VersionReport(report, folder)
        check_bids(rows, version, ca_cert=ca_cert, system=system, crl=crl)
        check_evaluation(rows, version)
        check_qualification(rows, version)
        check_pdfs(rows, version, ca_cert, system)


def verify_bundle(path, *, ca_cert, log_key=None, witness_keys=()) -> Report:
    """Every check of the bundle at `path`; the report's rows in the order they ran."""
    report = Report()
    with zipfile.ZipFile(path) as zf:
        bundle = Bundle(zf)
        system = check_manifest(report, bundle, ca_cert)
        crl = check_pki(report, bundle, ca_cert)
        check_log(
            report,
            bundle,
            ca_cert=ca_cert,
            system=system,
            log_key=log_key,
            witness_keys=witness_keys,
        )
        check_bids(report, bundle, ca_cert=ca_cert, system=system, crl=crl)
        check_evaluation(report, bundle)
        check_qualification(report, bundle)
        check_pdfs(report, bundle, ca_cert, system)
        check_versions(report, bundle, ca_cert=ca_cert, system=system, crl=crl)
    return report


def load_ca(path) -> x509.Certificate:
    with open(path, 'rb') as fh:
        return x509.load_pem_x509_certificate(fh.read())
