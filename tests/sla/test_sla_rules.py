"""Hand-checked SLA cases on the test calendar (see simple_calendar.py for its special days).

1C:CRM targets (working minutes): operational 240/480, standard 480/1440,
development_request 480/2400 (reaction/resolution).
"""

from __future__ import annotations

import datetime as dt

import pytest

from supportline.regulation import default_regulation
from supportline.sla import (
    ClockState,
    IntervalKind,
    LevelChange,
    SlaEvent,
    SlaInputError,
    TicketSla,
    compute_sla,
)

from .simple_calendar import MINUTE, TEST_CALENDAR, msk

E = SlaEvent


def sla(level: str, now: dt.datetime, *events: SlaEvent) -> TicketSla:
    return compute_sla(
        level, now, list(events), calendar=TEST_CALENDAR, regulation=default_regulation()
    )


def kinds(result_intervals: tuple[object, ...]) -> list[tuple[str, int]]:
    return [(str(i.kind), i.working_minutes) for i in result_intervals]  # type: ignore[attr-defined]


# --- R7 reaction ------------------------------------------------------------------------------


def test_r7_r9_registered_after_hours_on_friday_reaction_starts_monday_0900() -> None:
    reg = msk(2025, 3, 14, 18, 30)  # Friday, after hours
    result = sla("standard", msk(2025, 3, 17, 10, 0), E(reg, "registered"))
    assert result.reaction.elapsed_minutes == 60  # Mon 09:00-10:00
    assert result.reaction.state == ClockState.RUNNING
    assert result.reaction.due_at == msk(2025, 3, 17, 17, 0)  # 480 min from Mon 09:00


def test_r7_r9_registered_on_short_friday_before_holiday_continues_tuesday() -> None:
    # Fri 7 March ends at 17:00; Mon 10 is a holiday.
    reg = msk(2025, 3, 7, 16, 30)
    result = sla("standard", msk(2025, 3, 11, 10, 0), E(reg, "registered"))
    assert result.reaction.elapsed_minutes == 30 + 60
    assert result.reaction.due_at == msk(2025, 3, 11, 16, 30)


def test_r7_acceptance_stops_reaction_and_due_at_is_none_when_met_early() -> None:
    reg = msk(2025, 3, 14, 18, 30)
    result = sla(
        "standard",
        msk(2025, 3, 17, 12, 0),
        E(reg, "registered"),
        E(msk(2025, 3, 17, 10, 15), "accepted"),
    )
    reaction = result.reaction
    assert (reaction.target_minutes, reaction.elapsed_minutes, reaction.paused_minutes) == (
        480,
        75,
        0,
    )
    assert reaction.state == ClockState.MET
    assert reaction.due_at is None
    # The resolution clock keeps running: 21 h left from Mon 12:00 -> Wed 15:00.
    assert result.resolution.elapsed_minutes == 180
    assert result.resolution.state == ClockState.RUNNING
    assert result.resolution.due_at == msk(2025, 3, 19, 15, 0)


@pytest.mark.parametrize("stopper", ["accepted", "asked", "resolved", "refused", "redirected"])
def test_r7_first_act_of_the_line_stops_reaction(stopper: str) -> None:
    result = sla(
        "standard",
        msk(2025, 3, 4, 12, 0),
        E(msk(2025, 3, 3, 10, 0), "registered"),
        E(msk(2025, 3, 3, 10, 40), stopper),
    )
    assert result.reaction.elapsed_minutes == 40
    assert result.reaction.state == ClockState.MET


def test_r7_closed_before_any_reaction_stops_the_reaction_clock() -> None:
    result = sla(
        "standard",
        msk(2025, 3, 5, 12, 0),
        E(msk(2025, 3, 3, 10, 0), "registered"),
        E(msk(2025, 3, 3, 11, 0), "closed"),
    )
    assert result.reaction.elapsed_minutes == 60
    assert result.reaction.state == ClockState.MET


