"""The ``lpse`` console script for vendors, Pokja members and auditors (runs without a server).

Each module in COMMAND_MODULES has `register(subparsers)`, adding its commands; a command's
handler returns the exit status (0 ok, 1 check failed, 2 bad input)."""

import argparse
import importlib
import json
import sys
from pathlib import Path

COMMAND_MODULES = (
    'lpse.console',
    'lpse.keys_console',
    'lpse.bids.console',
    'lpse.bids.documents_console',
    'lpse.opening.console',
    'lpse.contracts.console',
    'lpse.auditor.bundle.console',
)


def _cmd_evaluate(args):
    from lpse.scoring.case import CaseError, evaluate_file

    try:
        result = evaluate_file(args.case)
    except CaseError as exc:
        print(f'lpse evaluate: {exc}', file=sys.stderr)
        return 2
    json.dump(result, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write('\n')
    return 0


def _cmd_verify_audit(args):
    from lpse import audit

    if args.checkpoints and not args.ca:
        print('lpse verify-audit: --checkpoints needs --ca (the CA certificate)', file=sys.stderr)
        return 2
    try:
        with open(args.file, encoding='utf-8') as fh:
            if args.checkpoints:
                result = _verify_with_checkpoints(audit.parse_jsonl(fh), args)
            else:
                result = audit.verify_records(audit.parse_jsonl(fh))
    except (OSError, ValueError) as exc:
        print(f'lpse verify-audit: {exc}', file=sys.stderr)
        return 2
    if result.ok:
        print(f'audit log OK: {result.count} events, last hash {result.last_hash}')
        return 0
    print(f'audit log BROKEN at seq {result.first_bad_seq}: {result.problem}', file=sys.stderr)
    return 1


def _verify_with_checkpoints(records, args):
    from cryptography import x509

    from lpse import checkpoints
    from lpse.crypto import pki

    def load_certs(path):
        with open(path, 'rb') as fh:
            return x509.load_pem_x509_certificates(fh.read())

    with open(args.checkpoints, encoding='utf-8') as fh:
        data = json.load(fh)
    pinned = [c for path in args.system_cert for c in load_certs(path)] or None
    try:
        documents, system_certs = checkpoints.read_checkpoint_file(data, system_certs=pinned)
        tree_heads = checkpoints.read_tree_heads(data, log_key=args.log_key)
    except checkpoints.CheckpointInvalid as exc:
        raise ValueError(exc.message) from None
    for cert in system_certs:
        print(f'system certificate SHA-256 {pki.certificate_fingerprint(cert)}')
    if tree_heads:
        print(f'{len(tree_heads)} signed tree checkpoint(s), Merkle roots recomputed')
    return checkpoints.verify_chain(
        records,
        documents,
        ca_cert=load_certs(args.ca)[0],
        system_certs=system_certs,
        tree_heads=tree_heads,
    )


def _witness_dir(args):
    from lpse import witness

    return Path(args.dir).expanduser() if args.dir else witness.default_dir()


def _witness_refused(exc) -> int:
    print(f'lpse witness: {exc}', file=sys.stderr)
    for label, checkpoint in (('stored', exc.stored), ('offered', exc.offered)):
        if checkpoint is not None:
            print(f'{label} checkpoint:\n{checkpoint}', end='', file=sys.stderr)
    return 1 if exc.is_misbehaviour else 2


def _cmd_witness_init(args):
    from lpse import witness

    directory = _witness_dir(args)
    try:
        signer = witness.init_witness(directory, args.name)
    except (witness.WitnessError, OSError) as exc:
        print(f'lpse witness: {exc}', file=sys.stderr)
        return 2
    print(
        f'witness key written to {directory / witness.KEY_FILE}; its public key:', file=sys.stderr
    )
    print(signer.vkey)
    return 0


def _cmd_witness_add(args):
    from lpse import witness

    try:
        log = witness.add_log(_witness_dir(args), args.origin, args.key)
    except (witness.WitnessError, OSError) as exc:
        print(f'lpse witness: {exc}', file=sys.stderr)
        return 2
    print(f'following {log.origin}' + (' (checkpoint kept)' if log.checkpoint else ''))
    return 0


def _cmd_witness_update(args):
    from lpse import api_client, clock, witness

    def fetch_proof(old_size, new_size):
        query = {'from': old_size, 'to': new_size}
        path, accept = witness.CONSISTENCY_PATH, 'application/json'
        return api_client.fetch_public(args.url, path, query=query, accept=accept)

    directory = _witness_dir(args)
    try:
        signer = witness.load_signer(directory)
        offered = api_client.fetch_public(args.url, witness.CHECKPOINT_PATH)
        text, cosignature = witness.update_log(
            directory, offered, fetch_proof, signer=signer, now=clock.now()
        )
    except witness.WitnessError as exc:
        return _witness_refused(exc)
    except (api_client.ApiError, OSError) as exc:
        print(f'lpse witness: {exc}', file=sys.stderr)
        return 2
    print(cosignature.line, end='')
    if not args.submit:
        return 0
    body = {'checkpoint': text, 'cosignature': cosignature.line}
    try:
        api_client.request_json(args.url, None, 'POST', witness.COSIGNATURES_PATH, body)
    except api_client.ApiError as exc:
        print(f'lpse witness: cosigned, but not submitted: {exc}', file=sys.stderr)
        return 2
    print(f'submitted to {args.url}', file=sys.stderr)
    return 0


def _register_witness(sub):
    witness = sub.add_parser('witness', help="witness the audit log's checkpoints (C2SP)")
    commands = witness.add_subparsers(dest='witness_command', required=True)
    where = argparse.ArgumentParser(add_help=False)
    where.add_argument(
        '--dir', help='witness folder (default $LPSE_WITNESS_DIR or ~/.lpse-witness)'
    )
    init = commands.add_parser('init', parents=[where], help='make the witness key, print its vkey')
    init.add_argument('--name', required=True, help='witness name, e.g. inspektorat.example.go.id')
    init.set_defaults(func=_cmd_witness_init)
    add = commands.add_parser('add', parents=[where], help='trust a log: its origin and vkey')
    add.add_argument('--origin', required=True, help="the log's origin line")
    add.add_argument('--key', required=True, help="the log's vkey (named after the origin)")
    add.set_defaults(func=_cmd_witness_add)
    update = commands.add_parser(
        'update', parents=[where], help='check the latest checkpoint and cosign it'
    )
    update.add_argument('url', help='the server, e.g. https://lpse.example.go.id')
    update.add_argument('--submit', action='store_true', help='post the cosignature to the log')
    update.set_defaults(func=_cmd_witness_update)


def register(sub):
    evaluate = sub.add_parser('evaluate', help='recompute a tender evaluation from a case file')
    evaluate.add_argument('case', help='evaluation case (JSON), see docs/EVALUATION_FORMAT.md')
    evaluate.set_defaults(func=_cmd_evaluate)
    verify = sub.add_parser('verify-audit', help='recompute the hash chain of an audit export')
    verify.add_argument('file', help='JSON lines from `flask lpse audit-export` or /audit')
    verify.add_argument('--checkpoints', help='signed checkpoints (/audit/checkpoints.json)')
    verify.add_argument('--ca', help='the instance CA certificate (PEM) the checkpoints chain to')
    verify.add_argument(
        '--system-cert',
        action='append',
        default=[],
        help='pin the system certificate (PEM; repeatable); default: the ones in the file',
    )
    verify.add_argument(
        '--log-key',
        help="pin the log's note key (vkey, as witnesses follow it); default: the file's",
    )
    verify.set_defaults(func=_cmd_verify_audit)
    _register_witness(sub)


def build_parser():
    parser = argparse.ArgumentParser(prog='lpse', description=__doc__.split('\n')[0])
    sub = parser.add_subparsers(dest='command', required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == '__main__':
    sys.exit(main())
