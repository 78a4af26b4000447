"""Issue 15: a web worker keeps the loaded application out of garbage collection and collects
the young objects less often (`supportline web`, WEB_GC_THRESHOLD)."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from supportline.core.production import GC_THRESHOLD, tune_collector, web_settings


@pytest.fixture
def collector() -> Iterator[None]:
    before = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*before)


def test_the_worker_freezes_what_is_loaded_and_collects_young_objects_less_often(
    collector: None,
) -> None:
    _, middle, old = gc.get_threshold()
    tune_collector(GC_THRESHOLD)
    assert gc.get_threshold() == (GC_THRESHOLD, middle, old)
    assert gc.get_freeze_count() > 10_000  # the modules, Django, the settings
    made = [[] for _ in range(100)]  # what a request makes is collected as before
    assert gc.is_tracked(made[0])
    assert gc.get_count()[0] >= 100


def test_zero_leaves_pythons_collector_alone(collector: None) -> None:
    gc.unfreeze()
    before = gc.get_threshold()
    tune_collector(0)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0


def test_the_threshold_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert web_settings().gc_threshold == GC_THRESHOLD
    monkeypatch.setenv("WEB_GC_THRESHOLD", "0")
    assert web_settings().gc_threshold == 0
