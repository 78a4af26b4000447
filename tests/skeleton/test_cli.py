"""The `supportline` entry point wraps Django management."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys


def test_supportline_command_runs_django_management() -> None:
    exe = shutil.which("supportline", path=os.path.dirname(sys.executable))
    assert exe, "the console entry point `supportline` is installed beside the interpreter"
    env = {**os.environ, "DEBUG": "1"}
    result = subprocess.run([exe, "help"], capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 0, result.stderr
    for command in ("migrate", "runserver", "demo"):
        assert command in result.stdout