def test_r7_automatic_receipt_is_not_a_reaction_and_the_clock_breaches() -> None:
    # Only an act of the line stops the clock; a receipt is no event, a level change is none.
    result = sla(
        "standard",
        msk(2025, 3, 4, 9, 1),
        E(msk(2025, 3, 3, 9, 0), "registered"),
        E(msk(2025, 3, 3, 9, 0), "level_changed", "standard"),
    )
    assert result.reaction.elapsed_minutes == 541
    assert result.reaction.state == ClockState.BREACHED
    assert result.reaction.due_at == msk(2025, 3, 3, 17, 0)


def test_r7_later_acts_do_not_change_the_reaction() -> None:
    result = sla(
        "standard",
        msk(2025, 3, 4, 12, 0),
        E(msk(2025, 3, 3, 10, 0), "registered"),
        E(msk(2025, 3, 3, 10, 5), "asked"),
        E(msk(2025, 3, 3, 11, 0), "client_replied"),
        E(msk(2025, 3, 3, 12, 0), "accepted"),
    )
    assert result.reaction.elapsed_minutes == 5
    assert kinds(result.reaction.intervals) == [("running", 5), ("stopped", 475 + 180)]


def test_r7_breach_is_counted_in_whole_minutes() -> None:
    reg = msk(2025, 3, 3, 9, 0)
    just_in_time = sla(
        "operational",
        msk(2025, 3, 3, 15, 0),
        E(reg, "registered"),
        E(msk(2025, 3, 3, 13, 0, 59), "accepted"),
    )
    assert just_in_time.reaction.elapsed_minutes == 240  # 240 min 59 s floors to 240
    assert just_in_time.reaction.state == ClockState.MET
    assert just_in_time.reaction.due_at == msk(2025, 3, 3, 13, 0)
    late = sla(
        "operational",
        msk(2025, 3, 3, 15, 0),
        E(reg, "registered"),
        E(msk(2025, 3, 3, 13, 1), "accepted"),
    )
    assert late.reaction.state == ClockState.BREACHED


def test_r7_automatic_data_request_is_not_a_reaction_and_pauses_both_clocks() -> None:
    # E-mail without R1 data, Mon 10:00: receipt + automatic request; nobody answers for days.
    reg = msk(2025, 3, 3, 10, 0)
    result = sla("standard", msk(2025, 3, 6, 10, 0), E(reg, "registered"), E(reg, "data_requested"))
    for clock in (result.reaction, result.resolution):
        assert clock.state == ClockState.PAUSED  # neither met nor running: waiting for data
        assert clock.elapsed_minutes == 0
        assert clock.paused_minutes == 8 * 60 + 9 * 60 + 9 * 60 + 60
        assert clock.due_at is None
        (pause,) = clock.intervals
        assert (pause.kind, pause.reason, pause.current) == (
            IntervalKind.PAUSED,
            "data_requested",
            True,
        )


def test_r7_client_answer_resumes_both_and_reaction_runs_until_a_person_acts() -> None:
    reg = msk(2025, 3, 3, 10, 0)
    events = (
        E(reg, "registered"),
        E(reg, "data_requested"),
        E(msk(2025, 3, 4, 11, 0), "client_replied"),  # the data arrive Tue 11:00
    )
    running = sla("standard", msk(2025, 3, 4, 15, 0), *events)
    assert running.reaction.state == ClockState.RUNNING
    assert running.reaction.elapsed_minutes == 4 * 60
    assert running.reaction.due_at == msk(2025, 3, 5, 10, 0)  # 480 min of work from Tue 11:00
    assert running.resolution.elapsed_minutes == 4 * 60
    accepted = sla(
        "standard", msk(2025, 3, 5, 12, 0), *events, E(msk(2025, 3, 4, 16, 0), "accepted")
    )
    assert (accepted.reaction.state, accepted.reaction.elapsed_minutes) == (ClockState.MET, 300)
    assert [(i.kind, i.reason, i.working_minutes) for i in accepted.reaction.intervals] == [
        (IntervalKind.PAUSED, "data_requested", 8 * 60 + 2 * 60),
        (IntervalKind.RUNNING, None, 5 * 60),
        (IntervalKind.STOPPED, None, 2 * 60 + 3 * 60),
    ]
    # Never answered: the unaccepted ticket breaches its reaction target once 8 h have run.
    late = sla("standard", msk(2025, 3, 5, 12, 1), *events)
    assert late.reaction.state == ClockState.BREACHED


