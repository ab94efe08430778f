from deconfliction.engine.strategic import DeclarationSet, earliest_delay_s, nearest_altitude_shift_m, yielding_side
from deconfliction.engine.strategic.advice import smallest_free_shift
from deconfliction.engine.strategic.conflicts import conflict_between
from tests.builders import T0, box, constraint, operation


def test_smallest_free_shift_skips_chained_open_intervals():
    assert smallest_free_shift([(-5, 10), (10, 20)], 100) == 10  # open: 10 itself is free
    assert smallest_free_shift([(-5, 10), (9, 20), (19, 30)], 100) == 30
    assert smallest_free_shift([(-5, 10)], 5) is None
    assert smallest_free_shift([(5, 10)], 100) == 0


def test_delay_clears_every_conflict_including_ones_it_would_walk_into():
    mine = operation("mine", "blue", box(34, 33, t=(T0, T0 + 3600)), declared_at=T0 - 100)
    first = operation("first", "red", box(34, 33, t=(T0 + 1800, T0 + 5400)))
    second = operation("second", "green", box(34, 33, t=(T0 + 5400, T0 + 9000)))
    declarations = DeclarationSet([mine, first, second])
    # past `first` (ends T0+5400) mine would overlap `second`: it must wait until T0+9000.
    assert earliest_delay_s(mine, declarations) == 9000
    moved = mine.revised(volumes=(mine.volumes[0].shifted(dt_s=9000),), declared_at_s=mine.declared_at_s)
    assert DeclarationSet([moved, first, second]).conflicts_of(moved) == []


def test_altitude_shift_is_the_nearest_free_band_up_or_down():
    mine = operation("mine", "blue", box(34, 33, alt=(1000, 2000)))
    other = operation("other", "red", box(34, 33, alt=(1500, 2200)))
    declarations = DeclarationSet([mine, other])
    assert nearest_altitude_shift_m(mine, declarations) == -500  # down to 500-1500 beats up to 2200-3200
    low = operation("low", "blue", box(34, 33, alt=(100, 600)))
    assert nearest_altitude_shift_m(low, DeclarationSet([low, operation("o", "red", box(34, 33, alt=(0, 500)))])) == 400


def test_no_altitude_escape_from_an_unbounded_constraint():
    from deconfliction.geo import Interval, Volume4D
    from tests.builders import square
    mine = operation("mine", "blue", box(34, 33))
    zone = constraint("zone", "red", Volume4D(square(34, 33, 0.1), Interval(), Interval(T0, T0 + 3600)))
    declarations = DeclarationSet([mine, zone])
    assert nearest_altitude_shift_m(mine, declarations) is None
    assert earliest_delay_s(mine, declarations) == 3600


def test_operation_yields_to_constraint_then_lower_priority_then_later_declaration():
    op_hi = operation("hi", "blue", box(34, 33), priority=5)
    op_lo = operation("lo", "red", box(34, 33), priority=1, declared_at=T0 - 99999)
    zone = constraint("zone", "green", box(34, 33))
    assert yielding_side(conflict_between(op_hi, zone), op_hi, zone) is op_hi
    assert yielding_side(conflict_between(op_hi, op_lo), op_hi, op_lo) is op_lo
    early = operation("early", "blue", box(34, 33), declared_at=T0 - 5000)
    late = operation("late", "red", box(34, 33), declared_at=T0 - 10)
    assert yielding_side(conflict_between(early, late), early, late) is late


def test_who_gives_way_priority_then_later_declaration_then_larger_id():
    def yields(a, b):
        side = yielding_side(conflict_between(a, b), a, b)
        assert yielding_side(conflict_between(b, a), b, a) is side  # whichever order they come in
        return side.id

    # priority first: the higher priority wins even though it was declared later and has the larger id
    assert yields(operation("z-high", "blue", box(34, 33), priority=2, declared_at=T0 - 10),
                  operation("a-low", "red", box(34, 33), priority=1, declared_at=T0 - 9000)) == "a-low"
    # equal priority: the later declaration gives way, whatever the ids
    assert yields(operation("z-early", "blue", box(34, 33), declared_at=T0 - 9000),
                  operation("a-late", "red", box(34, 33), declared_at=T0 - 10)) == "a-late"
    # equal priority and declaration time: the larger id gives way
    assert yields(operation("b", "blue", box(34, 33), declared_at=T0 - 10),
                  operation("a", "red", box(34, 33), declared_at=T0 - 10)) == "b"
