"""Start-up checks of the regulation in force (R21), run by every command (the web server's and
the worker's too): a malformed regulation file, a calendar key the service does not have, or a
channel switched on in the settings that the file does not list stops the start with a message
naming the file and the key."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks

from supportline.regulation import RegulationError


def regulation_source() -> str:
    """The regulation file in force, as the messages name it."""
    path = getattr(settings, "REGULATION_FILE", "")
    return str(path) if path else "<1c-crm.toml> (регламент по умолчанию)"


@checks.register()
def check_regulation(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from supportline.core import rules

    try:
        rules.regulation()
    except RegulationError as exc:
        return [
            checks.Error(
                str(exc),
                hint="Исправьте файл регламента или переменную REGULATION_FILE.",
                id="core.E001",
            )
        ]
    return []


def channel_errors(channel: str, switch: str, check_id: str) -> list[checks.CheckMessage]:
    """R6, R21: a channel switched on by `switch` must be one of the regulation's channels."""
    from supportline.core import rules

    try:
        regulation = rules.regulation()
    except RegulationError:
        return []  # core.E001 reports it
    if regulation.has_channel(channel):
        return []
    listed = ", ".join(c.id for c in regulation.channels)
    return [
        checks.Error(
            f"{switch} включён, но канала {channel!r} нет в регламенте {regulation_source()} "
            f"(ключ channels; в нём: {listed})",
            hint=f"Добавьте канал в [[channels]] регламента или выключите {switch}.",
            id=check_id,
        )
    ]