@pytest.mark.parametrize("act", ["accepted", "asked"])
def test_r7_a_persons_act_during_the_data_wait_is_the_reaction_resolution_stays_paused(
    act: str,
) -> None:
    reg = msk(2025, 3, 3, 10, 0)
    result = sla(
        "standard",
        msk(2025, 3, 4, 12, 0),
        E(reg, "registered"),
        E(reg, "data_requested"),
        E(msk(2025, 3, 3, 15, 0), act),
    )
    assert result.reaction.state == ClockState.MET
    assert result.reaction.elapsed_minutes == 0  # the wait was not the line's time
    assert result.resolution.state == ClockState.PAUSED
    (pause,) = result.resolution.intervals
    assert pause.reason == "data_requested"  # the pause keeps the reason it began with
    resumed = sla(
        "standard",
        msk(2025, 3, 4, 12, 0),
        E(reg, "registered"),
        E(reg, "data_requested"),
        E(msk(2025, 3, 3, 15, 0), act),
        E(msk(2025, 3, 4, 10, 0), "client_replied"),
    )
    assert resumed.reaction.state == ClockState.MET
    assert (resumed.resolution.state, resumed.resolution.elapsed_minutes) == (
        ClockState.RUNNING,
        120,
    )


def test_r7_a_second_data_request_pauses_again_only_the_clocks_still_running() -> None:
    reg = msk(2025, 3, 3, 10, 0)
    events = [
        E(reg, "registered"),
        E(reg, "data_requested"),
        E(msk(2025, 3, 3, 12, 0), "client_replied"),  # part of the data
        E(msk(2025, 3, 3, 13, 0), "data_requested"),  # asked again for the rest
    ]
    result = sla("standard", msk(2025, 3, 3, 17, 0), *events)
    assert [(i.kind, i.reason) for i in result.reaction.intervals] == [
        (IntervalKind.PAUSED, "data_requested"),
        (IntervalKind.RUNNING, None),
        (IntervalKind.PAUSED, "data_requested"),
    ]
    assert result.reaction.elapsed_minutes == 60 and result.reaction.paused_minutes == 6 * 60
    # Once a person has reacted, a later automatic request pauses resolution only.
    reacted = sla(
        "standard",
        msk(2025, 3, 3, 17, 0),
        *events[:3],
        E(msk(2025, 3, 3, 12, 30), "accepted"),
        E(msk(2025, 3, 3, 13, 0), "data_requested"),
    )
    assert reacted.reaction.state == ClockState.MET and reacted.reaction.elapsed_minutes == 30
    assert reacted.resolution.state == ClockState.PAUSED


def test_r7_data_request_during_client_evaluation_is_an_error() -> None:
    resolved = E(msk(2025, 3, 3, 10), "resolved")
    message = _error(REG, resolved, E(msk(2025, 3, 3, 11), "data_requested"))
    assert "events[2] (data_requested" in message and "сначала клиент отклоняет ответ" in message


# --- R8 / R12 resolution and the clarification pause --------------------------------------------

PAUSE_CASE = (
    E(msk(2025, 3, 3, 10, 0), "registered"),
    E(msk(2025, 3, 3, 10, 30), "accepted"),
    E(msk(2025, 3, 3, 11, 0), "asked"),
    E(msk(2025, 3, 4, 10, 0), "client_replied"),
    E(msk(2025, 3, 4, 15, 0), "resolved"),
)


