"""Benchmark: supportline.worktime against businesstimedelta and pandas CustomBusinessHour.

Run: .venv/bin/python bench/worktime.py [--samples N]

All three get the same aware Moscow instants and whole-hour durations (the only durations
CustomBusinessHour can express) in one process. The baselines are configured with the
same hours and with our data's holidays and transferred days off; neither can express
working Saturdays or shortened days, so their answers differ from ours on such dates (the
agreement rate is printed). Timing is the best of several passes over the samples.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import businesstimedelta
import pandas as pd
import pytz
from pandas.tseries.offsets import CustomBusinessHour

from supportline.worktime import Calendar, DayOff, default_calendar, load_packaged_years

MOSCOW = ZoneInfo("Europe/Moscow")


def best_per_op_us(run: Callable[[], object], count: int, passes: int) -> float:
    best = float("inf")
    for _ in range(passes):
        started = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - started)
    return best / count * 1e6


def make_samples(count: int, seed: int) -> tuple[list[datetime], list[datetime], list[int]]:
    rng = random.Random(seed)
    first = datetime(2023, 1, 1, tzinfo=MOSCOW)
    span = int((datetime(2026, 12, 1, tzinfo=MOSCOW) - first).total_seconds())

    def instant() -> datetime:
        return (first + timedelta(seconds=rng.randrange(span))).astimezone(MOSCOW)

    starts = [instant() for _ in range(count)]
    # Second instants up to ~3 weeks later, so "between" spans realistic SLA periods.
    ends = [s + timedelta(seconds=rng.randrange(21 * 86400)) for s in starts]
    hours = [rng.randrange(1, 60) for _ in range(count)]
    return starts, ends, hours


def whole_seconds(delta: timedelta) -> timedelta:
    """businesstimedelta drops microseconds; compare at its precision."""
    return delta // timedelta(seconds=1) * timedelta(seconds=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=20_000, help="instants for ours")
    parser.add_argument("--baseline-samples", type=int, default=400, help="for the baselines")
    parser.add_argument("--seed", type=int, default=20250301)
    args = parser.parse_args()

    calendar = default_calendar()
    starts, ends, hours = make_samples(args.samples, args.seed)
    durations = [timedelta(hours=h) for h in hours]
    calendar.preload(2022, 2028)  # first-use table building is not what we measure

    days_off = sorted(
        {d for y in load_packaged_years().values() for d in y.holidays}
        | {o.day for y in load_packaged_years().values() for o in y.days_off}
    )

    # -- ours -----------------------------------------------------------------------------
    add = calendar.add_working_time
    between = calendar.working_time_between
    pairs_add = list(zip(starts, durations, strict=True))
    pairs_between = list(zip(starts, ends, strict=True))
    n = len(starts)
    ours_add = best_per_op_us(lambda: [add(s, d) for s, d in pairs_add], n, 7)
    ours_between = best_per_op_us(lambda: [between(a, b) for a, b in pairs_between], n, 7)

    # -- businesstimedelta ------------------------------------------------------------------
    m = min(args.baseline_samples, n)
    tz = pytz.timezone("Europe/Moscow")
    rules = businesstimedelta.Rules(
        [
            businesstimedelta.WorkDayRule(
                start_time=datetime.min.time().replace(hour=9),
                end_time=datetime.min.time().replace(hour=18),
                working_days=[0, 1, 2, 3, 4],
                tz=tz,
            ),
            businesstimedelta.HolidayRule(set(days_off), tz=tz),
        ]
    )
    deltas = [businesstimedelta.BusinessTimeDelta(rules, hours=h) for h in hours[:m]]
    btd_pairs_add = list(zip(starts[:m], deltas, strict=True))
    btd_add = best_per_op_us(lambda: [s + d for s, d in btd_pairs_add], m, 3)
    btd_between = best_per_op_us(
        lambda: [rules.difference(a, b) for a, b in pairs_between[:m]], m, 3
    )
    # Agreement, once with our full calendar and once with a copy that drops what the
    # baselines cannot express: the second must agree everywhere (a cross-check of both).
    plain = Calendar(
        years={
            year: dataclasses.replace(
                data,
                working_weekends=(),
                short_days=(),
                totals=None,
                days_off=tuple(DayOff(off.day) for off in data.days_off),
            )
            for year, data in load_packaged_years().items()
        }
    )
    btd_agree = {}
    for label, cal in (("full", calendar), ("plain", plain)):
        agree_add = sum(
            (s + d) == cal.add_working_time(s, timedelta(hours=h))
            for s, d, h in zip(starts[:m], deltas, hours[:m], strict=True)
        )
        agree_between = sum(
            rules.difference(a, b).timedelta == whole_seconds(cal.working_time_between(a, b))
            for a, b in pairs_between[:m]
        )
        btd_agree[label] = (agree_add, agree_between)

    # -- pandas CustomBusinessHour ----------------------------------------------------------
    holidays = [d.isoformat() for d in days_off]
    offsets = {
        h: CustomBusinessHour(n=h, start="09:00", end="18:00", holidays=holidays)
        for h in set(hours[:m])
    }
    hourly = CustomBusinessHour(start="09:00", end="18:00", holidays=holidays)
    stamps = [pd.Timestamp(s) for s in starts[:m]]  # converted outside the timing: generous
    stamp_ends = [pd.Timestamp(b) for b in ends[:m]]
    pd_pairs_add = [(t, offsets[h]) for t, h in zip(stamps, hours[:m], strict=True)]
    pd_pairs_between = list(zip(stamps, stamp_ends, strict=True))
    pd_add = best_per_op_us(lambda: [t + o for t, o in pd_pairs_add], m, 3)
    pd_between = best_per_op_us(
        lambda: [len(pd.date_range(a, b, freq=hourly)) for a, b in pd_pairs_between], m, 3
    )
    pd_agree_add = sum(
        (t + o).to_pydatetime() == add(s, timedelta(hours=h))
        for (t, o), s, h in zip(pd_pairs_add, starts[:m], hours[:m], strict=True)
    )

    # -- report -----------------------------------------------------------------------------
    print(f"samples: ours {n}, baselines {m} (same leading instants); aware Europe/Moscow")
    print(f"{'operation':<10}{'ours µs/op':>12}{'btd µs/op':>12}{'btd/ours':>10}"
          f"{'pandas µs/op':>14}{'pandas/ours':>13}")  # fmt: skip
    for name, ours, btd, pds in (
        ("add", ours_add, btd_add, pd_add),
        ("between", ours_between, btd_between, pd_between),
    ):
        print(f"{name:<10}{ours:>12.2f}{btd:>12.1f}{btd / ours:>9.0f}x"
              f"{pds:>14.1f}{pds / ours:>12.0f}x")  # fmt: skip
    print()
    print(f"ours < 3 µs/op: add {'yes' if ours_add < 3 else 'NO'}, "
          f"between {'yes' if ours_between < 3 else 'NO'}; "
          f">= 100x businesstimedelta: add {'yes' if btd_add / ours_add >= 100 else 'NO'}, "
          f"between {'yes' if btd_between / ours_between >= 100 else 'NO'}")  # fmt: skip
    full_add, full_between = btd_agree["full"]
    plain_add, plain_between = btd_agree["plain"]
    print(
        f"agreement with ours: businesstimedelta add {full_add}/{m}, between {full_between}/{m}"
        f" (to the second); pandas add {pd_agree_add}/{m}"
    )
    print(
        "  ours without working weekends/short days vs businesstimedelta: "
        f"add {plain_add}/{m}, between {plain_between}/{m}"
    )
    print(
        "notes: the baselines know our holidays and transferred days off but cannot express "
        "working Saturdays or 17:00 short days;\n"
        "       pandas also rolls an exact day close over to the next opening (09:00 + 9 h -> "
        "next day 09:00, ours 18:00);\n"
        "       pandas has no business-time difference: its 'between' counts business hours "
        "with date_range (hour-grained, not exact);\n"
        "       businesstimedelta's difference drops microseconds."
    )


if __name__ == "__main__":
    main()
