"""The regulation of a consultation line is data (R21).

A regulation file (TOML) holds the line's levels and targets, working hours, calendar id, scope
categories, channels, addresses, portal offers and standard answers. It is validated when
loaded; anything malformed raises :class:`RegulationError` naming the key path. The 1C:CRM
regulation ships as the default (:func:`default_regulation`); another vendor's line runs on its
own file (:func:`load_regulation`).
"""

from __future__ import annotations

from supportline.regulation.loader import (
    KNOWN_CHANNELS,
    default_regulation,
    load_regulation,
    parse_regulation,
)
from supportline.regulation.model import (
    Channel,
    Contacts,
    Level,
    Offer,
    Regulation,
    RegulationError,
    ScopeCategory,
    StandardAnswers,
    Text,
    WorkingHours,
)

__all__ = [
    "KNOWN_CHANNELS",
    "Channel",
    "Contacts",
    "Level",
    "Offer",
    "Regulation",
    "RegulationError",
    "ScopeCategory",
    "StandardAnswers",
    "Text",
    "WorkingHours",
    "default_regulation",
    "load_regulation",
    "parse_regulation",
]
