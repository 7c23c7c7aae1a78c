"""The selection methods (DOMAIN §2, §9): each module of this package declares one method — its
stages, its gates and its rules — in one place (`Method`); the rest of the code asks the tender's
method instead of testing its name. Adding a method is adding a module here (with its templates),
not editing the others."""

import importlib
import pkgutil

from lpse.tenders.methods.base import PASCA, Method


def _discover() -> dict[str, Method]:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f'{__name__}.{info.name}')
        method = getattr(module, 'METHOD', None)  # base and shared modules declare none
        if method is not None:
            found[method.key] = method
    return found


METHODS: dict[str, Method] = _discover()
#: A method by what a tender records: (selection method, qualification method).
BY_CHOICE: dict[tuple[str, str], Method] = {
    (m.selection_method, m.qualification_method): m for m in METHODS.values()
}


def method_for(selection_method: str, qualification_method: str) -> Method | None:
    """The method of this combination, or None where there is none (Tender Cepat with
    prakualifikasi)."""
    return BY_CHOICE.get((selection_method, qualification_method))


def method_of(tender) -> Method:
    """The method a tender declares (its `selection_method` and `qualification_method`)."""
    return BY_CHOICE[(tender.selection_method, tender.qualification_method or PASCA)]
