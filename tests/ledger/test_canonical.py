"""RFC 8785 canonical JSON against the RFC's examples and the reference implementation's data.

Sources:
- RFC 8785 Appendix B (number serialisation: IEEE 754 bit patterns and the expected text), the
  example of section 3.2.2 and the sorting example of section 3.2.3;
- cyberphone/json-canonicalization (the RFC authors' reference implementation), `testdata/input`
  and `testdata/output` at commit 19d51d7fe467d4706a3ff08adf8a748f29fc21e0 (arrays, french,
  structures, unicode, values, weird), and the extra number cases of
  `java/miscellaneous/src/ES6NumberTest.java`;
- node's own Number.prototype.toString, when node is installed, on random doubles.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import struct
import subprocess

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from deconfliction.engine.ledger.canonical import canonicalize, format_number
from deconfliction.errors import InvalidInput

APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
    # ES6NumberTest.java
    ("4340000000000001", "9007199254740994"),
    ("4340000000000002", "9007199254740996"),
]
NOT_NUMBERS = ["7fffffffffffffff", "7ff0000000000000", "fff0000000000000"]  # NaN, +inf, -inf


def _double(bits: str) -> float:
    return struct.unpack(">d", bytes.fromhex(bits))[0]


@pytest.mark.parametrize(("bits", "text"), APPENDIX_B)
def test_numbers_follow_appendix_b(bits, text):
    value = _double(bits)
    assert format_number(value) == text
    assert canonicalize([value]) == f"[{text}]".encode()
    assert float(text) == value


@pytest.mark.parametrize(("value", "text"), [
    (1e16, "10000000000000000"), (1e-5, "0.00001"), (1e-7, "1e-7"), (123.0, "123"), (0.1, "0.1"),
    (-1.5, "-1.5"), (1e-4, "0.0001"), (-0.0, "0"), (5e-7, "5e-7"), (1.5e21, "1.5e+21"),
])
def test_numbers_on_both_sides_of_the_notation_switches(value, text):
    assert format_number(value) == text


@pytest.mark.parametrize("bits", NOT_NUMBERS)
def test_nan_and_infinities_are_refused_with_the_place(bits):
    with pytest.raises(InvalidInput) as caught:
        canonicalize({"volumes": [{"alt_m": _double(bits)}]})
    assert caught.value.field == "volumes[0].alt_m"
    assert "NaN and infinities are refused" in caught.value.reason


# (input JSON text, canonical output); input parsed with json.loads, as the API would.
REFERENCE = {
    "arrays": ('[56, {"d": true, "10": null, "1": [ ]}]', '[56,{"1":[],"10":null,"d":true}]'),
    "french": (
        ('{"peach": "This sorting order", "p\\u00e9ch\\u00e9": "is wrong according to French",'
        ' "p\\u00eache": "but canonicalization MUST", "sin": "ignore locale"}'),
        ('{"peach":"This sorting order","p\u00e9ch\u00e9":"is wrong according to French",'
        '"p\u00eache":"but canonicalization MUST","sin":"ignore locale"}'),
    ),
    "structures": (
        ('{"1": {"f": {"f": "hi","F": 5} ,"\\n": 56.0}, "10": { }, "": "empty", "a": { },'
        ' "111": [ {"e": "yes","E": "no" } ], "A": { }}'),
        ('{"":"empty","1":{"\\n":56,"f":{"F":5,"f":"hi"}},"10":{},"111":[{"E":"no","e":"yes"}],'
        '"A":{},"a":{}}'),
    ),
    "unicode": ('{"Unnormalized Unicode":"A\\u030a"}', '{"Unnormalized Unicode":"A\u030a"}'),
    "values": (  # also RFC 8785 section 3.2.2
        ('{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'),
        ('{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'),
    ),
    "weird": (  # also RFC 8785 section 3.2.3
        ('{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", "\\u000a": "Newline", "1": "One",'
        ' "\\u0080": "Control\\u007f", "\\ud83d\\ude02": "Smiley",'
        ' "\\u00f6": "Latin Small Letter O With Diaeresis",'
        ' "\\ufb33": "Hebrew Letter Dalet With Dagesh", "</script>": "Browser Challenge"}'),
        ('{"\\n":"Newline","\\r":"Carriage Return","1":"One","</script>":"Browser Challenge",'
        '"\u0080":"Control\u007f","\u00f6":"Latin Small Letter O With Diaeresis",'
        '"\u20ac":"Euro Sign","\U0001f602":"Smiley","\ufb33":"Hebrew Letter Dalet With Dagesh"}'),
    ),
}


@pytest.mark.parametrize("name", sorted(REFERENCE))
def test_reference_test_data(name):
    source, expected = REFERENCE[name]
    assert canonicalize(json.loads(source)) == expected.encode("utf-8")


def test_values_output_bytes_match_the_published_hex():
    # cyberphone README (and RFC 8785 section 3.2.4): the UTF-8 of the values example's output
    expected = bytes.fromhex(
        "7b 22 6c 69 74 65 72 61 6c 73 22 3a 5b 6e 75 6c 6c 2c 74 72 75 65 2c 66 61 6c 73 65 5d 2c 22 6e"
        "75 6d 62 65 72 73 22 3a 5b 33 33 33 33 33 33 33 33 33 2e 33 33 33 33 33 33 33 2c 31 65 2b 33 30"
        "2c 34 2e 35 2c 30 2e 30 30 32 2c 31 65 2d 32 37 5d 2c 22 73 74 72 69 6e 67 22 3a 22 e2 82 ac 24"
        "5c 75 30 30 30 66 5c 6e 41 27 42 5c 22 5c 5c 5c 5c 5c 22 2f 22 7d"
    )
    assert canonicalize(json.loads(REFERENCE["values"][0])) == expected


def test_control_characters_and_escapes():
    text = "".join(chr(i) for i in range(0x20)) + '"\\/\x7f'
    assert canonicalize(text) == (
        b'"\\u0000\\u0001\\u0002\\u0003\\u0004\\u0005\\u0006\\u0007\\b\\t\\n\\u000b\\f\\r'
        b'\\u000e\\u000f\\u0010\\u0011\\u0012\\u0013\\u0014\\u0015\\u0016\\u0017\\u0018\\u0019'
        b'\\u001a\\u001b\\u001c\\u001d\\u001e\\u001f\\"\\\\/\x7f"'
    )


def test_keys_sort_by_utf16_code_units_not_code_points():
    # U+1F602 sorts after U+FB33 in code points but before it in UTF-16 (0xD83D 0xDE02).
    assert canonicalize({"\ufb33": 2, "\U0001f602": 1}) == '{"\U0001f602":1,"\ufb33":2}'.encode()


def test_integers_and_literals():
    assert canonicalize([0, -1, 2**53, -(2**53), True, False, None]) == (
        b"[0,-1,9007199254740992,-9007199254740992,true,false,null]")
    # Beyond 2**53 an integer is written as its double is, when that text still reads as the
    # same integer; otherwise canonicalising would change it (ECMAScript reads 2**60 back as
    # 1152921504606847000), and it is refused.
    assert canonicalize(10**21) == b"1e+21"
    assert canonicalize(66348406105028610) == b"66348406105028610"
    assert canonicalize((1, "a")) == b'[1,"a"]'


@pytest.mark.parametrize(("value", "field", "reason"), [
    (2**53 + 1, "(root)", "would change"),
    (2**60, "(root)", "would change"),
    ({"a": [10**400]}, "a[0]", "would change"),
    ({"a": {1: 2}}, "a", "not a string"),
    ({"a": {"b": b"x"}}, "a.b", "bytes is not a JSON value"),
    ({"a": "\ud800"}, "a", "lone surrogate"),
    ({"\udc00": 1}, "\udc00", "lone surrogate"),
    (float("nan"), "(root)", "refused"),
    ([-math.inf], "[0]", "refused"),
])
def test_refusals_name_the_place(value, field, reason):
    with pytest.raises(InvalidInput) as caught:
        canonicalize(value)
    assert caught.value.field == field and reason in caught.value.reason


_json = st.recursive(
    st.none() | st.booleans() | st.floats(allow_nan=False, allow_infinity=False)
    | st.integers(-(2**53), 2**53) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_json)
def test_canonical_form_parses_back_to_the_value_and_is_a_fixed_point(value):
    out = canonicalize(value)
    back = json.loads(out)
    assert _same(back, value)
    assert canonicalize(back) == out


def _same(a, b) -> bool:
    """Equal as JSON values: every number is a double (an int read back may stand for a float)."""
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None:
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return float(a) == float(b)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    return a == b


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_numbers_match_node_on_random_doubles():
    rng = random.Random(8785)
    values: list[float] = []
    while len(values) < 20_000:
        bits = rng.getrandbits(64)
        value = struct.unpack(">d", bits.to_bytes(8, "big"))[0]
        if math.isfinite(value):
            values.append(value)
    # plus doubles near the format boundaries (1e-7, 1e21) and small integers
    for e in (-7, -6, -5, -4, 15, 16, 17, 20, 21, 22):  # ECMAScript's and repr's switches
        base = 10.0 ** e
        values += [base, math.nextafter(base, 0), math.nextafter(base, math.inf), -base]
    values += [rng.uniform(-1e6, 1e6) for _ in range(2_000)] + [float(i) for i in range(-50, 50)]
    script = ("const lines=require('fs').readFileSync(0,'utf8').trim().split('\\n');"
              "const b=Buffer.alloc(8);"
              "console.log(lines.map(h=>{b.write(h,'hex');return String(b.readDoubleBE(0));}).join('\\n'));")
    hex_values = "\n".join(struct.pack(">d", v).hex() for v in values)
    node = subprocess.run(["node", "-e", script], input=hex_values, capture_output=True, text=True,
                          check=True, timeout=60)
    expected = node.stdout.split()
    assert len(expected) == len(values)
    mismatches = [(v, e, format_number(v)) for v, e in zip(values, expected, strict=True)
                  if format_number(v) != e]
    assert not mismatches, mismatches[:5]