def test_r8_r12_resolution_clock_pauses_while_waiting_for_client() -> None:
    result = sla("standard", msk(2025, 3, 5, 12, 0), *PAUSE_CASE)
    resolution = result.resolution
    # running Mon 10-11 (60) + Tue 10-15 (300); waiting Mon 11-18 + Tue 9-10 (480).
    assert resolution.elapsed_minutes == 360
    assert resolution.paused_minutes == 480
    assert resolution.state == ClockState.MET
    assert resolution.due_at is None
    assert result.reaction.elapsed_minutes == 30
    assert result.reaction.paused_minutes == 0


def test_r12_state_is_paused_and_due_at_none_while_waiting() -> None:
    result = sla("standard", msk(2025, 3, 4, 12, 0), *PAUSE_CASE[:3])
    assert result.resolution.state == ClockState.PAUSED
    assert result.resolution.due_at is None
    assert result.resolution.elapsed_minutes == 60
    assert result.resolution.paused_minutes == 420 + 180


def test_r12_client_reply_resumes_and_shifts_the_projected_due_at() -> None:
    result = sla("standard", msk(2025, 3, 4, 12, 0), *PAUSE_CASE[:4])
    resolution = result.resolution
    assert resolution.state == ClockState.RUNNING
    assert resolution.elapsed_minutes == 60 + 120
    assert resolution.paused_minutes == 480
    # 1440 - 180 = 1260 min left from Tue 12:00: Tue 6 h, Wed 9 h, Thu 6 h -> Thu 15:00.
    assert resolution.due_at == msk(2025, 3, 6, 15, 0)


def test_r12_second_question_while_waiting_keeps_the_clock_paused() -> None:
    events = [*PAUSE_CASE[:3], E(msk(2025, 3, 3, 14, 0), "asked"), *PAUSE_CASE[3:]]
    result = sla("standard", msk(2025, 3, 5, 12, 0), *events)
    assert result.resolution.elapsed_minutes == 360
    assert result.resolution.paused_minutes == 480
    assert [str(i.kind) for i in result.resolution.intervals] == [
        "running",
        "paused",
        "running",
        "evaluation",
    ]


def test_r8_r12_resolved_while_waiting_ends_the_pause() -> None:
    result = sla(
        "standard",
        msk(2025, 3, 4, 12, 0),
        *PAUSE_CASE[:3],
        E(msk(2025, 3, 3, 13, 0), "resolved"),
    )
    assert result.resolution.paused_minutes == 120
    assert result.resolution.elapsed_minutes == 60
    assert result.resolution.state == ClockState.MET
    assert result.evaluation_since == msk(2025, 3, 3, 13, 0)


def test_r12_closed_while_waiting_ends_the_pause() -> None:
    result = sla(
        "standard",
        msk(2025, 3, 4, 12, 0),
        *PAUSE_CASE[:3],
        E(msk(2025, 3, 3, 13, 0), "closed"),
    )
    assert result.resolution.paused_minutes == 120
    assert result.resolution.state == ClockState.MET
    assert kinds(result.resolution.intervals) == [
        ("running", 60),
        ("paused", 120),
        ("stopped", 300 + 180),
    ]


def test_r8_breached_past_due_at_is_found_exactly_across_running_intervals() -> None:
    # Operational resolution 480: 120 min on Monday before the question, then from Tue 09:00.
    result = sla(
        "operational",
        msk(2025, 3, 5, 10, 0),
        E(msk(2025, 3, 3, 9, 0), "registered"),
        E(msk(2025, 3, 3, 11, 0), "asked"),
        E(msk(2025, 3, 4, 9, 0), "client_replied"),
        E(msk(2025, 3, 4, 17, 0), "resolved"),
    )
    resolution = result.resolution
    assert resolution.elapsed_minutes == 600
    assert resolution.state == ClockState.BREACHED
    assert resolution.due_at == msk(2025, 3, 4, 15, 0)  # 120 + 360 = 480


