"""Jobs of the 1C-Connect channel, run by `supportline worker` (issue 7 §4; R6, R12)."""

from __future__ import annotations

from typing import Any

from supportline.connect.services import connect_event_process, connect_message_send
from supportline.jobs.core import handler


@handler("connect.process_event")
def process_event(payload: dict[str, Any]) -> None:
    connect_event_process(event_id=int(payload["event"]))


@handler("connect.send_message")
def send_message(payload: dict[str, Any]) -> None:
    connect_message_send(message_id=int(payload["message"]))
