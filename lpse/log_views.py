"""The transparency log over HTTP, for anyone (C2SP checkpoints, RFC 9162 proofs, entries) and
for witnesses handing back their cosignatures. docs/SECURITY.md says what each caller sees."""

from flask import Response, g, jsonify, request
from flask_babel import gettext as _
from sqlalchemy import select

from lpse import audit, checkpoints, clock, tlog
from lpse.api.base import bp as api_bp
from lpse.api.base import field, json_body
from lpse.api.openapi import document, op
from lpse.auth.scope import active_scope
from lpse.errors import NotFound, ValidationFailed
from lpse.extensions import db

MAX_ENTRIES = 1000
MAX_SIZE = 2**63 - 1


def _size(name, *, default=None) -> int:
    """A non-negative leaf index or tree size from the query string, or a 422 naming it."""
    text = request.args.get(name, '').strip()
    if not text and default is not None:
        return default
    if not (text.isascii() and text.isdigit() and len(text) <= 19) or int(text) > MAX_SIZE:
        raise ValidationFailed(
            _('Parameter "%(name)s" harus bilangan bulat tidak negatif.', name=name), field=name
        )
    return int(text)


def _log_size() -> int:
    head = db.session.get(audit.AuditHead, 1)
    return head.seq if head else 0


def _latest_signed():
    row = db.session.scalar(
        select(checkpoints.AuditCheckpoint)
        .where(checkpoints.AuditCheckpoint.note.is_not(None))
        .order_by(checkpoints.AuditCheckpoint.id.desc())
    )
    if row is None:
        raise NotFound(_('Log belum memiliki checkpoint.'))
    return row


@api_bp.get('/log/checkpoint')
def log_checkpoint():
    """The latest checkpoint as a C2SP signed note, with the witnesses' cosignatures."""
    return Response(
        _latest_signed().signed_note, mimetype='text/plain', headers={'Cache-Control': 'no-cache'}
    )


def _proof_answer(hashes):
    return [tlog.b64(h) for h in hashes]


@api_bp.get('/log/proof/inclusion')
def log_inclusion_proof():
    index, size = _size('index'), _size('tree_size')
    try:
        proof = tlog.inclusion_proof(index, size, _log_size())
    except tlog.TreeTooSmall as exc:
        raise ValidationFailed(str(exc), field='tree_size') from None
    return jsonify(
        index=index,
        tree_size=size,
        leaf_hash=tlog.b64(tlog.stored_leaf(index)),
        proof=_proof_answer(proof),
    )


@api_bp.get('/log/proof/consistency')
def log_consistency_proof():
    old, new = _size('from'), _size('to')
    try:
        proof = tlog.consistency_proof(old, new, _log_size())
    except tlog.TreeTooSmall as exc:
        raise ValidationFailed(str(exc), field='to') from None
    return jsonify({'from': old, 'to': new, 'proof': _proof_answer(proof)})


ALL = frozenset({'*'})  # every event (a whole-log reader)


def _readable_by_scope(user, start, end):
    """Which events of (start, end] ``user`` may read as an auditor: all (admins, national
    auditors), the seqs of its tenders' events (a scoped auditor), or none (set())."""
    scope = active_scope(user, clock.now()) if user is not None else None
    if scope is None:
        return set()
    tender = db.metadata.tables['tender']  # by name: the tenders floor sits above this one
    clause = scope.tender_clause(tender.c.agency_id, tender.c.code)
    if clause is None:
        return ALL
    link = audit.AuditEventTender
    return set(
        db.session.scalars(
            select(link.seq)
            .join(tender, tender.c.id == link.tender_id)
            .where(link.seq > start, link.seq <= end, clause)
        )
    )


def _may_read(user, event, readable) -> bool:
    """Auditors and admins read the events of their scope; anyone signed in reads the events
    they caused."""
    if user is None:
        return False
    return readable is ALL or event.seq in readable or event.actor_id == user.id


@api_bp.get('/log/entries')
def log_entries():
    start = _size('start')
    size = _log_size()
    end = _size('end', default=min(start + MAX_ENTRIES, size))
    if not start <= end <= size or end - start > MAX_ENTRIES:
        raise ValidationFailed(
            _(
                'Rentang entri harus 0 ≤ start ≤ end ≤ %(size)s, paling banyak %(max)s entri.',
                size=size,
                max=MAX_ENTRIES,
            ),
            field='end',
        )
    leaves = tlog.leaves(start, end)
    user = g.get('api_user')
    events, readable = {}, set()
    if user is not None:
        readable = _readable_by_scope(user, start, end)
        events = {
            e.seq - 1: e
            for e in db.session.scalars(
                select(audit.AuditEvent).where(
                    audit.AuditEvent.seq > start, audit.AuditEvent.seq <= end
                )
            )
        }
    return jsonify(
        entries=[
            {
                'index': index,
                'leaf_hash': tlog.b64(leaves[index]),
                'event': events[index].as_record()
                if index in events and _may_read(user, events[index], readable)
                else None,
            }
            for index in range(start, end)
        ]
    )


