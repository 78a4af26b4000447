"""`supportline sla explain` through explain_main (R7, R8, R11, R12, R21)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from supportline.regulation.loader import DEFAULT_REGULATION_RESOURCE
from supportline.sla.cli import explain_main

from .simple_calendar import TEST_CALENDAR

TICKET = {
    "level": "standard",
    "now": "2025-03-05T12:00:00+03:00",
    "events": [
        {"at": "2025-03-03T10:00:00+03:00", "type": "registered"},
        {"at": "2025-03-03T10:30:00+03:00", "type": "accepted"},
        {"at": "2025-03-03T11:00:00+03:00", "type": "asked"},
        {"at": "2025-03-04T10:00:00+03:00", "type": "client_replied"},
    ],
}
EXPECTED = {
    "level": "standard",
    "reaction": {
        "target_minutes": 480,
        "elapsed_minutes": 30,
        "paused_minutes": 0,
        "due_at": None,
        "state": "met",
    },
    "resolution": {
        "target_minutes": 1440,
        # running Mon 10-11 and Tue 10:00-Wed 12:00; waiting Mon 11:00-Tue 10:00
        "elapsed_minutes": 60 + 480 + 180,
        "paused_minutes": 480,
        # 720 min left from Wed 12:00: Wed 6 h, Thu 6 h -> Thu 15:00
        "due_at": "2025-03-06T15:00:00+03:00",
        "state": "running",
    },
}


def run(argv: list[str], stdin: str = "") -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = explain_main(argv, io.StringIO(stdin), out, err, calendar=TEST_CALENDAR)
    return code, out.getvalue(), err.getvalue()


def test_r11_single_ticket_from_stdin() -> None:
    code, out, err = run(["-"], json.dumps(TICKET))
    assert (code, err) == (0, "")
    assert json.loads(out) == EXPECTED
    assert out == json.dumps(EXPECTED, ensure_ascii=False, indent=2) + "\n"


def test_r11_array_of_tickets_from_a_file(tmp_path: Path) -> None:
    other = {
        "level": "operational",
        "now": "2025-03-03T08:00:00Z",  # 11:00 Moscow
        "events": [{"at": "2025-03-03T06:00:00Z", "type": "registered"}],
    }
    path = tmp_path / "tickets.json"
    path.write_text(json.dumps([TICKET, other]), encoding="utf-8")
    code, out, _ = run([str(path)])
    assert code == 0
    results = json.loads(out)
    assert results[0] == EXPECTED
    assert results[1]["reaction"] == {
        "target_minutes": 240,
        "elapsed_minutes": 120,
        "paused_minutes": 0,
        "due_at": "2025-03-03T13:00:00+03:00",  # shown with the Moscow offset
        "state": "running",
    }


def test_r11_empty_array_gives_empty_array() -> None:
    assert run(["-"], "[]") == (0, "[]\n", "")


def test_r11_explain_lists_intervals_and_level_changes() -> None:
    ticket = {
        **TICKET,
        "events": [
            *TICKET["events"],  # type: ignore[list-item]
            {"at": "2025-03-04T11:00:00+03:00", "type": "level_changed", "level": "operational"},
        ],
    }
    code, out, _ = run(["--explain", "-"], json.dumps(ticket))
    assert code == 0
    result = json.loads(out)
    assert list(result) == ["level", "reaction", "resolution", "explain"]
    explain = result["explain"]
    assert explain["level_changes"] == [
        {"event": 4, "at": "2025-03-04T11:00:00+03:00", "from": "standard", "to": "operational"}
    ]
    assert [(i["kind"], i["working_minutes"]) for i in explain["resolution"]] == [
        ("running", 60),
        ("paused", 480),
        ("running", 480 + 180),
    ]
    assert explain["resolution"][-1]["current"] is True
    assert explain["reaction"][0] == {
        "kind": "running",
        "start": "2025-03-03T10:00:00+03:00",
        "end": "2025-03-03T10:30:00+03:00",
        "working_minutes": 30,
        "current": False,
    }
    # Operational resolution (480): 60 min on Monday, the other 420 from Tue 10:00 -> 17:00.
    assert result["resolution"]["state"] == "breached"
    assert result["resolution"]["due_at"] == "2025-03-04T17:00:00+03:00"


def test_r7_explain_takes_data_requested_and_lists_the_pause_with_its_reason() -> None:
    """An e-mail ticket without R1 data: the automatic request pauses both clocks (R7); the
    client's answer resumes them and the reaction runs until the line accepts."""
    ticket = {
        "level": "standard",
        "now": "2025-03-05T12:00:00+03:00",
        "events": [
            {"at": "2025-03-03T10:00:00+03:00", "type": "registered"},
            {"at": "2025-03-03T10:00:00+03:00", "type": "data_requested"},
            {"at": "2025-03-04T11:00:00+03:00", "type": "client_replied"},
            {"at": "2025-03-04T13:00:00+03:00", "type": "accepted"},
        ],
    }
    code, out, err = run(["--explain", "-"], json.dumps(ticket))
    assert (code, err) == (0, "")
    result = json.loads(out)
    assert result["reaction"] == {
        "target_minutes": 480,
        "elapsed_minutes": 120,  # Tue 11:00-13:00: the wait for the data does not count
        "paused_minutes": 480 + 120,  # Mon 10:00-18:00, Tue 09:00-11:00
        "due_at": None,
        "state": "met",
    }
    assert result["resolution"]["paused_minutes"] == 600
    assert result["resolution"]["elapsed_minutes"] == 7 * 60 + 3 * 60  # from Tue 11:00
    assert result["explain"]["reaction"] == [
        {
            "kind": "paused",
            "start": "2025-03-03T10:00:00+03:00",
            "end": "2025-03-04T11:00:00+03:00",
            "working_minutes": 600,
            "current": False,
            "reason": "data_requested",
        },
        {
            "kind": "running",
            "start": "2025-03-04T11:00:00+03:00",
            "end": "2025-03-04T13:00:00+03:00",
            "working_minutes": 120,
            "current": False,
        },
        {
            "kind": "stopped",
            "start": "2025-03-04T13:00:00+03:00",
            "end": "2025-03-05T12:00:00+03:00",
            "working_minutes": 5 * 60 + 3 * 60,
            "current": True,
        },
    ]
    assert [(i["kind"], i.get("reason")) for i in result["explain"]["resolution"]] == [
        ("paused", "data_requested"),
        ("running", None),
    ]
    # The pause of a clarifying question names "asked" (R12).
    code, out, _ = run(["--explain", "-"], json.dumps(TICKET))
    assert [i.get("reason") for i in json.loads(out)["explain"]["resolution"]] == [
        None,
        "asked",
        None,
    ]