def test_r8_due_at_with_seconds_is_exact_and_minutes_floor() -> None:
    result = sla(
        "operational",
        msk(2025, 3, 3, 14, 0),
        E(msk(2025, 3, 3, 9, 0, 30), "registered"),
    )
    assert result.reaction.elapsed == dt.timedelta(hours=4, minutes=59, seconds=30)
    assert result.reaction.elapsed_minutes == 299
    assert result.reaction.state == ClockState.BREACHED
    assert result.reaction.due_at == msk(2025, 3, 3, 13, 0, 30)
    assert result.resolution.due_at == msk(2025, 3, 3, 17, 0, 30)


def test_r8_clock_at_exactly_the_target_is_not_yet_breached() -> None:
    result = sla("operational", msk(2025, 3, 3, 13, 0), E(msk(2025, 3, 3, 9, 0), "registered"))
    assert result.reaction.elapsed_minutes == 240
    assert result.reaction.state == ClockState.RUNNING
    assert result.reaction.due_at == msk(2025, 3, 3, 13, 0)
    assert result.reaction.remaining_minutes == 0


def test_r8_refused_stops_both_clocks_for_good() -> None:
    result = sla(
        "standard",
        msk(2025, 3, 14, 12, 0),
        E(msk(2025, 3, 3, 9, 0), "registered"),
        E(msk(2025, 3, 3, 9, 20), "refused"),
    )
    for clock in (result.reaction, result.resolution):
        assert clock.elapsed_minutes == 20
        assert clock.state == ClockState.MET
        assert clock.due_at is None
    assert result.resolution.intervals[-1].kind == IntervalKind.STOPPED


def test_r8_redirected_after_a_breach_stays_breached() -> None:
    result = sla(
        "operational",
        msk(2025, 3, 4, 12, 0),
        E(msk(2025, 3, 3, 9, 0), "registered"),
        E(msk(2025, 3, 3, 14, 0), "redirected"),
    )
    assert result.reaction.state == ClockState.BREACHED
    assert result.reaction.due_at == msk(2025, 3, 3, 13, 0)
    assert result.resolution.state == ClockState.MET
    assert result.resolution.elapsed_minutes == 300


# --- R10 level changes ----------------------------------------------------------------------------


def test_r10_standard_to_operational_applies_operational_targets_from_registration() -> None:
    result = sla(
        "standard",
        msk(2025, 3, 4, 10, 0),
        E(msk(2025, 3, 3, 9, 0), "registered"),
        E(msk(2025, 3, 3, 9, 30), "accepted"),
        E(msk(2025, 3, 3, 15, 0), "level_changed", "operational"),
    )
    assert result.level == "operational"
    assert result.reaction.target_minutes == 240
    assert result.reaction.state == ClockState.MET
    assert result.resolution.target_minutes == 480
    assert result.resolution.elapsed_minutes == 600  # Mon 9 h + Tue 1 h
    assert result.resolution.state == ClockState.BREACHED
    assert result.resolution.due_at == msk(2025, 3, 3, 17, 0)
    assert result.level_changes == (
        LevelChange(2, msk(2025, 3, 3, 15, 0), "standard", "operational"),
    )


def test_r10_level_change_can_breach_a_reaction_given_in_time_for_the_old_level() -> None:
    result = sla(
        "standard",
        msk(2025, 3, 3, 16, 0),
        E(msk(2025, 3, 3, 9, 0), "registered"),
        E(msk(2025, 3, 3, 14, 30), "accepted"),  # 330 min: in time for standard (480)
        E(msk(2025, 3, 3, 15, 0), "level_changed", "operational"),
    )
    assert result.reaction.elapsed_minutes == 330
    assert result.reaction.state == ClockState.BREACHED
    assert result.reaction.due_at == msk(2025, 3, 3, 13, 0)  # past, found exactly


