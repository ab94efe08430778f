import gzip
import json

import pytest
from typer.testing import CliRunner

from deconfliction.cli import app

HEADER = "id,lat,lon,alt_m,gs_mps,trk_deg,vs_mps"
# A and B converge head on at the same level (0.54 deg ~ 60 km apart); C is far away.
ROWS = ["A,0,0,10000,200,90,0", "B,0,0.5396,10000,200,270,0", "C,10,10,10000,200,0,0"]


def run(tmp_path, text: str, *args: str):
    path = tmp_path / "states.csv"
    path.write_text(text)
    return CliRunner().invoke(app, ["tactical", "detect", str(path), *args])


def test_detect_writes_the_documented_json(tmp_path):
    out = tmp_path / "out.json"
    result = run(tmp_path, "\n".join([HEADER, *ROWS]) + "\n", "--json", str(out))
    assert result.exit_code == 0, result.output
    body = json.loads(out.read_text())
    assert body["los"] == []
    (pair,) = body["pairs"]
    assert (pair["a"], pair["b"], pair["time_s"]) == ("A", "B", None)
    assert pair["tcpa"] == pytest.approx(150.0, abs=0.1)
    assert pair["tin"] < pair["tcpa"] < pair["tout"]


def test_each_time_is_a_snapshot_and_options_apply(tmp_path):
    rows = [f"{r},{t}" for t in (20.0, 10.0) for r in ROWS]
    result = run(tmp_path, "\n".join([HEADER + ",time_s", *rows]), "--json", "-", "--rpz", "100")
    assert result.exit_code == 0, result.output
    body = json.loads(result.stdout)
    assert [(p["a"], p["b"], p["time_s"]) for p in body["pairs"]] == [
        ("A", "B", 10.0),
        ("A", "B", 20.0),
    ]
    assert body["pairs"][0]["dcpa"] < 100
    narrow = run(
        tmp_path, "\n".join([HEADER + ",time_s", *rows]), "--json", "-", "--lookahead", "100"
    )
    assert json.loads(narrow.stdout)["pairs"] == []


def test_summary_without_json_names_the_pair(tmp_path):
    result = run(tmp_path, "\n".join([HEADER, *ROWS]))
    assert result.exit_code == 0
    assert "1 conflicting pairs" in result.stdout and "A" in result.stdout


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("id,lat,lon,alt_m,gs_mps,trk_deg\nA,0,0,1,1,1\n", "line 1: vs_mps"),
        (f"{HEADER}\n{ROWS[0]}\nB,0,x,10000,200,270,0\n", "line 3: lon"),
        (f"{HEADER}\n{ROWS[0]}\nB,91,0,10000,200,270,0\n", "line 3: lat"),
        (f"{HEADER}\n{ROWS[0]}\n\nB,1,0,10000,-5,270,0\n", "line 4: gs_mps"),
        (f"{HEADER}\n{ROWS[0]}\nB,1,0,10000\n", "line 3: gs_mps"),
        (f"{HEADER}\n{ROWS[0]}\n{ROWS[0]}\n", "line 3: id"),
    ],
)
def test_bad_rows_exit_2_naming_line_and_field(tmp_path, text, where):
    result = run(tmp_path, text)
    assert result.exit_code == 2
    assert where in result.output


def test_invalid_protection_exits_2(tmp_path):
    result = run(tmp_path, "\n".join([HEADER, *ROWS]), "--rpz", "-1")
    assert result.exit_code == 2 and "rpz_m" in result.output


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (gzip.compress("\n".join([HEADER, *ROWS]).encode()), "is not a UTF-8 text file (byte 0x8b)"),
        ("\n".join([HEADER, "Caf\u00e9,0,0,1,1,1,1"]).encode("latin-1"), "is not a UTF-8 text file (byte 0xe9)"),
        ("\n".join([HEADER, ROWS[0], "D\x00,0,0,1,1,1,1"]).encode(), "is not a text file (NUL byte on line 3)"),
    ],
    ids=["gzip", "latin-1", "nul"],
)
def test_binary_or_non_utf8_csv_exits_2_with_one_line_naming_it(tmp_path, data, reason):
    path = tmp_path / "states.csv"
    path.write_bytes(data)
    result = CliRunner().invoke(app, ["tactical", "detect", str(path)])
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [f"error: file: {path} {reason}"]
