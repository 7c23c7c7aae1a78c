"""The report's downloads: one figure as CSV (streamed, machine-readable numbers), every figure
as an XLSX workbook (numbers as numbers, rupiah formatted, dates as dates) and as a PDF report
with the same charts, signed by the system key like every issued document."""

import csv
import io
from datetime import date

from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from lpse import i18n
from lpse.auditor.reports import charts
from lpse.auditor.search import _cell as safe_text  # a text no spreadsheet runs as a formula
from lpse.documents import operations as documents

RUPIAH_FORMAT = '"Rp"#,##0.00'
FORMATS = {
    'money': RUPIAH_FORMAT,
    'percent': '0.00',
    'days': '0.0',
    'int': '0',
    'date': 'yyyy-mm-dd',
}
PDF_TITLE = 'Laporan Audit Lintas Tender'


def _plain(value, kind) -> str:
    if value is None:
        return ''
    if isinstance(value, date):
        return value.isoformat()
    return safe_text(value) if kind == 'text' else str(value)


def csv_lines(table):
    """The figure's rows as CSV lines (header: the column labels; numbers with a dot)."""
    out = io.StringIO()
    writer = csv.writer(out)

    def flush():
        text = out.getvalue()
        out.seek(0)
        out.truncate()
        return text

    writer.writerow([str(c.label) for c in table.columns])
    yield flush()
    for row in table.rows:
        writer.writerow([_plain(row.get(c.key), c.kind) for c in table.columns])
        yield flush()


def _cell(value, kind):
    if value is None or value == '':
        return None
    if kind in ('money', 'percent', 'days'):
        return float(value)
    if kind == 'int':
        return int(value)
    return value if isinstance(value, date) else safe_text(value)


def xlsx_bytes(tables, filters_text: str) -> bytes:
    """A workbook: a sheet per figure (its columns, then its rows) after a first sheet naming
    the filters."""
    book = Workbook()
    first = book.active
    first.title = 'Filter'
    first.append(['Laporan audit lintas tender'])
    first.append([filters_text])
    for table in tables:
        sheet = book.create_sheet(table.key[:31])
        sheet.append([str(c.label) for c in table.columns])
        for row in table.rows:
            sheet.append([_cell(row.get(c.key), c.kind) for c in table.columns])
        for n, column in enumerate(table.columns, start=1):
            number_format = FORMATS.get(column.kind)
            letter = get_column_letter(n)
            sheet.column_dimensions[letter].width = 40 if column.kind == 'text' else 20
            if number_format:
                for (cell,) in sheet.iter_rows(min_row=2, min_col=n, max_col=n):
                    cell.number_format = number_format
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def shown(value, kind, *, day='%d/%m/%Y') -> str:
    """A cell as people read it: rupiah, percent, Indonesian numbers, dates by ``day``."""
    if value is None or value == '':
        return '–'
    if kind == 'money':
        return i18n.rupiah(value)
    if kind == 'percent':
        return i18n.percent(value)
    if kind in ('int', 'days'):
        return i18n.number(value)
    if isinstance(value, date):
        return value.strftime(day)
    return str(value)


def summary_text(table) -> str | None:
    """The sums stated beside a figure in the PDF (Indonesian, like every issued document)."""
    t = table.totals
    if table.key == 'savings':
        return (
            f'{i18n.number(t["tenders"])} tender dengan pemenang: HPS {i18n.rupiah(t["hps"])}, '
            f'harga pemenang {i18n.rupiah(t["winning_price"])}, selisih '
            f'{i18n.rupiah(t["savings"])} ({i18n.percent(t["savings_pct"])}).'
        )
    if table.key == 'bidders':
        return (
            f'{i18n.number(t["tenders"])} tender lewat batas akhir penawaran; '
            f'{i18n.number(t["single_bidder"])} dengan satu penawar '
            f'({i18n.percent(t["single_bidder_pct"])}).'
        )
    if table.key == 'objections':
        return (
            f'{i18n.number(t["accepted"])} dari {i18n.number(t["filed"])} sanggah diterima '
            f'({i18n.percent(t["accepted_pct"])}).'
        )
    return None


def pdf_bytes(tables, *, filters_text: str, now, owner=None, reach=None) -> bytes:
    """The report as a PDF (every figure with its chart), issued like every signed document:
    signed by the system key and registered, so its verify address and /verify know it (only
    its owner, while its assignment reaches what it did — ``reach``, `Scope.fingerprint` —,
    and admins may download it again: IssuedDocument.can_download)."""
    sections = [
        {
            'title': str(t.title),
            'chart': charts.chart_of(t),
            'labels': [str(c.label) for c in t.columns],
            'rows': [[shown(r.get(c.key), c.kind) for c in t.columns] for r in t.rows],
            'totals': t.total_rows,
            'summary': summary_text(t),
        }
        for t in tables
    ]
    context = {
        'title': PDF_TITLE,
        'agency_name': 'Laporan auditor',
        'filters_text': filters_text,
        'generated_at': i18n.with_wib(now, i18n.WIB),
        'sections': sections,
        'reader_scope': reach,
    }
    document = documents.issue_document(
        'audit_report',
        'pdf/audit_report.html',
        context,
        owner=owner,
        now=now,
        # not the figures: they stay in the PDF
        keep=('filters_text', 'generated_at', 'reader_scope'),
    )
    with documents.open_document(document) as fh:
        return fh.read()
