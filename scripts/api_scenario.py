#!/usr/bin/env python3
"""A client-and-consultant scenario through the REST API, against a running SupportLine.

    make run                                   # in another terminal
    .venv/bin/python scripts/api_scenario.py   # issues tokens with `supportline token`

The client files a ticket (first with a missing field: 422 per field), the consultant takes it
from the queue, accepts, asks; the client answers; the consultant resolves; the client rates it.
Each step prints the status and both SLA clocks as the API reports them. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

TICKET = {
    "registration_number": "800123456",
    "organisation": "ООО «Ромашка»",
    "configuration": "1С:CRM ПРОФ, редакция 3.0",
    "version": "3.0.36.12",
    "subject": "Не формируется отчёт по воронке продаж",
    "body": "При формировании отчёта «Воронка продаж» появляется ошибка.",
}


class Api:
    def __init__(self, base: str, token: str) -> None:
        self.base = base.rstrip("/") + "/api/v1"
        self.token = token

    def call(self, method: str, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(  # noqa: S310 - the base URL is the operator's
            self.base + path,
            data=data,
            method=method,
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as response:  # noqa: S310
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")


def clocks(ticket: dict[str, Any]) -> str:
    sla = ticket["sla"]
    parts = []
    for name in ("reaction", "resolution"):
        c = sla[name]
        parts.append(
            f"{name}: {c['state']} {c['elapsed_minutes']}/{c['target_minutes']} мин"
            f" (пауза {c['paused_minutes']}), срок {c['due_at']}"
        )
    return "; ".join(parts)


def run(base: str, client_token: str, consultant_token: str, out: Any = sys.stdout) -> str:
    """Play the scenario; returns the ticket number. Raises AssertionError on a wrong answer."""
    client, consultant = Api(base, client_token), Api(base, consultant_token)

    def step(
        title: str, who: Api, method: str, path: str, body: dict[str, Any] | None, expect: int
    ) -> Any:
        status, payload = who.call(method, path, body)
        assert status == expect, f"{title}: HTTP {status}, expected {expect}: {payload}"
        line = f"{title}: HTTP {status}"
        if isinstance(payload, dict) and "sla" in payload:
            line += f" — {payload['status']}; {clocks(payload)}"
        elif isinstance(payload, dict) and "errors" in payload:
            line += f" — {payload['errors']}"
        print(line, file=out)
        return payload

    step("R1: without the version", client, "POST", "/tickets", {**TICKET, "version": ""}, 422)
    number = step("client files the ticket", client, "POST", "/tickets", TICKET, 201)["number"]
    taken = step(
        "consultant takes the next ticket (R14)", consultant, "POST", "/queue/take", None, 200
    )
    if taken["number"] != number:
        # With the demo loaded, older or Operational tickets come first (R14); ours waits.
        print(f"  (the queue gave {taken['number']} first: out of turn or older)", file=out)
    step("consultant accepts (R7)", consultant, "POST", f"/tickets/{number}/accept", {}, 200)
    step(
        "consultant asks (R12 pause)",
        consultant,
        "POST",
        f"/tickets/{number}/ask",
        {"text": "Пришлите снимок экрана."},
        200,
    )
    step(
        "client answers (R12 resume)",
        client,
        "POST",
        f"/tickets/{number}/reply",
        {"text": "Снимок во вложении."},
        200,
    )
    step(
        "consultant resolves (R8)",
        consultant,
        "POST",
        f"/tickets/{number}/resolve",
        {"text": "Сбросьте вариант отчёта."},
        200,
    )
    final = step(
        "client rates 5 (R13)",
        client,
        "POST",
        f"/tickets/{number}/evaluate",
        {"accepted": True, "rating": 5, "comment": "Спасибо"},
        200,
    )
    assert final["status"] == "closed", final["status"]
    return str(number)


def issue_token(username: str) -> str:
    """A token from `supportline token`, with the secret key `make run` created."""
    exe = Path(sys.executable).with_name("supportline")
    env = dict(os.environ)
    key = Path(__file__).resolve().parents[1] / "data" / "secret_key"
    if "SECRET_KEY" not in env and "SECRET_KEY_FILE" not in env and key.exists():
        env["SECRET_KEY_FILE"] = str(key)
    result = subprocess.run(  # noqa: S603 - our own command
        [str(exe), "token", username], capture_output=True, text=True, env=env
    )
    if result.returncode != 0:
        raise SystemExit(f"supportline token {username} failed: {result.stderr.strip()}")
    return result.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--client-token", help="default: issued for the demo user «client»")
    parser.add_argument("--consultant-token", help="default: issued for «consultant1»")
    args = parser.parse_args()
    number = run(
        args.base,
        args.client_token or issue_token("client"),
        args.consultant_token or issue_token("consultant1"),
    )
    print(f"OK: {number} closed with rating 5")


if __name__ == "__main__":
    main()
