"""Views of the desk: parse the request, call a service, render (STYLE §2).

- `queue` — the consultants' queue (R14), take next, a phone call registered (R6);
- `ticket` — one ticket: conversation, contracts, timeline (R16), SLA explained (R11), actions;
- `escalations` — tickets with methodologists and development, items and releases (R15);
- `supervisor` — SLA board (R11), complaints (R20), registries, production calendar (R9).
"""

from __future__ import annotations
