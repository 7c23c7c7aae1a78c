"""The prequalification part of `lpse verify-bundle`: each announced result is the one the log
hashed (`qualification.announced` "result_sha256"), and the shortlist in force is the one that
result ranks and the log named — no firm added, dropped or reordered, none left standing after
an accepted objection withdrew its result."""

import hashlib
import re

from lpse.auditor.bundle import layout
from lpse.auditor.bundle.qualification import shortlist_entry
from lpse.tenders.prequalification.shortlist import ranked

RESULT = re.compile(r'^qualification/result-(\d+)\.json$')


def check_qualification(report, bundle):
    if layout.SHORTLIST not in bundle.names:
        return
    announced = report.anchors.get('qualification')
    withdrawn = report.anchors.get('withdrawn_qualification', set())
    results = {}
    for path in sorted(n for n in bundle.names if RESULT.match(n)):
        result_id = RESULT.match(path).group(1)
        sha = hashlib.sha256(bundle.read(path)).hexdigest()
        if announced is None:
            report.add(path, 'SHA-256 recorded in the log', None, 'the log slice could not be read')
            continue
        logged = announced.get(result_id)
        if report.add(path, 'SHA-256 recorded in the log', logged and logged[0] == sha, sha[:16]):
            results[result_id] = (bundle.json(path), logged[1])
    if announced is None:
        return
    _check_shortlist(report, bundle, announced, withdrawn, results)


def _check_shortlist(report, bundle, announced, withdrawn, results):
    try:
        listed = bundle.json(layout.SHORTLIST)
        source = listed['result']
        entries = listed['shortlist']
    except (ValueError, KeyError, TypeError) as exc:
        report.add(layout.SHORTLIST, 'the shortlist in force', False, str(exc))
        return
    standing = sorted(set(announced) - withdrawn, key=int)
    if source is None:
        ok = not standing and entries == []
        report.add(layout.SHORTLIST, 'no result in force', ok, ', '.join(standing))
        return
    key = str(source)
    if key not in results:
        report.add(layout.SHORTLIST, 'its result is in the bundle and the log', False, key)
        return
    result, logged = results[key]
    try:
        rebuilt = [shortlist_entry(v) for v in ranked(result)]
    except (KeyError, TypeError) as exc:
        report.add(layout.SHORTLIST, 'the shortlist of its result', False, str(exc))
        return
    same = rebuilt == entries and [(v['rank'], v['vendor_id']) for v in rebuilt] == logged
    report.add(layout.SHORTLIST, 'the shortlist of its result, as the log named it', same)
    in_force = standing[-1:] == [key]
    report.add(layout.SHORTLIST, 'its result is the one in force', in_force, f'result {key}')
