"""The attacks that broke the registry, kept as regression tests: each is refused with 4xx naming
the field before anything is stored, and what is stored always renders."""

from __future__ import annotations

import copy

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from deconfliction.geo import cache as geo_cache
from deconfliction.store.schema import declarations, ledger, reports

from .helpers import CRS, OIR, SUBS, new_id, oir_body, sub_body, volume


def _counts(client: TestClient) -> tuple[int, int, int]:
    with client.app.state.core.db.read() as c:
        return tuple(c.execute(select(func.count()).select_from(t)).scalar_one()  # type: ignore[return-value]
                     for t in (declarations, ledger, reports))


def _with(body: dict, path: list, value: object) -> dict:
    body = copy.deepcopy(body)
    target = body
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = value
    return body


@pytest.mark.parametrize(("path", "value", "field", "status"), [
    (["extents", 0, "time_end", "value"], "9999-12-31T23:59:59-14:00", "extents[0].time_end.value", 400),
    (["extents", 0, "time_start", "value"], "0001-01-01T00:00:00+14:00", "extents[0].time_start.value", 400),
    (["extents", 0, "volume", "altitude_upper", "value"], 1e6, "extents.0.volume.altitude_upper.value", 400),
    (["uss_base_url"], "https://" + "x" * 1_000_000, "uss_base_url", 400),
    (["uss_base_url"], "javascript:alert(1)", "uss_base_url", 400),
    (["key"], [f"ovn-{i:012d}-xxxxxxxx" for i in range(20_000)], "key", 400),
    (["key"], [f"ovn-{i:012d}-xxxxxxxx" for i in range(85_000)], "body", 413),  # over the body limit: unread
    (["extents", 0, "volume", "outline_polygon", "vertices", 1, "lat"], "north",
     "extents[0].volume.outline_polygon.vertices[1].lat", 400),
    (["extents", 0, "volume", "outline_polygon", "vertices", 2, "lng"], 180.5,
     "extents[0].volume.outline_polygon.vertices[2].lng", 400),
    (["extents", 0, "volume", "outline_polygon", "vertices", 0], [34.0, 33.0],
     "extents[0].volume.outline_polygon.vertices[0]", 400),
    (["extents", 0, "volume", "outline_polygon", "vertices", 0, "lat"], True,
     "extents[0].volume.outline_polygon.vertices[0].lat", 400),
    (["extents"], [volume()] * 150, "extents", 400),
    (["extents"], [volume()] * 10_000, "body", 413),
])
def test_poisoned_intents_are_refused_naming_the_field_and_store_nothing(client: TestClient, as_uss, path, value,
                                                                          field, status) -> None:
    before = _counts(client)
    r = client.put(f"{OIR}/{new_id()}", json=_with(oir_body(), path, value), headers=as_uss())
    assert r.status_code == status, r.text[:300]
    assert r.json()["field"].replace("[", ".").replace("]", "") == field.replace("[", ".").replace("]", "")
    assert _counts(client) == before


def test_an_intent_may_reach_30_days_ahead_and_no_further(client: TestClient, as_uss) -> None:
    far = volume(start_in_s=29 * 86_400, duration_s=2 * 86_400)
    r = client.put(f"{OIR}/{new_id()}", json=oir_body(far), headers=as_uss())
    assert r.status_code == 400 and "30 days" in r.json()["message"]
    ok = volume(start_in_s=29 * 86_400, duration_s=3600)
    assert client.put(f"{OIR}/{new_id()}", json=oir_body(ok), headers=as_uss()).status_code == 201


@pytest.mark.parametrize("where", ["query", "subscription", "intent", "constraint"])
def test_a_huge_circle_is_refused_everywhere(client: TestClient, as_uss, where) -> None:
    from .helpers import CM
    huge = volume(circle_m=1e200)
    if where == "query":
        r = client.post(f"{OIR}/query", json={"area_of_interest": huge}, headers=as_uss())
    elif where == "subscription":
        r = client.put(f"{SUBS}/{new_id()}", json=sub_body(huge), headers=as_uss())
    elif where == "intent":
        r = client.put(f"{OIR}/{new_id()}", json=oir_body(huge), headers=as_uss())
    else:
        r = client.put(f"{CRS}/{new_id()}", json={"extents": [huge], "uss_base_url": "https://u.example"},
                       headers=as_uss("uss1", CM))
    assert r.status_code == 400 and "radius" in r.json()["message"]


def test_reports_that_cannot_be_rendered_or_are_huge_are_refused(client: TestClient, as_uss) -> None:
    before = _counts(client)
    exchange = {"url": "x", "method": "GET", "recorder_role": "Client", "request_source": "uss1",
                "request_time": {"value": "2026-11-22T00:00:00Z", "format": "RFC3339"}}
    r = client.post("/dss/v1/reports", json={"exchange": {**exchange, "n": 2**64}}, headers=as_uss())
    assert r.status_code == 400 and r.json()["field"].startswith("exchange")
    r = client.post("/dss/v1/reports", json={"exchange": {**exchange, "blob": "x" * 100_000}}, headers=as_uss())
    assert r.status_code == 413
    assert _counts(client) == before
    assert client.post("/dss/v1/reports", json={"exchange": exchange}, headers=as_uss()).status_code == 201


def test_path_values_are_bounded(client: TestClient, as_uss) -> None:
    r = client.delete(f"{OIR}/{new_id()}/{'o' * 5000}", headers=as_uss())
    assert r.status_code == 400 and "ovn" in r.json()["message"]


