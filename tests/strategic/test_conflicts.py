from deconfliction.model import OperationState
from deconfliction.engine.strategic import DeclarationSet, conflict_between, late_notice
from tests.builders import T0, box, constraint, disc, operation


def test_conflict_lists_every_overlapping_volume_pair_with_its_overlap():
    a = operation("a", "blue", box(34.0, 33.0), box(35.0, 33.0))
    b = operation("b", "red", box(34.05, 33.05, alt=(500, 2000), t=(T0 + 1800, T0 + 7200)), box(36.0, 33.0))
    conflict = conflict_between(b, a)
    assert conflict is not None
    assert (conflict.a, conflict.b) == ("a", "b")
    assert [(v.i, v.j) for v in conflict.volumes] == [(0, 0)]
    overlap = conflict.volumes[0].overlap
    assert (overlap.altitude_m.lower, overlap.altitude_m.upper) == (500, 1000)
    assert (overlap.time_s.lower, overlap.time_s.upper) == (T0 + 1800, T0 + 3600)
    # 0.05 x 0.05 degrees at 34N: about 5.55 km x 4.61 km
    assert 24e6 < overlap.area_m2 < 27e6


def test_same_party_and_constraint_pairs_never_conflict():
    declarations = DeclarationSet([
        operation("a", "blue", box(34.0, 33.0)),
        operation("b", "blue", box(34.0, 33.0)),
        constraint("c", "red", box(34.0, 33.0)),
        constraint("d", "green", box(34.0, 33.0)),
    ])
    assert [c.key for c in declarations.all_conflicts()] == [("a", "c"), ("a", "d"), ("b", "c"), ("b", "d")]


def test_ended_operation_conflicts_with_nothing():
    ended = operation("a", "blue", box(34.0, 33.0))
    from dataclasses import replace
    declarations = DeclarationSet([replace(ended, state=OperationState.ENDED), operation("b", "red", box(34.0, 33.0))])
    assert declarations.all_conflicts() == []


def test_index_finds_the_same_conflicts_as_a_full_scan():
    import random
    rng = random.Random(7)
    items = []
    for i in range(300):
        lat, lng = rng.uniform(33.5, 34.5), rng.uniform(32.5, 33.5)
        start = T0 + rng.uniform(0, 6 * 3600)
        alt = rng.uniform(0, 3000)
        volume = (box(lat, lng, rng.uniform(0.01, 0.1), (alt, alt + 500), (start, start + 1800)) if i % 3
                  else disc(lat, lng, rng.uniform(200, 5000), (alt, alt + 500), (start, start + 1800)))
        items.append(operation(f"op{i:03d}", f"p{i % 7}", volume))
    declarations = DeclarationSet(items)
    by_index = {c.key for c in declarations.all_conflicts()}
    by_scan = set()
    for x in range(len(items)):
        for y in range(x + 1, len(items)):
            if items[x].party != items[y].party and conflict_between(items[x], items[y]):
                by_scan.add((items[x].id, items[y].id))
    assert by_index == by_scan
    assert len(by_scan) > 10


def test_late_notice_records_notice_given_and_required():
    early = operation("a", "blue", box(34, 33), declared_at=T0 - 3600)
    late = operation("b", "blue", box(34, 33), declared_at=T0 - 60)
    assert late_notice(early, 900) is None
    found = late_notice(late, 900)
    assert found is not None and (found.notice_s, found.required_s) == (60, 900)
    assert late_notice(constraint("c", "red", box(34, 33), declared_at=T0 - 1), 900) is None
