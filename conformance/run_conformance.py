"""`make conformance`: run the InterUSS F3548 DSS probing suite against our DSS.

Starts `deconfliction serve` on a free loopback port with a fresh database and the suite's
test key trusted (issuer NoAuth; never done by default), runs
../shared/conformance/interuss/run_dss_conformance.sh against it, stops the service, prints
the per-scenario summary, and fails if a scenario listed in conformance/expected_pass.txt did
not PASS. The suite's own exit code is not the verdict: it also fails when an optional report
artifact cannot be drawn (the PyPI package lacks the EGM96 geoid file for its KML view).

Environment: FILTER and PER_SCENARIO are passed to the suite (with FILTER, only the expected
scenarios that ran are checked); SHARED_DIR overrides ../shared; KEEP_DB=1 keeps the database.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared")).resolve()
SUITE = SHARED / "conformance" / "interuss"
EXPECTED = ROOT / "conformance" / "expected_pass.txt"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, process: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"the DSS exited early with code {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    raise SystemExit(f"the DSS did not answer {url} within {timeout_s:.0f} s")


def read_summary(outdir: Path) -> dict[str, tuple[str, str]]:
    """scenario -> (status, the whole line), from summary.txt or the per-scenario files."""
    files = sorted(outdir.glob("*/summary.txt")) if os.environ.get("PER_SCENARIO") == "1" else [outdir / "summary.txt"]
    rows: dict[str, tuple[str, str]] = {}
    for path in files:
        if not path.exists():
            continue
        for line in path.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 2 and parts[0] in ("PASS", "FAIL", "ERROR", "INCOMPLETE"):
                rows[parts[1]] = (parts[0], line)
    return rows


def expected() -> list[str]:
    return [line.split("#")[0].strip() for line in EXPECTED.read_text().splitlines() if line.split("#")[0].strip()]


def main() -> int:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    outdir = ROOT / "conformance" / "out" / datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    outdir.mkdir(parents=True)
    workdir = Path(tempfile.mkdtemp(prefix="dss-conformance-"))
    serve = [
        str(Path(sys.executable).parent / "deconfliction"), "serve", "--port", str(port),
        "--db", str(workdir / "dss.db"), "--public-key", str(SUITE / "test-auth-public.pem"),
        "--issuer", "NoAuth", "--audience", "127.0.0.1", "--audience", "localhost",
    ]
    log = (outdir / "dss.log").open("wb")
    process = subprocess.Popen(serve, stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(f"{base}/docs", process)
        print(f"DSS under test at {base} (log {outdir / 'dss.log'}); running the suite, output in {outdir}", flush=True)
        subprocess.run([str(SUITE / "run_dss_conformance.sh"), base, str(outdir)], check=False)
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        if os.environ.get("KEEP_DB") != "1":
            for path in workdir.iterdir():
                path.unlink()
            workdir.rmdir()

    rows = read_summary(outdir)
    print("\n=== per-scenario summary")
    for _, line in rows.values():
        print(line)
    must_pass = expected()
    if os.environ.get("FILTER"):
        must_pass = [name for name in must_pass if name in rows]
    missing = [name for name in must_pass if rows.get(name, ("MISSING", ""))[0] != "PASS"]
    if missing:
        print(f"\nconformance FAILED: expected to pass but did not: {', '.join(missing)}")
        return 1
    print(f"\nconformance OK: all {len(must_pass)} expected scenarios passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
