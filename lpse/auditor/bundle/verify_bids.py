"""The bundle's bids: receipts against envelopes, submission signatures, the bid-set
commitment against the receipted envelopes, and each opened envelope re-opened with the
published tender key, its inner signature checked against the vendor's certificate and the CRL
at receipt time, and its declared total against the opening results."""

import json
import re
from datetime import datetime
from decimal import Decimal, InvalidOperation

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization

from lpse.auditor.bundle import layout
from lpse.auditor.bundle.signatures import verify_detached
from lpse.bids.commitment import verify_commitment
from lpse.bids.errors import MalformedPackage, UnsafePackage
from lpse.crypto import pki, receipts
from lpse.crypto.errors import CryptoError
from lpse.crypto.signed_data import PARSE_ERRORS, verify_signature
from lpse.opening.stream_package import read_package
from lpse.opening.unseal import decrypt

BID_ID = re.compile(r'^bids/(\d+)/receipt\.json$')


def _npwp(cert) -> str:
    return re.sub(r'\D', '', pki.subject_attributes(cert.subject).get('serial_number', ''))


def _tender_key(report, bundle, ca_cert):
    """The published tender key, if it belongs to the tender certificate; else None."""
    if layout.TENDER_CERT not in bundle.names:
        return None
    try:
        cert = x509.load_pem_x509_certificate(bundle.read(layout.TENDER_CERT))
        pki.check_issued_by(cert, ca_cert)
        report.add(layout.TENDER_CERT, 'issued by the CA', True, cert.subject.rfc4514_string())
    except (ValueError, CryptoError) as exc:
        report.add(layout.TENDER_CERT, 'issued by the CA', False, str(exc))
        return None
    if layout.TENDER_KEY not in bundle.names:
        report.add(layout.TENDER_KEY, 'published', None, 'not published yet')
        return None
    try:
        key = serialization.load_pem_private_key(bundle.read(layout.TENDER_KEY), password=None)
        ok = pki.key_matches_certificate(key, cert)
    except (ValueError, TypeError) as exc:
        report.add(layout.TENDER_KEY, 'key of the tender certificate', False, str(exc))
        return None
    report.add(layout.TENDER_KEY, 'key of the tender certificate', ok)
    return key if ok else None


def _receipt(report, bundle, bid_id, *, ca_cert, system):
    """The verified receipt fields, their envelope checked against them; (fields, envelope ok)."""
    path = layout.receipt(bid_id)
    try:
        fields = receipts.verify_receipt(
            json.loads(bundle.read(path)), ca_cert=ca_cert, signer=system
        )
    except (CryptoError, ValueError) as exc:
        report.add(path, 'receipt signature', False, str(exc))
        return None, False
    report.add(path, 'receipt signature', True, fields['receipt_number'])
    report.anchors.setdefault('receipts', {})[fields['receipt_number']] = fields
    envelope = layout.envelope(bid_id)
    try:
        with bundle.zf.open(envelope) as fh:
            receipts.check_envelope(fields, fh)
        report.add(envelope, 'the envelope the receipt acknowledges', True)
        return fields, True
    except (CryptoError, KeyError) as exc:
        report.add(envelope, 'the envelope the receipt acknowledges', False, str(exc))
        return fields, False


def _submission(report, bundle, bid_id, fields, ca_cert):
    """The vendor's detached signature over the exact envelope bytes."""
    path = layout.submission_signature(bid_id)
    try:
        der = bundle.read(path)
        digest, verified = verify_detached(der)
        signer = verified.signer_cert
        pki.check_issued_by(signer, ca_cert)
    except (CryptoError, KeyError, ValueError) as exc:
        report.add(path, 'submission signature', False, str(exc))
        return
    ok = digest.hex() == fields['envelope_sha256'] and _npwp(signer) == fields['vendor_npwp']
    report.add(
        path,
        'submission signature by the vendor over the envelope',
        ok,
        signer.subject.rfc4514_string(),
    )