def test_r10_transfer_as_development_request_extends_the_resolution_target() -> None:
    result = sla(
        "standard",
        msk(2025, 3, 6, 12, 0),
        E(msk(2025, 3, 3, 9, 0), "registered"),
        E(msk(2025, 3, 3, 9, 10), "accepted"),
        E(msk(2025, 3, 4, 11, 0), "level_changed", "development_request"),
    )
    resolution = result.resolution
    assert result.level == "development_request"
    assert resolution.elapsed_minutes == 1800  # over the standard 1440 ...
    assert resolution.state == ClockState.RUNNING  # ... but within 2400
    # 600 min left from Thu 12:00: Thu 6 h, then Fri 7 March (short) 4 h -> 13:00.
    assert resolution.due_at == msk(2025, 3, 7, 13, 0)


def test_r10_the_level_in_force_at_now_is_the_last_change() -> None:
    result = sla(
        "operational",
        msk(2025, 3, 3, 12, 0),
        E(msk(2025, 3, 3, 9, 0), "registered"),
        E(msk(2025, 3, 3, 10, 0), "level_changed", "development_request"),
        E(msk(2025, 3, 3, 11, 0), "level_changed", "standard"),
    )
    assert result.level == "standard"
    assert [(c.from_level, c.to_level) for c in result.level_changes] == [
        ("operational", "development_request"),
        ("development_request", "standard"),
    ]


# --- R11 explanation and warnings ----------------------------------------------------------------


def test_r11_intervals_explain_every_figure() -> None:
    result = sla("standard", msk(2025, 3, 5, 12, 0), *PAUSE_CASE)
    res = result.resolution.intervals
    assert [(i.kind, i.start, i.end, i.working_minutes, i.current) for i in res] == [
        (IntervalKind.RUNNING, msk(2025, 3, 3, 10), msk(2025, 3, 3, 11), 60, False),
        (IntervalKind.PAUSED, msk(2025, 3, 3, 11), msk(2025, 3, 4, 10), 480, False),
        (IntervalKind.RUNNING, msk(2025, 3, 4, 10), msk(2025, 3, 4, 15), 300, False),
        (IntervalKind.EVALUATION, msk(2025, 3, 4, 15), msk(2025, 3, 5, 12), 6 * 60, True),
    ]
    running = sum(i.working_minutes for i in res if i.kind == IntervalKind.RUNNING)
    assert running == result.resolution.elapsed_minutes
    assert [(i.kind, i.working_minutes) for i in result.reaction.intervals] == [
        (IntervalKind.RUNNING, 30),
        (IntervalKind.STOPPED, 30 + 7 * 60 + 9 * 60 + 3 * 60),
    ]
    assert result.registered_at == msk(2025, 3, 3, 10)


def test_r11_events_at_the_same_instant_leave_no_empty_intervals() -> None:
    reg = msk(2025, 3, 3, 10, 0)
    result = sla(
        "standard",
        msk(2025, 3, 3, 11, 0),
        E(reg, "registered"),
        E(reg, "asked"),
        E(reg, "client_replied"),
    )
    assert kinds(result.resolution.intervals) == [("running", 60)]
    assert kinds(result.reaction.intervals) == [("stopped", 60)]


def test_r11_at_risk_from_the_warning_share_of_the_target() -> None:
    reg = msk(2025, 3, 3, 9, 0)  # operational reaction 240 min, warning at 0.75 -> 180 min
    assert not sla("operational", msk(2025, 3, 3, 11, 59), E(reg, "registered")).reaction.at_risk
    assert sla("operational", msk(2025, 3, 3, 12, 0), E(reg, "registered")).reaction.at_risk
    breached = sla("operational", msk(2025, 3, 3, 13, 1), E(reg, "registered")).reaction
    assert breached.state == ClockState.BREACHED
    assert not breached.at_risk


# --- R13 client evaluation -----------------------------------------------------------------------


