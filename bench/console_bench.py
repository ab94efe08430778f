"""The map console: the browser's time to apply one update of 10,000 tracks.

Starts `deconfliction serve` (local mode) on a free loopback port with a fresh SQLite file,
posts 10,000 tracks of one party (POST /v1/tracks, 5,000 states a request), opens the console in
a headless Chromium (Debian's `chromium`, software WebGL: SwiftShader) at 1280x800 signed in as
that party, fetches the party's GET /v1/tracks body once in the page, then repeats:

  parse   JSON.parse of the body (10,000 tracks as parallel columns)
  apply   the console's update: style classes, Web Mercator positions into one Float32Array,
          handed to the GPU tracks layer (what the 1 s poll does on each answer)
  frame   from the start of parse until the next frame has drawn those tracks with the GPU's
          work finished (gl.finish in the layer's render callback)

Goal: apply (parse + apply) under 50 ms. Prints medians and p90 of each; every loop is bounded.

    .venv/bin/python bench/console_bench.py [--tracks 10000] [--repeats 30]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.console.conftest import ARGS, CHROMIUM, VIEWPORT, local_token, wait_js  # noqa: E402
from tests.serving import start_serve, stop  # noqa: E402

MEASURE = """(async () => {
  const headers = {Authorization: 'Bearer ' + sessionStorage.getItem('deconfliction.token')};
  const text = await (await fetch('/v1/tracks', {headers})).text();
  const out = [];
  for (let i = 0; i < %d; i++) {
    const t0 = performance.now();
    const body = JSON.parse(text);
    const t1 = performance.now();
    consoleDebug.applyTracks(body.tracks);
    const t2 = performance.now();
    const drawn = await consoleDebug.whenTracksRendered();
    out.push({parse: t1 - t0, apply: t2 - t1, update: t2 - t0, frame: drawn - t0, n: body.count});
    await new Promise((r) => setTimeout(r, 50));
  }
  return JSON.stringify({bytes: text.length, samples: out});
})()"""


def p90(values: list[float]) -> float:
    return sorted(values)[max(0, int(0.9 * len(values)) - 1)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tracks", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=30)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as scratch:
        process, base = start_serve("--db", str(Path(scratch) / "bench.db"))
        try:
            headers = {"Authorization": f"Bearer {local_token(base, 'fleet')}"}
            now = time.time()
            side = int(args.tracks ** 0.5) + 1
            states = [{"track": f"t{i}", "t": now, "lat": 40 + (i // side) * 0.05, "lng": 10 + (i % side) * 0.05,
                       "alt_m": 3000 + (i % 11) * 250, "gs_mps": 150, "trk_deg": (i * 37) % 360}
                      for i in range(args.tracks)]
            for k in range(0, len(states), 5000):
                httpx.post(f"{base}/v1/tracks", json={"states": states[k:k + 5000]}, headers=headers,
                           timeout=120).raise_for_status()
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
                page = browser.new_page(viewport=VIEWPORT)
                page.goto(f"{base}/#token={headers['Authorization'][7:]}")
                wait_js(page, "window.consoleState && window.consoleState.ready", timeout_s=60)
                wait_js(page, f"window.consoleState.tracks.rendered === {args.tracks}", timeout_s=60)
                result = json.loads(page.evaluate(MEASURE % args.repeats))
                browser.close()
        finally:
            stop(process)
    samples = result["samples"]
    assert all(s["n"] == args.tracks for s in samples)
    print(f"{args.tracks} tracks, {result['bytes'] / 1e6:.2f} MB of JSON, {len(samples)} updates")
    for name in ("parse", "apply", "update", "frame"):
        values = [s[name] for s in samples]
        print(f"  {name:7s} median {statistics.median(values):7.2f} ms   p90 {p90(values):7.2f} ms")
    update = statistics.median(s["update"] for s in samples)
    print(f"goal: parse + apply under 50 ms: {'met' if update < 50 else 'NOT met'} ({update:.1f} ms)")


if __name__ == "__main__":
    main()
