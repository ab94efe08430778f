"""`deconfliction --version`, in process and as the installed command."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import version
from pathlib import Path

from typer.testing import CliRunner

from deconfliction.cli import app

CLI = str(Path(sys.executable).parent / "deconfliction")


def test_version_option_prints_name_and_version() -> None:
    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0, result.output
    assert result.stdout == f"deconfliction {version('deconfliction')}\n"


def test_installed_command_prints_version_and_exits_0() -> None:
    r = subprocess.run([CLI, "--version"], check=False, capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert r.stdout == f"deconfliction {version('deconfliction')}\n"


def test_version_option_is_listed_and_commands_still_run() -> None:
    runner = CliRunner()
    assert "--version" in runner.invoke(app, ["--help"]).stdout
    assert runner.invoke(app, ["ledger", "--help"]).exit_code == 0
