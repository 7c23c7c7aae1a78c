"""The bundle's log slice: the checkpoint's signatures (the log key, the witnesses, the system
key), then each event's chain hash and its RFC 9162 inclusion proof to the checkpoint's root.
The events that hold are the anchors of later checks (PDF and evaluation hashes)."""

import base64
import json

from lpse import audit, checkpoints, tlog
from lpse.auditor.bundle import layout
from lpse.crypto import merkle
from lpse.crypto import note as signed_note
from lpse.crypto.errors import CryptoError


def _tree_head(report, bundle, *, log_key, witness_keys):
    """The checkpoint (size, root) the log key signed, or None."""
    try:
        vkey = log_key or bundle.read(layout.LOG_KEY).decode('ascii').strip()
        verifier = signed_note.Verifier.from_vkey(vkey)
    except (ValueError, KeyError, UnicodeDecodeError, CryptoError) as exc:
        report.add(layout.LOG_KEY, 'log key', False, str(exc))
        return None
    text = bundle.read(layout.CHECKPOINT_NOTE)
    try:
        opened = signed_note.open_note(text, [verifier])
        head = signed_note.parse_checkpoint(opened.text)
    except (CryptoError, ValueError) as exc:
        report.add(layout.CHECKPOINT_NOTE, 'signed by the log key', False, str(exc))
        return None
    report.add(
        layout.CHECKPOINT_NOTE, 'signed by the log key', True, f'{head.origin} size {head.size}'
    )
    _, signatures = signed_note.split_note(text)
    for vkey in witness_keys:
        witness = signed_note.Verifier.from_vkey(vkey)
        mine = [s for s in signatures if (s.name, s.key_id) == (witness.name, witness.key_id)]
        try:
            if not mine:
                raise CryptoError(f'no cosignature by {witness.name}')
            signed_note.verify_cosignature(opened.text, mine[0], witness)
            report.add(layout.CHECKPOINT_NOTE, f'cosigned by {witness.name}', True)
        except (CryptoError, ValueError) as exc:
            report.add(layout.CHECKPOINT_NOTE, f'cosigned by {witness.name}', False, str(exc))
    return head


def _system_checkpoint(report, bundle, head, *, ca_cert, system):
    if system is None:
        report.add(layout.CHECKPOINT_DOC, 'signed by the system', None, 'no system certificate')
        return
    try:
        doc = json.loads(bundle.read(layout.CHECKPOINT_DOC))
        fields = checkpoints.verify_checkpoint(doc, ca_cert=ca_cert, system_certs=[system])
        same = head is None or fields['seq'] == head.size
        report.add(
            layout.CHECKPOINT_DOC,
            'signed by the system, same tree size',
            same,
            f'seq {fields["seq"]}',
        )
    except (ValueError, KeyError, CryptoError) as exc:
        report.add(layout.CHECKPOINT_DOC, 'signed by the system, same tree size', False, str(exc))


def _proofs(report, bundle):
    try:
        return {p['seq']: p for p in bundle.json(layout.PROOFS)}
    except (ValueError, KeyError, TypeError) as exc:
        report.add(layout.PROOFS, 'readable', False, str(exc))
        return None


def _included(leaf, proof, head) -> bool:
    try:
        path = [base64.b64decode(p, validate=True) for p in proof['proof']]
        merkle.verify_inclusion(leaf, proof['index'], head.size, path, head.root)
        return proof['tree_size'] == head.size
    except (CryptoError, ValueError, KeyError, TypeError):
        return False


def _events(report, bundle):
    records = []
    for number, line in enumerate(
        bundle.read(layout.EVENTS).decode('utf-8', 'replace').splitlines(), 1
    ):
        try:
            record = json.loads(line)
            fields = tlog.canonical_fields(record)
        except (ValueError, KeyError, TypeError, AttributeError):
            report.add(layout.EVENTS, f'line {number}', False, 'not an event record')
            continue
        if audit.chain_hash(record.get('prev_hash', ''), fields) != record.get('hash'):
            report.add(layout.EVENTS, f'seq {record.get("seq")} chain hash', False, 'altered')
            continue
        records.append((record, fields))
    return records


def check_log(report, bundle, *, ca_cert, system, log_key=None, witness_keys=()):
    """Check the slice; set report.anchors from the events that are in the signed tree."""
    head = _tree_head(report, bundle, log_key=log_key, witness_keys=witness_keys)
    _system_checkpoint(report, bundle, head, ca_cert=ca_cert, system=system)
    proofs = _proofs(report, bundle)
    events = _events(report, bundle)
    if head is None or proofs is None:
        report.add(
            layout.EVENTS, 'inclusion proofs', None, 'no checkpoint or proofs to check against'
        )
        return
    good, broken = [], False
    for record, fields in events:
        leaf = tlog.leaf_hash(fields)
        proof = proofs.get(record['seq'])
        if proof is None:
            report.add(layout.PROOFS, f'seq {record["seq"]}', False, 'no inclusion proof')
            broken = True
        elif _included(leaf, proof, head):
            good.append(record)
            if proof.get('leaf_hash') != tlog.b64(leaf):
                report.add(layout.PROOFS, f'seq {record["seq"]} leaf hash', False, 'altered')
        elif _included(_b64(proof.get('leaf_hash')), proof, head):
            report.add(layout.EVENTS, f'seq {record["seq"]} in the tree', False, 'altered event')
            broken = True
        else:
            report.add(layout.PROOFS, f'seq {record["seq"]} inclusion', False, 'the proof fails')
            broken = True
    broken = broken or len(events) != len(bundle.read(layout.EVENTS).splitlines())
    report.add(
        layout.EVENTS, 'events in the signed tree', None if broken else True, f'{len(good)} events'
    )
    if not broken:
        report.anchors.update(_anchors(good))


def _b64(text) -> bytes:
    try:
        return base64.b64decode(text or '', validate=True)
    except ValueError:
        return b''


def _anchors(records) -> dict:
    """What the proven events vouch for: issued PDFs, the decided case and result, each
    announced qualification result with its shortlist and which of them were withdrawn."""
    documents, cases, results = {}, set(), set()
    qualification, withdrawn = {}, set()
    for record in records:
        payload = json.loads(record['payload'])
        if record['action'] == 'document.issued':
            documents[record['object_id']] = payload.get('sha256')
        if record['action'] == 'qualification.announced':
            shortlist = sorted(
                (v.get('rank'), v.get('vendor')) for v in payload.get('shortlist') or ()
            )
            qualification[record['object_id']] = (payload.get('result_sha256'), shortlist)
        if record['action'] == 'qualification.objection_answered' and payload.get('withdrawn'):
            withdrawn.add(str(payload['withdrawn']))
        if 'case_sha256' in payload:
            cases.add(payload['case_sha256'])
        if 'result_sha256' in payload:
            results.add(payload['result_sha256'])
    return {
        'documents': documents,
        'case_sha256': cases,
        'result_sha256': results,
        'qualification': qualification,  # result id → (SHA-256, [(rank, vendor id)])
        'withdrawn_qualification': withdrawn,  # result ids an accepted objection withdrew
    }