@api_bp.post('/log/cosignatures')
def log_cosignature():
    """A witness hands back its cosignature of one of our checkpoints."""
    data = json_body()
    body, line = field(data, 'checkpoint'), field(data, 'cosignature')
    row = checkpoints.add_cosignature(body, line, now=clock.now())
    db.session.commit()
    return jsonify(witness=row.witness, cosigned_at=row.cosigned_at.isoformat()), 201


_SIZE = {'type': 'integer', 'minimum': 0, 'maximum': MAX_SIZE}
_HASHES = {'type': 'array', 'items': {'type': 'string', 'format': 'byte'}}


def _query(name, description):
    return {
        'name': name,
        'in': 'query',
        'required': True,
        'schema': _SIZE,
        'description': description,
    }


def _json(description, schema):
    return {'description': description, 'content': {'application/json': {'schema': schema}}}


document(
    {
        '/log/checkpoint': {
            'get': op(
                'The latest checkpoint (C2SP tlog-checkpoint in a signed note, with cosignatures)',
                tag='log',
                auth=False,
                responses={
                    '200': {
                        'description': 'The signed note',
                        'content': {'text/plain': {'schema': {'type': 'string'}}},
                    }
                },
            )
        },
        '/log/proof/inclusion': {
            'get': op(
                'RFC 9162 inclusion proof of leaf `index` (event seq index + 1) in a tree',
                tag='log',
                auth=False,
                params=[
                    _query('index', 'leaf index (0-based)'),
                    _query('tree_size', 'the tree size of a checkpoint'),
                ],
                responses={
                    '200': _json(
                        'The proof',
                        {
                            'type': 'object',
                            'required': ['index', 'tree_size', 'leaf_hash', 'proof'],
                            'properties': {
                                'index': _SIZE,
                                'tree_size': _SIZE,
                                'leaf_hash': {'type': 'string', 'format': 'byte'},
                                'proof': _HASHES,
                            },
                        },
                    )
                },
            )
        },
        '/log/proof/consistency': {
            'get': op(
                'RFC 9162 consistency proof between two tree sizes',
                tag='log',
                auth=False,
                params=[_query('from', 'the older size'), _query('to', 'the newer size')],
                responses={
                    '200': _json(
                        'The proof',
                        {
                            'type': 'object',
                            'required': ['from', 'to', 'proof'],
                            'properties': {'from': _SIZE, 'to': _SIZE, 'proof': _HASHES},
                        },
                    )
                },
            )
        },
        '/log/entries': {
            'get': op(
                'Leaves [start, end) with their hashes; the event itself for those who may read '
                "it (admins, auditors within their scope, the event's own actor)",
                tag='log',
                auth=False,
                params=[
                    _query('start', 'first leaf index'),
                    {
                        **_query('end', 'one past the last (at most start + 1000)'),
                        'required': False,
                    },
                ],
                responses={
                    '200': _json(
                        'The entries',
                        {
                            'type': 'object',
                            'required': ['entries'],
                            'properties': {
                                'entries': {
                                    'type': 'array',
                                    'items': {
                                        'type': 'object',
                                        'required': ['index', 'leaf_hash', 'event'],
                                        'properties': {
                                            'index': _SIZE,
                                            'leaf_hash': {'type': 'string', 'format': 'byte'},
                                            'event': {'type': 'object', 'nullable': True},
                                        },
                                    },
                                }
                            },
                        },
                    )
                },
            )
        },
        '/log/cosignatures': {
            'post': op(
                'A witness returns its cosignature (C2SP tlog-cosignature) of a checkpoint',
                tag='log',
                auth=False,
                body='Cosignature',
                responses={
                    '201': _json(
                        'Kept',
                        {
                            'type': 'object',
                            'properties': {
                                'witness': {'type': 'string'},
                                'cosigned_at': {'type': 'string', 'format': 'date-time'},
                            },
                        },
                    )
                },
            )
        },
    },
    {
        'Cosignature': {
            'type': 'object',
            'required': ['checkpoint', 'cosignature'],
            'properties': {
                'checkpoint': {'type': 'string', 'description': 'the checkpoint text'},
                'cosignature': {'type': 'string', 'description': 'the signature line'},
            },
        }
    },
)
