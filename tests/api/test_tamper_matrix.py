"""The tamper matrix: an inquiry holding only an exported ledger, the receipts and tree heads the
parties kept, and their keys (`deconfliction ledger verify --export FILE --receipts DIR --keys
DIR`) detects each way the record can be falsified, even by the operator."""

from __future__ import annotations

import json
import os
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from deconfliction.api import Settings, create_app
from deconfliction.api.auth import LOG_KEY_FILE
from deconfliction.cli import app as cli
from deconfliction.engine.ledger.chain import LedgerEntry, next_entry
from deconfliction.engine.ledger.inquiry import leaf_of
from deconfliction.engine.ledger.merkle import MerkleTree
from deconfliction.engine.ledger.signing import encode_public_key, sign_request, sign_tree_head

from .helpers import ISSUER, bearer
from .test_transparency import PARTY_SCOPES, op

runner = CliRunner()


def signed(key: Ed25519PrivateKey, party: str, token: str, method: str, target: str, body: Any = None) -> dict[str, str]:
    signature = sign_request(key, party=party, method=method, path=target, body=body,
                             signed_at=datetime.now(UTC).isoformat().replace("+00:00", "Z"), nonce=os.urandom(16))
    return {**bearer(token), "Deconfliction-Signature": orjson.dumps(signature.as_json()).decode()}


@pytest.fixture(scope="module")
def record(tmp_path_factory: pytest.TempPathFactory, public_pem: Path, token) -> dict[str, Any]:  # noqa: ANN001
    """A real server's record of a morning: two parties with keys, signed declarations, a conflict,
    a signed read-back; the receipts each party kept; the export and the keys."""
    work = tmp_path_factory.mktemp("tamper")
    settings = Settings(db=work / "t.db", public_keys=[public_pem], issuers=[ISSUER], audiences=["testserver"])
    keys = {"azure": Ed25519PrivateKey.generate(), "crimson": Ed25519PrivateKey.generate()}
    receipts = work / "receipts"
    receipts.mkdir()
    with TestClient(create_app(settings)) as client:
        tokens = {p: token(p, *PARTY_SCOPES) for p in keys}
        for party, key in keys.items():
            r = client.put("/v1/party-key", headers=bearer(tokens[party]),
                           json={"public_key": encode_public_key(key.public_key())})
            (receipts / f"{party}-key.json").write_text(r.text)
        cap, strike = op(34.0, size=0.2), op(34.05, size=0.05)
        r = client.put("/v1/declarations/cap", headers=signed(keys["azure"], "azure", tokens["azure"], "PUT",
                                                              "/v1/declarations/cap", cap), json=cap)
        (receipts / "azure-cap.json").write_text(r.text)
        r = client.put("/v1/declarations/strike", headers=signed(keys["crimson"], "crimson", tokens["crimson"], "PUT",
                                                                 "/v1/declarations/strike", strike), json=strike)
        (receipts / "crimson-strike.json").write_text(r.text)
        notice = client.get("/v1/notices", headers=bearer(tokens["azure"])).json()["notices"][0]
        ack = {"declaration": notice["about"], "version": notice["about_version"]}
        target = f"/v1/notices/{notice['id']}/acknowledgement"
        r = client.post(target, headers=signed(keys["azure"], "azure", tokens["azure"], "POST", target, ack), json=ack)
        assert r.status_code == 200, r.text
        (receipts / "azure-ack.json").write_text(r.text)
        (receipts / "azure-head.json").write_text(client.get("/v1/ledger/tree-head", headers=bearer(tokens["azure"])).text)
        log_pub = client.get("/v1/ledger/key", headers=bearer(tokens["azure"])).json()["public_key"]
    export = work / "ledger.jsonl"
    result = runner.invoke(cli, ["ledger", "export", "--db", str(settings.db), "--out", str(export)])
    assert result.exit_code == 0, result.output
    key_dir = work / "keys"
    key_dir.mkdir()
    (key_dir / "log.pub").write_text(log_pub)
    for party, key in keys.items():
        (key_dir / f"{party}.pub").write_text(encode_public_key(key.public_key()))
    log_key = serialization.load_pem_private_key((settings.key_dir / LOG_KEY_FILE).read_bytes(), password=None)
    return {"export": export, "receipts": receipts, "keys": key_dir, "log_key": log_key, "work": work,
            "db": settings.db}


def lines(export: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in export.read_text().splitlines() if line.strip()]


def write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps(r, sort_keys=True) + "\n" for r in rows))
    return path


