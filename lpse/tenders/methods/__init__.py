"""The selection methods (DOMAIN §2, §9): each module of this package declares one method — its
stages, its gates and its rules — in one place (`Method`); the rest of the code asks the tender's
method instead of testing its name. Adding a method is adding a module here (with its templates),
not editing the others."""

import importlib
import pkgutil

from lpse.tenders.methods.base import Method


def _discover() -> dict[str, Method]:
    found = {}
    for info in pkgutil.iter_modules(__path__):
        if info.name == 'base':
            continue
        module = importlib.import_module(f'{__name__}.{info.name}')
        method = module.METHOD
        found[method.key] = method
    return found


METHODS: dict[str, Method] = _discover()


def method_of(tender) -> Method:
    """The method a tender declares (its `selection_method`)."""
    return METHODS[tender.selection_method]
