"""`bridgework run --console` as a person meets it in a terminal: Ctrl-C stops it at once, and
logs go to stderr with timestamps while the replies alone go to stdout."""

from __future__ import annotations

import os
import pty
import re
import select
import signal
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
STAMP = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d")


def environment(tmp_path: Path) -> dict[str, str]:
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("SLACK_", "DISCORD_", "LLM_", "DATABASE_URL", "BRIDGEWORK_"))
    }
    env.update(BRIDGEWORK_DATA_DIR=str(tmp_path / "data"), LOG_LEVEL="INFO", PYTHONPATH=str(ROOT))
    return env


def test_ctrl_c_stops_the_console_at_once_without_a_traceback(tmp_path: Path) -> None:
    """In a terminal (a pseudo-terminal here), where a blocked read of the next line once kept
    the process waiting for Enter after Ctrl-C."""
    env = environment(tmp_path)
    pid, terminal = pty.fork()
    if pid == 0:  # the child: the console, on the pseudo-terminal
        os.chdir(ROOT)
        os.execve(sys.executable, [sys.executable, "-m", "bot.cli", "run", "--console"], env)
    try:
        seen = b""
        while not seen.endswith(b"> "):
            seen += read(terminal)
        os.write(terminal, b"\x03")  # Ctrl-C, as typed: the terminal sends SIGINT
        after = b""
        while chunk := read(terminal):
            after += chunk
    except AssertionError:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        _, status = os.waitpid(pid, 0)
        os.close(terminal)
    assert os.waitstatus_to_exitcode(status) == 130, after.decode()
    assert b"Traceback" not in after


def read(terminal: int) -> bytes:
    """What the console wrote next; b"" once it has exited. A stuck console fails the test after
    a generous ceiling (not a measure of speed)."""
    ready, _, _ = select.select([terminal], [], [], 60)
    if not ready:
        raise AssertionError("the console is still running: Ctrl-C left it waiting")
    try:
        return os.read(terminal, 1024)
    except OSError:  # the pseudo-terminal closes when the console exits
        return b""


def test_logs_go_to_stderr_with_timestamps_and_replies_alone_to_stdout(tmp_path: Path) -> None:
    script = tmp_path / "session.txt"
    script.write_text("+ada 'Ada Lovelace' Acme/Eng\nboss! role grant @ada lead\nada: status\n")
    done = subprocess.run(
        [sys.executable, "-m", "bot.cli", "run", "--console", "--script", str(script)],
        cwd=ROOT,
        env=environment(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "→ boss: Done: Ada is now a lead of this community." in done.stdout
    assert "INFO" not in done.stdout and "role lead granted" not in done.stdout
    logged = [line for line in done.stderr.splitlines() if "role lead granted" in line]
    assert logged and all(STAMP.match(line) for line in logged), done.stderr
