"""`lpse verify-bundle`: the offline check of a tender audit bundle, as a table."""

import sys


def _cmd_verify_bundle(args):
    import zipfile

    from lpse.auditor.bundle import verify

    try:
        ca_cert = verify.load_ca(args.ca)
        report = verify.verify_bundle(
            args.bundle, ca_cert=ca_cert, log_key=args.log_key, witness_keys=args.witness_key
        )
    except (OSError, ValueError, zipfile.BadZipFile) as exc:
        print(f'lpse verify-bundle: {exc}', file=sys.stderr)
        return 2
    print(format_table(report.rows))
    failed = sum(row.failed for row in report.rows)
    if failed:
        print(f'\n{failed} check(s) FAILED', file=sys.stderr)
        return 1
    print(f'\nall {len(report.rows)} checks passed')
    return 0


def format_table(rows) -> str:
    """item | check | result (and why), in aligned columns."""
    header = ('item', 'check', 'result')
    lines = [(r.item, r.check, f'{r.result} {r.detail}'.rstrip()) for r in rows]
    widths = [max(len(line[i]) for line in [header, *lines]) for i in range(2)]
    return '\n'.join(f'{a:<{widths[0]}}  {b:<{widths[1]}}  {c}' for a, b, c in [header, *lines])


def register(sub):
    verify = sub.add_parser(
        'verify-bundle', help='check a tender audit bundle offline (prints a table)'
    )
    verify.add_argument('bundle', help='the ZIP from `flask lpse audit-bundle` or the API')
    verify.add_argument('--ca', required=True, help='the instance CA certificate (PEM)')
    verify.add_argument(
        '--log-key', help="pin the log's note key (vkey); default: the one in the bundle"
    )
    verify.add_argument(
        '--witness-key',
        action='append',
        default=[],
        help='require a cosignature by this witness (vkey; repeatable)',
    )
    verify.set_defaults(func=_cmd_verify_bundle)
