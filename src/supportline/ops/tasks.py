"""Periodic work of operations, run by `supportline worker` once per slot across workers."""

from __future__ import annotations

import logging
from typing import Any

from supportline.jobs.core import periodic
from supportline.ops.prune import PRUNE_EVERY, prune

log = logging.getLogger(__name__)


@periodic("ops.prune", every=PRUNE_EVERY)
def run_prune(payload: dict[str, Any]) -> None:
    log.info("pruned: %s", prune())
