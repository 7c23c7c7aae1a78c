"""The rules of a contract's terms (DOMAIN §8): its form by value and type, the performance
bond, and which types need a start-of-work order. Thresholds are configuration."""

from collections.abc import Mapping
from decimal import Decimal

from lpse.contracts.models import BondBase, ContractForm
from lpse.evaluation import award
from lpse.tenders.models import Category

CONSULTANCY = frozenset({Category.jasa_konsultansi})
# SPMK (Surat Perintah Mulai Kerja): construction and consultancy work starts on an order.
NEEDS_SPMK = frozenset({Category.pekerjaan_konstruksi, Category.jasa_konsultansi})


def spk_limit(category: str, config: Mapping) -> Decimal:
    name = 'LPSE_SPK_MAX_CONSULTANCY' if category in CONSULTANCY else 'LPSE_SPK_MAX_GOODS'
    return Decimal(config[name])


def contract_form(category: str, value: Decimal, config: Mapping) -> ContractForm:
    """SPK at or under the category's threshold, a Surat Perjanjian above it."""
    if Decimal(value) <= spk_limit(category, config):
        return ContractForm.spk
    return ContractForm.surat_perjanjian


def bond(value: Decimal, hps: Decimal) -> tuple[Decimal, BondBase]:
    """The performance bond and its base: 5 % of the value, or of the HPS under 80 % of it."""
    base = BondBase.hps if award.bond_on_hps(value, hps) else BondBase.contract
    return award.performance_bond(value, hps), base


def needs_spmk(category: str) -> bool:
    return category in NEEDS_SPMK
