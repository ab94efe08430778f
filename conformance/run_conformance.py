"""`make conformance`: run the InterUSS F3548 suites against our DSS, one fresh server each.

1. `dss_probing`: ../shared/conformance/interuss/run_dss_conformance.sh (the DSS alone);
2. `f3548_pool`: ../shared/conformance/interuss/run_f3548_pool.sh (suites.astm.utm.f3548_21:
   three InterUSS mock_uss plan, conflict and notify each other through our DSS; ~2-3 min).

For each, starts `deconfliction serve` on a free loopback port with a fresh database and the
suites' test key trusted (issuer NoAuth; never done by default), runs the suite, stops the
service and prints the per-scenario summary. Fails unless every scenario the suite's expected
file lists (conformance/expected_pass.txt, conformance/expected_pool_pass.txt) PASSes every
time it runs, and, for the pool, no scenario FAILs, ERRORs or is INCOMPLETE (SKIPPED actions
need resources a single local DSS lacks). The suites' own exit codes are not the verdict: the
probing one also fails when an optional report artifact cannot be drawn (the PyPI package lacks
the EGM96 geoid file for its KML view).

Environment: SUITES (comma-separated, default `dss_probing,f3548_pool`) picks suites; FILTER
and PER_SCENARIO are passed to the probing suite (with FILTER, only the expected scenarios that
ran are checked); SHARED_DIR overrides ../shared; KEEP_DB=1 keeps the databases.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("SHARED_DIR", ROOT.parent / "shared")).resolve()
SUITE_DIR = SHARED / "conformance" / "interuss"
BAD = ("FAIL", "ERROR", "INCOMPLETE")


@dataclass(frozen=True)
class Suite:
    name: str
    script: str
    expected: Path
    no_failures: bool  # also fail on any FAIL/ERROR/INCOMPLETE scenario, listed or not


SUITES = (
    Suite("dss_probing", "run_dss_conformance.sh", ROOT / "conformance" / "expected_pass.txt", no_failures=False),
    Suite("f3548_pool", "run_f3548_pool.sh", ROOT / "conformance" / "expected_pool_pass.txt", no_failures=True),
)


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


def run_against_fresh_dss(suite: Suite, outdir: Path) -> None:
    """Serve a fresh database, run the suite's script against it into `outdir`, stop serving."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    workdir = Path(tempfile.mkdtemp(prefix=f"dss-{suite.name}-"))
    serve = [
        str(Path(sys.executable).parent / "deconfliction"), "serve", "--port", str(port),
        "--db", str(workdir / "dss.db"), "--public-key", str(SUITE_DIR / "test-auth-public.pem"),
        "--issuer", "NoAuth", "--audience", "127.0.0.1", "--audience", "localhost",
    ]
    outdir.mkdir(parents=True)
    with (outdir / "dss.log").open("wb") as log:
        process = subprocess.Popen(serve, stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_ready(f"{base}/docs", process)
            print(f"\n=== {suite.name}: DSS at {base}, output in {outdir}", flush=True)
            started = time.monotonic()
            subprocess.run([str(SUITE_DIR / suite.script), base, str(outdir)], check=False)
            print(f"=== {suite.name}: ran in {time.monotonic() - started:.0f} s", flush=True)
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
    if os.environ.get("KEEP_DB") == "1":
        print(f"database kept in {workdir}")
    else:
        shutil.rmtree(workdir)


def read_summary(outdir: Path) -> list[tuple[str, str, str]]:
    """(status, scenario, the whole line) per scenario run (PER_SCENARIO: from summary_all.txt)."""
    path = outdir / "summary_all.txt" if (outdir / "summary_all.txt").exists() else outdir / "summary.txt"
    rows = []
    for line in path.read_text().splitlines() if path.exists() else ():
        parts = line.split()
        if len(parts) >= 2 and parts[0] in ("PASS", "SKIPPED", *BAD) and "scenarios_filter" not in line:
            rows.append((parts[0], parts[1], line))
    return rows


def expected(path: Path) -> list[str]:
    return [name for line in path.read_text().splitlines() if (name := line.split("#")[0].strip())]


def verdict(suite: Suite, rows: list[tuple[str, str, str]]) -> list[str]:
    """The problems of one suite's run (empty when it passed)."""
    statuses: dict[str, set[str]] = {}
    for status, name, _ in rows:
        statuses.setdefault(name, set()).add(status)
    must_pass = expected(suite.expected)
    if os.environ.get("FILTER") and suite.name == "dss_probing":
        must_pass = [name for name in must_pass if name in statuses]
    problems = [f"{name}: expected PASS, got {'/'.join(sorted(statuses.get(name, {'MISSING'})))}"
                for name in must_pass if statuses.get(name) != {"PASS"}]
    if suite.no_failures:
        problems += [f"{status} {name}" for status, name, _ in rows if status in BAD and name not in must_pass]
    return problems


def main() -> int:
    wanted = os.environ.get("SUITES", ",".join(s.name for s in SUITES)).split(",")
    unknown = set(wanted) - {s.name for s in SUITES}
    if unknown:
        raise SystemExit(f"unknown suites {sorted(unknown)}; known: {', '.join(s.name for s in SUITES)}")
    root = ROOT / "conformance" / "out" / datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    results = []
    for suite in (s for s in SUITES if s.name in wanted):
        run_against_fresh_dss(suite, root / suite.name)
        results.append((suite, read_summary(root / suite.name)))

    failed = False
    for suite, rows in results:
        print(f"\n=== {suite.name}: per-scenario summary ({root / suite.name / 'summary.txt'})")
        for _, _, line in rows:
            print(line)
        problems = verdict(suite, rows)
        failed |= bool(problems)
        print(f"--- {suite.name}: " + (f"FAILED: {'; '.join(problems)}" if problems else "OK"))
    print("\nconformance " + ("FAILED" if failed else "OK"))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