def test_r13_reopened_resumes_from_the_time_used() -> None:
    result = sla(
        "standard",
        msk(2025, 3, 5, 12, 0),
        E(msk(2025, 3, 3, 9, 0), "registered"),
        E(msk(2025, 3, 3, 9, 5), "accepted"),
        E(msk(2025, 3, 3, 13, 0), "resolved"),
        E(msk(2025, 3, 5, 10, 0), "reopened"),
    )
    resolution = result.resolution
    assert resolution.elapsed_minutes == 240 + 120  # evaluation Mon 13:00-Wed 10:00 excluded
    assert resolution.paused_minutes == 0  # evaluation is not a clarification pause
    assert resolution.state == ClockState.RUNNING
    # 1080 min left from Wed 12:00: Wed 6 h, Thu 9 h, Fri 7 March (short) 3 h -> 12:00.
    assert resolution.due_at == msk(2025, 3, 7, 12, 0)
    assert result.evaluation_since is None


def test_r13_client_evaluation_counts_as_met_and_closing_keeps_it() -> None:
    events = (
        E(msk(2025, 3, 3, 9, 0), "registered"),
        E(msk(2025, 3, 3, 9, 5), "accepted"),
        E(msk(2025, 3, 3, 13, 0), "resolved"),
    )
    evaluating = sla("standard", msk(2025, 3, 6, 12, 0), *events)
    assert evaluating.resolution.state == ClockState.MET
    assert evaluating.resolution.due_at is None
    assert evaluating.evaluation_since == msk(2025, 3, 3, 13, 0)
    closed = sla("standard", msk(2025, 3, 6, 12, 0), *events, E(msk(2025, 3, 6, 9), "closed"))
    assert closed.resolution.state == ClockState.MET
    assert closed.resolution.elapsed_minutes == 240
    assert closed.evaluation_since is None
    assert kinds(closed.resolution.intervals)[-2:] == [
        ("evaluation", 300 + 540 + 540),
        ("stopped", 180),
    ]


def test_r13_auto_close_period_comes_from_the_regulation() -> None:
    assert default_regulation().auto_close_working_days == 3


# --- input validation -------------------------------------------------------------------------


def _error(*events: SlaEvent, now: dt.datetime | None = None, level: str = "standard") -> str:
    with pytest.raises(SlaInputError) as info:
        sla(level, now or msk(2025, 3, 6, 12, 0), *events)
    return str(info.value)


REG = E(msk(2025, 3, 3, 9, 0), "registered")


def test_input_unknown_event_type_is_named() -> None:
    message = _error(REG, E(msk(2025, 3, 3, 10, 0), "receipt_sent"))
    assert "events[1] (receipt_sent, 2025-03-03T10:00:00+03:00)" in message
    assert "неизвестный тип события" in message


def test_input_unknown_levels() -> None:
    assert "неизвестный уровень поддержки 'vip'" in _error(
        REG, E(msk(2025, 3, 3, 10), "level_changed", "vip")
    )
    with pytest.raises(SlaInputError, match="начальный уровень"):
        sla("vip", msk(2025, 3, 6), REG)


def test_r10_level_changed_without_level_and_level_on_other_events() -> None:
    assert "не указан новый уровень" in _error(REG, E(msk(2025, 3, 3, 10), "level_changed"))
    assert "только у события level_changed" in _error(
        REG, E(msk(2025, 3, 3, 10), "accepted", "operational")
    )


def test_input_events_out_of_chronological_order() -> None:
    message = _error(REG, E(msk(2025, 3, 3, 11), "accepted"), E(msk(2025, 3, 3, 10), "asked"))
    assert "events[2] (asked, 2025-03-03T10:00:00+03:00)" in message
    assert "хронологическом порядке" in message


def test_input_registered_must_be_first_and_once() -> None:
    assert "первым событием должно быть registered" in _error(
        E(msk(2025, 3, 3, 9), "accepted"), REG
    )
    assert "events[1] (registered" in _error(REG, E(msk(2025, 3, 3, 10), "registered"))
    with pytest.raises(SlaInputError, match="нет событий"):
        sla("standard", msk(2025, 3, 6))