def rechained(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What an operator would do: recompute every hash so that the chain verifies again."""
    out, head = [], None
    for row in rows:
        entry = next_entry(head, at_s=row["at_s"], actor=row["actor"], kind=row["kind"], payload=row["payload"])
        out.append(entry.as_json())
        head = (entry.seq, entry.hash)
    return out


def verify(record: dict[str, Any], export: Path, receipts: Path | None = None) -> tuple[int, str]:
    result = runner.invoke(cli, ["ledger", "verify", "--export", str(export), "--receipts", str(receipts or record["receipts"]),
                                 "--keys", str(record["keys"])])
    return result.exit_code, result.output


def test_the_honest_record_verifies(record: dict[str, Any]) -> None:
    code, output = verify(record, record["export"])
    assert code == 0, output
    assert "3 signed requests" in output and "6 receipts and tree heads" in output


@pytest.mark.parametrize("tamper", ["edited", "removed", "reordered"])
def test_an_edited_removed_or_reordered_entry(record: dict[str, Any], tamper: str, tmp_path: Path) -> None:
    rows = lines(record["export"])
    if tamper == "edited":
        rows[3]["payload"]["priority"] = 9
    elif tamper == "removed":
        del rows[3]
    else:
        rows[3], rows[4] = rows[4], rows[3]
    code, output = verify(record, write(tmp_path / "x.jsonl", rows))
    assert code == 1 and "chain" in output


def test_a_truncated_tail_with_a_rewritten_head(record: dict[str, Any], tmp_path: Path) -> None:
    rows = rechained(lines(record["export"])[:-3])  # cut, and the chain and its head made whole again
    code, output = verify(record, write(tmp_path / "x.jsonl", rows))
    assert code == 1 and "chain" not in output and "entries removed" in output


def test_a_fork_shown_to_one_party(record: dict[str, Any], tmp_path: Path) -> None:
    """The operator signs a head over another history for one party; whichever export it shows
    the inquiry, one party's kept head cannot match it."""
    rows = lines(record["export"])
    forked = rechained(rows[:-1] + [{**rows[-1], "payload": {**rows[-1]["payload"], "note": "another story"}}])
    tree = MerkleTree(leaf_of(LedgerEntry(**r)) for r in forked)
    head = sign_tree_head(record["log_key"], tree_size=tree.size, root_hash=tree.root(), timestamp_ms=int(time.time() * 1000))
    receipts = tmp_path / "receipts"
    receipts.mkdir()
    for path in record["receipts"].iterdir():
        (receipts / path.name).write_text(path.read_text())
    (receipts / "crimson-head.json").write_text(json.dumps({"tree_head": head.as_json()}))
    code, output = verify(record, record["export"], receipts)  # the honest export: crimson's head is caught
    assert code == 1 and "crimson-head.json" in output and "rewritten or forked" in output
    code, output = verify(record, write(tmp_path / "forked.jsonl", forked), receipts)  # the forked one: azure's are
    assert code == 1 and "azure-head.json" in output


def test_an_acknowledgement_forged_without_the_partys_key(record: dict[str, Any], tmp_path: Path) -> None:
    rows = lines(record["export"])
    signed_ack = next(r for r in rows if r["kind"] == "signed_request" and r["payload"]["method"] == "POST")
    signed_ack["payload"]["body"]["version"] = 2  # what the operator claims was read back
    code, output = verify(record, write(tmp_path / "x.jsonl", rechained(rows)))
    assert code == 1 and "signature" in output and "does not verify" in output


def test_a_party_key_substituted_in_the_log(record: dict[str, Any], tmp_path: Path) -> None:
    rows = lines(record["export"])
    impostor = Ed25519PrivateKey.generate()
    for row in rows:
        if row["kind"] == "party_key_registered" and row["actor"] == "azure":
            row["payload"]["public_key"] = encode_public_key(impostor.public_key())
    code, output = verify(record, write(tmp_path / "x.jsonl", rechained(rows)))
    assert code == 1 and "party key (azure)" in output


def test_bad_input_is_a_clear_error_with_exit_2(record: dict[str, Any], tmp_path: Path) -> None:
    broken = tmp_path / "broken.jsonl"
    broken.write_text("{not json\n")
    code, output = verify(record, broken)
    assert code == 2 and "line 1" in output


@pytest.mark.parametrize(("edit", "reported"), [
    (None, None),
    ("UPDATE notices SET state = 'sent', acknowledged_at_s = NULL", "table notices"),  # an acknowledgement undone
    ("UPDATE notices SET state = 'Sent'", "tables unreadable"),  # a value the server never writes
    ("UPDATE notices SET deadline_s = deadline_s + 3600", "table notices"),  # more time to answer, after the fact
    ("UPDATE declarations SET priority = 7 WHERE id = 'strike'", "table declarations"),
    # a purpose changed after the fact
    ("UPDATE declarations SET purpose = 'humanitarian convoy' WHERE id = 'cap'", "table declarations"),
    ("DELETE FROM declarations WHERE id = 'cap'", "table declarations"),
    ("UPDATE declaration_versions SET priority = 7 WHERE id = 'strike'", "table declaration_versions"),  # the history
    ("DELETE FROM declaration_versions WHERE id = 'cap'", "table declaration_versions"),
    ("UPDATE parties SET public_key = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' WHERE id = 'crimson'",
     "table parties"),
    ("UPDATE parties SET name = 'Azure Air' WHERE id = 'azure'", "table parties"),
    # each /v1 operation's own implicit subscription: how USSs are told of changes near it
    ("UPDATE subscriptions SET notification_index = notification_index + 1", "table subscriptions"),
    ("UPDATE subscriptions SET uss_base_url = 'https://evil.example/uss'", "table subscriptions"),
    ("DELETE FROM subscriptions", "table subscriptions"),
    ("INSERT INTO late_notices VALUES ('cap', 1, 60.0, 900.0)", "table late_notices"),  # a late notice made up
    ("INSERT INTO webhooks VALUES ('azure', 'https://evil.example/hook', 's', 0)", "table webhooks"),
    ("INSERT INTO uss_availability VALUES ('crimson', 'Down', 'v1')", "table uss_availability"),
])
def test_an_edited_state_table_is_not_the_logs_projection(record: dict[str, Any], tmp_path: Path, edit: str | None,
                                                          reported: str | None) -> None:
    import shutil
    import sqlite3

    db = tmp_path / "t.db"
    shutil.copy(record["db"], db)
    shutil.copytree(record["db"].parent / ".deconfliction", tmp_path / ".deconfliction")
    if edit is not None:
        with sqlite3.connect(db) as connection:
            connection.execute("PRAGMA foreign_keys=OFF")
            assert connection.execute(edit).rowcount >= 1
    result = runner.invoke(cli, ["ledger", "verify", "--db", str(db)])
    output = " ".join(result.output.split())
    if edit is None:
        assert result.exit_code == 0 and "the tables are its projection" in output, output
    else:
        assert result.exit_code == 1 and reported in output, output


def test_a_table_edited_with_its_ledger_rewritten_passes_the_database_alone_but_not_the_export(
        record: dict[str, Any], tmp_path: Path) -> None:
    """The operator raises a declaration's priority in its table and rewrites the database's own
    ledger to match (rechained, head moved): `verify --db` sees a consistent database; the log the
    parties' receipts vouch for (`--export`), compared with the tables (`--db`), does not."""
    import shutil
    import sqlite3

    from deconfliction.engine.ledger.chain import canonical_json

    db = tmp_path / "t.db"
    shutil.copy(record["db"], db)
    shutil.copytree(record["db"].parent / ".deconfliction", tmp_path / ".deconfliction")
    with sqlite3.connect(db) as connection:
        rows = [dict(zip(("seq", "at_s", "actor", "kind", "payload"), r, strict=True)) for r in connection.execute(
            "SELECT seq, at_s, actor, kind, payload FROM ledger ORDER BY seq")]
        for row in rows:
            row["payload"] = json.loads(row["payload"])
            if row["kind"] == "declared" and row["payload"]["id"] == "strike":
                row["payload"]["priority"] = 7
        rewritten = rechained(rows)
        connection.execute("DELETE FROM ledger")
        connection.executemany("INSERT INTO ledger (seq, at_s, actor, kind, payload, prev_hash, hash) "
                               "VALUES (?, ?, ?, ?, ?, ?, ?)",
                               [(e["seq"], e["at_s"], e["actor"], e["kind"], canonical_json(e["payload"]),
                                 e["prev_hash"], e["hash"]) for e in rewritten])
        connection.execute("UPDATE ledger_head SET seq = ?, hash = ?", (rewritten[-1]["seq"], rewritten[-1]["hash"]))
        for table in ("declarations", "declaration_versions"):
            assert connection.execute(f"UPDATE {table} SET priority = 7 WHERE id = 'strike'").rowcount >= 1
    alone = runner.invoke(cli, ["ledger", "verify", "--db", str(db)])
    assert alone.exit_code == 0, alone.output  # consistent with itself: what the operator wanted
    against = runner.invoke(cli, ["ledger", "verify", "--export", str(record["export"]), "--receipts",
                                  str(record["receipts"]), "--keys", str(record["keys"]), "--db", str(db)])
    output = " ".join(against.output.split())
    assert against.exit_code == 1 and "table declarations" in output and "strike" in output, output
    honest = runner.invoke(cli, ["ledger", "verify", "--export", str(record["export"]), "--receipts",
                                 str(record["receipts"]), "--keys", str(record["keys"]), "--db", str(record["db"])])
    assert honest.exit_code == 0 and "projection of the exported ledger" in " ".join(honest.output.split()), honest.output
