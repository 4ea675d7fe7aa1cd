"""lab/runtime.py: the server's full garbage collections walk only what sessions made."""

from __future__ import annotations

import gc
import sys
import types

from lab import runtime


def test_it_freezes_when_modules_were_imported_and_not_again_until_more_are():
    runtime.freeze_long_lived_objects()  # whatever this process imported so far
    frozen = gc.get_freeze_count()
    assert frozen > 0
    assert runtime.freeze_long_lived_objects() is False  # nothing new imported
    assert gc.get_freeze_count() == frozen
    sys.modules["_bpl_test_new_module"] = types.ModuleType("_bpl_test_new_module")
    try:
        keep = [[i] for i in range(100)]  # (lists are always tracked by the collector)
        assert runtime.freeze_long_lived_objects() is True
        assert gc.get_freeze_count() >= frozen + len(keep)
    finally:
        del sys.modules["_bpl_test_new_module"]