def test_r21_regulation_option_uses_another_file(tmp_path: Path) -> None:
    from importlib import resources

    text = (
        resources.files("supportline.regulation")
        .joinpath(DEFAULT_REGULATION_RESOURCE)
        .read_text(encoding="utf-8")
        .replace(
            "reaction_minutes = 480      # 8 working hours\nresolution_minutes = 1440",
            "reaction_minutes = 20\nresolution_minutes = 1440",
        )
    )
    path = tmp_path / "other.toml"
    path.write_text(text, encoding="utf-8")
    code, out, _ = run(["--regulation", str(path), "-"], json.dumps(TICKET))
    assert code == 0
    reaction = json.loads(out)["reaction"]
    assert (reaction["target_minutes"], reaction["state"]) == (20, "breached")
    assert reaction["due_at"] == "2025-03-03T10:20:00+03:00"


def test_r21_bad_regulation_file_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text("schema_version = 1\n", encoding="utf-8")
    code, out, err = run(["--regulation", str(path), "-"], json.dumps(TICKET))
    assert (code, out) == (2, "")
    assert "bad.toml" in err
    assert "id: отсутствует обязательный ключ" in err


def _error(stdin: str, argv: list[str] | None = None) -> str:
    code, out, err = run(argv or ["-"], stdin)
    assert code == 2
    assert out == ""
    return err


