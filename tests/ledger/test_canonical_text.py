"""The ledger's canonical JSON is exactly the standard library's text (every stored entry's hash
covers it), whichever encoder wrote it: random payloads of the shapes entries carry, and the
numbers and strings where orjson and the standard library write differently."""

from __future__ import annotations

import json
import math
import random
import struct
from enum import StrEnum

import pytest

import hashlib

import orjson

from deconfliction.engine.ledger.chain import canonical_json, entry_hash


def _stdlib(payload: object) -> str:
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


class Kind(StrEnum):
    OPERATION = "operation"


def _number(rng: random.Random) -> float | int:
    choice = rng.random()
    if choice < 0.3:
        return rng.uniform(-180, 180)  # coordinates
    if choice < 0.4:
        return rng.uniform(1.6e9, 1.9e9)  # times
    if choice < 0.5:
        return rng.randint(-2**63, 2**63 - 1)
    if choice < 0.7:
        return rng.uniform(1, 10) * 10.0 ** rng.randint(-25, 25) * rng.choice((1, -1))
    value = struct.unpack("d", struct.pack("Q", rng.getrandbits(64)))[0]
    return value if math.isfinite(value) else 0.5


def _payload(rng: random.Random, depth: int = 0) -> object:
    pick = rng.random()
    if depth > 3 or pick < 0.35:
        return rng.choice([_number(rng), _number(rng), rng.choice(["id-7e5a", "plain", "é", "x\"y", "a\\b", "\x1f",
                                                                  "\u2028", "日本", "\U0001f600", "1e5"]),
                           None, True, False, Kind.OPERATION])
    if pick < 0.7:
        return [_payload(rng, depth + 1) for _ in range(rng.randint(0, 6))]
    keys = ["a", "b", "A", "_", "a_b", "0", "~", "é", "Z9", "volumes", "lat", "lng"]
    return {rng.choice(keys): _payload(rng, depth + 1) for _ in range(rng.randint(0, 6))}


@pytest.mark.parametrize("seed", range(40))
def test_canonical_json_is_the_standard_librarys_text(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(250):
        payload = {"p": _payload(rng)}
        assert canonical_json(payload) == _stdlib(payload)


def test_a_large_volume_payload_and_the_numbers_written_differently() -> None:
    rng = random.Random(1)
    volume = {"vertices": [{"lat": rng.uniform(-60, 60), "lng": rng.uniform(-180, 180)} for _ in range(10_000)],
              "altitude_m": [0.0, 150.0], "time_s": [1.79e9, 1.7900036e9]}
    assert canonical_json({"volumes": [volume]}) == _stdlib({"volumes": [volume]})
    for value in (1e-05, 9.99e-05, 0.0001, 1e16, 1e15, 123456789012345678, 5e-324, -0.0, 2.5e-9):
        assert canonical_json({"v": [value]}) == _stdlib({"v": [value]})


def test_numbers_json_refuses_are_refused() -> None:
    for bad in (math.nan, math.inf, -math.inf):
        with pytest.raises(ValueError):
            canonical_json({"v": bad})
        # beside a None (orjson writes both as null), in a list of numbers, in a list of pairs
        for payload in ({"ovn": None, "v": bad}, {"ovn": None, "alt": [0.0, bad]},
                        {"ovn": None, "polygon": [[1.0, 2.0]] * 500 + [[bad, 2.0]]},
                        {"ovn": None, "deep": {"x": [{"y": (None, bad)}]}}):
            with pytest.raises(ValueError):
                canonical_json(payload)


def test_a_large_payload_with_nones_is_the_standard_librarys_text() -> None:
    rng = random.Random(2)
    polygon = [[rng.uniform(-60, 60), rng.uniform(-180, 180)] for _ in range(10_000)]
    payload = {"ovn": None, "volumes": [{"polygon": polygon, "alt_m": [0.0, None], "t_s": [None, 1.79e9]}],
               "pairs": [[0, 1], [2, 3]], "mixed": [[1.5, None], [None]], "flag": True}
    assert canonical_json(payload) == _stdlib(payload)


def test_every_code_point_is_written_as_the_standard_library_writes_it() -> None:
    """Why an entry's hash material (strings and integers) may be written by orjson: strings are
    written code point by code point, and each is written alike (lone surrogates aside, which
    orjson refuses and the standard library then writes)."""
    differ = [cp for cp in range(0x110000) if not 0xD800 <= cp <= 0xDFFF
              and orjson.dumps(chr(cp)) != json.dumps(chr(cp), ensure_ascii=False).encode()]
    assert differ == []


@pytest.mark.parametrize("seed", range(5))
def test_the_hash_material_is_the_standard_librarys_text(seed: int) -> None:
    rng = random.Random(seed)
    for _ in range(200):
        payload = {"p": _payload(rng)}
        text = _stdlib(payload)
        actor = rng.choice(["uss1", "é-party", "a\"b", "\ud800", "x\\y"])
        seq = rng.choice([1, 2**62, 2**64 + 1])
        material = [seq, repr(rng.uniform(1.6e9, 1.9e9)), actor, "declared", text, "0" * 64]
        expected = hashlib.sha256(_stdlib(material).encode("utf-8", "surrogatepass")).hexdigest()
        if "\ud800" in actor:  # not UTF-8: the standard library's text, which cannot be hashed as UTF-8
            with pytest.raises(UnicodeEncodeError):
                entry_hash(*material)
            continue
        assert entry_hash(*material) == expected
