"""The contract's form by value and type (SPK at or under the configured thresholds, a Surat
Perjanjian above) and the performance bond's base (the HPS when the price is under 80 % of
it), in exact Decimals."""

from decimal import Decimal

import pytest

from lpse.config import Config
from lpse.contracts import terms
from lpse.contracts.models import BondBase, ContractForm

CONFIG = {
    'LPSE_SPK_MAX_GOODS': Config.LPSE_SPK_MAX_GOODS,
    'LPSE_SPK_MAX_CONSULTANCY': Config.LPSE_SPK_MAX_CONSULTANCY,
}


@pytest.mark.parametrize(
    ('category', 'value', 'form'),
    [
        ('barang', '200000000', ContractForm.spk),
        ('barang', '200000000.01', ContractForm.surat_perjanjian),
        ('pekerjaan_konstruksi', '199999999.99', ContractForm.spk),
        ('pekerjaan_konstruksi', '1340000000', ContractForm.surat_perjanjian),
        ('jasa_lainnya', '200000000', ContractForm.spk),
        ('jasa_konsultansi', '100000000', ContractForm.spk),
        ('jasa_konsultansi', '100000000.01', ContractForm.surat_perjanjian),
        ('jasa_konsultansi', '150000000', ContractForm.surat_perjanjian),
    ],
)
def test_the_form_follows_the_default_thresholds(category, value, form):
    assert terms.contract_form(category, Decimal(value), CONFIG) is form


def test_the_thresholds_are_configuration():
    config = {'LPSE_SPK_MAX_GOODS': 50_000_000, 'LPSE_SPK_MAX_CONSULTANCY': 300_000_000}
    assert (
        terms.contract_form('barang', Decimal('60000000'), config) is ContractForm.surat_perjanjian
    )
    assert terms.contract_form('jasa_konsultansi', Decimal('250000000'), config) is ContractForm.spk


@pytest.mark.parametrize(
    ('value', 'hps', 'bond', 'base'),
    [
        ('1340000000', '1500000000', '67000000', BondBase.contract),  # 89 % of HPS
        ('1200000000', '1500000000', '60000000', BondBase.contract),  # exactly 80 %: the value
        ('1199999999.99', '1500000000', '75000000', BondBase.hps),  # under 80 %: the HPS
        ('1000', '2000', '100', BondBase.hps),
        ('0.3', '0.3', '0', BondBase.contract),
        ('123456789.50', '130000000', '6172839', BondBase.contract),  # 6,172,839.475 rounded
    ],
)
def test_the_bond_is_five_percent_of_the_value_or_of_the_hps(value, hps, bond, base):
    assert terms.bond(Decimal(value), Decimal(hps)) == (Decimal(bond), base)


def test_construction_and_consultancy_need_an_spmk():
    assert terms.needs_spmk('pekerjaan_konstruksi') and terms.needs_spmk('jasa_konsultansi')
    assert not terms.needs_spmk('barang') and not terms.needs_spmk('jasa_lainnya')
