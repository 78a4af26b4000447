"""Issue 10: one write path for the ticket domain, enforced.

Two checks that import-linter cannot make (it sees imports, not writes):
- code outside `supportline/tickets/actions/` never creates, changes or deletes tickets,
  messages, events, attachments, complaints, development items or update-access details;
- no module imports a private name (`_x`) of another module of ours.
Each check is also run on a deliberate violation, so a checker that finds nothing cannot pass.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "supportline"
ACTIONS = PACKAGE / "tickets" / "actions"

DOMAIN_MODELS = frozenset(
    {
        "Ticket",
        "Message",
        "TicketEvent",
        "Attachment",
        "Complaint",
        "DevelopmentItem",
        "UpdateAccessDetails",
    }
)
# Related managers of the domain (ticket.messages.create(...), complaint.tickets.set(...)).
DOMAIN_RELATIONS = frozenset({"messages", "events", "attachments", "tickets", "update_access"})
# Local names that, by this codebase's naming, hold a domain row.
DOMAIN_VARIABLES = frozenset(
    {"ticket", "message", "attachment", "complaint", "item", "details", "event"}
)
WRITES = frozenset(
    {
        "create",
        "bulk_create",
        "get_or_create",
        "update_or_create",
        "update",
        "bulk_update",
        "delete",
        "save",
        "add",
        "set",
        "remove",
        "clear",
    }
)


def _chain(node: ast.expr) -> list[str]:
    """The names along an attribute/call chain: `Ticket.objects.filter(x).update` →
    ["Ticket", "objects", "filter", "update"]."""
    names: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Subscript):
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            break
        else:
            break
    return names[::-1]


def domain_writes(source: str, filename: str = "<src>") -> list[str]:
    """Every call in `source` that writes a ticket-domain row, as "file:line: code"."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if node.func.attr not in WRITES:
            continue
        chain = _chain(node.func.value)
        if not chain:
            continue
        through_model = chain[0] in DOMAIN_MODELS and "objects" in chain
        through_relation = len(chain) >= 2 and chain[-1] in DOMAIN_RELATIONS
        on_row = chain[0] in DOMAIN_VARIABLES and (
            len(chain) == 1 or chain[1:] == ["file"]  # attachment.file.save(...)
        )
        if through_model or through_relation or on_row:
            found.append(f"{filename}:{node.lineno}: {ast.unparse(node)[:100]}")
    return found


def private_imports(source: str, filename: str = "<src>") -> list[str]:
    """`from supportline.x import _name`, and `module._name` on a module of ours."""
    tree = ast.parse(source, filename)
    found = []
    our_modules: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("supportline"):
            for alias in node.names:
                if alias.name.startswith("_") and not alias.name.startswith("__"):
                    found.append(
                        f"{filename}:{node.lineno}: from {node.module} import {alias.name}"
                    )
                else:
                    our_modules.add(alias.asname or alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("supportline"):
                    our_modules.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in our_modules
            and node.attr.startswith("_")
            and not node.attr.startswith("__")
            and node.attr != "_meta"  # Django's public model options
        ):
            found.append(f"{filename}:{node.lineno}: {node.value.id}.{node.attr}")
    return found


def _sources(*, outside_actions: bool) -> list[Path]:
    files = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        if outside_actions and ACTIONS in path.parents:
            continue
        files.append(path)
    return files


def test_no_ticket_domain_write_outside_the_actions() -> None:
    found = []
    for path in _sources(outside_actions=True):
        found += domain_writes(path.read_text(), str(path.relative_to(ROOT)))
    assert found == [], "ticket-domain rows written outside tickets/actions/:\n" + "\n".join(found)


def test_no_private_name_crosses_a_module() -> None:
    found = []
    for path in _sources(outside_actions=False):
        found += private_imports(path.read_text(), str(path.relative_to(ROOT)))
    assert found == [], "private names imported across modules:\n" + "\n".join(found)


@pytest.mark.parametrize(
    "code",
    [
        "Ticket.objects.filter(pk=1).update(connect_conversation='x')",
        "Message.objects.create(ticket=t, body='x')",
        "ticket.save(update_fields=['status'])",
        "attachment.file.save('a.txt', content)",
        "complaint.tickets.set(found)",
        "TicketEvent.objects.bulk_create(rows)",
    ],
)
def test_the_write_check_catches_a_deliberate_violation(code: str) -> None:
    assert domain_writes(code), code


def test_the_write_check_leaves_other_rows_and_reads_alone() -> None:
    code = (
        "InboundMail.objects.create(raw=b'')\n"
        "mail.save()\n"
        "Ticket.objects.filter(pk=1).exists()\n"
        "attrs.update({'a': 1})\n"
    )
    assert domain_writes(code) == []


def test_the_private_import_check_catches_a_deliberate_violation() -> None:
    code = (
        "from supportline.tickets.actions.steps import _hidden\n"
        "from supportline.tickets import access\n"
        "access._active(user)\n"
    )
    assert len(private_imports(code)) == 2


def test_the_import_contracts_hold_and_catch_a_violation(tmp_path: Path) -> None:
    """`lint-imports` keeps the layers (run by `make lint` too); a copy of the package with the
    SLA core importing Django breaks the first contract."""
    lint = Path(sys.executable).with_name("lint-imports")
    ok = subprocess.run([str(lint)], cwd=ROOT, capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stdout + ok.stderr

    copy = tmp_path / "src"
    copy.mkdir()
    subprocess.run(["cp", "-r", str(PACKAGE), str(copy)], check=True)
    clock = copy / "supportline" / "sla" / "clock.py"
    clock.write_text(clock.read_text() + "\nimport django  # deliberate violation\n")
    (tmp_path / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text())
    broken = subprocess.run(
        [str(lint)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
        env={"PYTHONPATH": str(copy), "PATH": "/usr/bin:/bin"},
    )
    assert broken.returncode != 0
    assert "BROKEN" in broken.stdout and "pure core" in broken.stdout