def test_cli_client_replied_without_asked_names_the_event() -> None:
    ticket = {
        "level": "standard",
        "now": "2025-03-03T12:00:00+03:00",
        "events": [
            {"at": "2025-03-03T09:00:00+03:00", "type": "registered"},
            {"at": "2025-03-03T09:30:00+03:00", "type": "accepted"},
            {"at": "2025-03-03T09:40:00+03:00", "type": "level_changed", "level": "standard"},
            {"at": "2025-03-03T10:00:00+03:00", "type": "client_replied"},
        ],
    }
    assert _error(json.dumps(ticket)) == (
        "supportline sla explain: ошибка в событии events[3] "
        "(client_replied, 2025-03-03T10:00:00+03:00): нет предшествующего вопроса клиенту (asked)\n"
    )


def test_cli_errors_in_an_array_name_the_ticket_index() -> None:
    bad = {**TICKET, "events": [{"at": "2025-03-03T10:00:00+03:00", "type": "opened"}]}
    err = _error(json.dumps([TICKET, bad, bad]))
    lines = err.splitlines()
    assert len(lines) == 2
    assert lines[0].startswith("supportline sla explain: обращение [1]: ошибка в событии events[0]")
    assert "(opened, 2025-03-03T10:00:00+03:00)" in lines[0]
    assert "неизвестный тип события" in lines[0]
    assert lines[1].startswith("supportline sla explain: обращение [2]:")


def test_cli_invalid_json() -> None:
    assert "некорректный JSON" in _error("{")
    assert "строка 1" in _error("{")


@pytest.mark.parametrize(
    ("ticket", "message"),
    [
        ({"now": "2025-03-05T12:00:00+03:00", "events": []}, "нет обязательного ключа 'level'"),
        ({"level": "standard", "events": []}, "нет обязательного ключа 'now'"),
        (
            {"level": "standard", "now": "2025-03-05T12:00:00+03:00"},
            "нет обязательного ключа 'events'",
        ),
        ({**TICKET, "extra": 1}, "неизвестный ключ 'extra'"),
        ({**TICKET, "now": "вчера"}, "ключ 'now': ожидается дата и время ISO 8601"),
        ({**TICKET, "events": {}}, "ключ 'events': ожидается массив событий"),
        (
            {**TICKET, "events": [{"type": "registered"}]},
            "events[0] (registered): нет обязательного ключа 'at'",
        ),
        (
            {**TICKET, "events": [{"at": "2025-03-03T10:00:00+03:00"}]},
            "events[0] (2025-03-03T10:00:00+03:00): нет обязательного ключа 'type'",
        ),
        (
            {**TICKET, "events": [17]},
            "ошибка в событии events[0]: событие должно быть JSON-объектом",
        ),
        ({**TICKET, "level": "vip"}, "неизвестный уровень поддержки 'vip'"),
        ({**TICKET, "events": []}, "нет событий"),
    ],
)
def test_cli_missing_and_malformed_keys(ticket: dict[str, object], message: str) -> None:
    assert message in _error(json.dumps(ticket))


def test_cli_non_object_input() -> None:
    assert "JSON-объектом" in _error("42")


def test_cli_naive_times_are_rejected() -> None:
    ticket = {
        **TICKET,
        "events": [
            {"at": "2025-03-03T10:00:00+03:00", "type": "registered"},
            {"at": "2025-03-03T10:30:00", "type": "accepted"},
        ],
    }
    err = _error(json.dumps(ticket))
    assert "events[1] (accepted, 2025-03-03T10:30:00): время без часового пояса" in err
    naive_now = {**TICKET, "now": "2025-03-05T12:00:00"}
    assert "момент расчёта now" in _error(json.dumps(naive_now))


def test_cli_out_of_order_events() -> None:
    ticket = {
        **TICKET,
        "events": [
            {"at": "2025-03-03T10:00:00+03:00", "type": "registered"},
            {"at": "2025-03-03T09:00:00+03:00", "type": "accepted"},
        ],
    }
    assert "events[1] (accepted, 2025-03-03T09:00:00+03:00): события должны идти" in _error(
        json.dumps(ticket)
    )


def test_cli_unreadable_file_and_bad_arguments(tmp_path: Path) -> None:
    assert "не удалось прочитать" in _error("", [str(tmp_path / "missing.json")])
    code, out, err = run([])
    assert (code, out) == (2, "")
    assert "usage: supportline sla explain" in err
    code, out, err = run(["--help"])
    assert (code, err) == (0, "")
    assert "--regulation" in out