def test_what_is_stored_renders_at_the_edges_of_the_accepted_times(client: TestClient, as_uss) -> None:
    """The largest accepted times render: a query far in the future or past answers 200."""
    for start in (-1.7e9, 5.5e9):  # near 1970 and near 2200 (relative to now)
        aoi = volume(start_in_s=start, duration_s=60)
        r = client.post(f"{OIR}/query", json={"area_of_interest": aoi}, headers=as_uss())
        assert r.status_code in (200, 400), r.text


def test_a_heavy_body_is_parsed_and_its_hulls_and_boxes_prepared_off_the_event_loop() -> None:
    """What the serialized decision looks up for a heavy polygon (its convex hull, the index boxes)
    is computed in the worker thread that parses it, so the writer finds it cached."""
    import asyncio
    import math
    import threading

    from deconfliction.api.deps import HEAVY_VERTICES, off_loop_if_heavy
    from deconfliction.geo import Interval, LatLng, Polygon, Volume4D
    from deconfliction.geo.index import box_of
    from deconfliction.geo.matching import convex_hull

    n = HEAVY_VERTICES * 5
    polygon = Polygon(tuple(LatLng(37.3 + 0.05 * math.sin(2 * math.pi * k / n), -80.5 + 0.06 * math.cos(2 * math.pi * k / n))
                            for k in range(n)))
    volume = Volume4D(polygon, Interval(0, 120), Interval(1e9, 1e9 + 600))
    threads = []

    def parse() -> tuple[Volume4D, ...]:
        threads.append(threading.current_thread())
        return (volume,)

    async def run() -> None:
        await off_loop_if_heavy(parse, n)
    asyncio.run(run())
    assert threads and threads[0] is not threading.main_thread()
    assert polygon in convex_hull.cache._entries and volume in box_of.cache._entries
    hull_misses, box_misses = convex_hull.cache.misses, box_of.cache.misses
    convex_hull(polygon), box_of(volume), box_of(Volume4D(convex_hull(polygon), volume.altitude_m, volume.time_s))
    assert (convex_hull.cache.misses, box_of.cache.misses) == (hull_misses, box_misses)


def test_a_lone_surrogate_is_refused_as_invalid_json_and_nothing_is_stored(client: TestClient, as_uss) -> None:
    """Text that cannot be stored as UTF-8 is refused at the parse, not stored and then failed on."""
    before = _counts(client)
    body = (b'{"exchange": {"url": "x", "method": "GET", "recorder_role": "Client", "request_source": "\\ud800",'
            b' "request_time": {"value": "2026-11-22T00:00:00Z", "format": "RFC3339"}}}')
    r = client.post("/dss/v1/reports", content=body, headers={**as_uss(), "Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    assert "JSON" in r.json()["message"], r.json()  # the field is the position in the text
    assert _counts(client) == before


def test_the_pair_a_heavy_write_crosses_is_computed_off_the_event_loop(client: TestClient, as_uss, monkeypatch) -> None:
    """A heavy intent crossing a stored heavy one: the exact pair (projection, whether they meet,
    the count of crossings) is computed in a worker thread before the serialized decision, which
    then finds it kept. Both writes succeed, the second with the first's OVN in its key. A heavy
    query over both finds whether it meets each off the loop too."""
    import asyncio

    from deconfliction.geo import intersect

    from ..geo.heavy import comb

    on_loop: list[tuple[str, bool]] = []

    def recorded(name: str):  # type: ignore[no-untyped-def]
        real = getattr(intersect, name)

        def call(*args, **kwargs):  # type: ignore[no-untyped-def]
            try:
                asyncio.get_running_loop()
                on_loop.append((name, True))
            except RuntimeError:
                on_loop.append((name, False))
            return real(*args, **kwargs)
        return call
    for name in ("interiors_meet", "crossings_at_most"):  # whether the pair meets; its crossings
        monkeypatch.setattr(intersect, name, recorded(name))

    def extent(transposed: bool) -> dict[str, object]:
        body = volume()
        body["volume"]["outline_polygon"] = {"vertices": [{"lat": lat, "lng": lng} for lat, lng in
                                                          comb(2_000, (37.0, -80.0), transposed=transposed)]}
        return body
    first = client.put(f"{OIR}/{new_id()}", json=oir_body(extent(False)), headers=as_uss("uss1"))
    assert first.status_code == 201, first.text
    ovn = first.json()["operational_intent_reference"]["ovn"]
    for cache in geo_cache.geometry_caches():
        cache.clear()
    on_loop.clear()
    second = client.put(f"{OIR}/{new_id()}", json=oir_body(extent(True), key=[ovn]), headers=as_uss("uss2"))
    assert second.status_code == 201, second.text
    assert {name for name, _ in on_loop} == {"interiors_meet", "crossings_at_most"}
    assert not any(loop for _, loop in on_loop), on_loop  # all in a worker thread, none on the loop
    # a heavy query over them: whether it meets each is found off the loop too
    for cache in geo_cache.geometry_caches():
        cache.clear()
    on_loop.clear()
    found = client.post(f"{OIR}/query", json={"area_of_interest": extent(True)}, headers=as_uss("uss3"))
    assert found.status_code == 200, found.text
    assert len(found.json()["operational_intent_references"]) == 2
    assert on_loop and not any(loop for _, loop in on_loop), on_loop
