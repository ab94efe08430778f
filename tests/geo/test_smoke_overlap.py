from deconfliction.geo import Circle, Interval, LatLng, Polygon, Volume4D, volumes_overlap


def square(lat: float, lng: float, d: float) -> Polygon:
    return Polygon((LatLng(lat, lng), LatLng(lat, lng + d), LatLng(lat + d, lng + d), LatLng(lat + d, lng)))


def test_overlapping_squares_overlap_and_adjacent_ones_do_not():
    a = Volume4D(square(34, 33, 0.1), Interval(0, 1000), Interval(0, 3600))
    b = Volume4D(square(34.05, 33.05, 0.1), Interval(0, 1000), Interval(0, 3600))
    c = Volume4D(square(34, 33.1, 0.1), Interval(0, 1000), Interval(0, 3600))
    assert volumes_overlap(a, b) is not None
    assert volumes_overlap(a, c) is None


def test_circle_inside_polygon_overlaps():
    a = Volume4D(square(34, 33, 0.1))
    b = Volume4D(Circle(LatLng(34.05, 33.05), 100.0))
    overlap = volumes_overlap(a, b)
    assert overlap is not None
    assert 3.14e4 < overlap.area_m2 < 3.15e4
