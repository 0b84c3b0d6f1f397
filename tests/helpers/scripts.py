"""The project's scripts (scripts/*.py) as modules, for the tests that check what they write."""

from __future__ import annotations

import importlib.util
import sys
from types import ModuleType

from tests.helpers.site import ROOT


def load_script(filename: str, name: str) -> ModuleType:
    """scripts/`filename` as the module `name` (loaded from its path: scripts/ is not a package, and
    a name may have a hyphen), once per test process."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / filename)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # its dataclasses look their module up while they are made
    spec.loader.exec_module(module)
    return module
