"""Reads of the desk, one module per screen as in `desk/views/` (STYLE §2).

- `queue` — the consultants' queue (R14);
- `ticket` — one ticket: conversation, contracts, timeline (R16), SLA explained (R11);
- `escalations` — transferred tickets, development items, releases (R15);
- `board` — the supervisor's SLA board (R11);
- `complaints` — the complaints list (R20);
- `registries` — organisations and partners with their registrations and contracts (R2);
- `calendar` — the production calendar of a year (R9);
- `common` — what several screens share: a clock's display state, a queue row, a registration
  card, the kind of a day.

Every read that spans relations lives here with its joins planned. Queue and board figures come
from the stored SLA columns (R11) plus the working calendar — never from running the full clock
per row; only the ticket page runs the clock, once, to explain it. Wording of times, durations
and regulation names comes from `core.formatting`, never from template code.
"""

from __future__ import annotations