def test_r12_client_replied_without_a_pending_question() -> None:
    message = _error(REG, E(msk(2025, 3, 3, 10), "client_replied"))
    assert message == (
        "ошибка в событии events[1] (client_replied, 2025-03-03T10:00:00+03:00): "
        "нет предшествующего вопроса клиенту (asked)"
    )
    # The question was answered already: a second reply has no pending question either.
    assert "events[3] (client_replied" in _error(
        REG,
        E(msk(2025, 3, 3, 10), "asked"),
        E(msk(2025, 3, 3, 11), "client_replied"),
        E(msk(2025, 3, 3, 12), "client_replied"),
    )


def test_r13_reopened_without_resolved_and_evaluation_rules() -> None:
    assert "нет предшествующего ответа (resolved)" in _error(
        REG, E(msk(2025, 3, 3, 10), "reopened")
    )
    resolved = E(msk(2025, 3, 3, 10), "resolved")
    assert "повторный resolved" in _error(REG, resolved, E(msk(2025, 3, 3, 11), "resolved"))
    assert "сначала клиент отклоняет ответ" in _error(
        REG, resolved, E(msk(2025, 3, 3, 11), "asked")
    )


@pytest.mark.parametrize("final", ["closed", "refused", "redirected", "merged"])
@pytest.mark.parametrize("after", ["accepted", "level_changed", "reopened"])
def test_input_nothing_after_the_ticket_is_finished(final: str, after: str) -> None:
    level = "operational" if after == "level_changed" else None
    message = _error(REG, E(msk(2025, 3, 3, 10), final), E(msk(2025, 3, 3, 11), after, level))
    assert f"events[2] ({after}" in message
    assert f"завершено событием events[1] ({final})" in message


def test_input_naive_datetimes_are_rejected() -> None:
    message = _error(REG, E(dt.datetime(2025, 3, 3, 10), "accepted"))
    assert "events[1] (accepted, 2025-03-03T10:00:00)" in message
    assert "без часового пояса" in message
    with pytest.raises(SlaInputError, match="now"):
        sla("standard", dt.datetime(2025, 3, 6), REG)


def test_input_event_after_now_is_rejected() -> None:
    message = _error(REG, E(msk(2025, 3, 3, 12), "accepted"), now=msk(2025, 3, 3, 11))
    assert "events[1] (accepted" in message
    assert "позже момента расчёта now" in message


def test_input_equal_instants_are_kept_in_the_given_order() -> None:
    at = msk(2025, 3, 3, 10)
    result = sla("standard", msk(2025, 3, 3, 12), REG, E(at, "asked"), E(at, "client_replied"))
    assert result.resolution.state == ClockState.RUNNING
    assert "нет предшествующего вопроса" in _error(REG, E(at, "client_replied"), E(at, "asked"))


def test_plain_tuples_are_accepted_as_events() -> None:
    result = compute_sla(
        "standard",
        msk(2025, 3, 3, 10),
        [(msk(2025, 3, 3, 9), "registered", None)],
        calendar=TEST_CALENDAR,
        regulation=default_regulation(),
    )
    assert result.reaction.elapsed == 60 * MINUTE


def test_r7_r8_a_duplicate_merged_into_another_ticket_stops_both_clocks_for_good() -> None:
    """Issue 14 §6: `merged` is final, like `closed` (the question is served elsewhere)."""
    result = sla("standard", msk(2025, 3, 6, 12), REG, E(msk(2025, 3, 3, 11), "merged"))
    assert result.reaction.state == ClockState.MET
    assert result.resolution.state == ClockState.MET
    assert result.reaction.elapsed_minutes == result.resolution.elapsed_minutes
    assert kinds(result.resolution.intervals)[-1][0] == str(IntervalKind.STOPPED)