def _commitment(report, bundle, receipted, system):
    if layout.COMMITMENT not in bundle.names:
        return
    try:
        doc = json.loads(bundle.read(layout.COMMITMENT))
        fields = verify_commitment(doc, system_cert=system)
        pem = doc['signature']['certificate'].encode('ascii')
        if x509.load_pem_x509_certificate(pem) != system:
            raise ValueError('the certificate it names is not the system certificate')
    except (InvalidSignature, ValueError, KeyError, TypeError, AttributeError) as exc:
        report.add(layout.COMMITMENT, 'commitment signature', False, str(exc) or 'altered')
        return
    report.add(layout.COMMITMENT, 'commitment signature', True, f'{fields["count"]} envelopes')
    missing = [h for h in fields['envelopes'] if h not in receipted]
    ok = not missing and fields['count'] == len(fields['envelopes'])
    report.add(
        layout.COMMITMENT,
        'every committed envelope is in the bundle',
        ok,
        ', '.join(m[:16] for m in missing),
    )


def _reopen(report, bundle, bid_id, result, fields, *, tender_key, ca_cert, crl):
    """Open the envelope with the published key; check the signer and the declared total."""
    path = layout.envelope(bid_id)
    try:
        _cek, signed = decrypt(bundle.read(path), tender_key)
        verified = verify_signature(signed)
        cert = verified.signer_cert
        received = datetime.fromisoformat(fields['received_at'].replace('Z', '+00:00'))
        pki.check_certificate(cert, ca_cert, now=received, revoked=crl)
        if _npwp(cert) != fields['vendor_npwp']:
            raise CryptoError(f'signed by {cert.subject.rfc4514_string()}, not the bidder')
        package = read_package(verified.content)
    except (CryptoError, UnsafePackage, MalformedPackage, *PARSE_ERRORS) as exc:
        report.add(path, 'opened with the published key, signed by the vendor', False, str(exc))
        return
    report.add(
        path,
        'opened with the published key, signed by the vendor',
        True,
        cert.subject.rfc4514_string(),
    )
    try:
        same = Decimal(package.bid['declared_total']) == Decimal(result['declared_total'])
    except (KeyError, TypeError, InvalidOperation):
        same = False
    report.add(layout.OPENING, f'bid {bid_id}: declared total as opened', same)


def _opening_results(report, bundle) -> dict | None:
    if layout.OPENING not in bundle.names:
        return None
    try:
        ceremonies = json.loads(bundle.read(layout.OPENING))
        return {r['bid_id']: r for c in ceremonies for r in c['results']}
    except (ValueError, KeyError, TypeError) as exc:
        report.add(layout.OPENING, 'readable', False, str(exc))
        return None


def check_bids(report, bundle, *, ca_cert, system, crl):
    tender_key = _tender_key(report, bundle, ca_cert)
    bid_ids = sorted(int(m.group(1)) for n in bundle.names if (m := BID_ID.match(n)))
    receipted, good = set(), {}
    for bid_id in bid_ids:
        fields, envelope_ok = _receipt(report, bundle, bid_id, ca_cert=ca_cert, system=system)
        if fields is None:  # its failure is the receipt's: the envelope speaks for itself
            if layout.envelope(bid_id) in bundle.names:
                receipted.add(bundle.sha256(layout.envelope(bid_id))[0])
            continue
        receipted.add(fields['envelope_sha256'])
        _submission(report, bundle, bid_id, fields, ca_cert)
        if envelope_ok:
            good[bid_id] = fields
    if system is not None:
        _commitment(report, bundle, receipted, system)
    results = _opening_results(report, bundle)
    if results is None or tender_key is None:
        return
    for bid_id, fields in good.items():
        result = results.get(bid_id)
        if result is not None and result.get('result') == 'opened':
            _reopen(
                report,
                bundle,
                bid_id,
                result,
                fields,
                tender_key=tender_key,
                ca_cert=ca_cert,
                crl=crl,
            )
