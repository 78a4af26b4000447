"""Reports of the consultation line for supervisors (issue 16): SLA compliance in working hours,
CSAT, backlog, contract and scope outcomes, a what-if replay under a draft regulation and the
breach forecast of the board.

Every duration comes from the one SLA clock (`supportline.sla`, through the ticket's frozen
figures or `compute_sla` over its events) and the line's calendar (`supportline.core.rules`);
nothing here counts working time itself. The screens (desk) and the REST API call
`supportline.reports.figures.sla_report`; the worker mails the monthly one (`tasks`).
"""
