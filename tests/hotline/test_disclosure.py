import shapely

from deconfliction.geo.plane import LocalPlane
from deconfliction.engine.hotline import disclosed_extent
from deconfliction.engine.strategic import conflict_between
from tests.builders import T0, box, disc, operation


def test_a_party_sees_only_the_part_of_the_other_declaration_inside_its_own():
    mine = operation("mine", "blue", box(34.0, 33.0, 0.1, alt=(0, 1000), t=(T0, T0 + 3600)))
    theirs = operation("theirs", "red", box(34.05, 33.05, 0.2, alt=(500, 3000), t=(T0 + 600, T0 + 9000)),
                       disc(40.0, 20.0, 1000))
    theirs = operation(theirs.id, theirs.party, *theirs.volumes)
    shown = disclosed_extent(mine, theirs)
    assert len(shown) == 1
    extent = shown[0]
    assert (extent.altitude_m.lower, extent.altitude_m.upper) == (500, 1000)
    assert (extent.time_s.lower, extent.time_s.upper) == (T0 + 600, T0 + 3600)
    plane = LocalPlane(mine.volumes[0].footprint.vertices[0])
    own = plane.shape(mine.volumes[0].footprint)
    seen = plane.shape(extent.footprint)
    # inside my own area (to rounding), and as large as the true overlap
    assert own.buffer(0.01).contains(seen)
    expected = shapely.intersection(own, plane.shape(theirs.volumes[0].footprint)).area
    assert abs(seen.area - expected) / expected < 1e-6
    # the far-away circle of theirs is not disclosed at all
    assert conflict_between(mine, theirs).volumes[0].j == 0


def test_nothing_is_disclosed_without_an_overlap():
    mine = operation("mine", "blue", box(34.0, 33.0))
    theirs = operation("theirs", "red", box(34.0, 33.0, t=(T0 + 3600, T0 + 7200)))
    assert disclosed_extent(mine, theirs) == []
