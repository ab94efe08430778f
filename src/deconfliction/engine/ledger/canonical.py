"""RFC 8785 JSON Canonicalization Scheme (JCS): one byte string for one JSON value.

What gets signed or hashed across parties must not depend on who serialised it. JCS fixes every
free choice of JSON: no whitespace; object members sorted by their names as UTF-16 code units;
strings as UTF-8 with only `"`, `\\` and the controls U+0000..U+001F escaped (`\\b \\f \\n \\r
\\t` short, the rest as `\\u00xx`, lowercase); numbers as IEEE 754 doubles written the way
ECMAScript's Number.prototype.toString writes them (shortest round-trip digits; `1e+21`,
`0.000001`, `1e-7`; -0 is `0`).

Input is the Python form of a JSON value: dict (str keys), list or tuple, str, int, float, bool,
None. A pydantic model is first dumped with `model_dump(mode="json")`. Refused with
`InvalidInput`, naming the place (`volumes[0].lat`): NaN and the infinities (JSON has no such
numbers), an int beyond 2**53 whose double is written as another integer (2**53 + 1 or 2**60:
RFC 8785 numbers are doubles, so the canonical text would read back as a different value; send
such values as strings), a string with a lone surrogate (not UTF-8), a non-str key, any other
type. So the canonical text parsed again (by Python's json, or as doubles) canonicalises to the
same bytes.

`canonical_json` in `chain.py` (the hash chain's material) stays as it is: changing it would
change every existing entry's hash.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import Any

from ...errors import InvalidInput

__all__ = ["canonicalize", "format_number"]

_ESCAPES = {i: f"\\u{i:04x}" for i in range(0x20)}
_ESCAPES.update({0x08: "\\b", 0x09: "\\t", 0x0A: "\\n", 0x0C: "\\f", 0x0D: "\\r",
                 ord('"'): '\\"', ord("\\"): "\\\\"})
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f"\\]')
_MAX_EXACT_INT = 2**53


class _Refused(Exception):
    """Raised deep inside; the path to the value is collected on the way out."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.path: list[str | int] = []


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value."""
    parts: list[str] = []
    try:
        _write(value, parts)
    except _Refused as refused:
        raise InvalidInput(_field(refused.path), refused.reason) from None
    return "".join(parts).encode("utf-8")


def format_number(value: float) -> str:
    """A number as RFC 8785 writes it (ECMAScript Number.prototype.toString of the double)."""
    try:
        return _number(value)
    except _Refused as refused:
        raise InvalidInput("(root)", refused.reason) from None


def _field(path: list[str | int]) -> str:
    text = ""
    for step in reversed(path):
        text += f"[{step}]" if isinstance(step, int) else (f".{step}" if text else step)
    return text or "(root)"


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif isinstance(value, str):
        out.append(_string(value))
    elif isinstance(value, int | float):
        out.append(_number(value))
    elif isinstance(value, dict):
        _write_object(value, out)
    elif isinstance(value, list | tuple):
        out.append("[")
        i = 0
        try:
            for i, item in enumerate(value):
                if i:
                    out.append(",")
                _write(item, out)
        except _Refused as refused:
            refused.path.append(i)
            raise
        out.append("]")
    else:
        raise _Refused(f"{type(value).__name__} is not a JSON value")


def _write_object(value: dict[Any, Any], out: list[str]) -> None:
    keys = list(value)
    for key in keys:
        if not isinstance(key, str):
            raise _Refused(f"object key {key!r} is not a string")
    # Code point order is UTF-16 order except for characters above U+FFFF against U+E000..U+FFFF;
    # ASCII keys (nearly all) sort as they are.
    if all(key.isascii() for key in keys):
        keys.sort()
    else:
        keys.sort(key=_utf16_units)
    out.append("{")
    key = ""
    try:
        for i, key in enumerate(keys):
            if i:
                out.append(",")
            out.append(_string(key))
            out.append(":")
            _write(value[key], out)
    except _Refused as refused:
        refused.path.append(key)
        raise
    out.append("}")


def _utf16_units(key: str) -> bytes:
    # Big-endian UTF-16 bytes compare as the code units do (RFC 8785 3.2.3).
    return key.encode("utf-16-be", "surrogatepass")


def _string(value: str) -> str:
    if not value.isascii():
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            raise _Refused("string holds a lone surrogate (not UTF-8)") from None
    if _NEEDS_ESCAPE.search(value) is None:
        return '"' + value + '"'
    return '"' + value.translate(_ESCAPES) + '"'


def _number(value: float) -> str:
    if isinstance(value, int):
        if -_MAX_EXACT_INT <= value <= _MAX_EXACT_INT:
            return str(value)
        try:
            text = _number(float(value))
        except OverflowError:
            text = "overflow"
        if text == "overflow" or Decimal(text) != value:
            raise _Refused(f"integer {value} would change (RFC 8785 numbers are IEEE 754 doubles): "
                           "send it as a string")
        return text
    if not math.isfinite(value):
        raise _Refused(f"{value} is not a JSON number (NaN and infinities are refused)")
    if value == 0:
        return "0"  # and -0
    # repr gives the shortest digits that round-trip, the nearest to the value among them:
    # the digits ECMAScript's Number::toString chooses.
    text = repr(value)
    if "e" not in text:
        # 1e-4 <= |value| < 1e16: the same fixed notation as ECMAScript, less a trailing ".0"
        return text.removesuffix(".0")
    sign = "-" if value < 0 else ""
    mantissa, _, exponent = text.lstrip("-").partition("e")
    whole, _, fraction = mantissa.partition(".")
    digits = (whole + fraction).lstrip("0")
    power = int(exponent) - len(fraction)  # value = int(digits) * 10**power
    stripped = digits.rstrip("0")
    power += len(digits) - len(stripped)
    digits = stripped
    k = len(digits)
    n = k + power  # value = 0.digits * 10**n, ECMAScript's n
    if k <= n <= 21:
        body = digits + "0" * (n - k)
    elif 0 < n <= 21:
        body = digits[:n] + "." + digits[n:]
    elif -6 < n <= 0:
        body = "0." + "0" * -n + digits
    else:
        e = n - 1
        body = (digits if k == 1 else digits[0] + "." + digits[1:]) + ("e+" if e >= 0 else "e-") + str(abs(e))
    return sign + body
