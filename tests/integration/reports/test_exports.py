"""The downloads never hand a spreadsheet a formula: a vendor named `=HYPERLINK(…)` stays
text in the CSV and the XLSX, while numbers stay numbers."""

import csv
import io
from decimal import Decimal

import openpyxl

from lpse.auditor.reports import exports
from lpse.auditor.reports.figures import Column, Table

NAME = '=HYPERLINK("http://x.example","klik")'


def table():
    return Table(
        'vendor_bids',
        'Penyedia',
        [Column('vendor', 'Penyedia'), Column('bids', 'Menawar', 'int'),
         Column('savings', 'Selisih', 'money')],
        [{'vendor': NAME, 'bids': 3, 'savings': Decimal('-250.50')}],
    )  # fmt: skip


def test_csv_cells_are_text_or_numbers(app):
    rows = list(csv.reader(io.StringIO(''.join(exports.csv_lines(table())))))
    assert rows == [['Penyedia', 'Menawar', 'Selisih'], ["'" + NAME, '3', '-250.50']]


def test_xlsx_cells_are_text_or_numbers(app):
    sheet = openpyxl.load_workbook(io.BytesIO(exports.xlsx_bytes([table()], 'uji')))['vendor_bids']
    assert sheet['A2'].data_type == 's' and sheet['A2'].value == "'" + NAME
    assert sheet['B2'].value == 3 and sheet['C2'].value == -250.5
    assert sheet['C2'].number_format == exports.RUPIAH_FORMAT
