"""The transparency log over the ledger, from a party's side: every /v1 write answers with a
receipt that verifies against the signed tree head and the entry it names; later heads are
proved consistent with earlier ones; a history the operator rewrites (the chain recomputed so
that it verifies) is caught by the heads a party kept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import orjson
from fastapi.testclient import TestClient

from deconfliction.api import Settings, create_app
from deconfliction.app.transparency import ledger_leaf
from deconfliction.engine.ledger.signing import Receipt, SignedTreeHead, load_public_key, verify_consistency_between
from deconfliction.store import Database, ledger_repo, sqlite_url

from .helpers import ISSUER, bearer

PARTY_SCOPES = ("deconfliction.declare", "deconfliction.acknowledge", "deconfliction.inquiry")


def op(lat: float, lng: float = 33.0, size: float = 0.02) -> dict[str, Any]:
    from .test_v1 import box
    return {"kind": "operation", "volumes": [box(lat, lng, size)]}


def entries(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    r = client.get("/v1/ledger", headers=headers)
    assert r.status_code == 200
    return [orjson.loads(line) for line in r.content.splitlines() if line]


def settings_for(tmp_path: Path, public_pem: Path) -> Settings:
    return Settings(db=tmp_path / "log.db", public_keys=[public_pem], issuers=[ISSUER], audiences=["testserver"])


def test_each_write_has_a_receipt_and_every_later_head_is_consistent(tmp_path: Path, public_pem: Path, token) -> None:  # noqa: ANN001
    a = bearer(token("azure", *PARTY_SCOPES))
    settings = settings_for(tmp_path, public_pem)
    with TestClient(create_app(settings)) as client:
        key = load_public_key(client.get("/v1/ledger/key", headers=a).json()["public_key"])
        first = client.put("/v1/declarations/a1", headers=a, json=op(34.0)).json()
        receipt = Receipt.from_json(first["receipt"])
        logged = entries(client, a)
        assert receipt.tree_head.tree_size == len(logged)
        mine = logged[receipt.leaf_index]
        assert (mine["kind"], mine["payload"]["id"]) == ("declared", "a1")  # the write's last entry
        assert receipt.verify(ledger_leaf(mine["hash"]), key)
        assert not receipt.verify(ledger_leaf(logged[0]["hash"]), key)  # another entry does not fit
        held = receipt.tree_head

        for i in range(5):
            assert client.put(f"/v1/declarations/b{i}", headers=a, json=op(35.0 + i)).status_code == 201
        withdrawn = client.delete("/v1/declarations/b0", headers=a, params={"version": 1}).json()
        later = SignedTreeHead.from_json(client.get("/v1/ledger/tree-head", headers=a).json()["tree_head"])
        assert later.verify(key) and later.tree_size > held.tree_size
        assert Receipt.from_json(withdrawn["receipt"]).tree_head.tree_size == later.tree_size
        proof = client.get("/v1/ledger/consistency", headers=a,
                           params={"from": held.tree_size, "to": later.tree_size}).json()["proof"]
        assert verify_consistency_between(held, later, [bytes.fromhex(h) for h in proof], key)

        bad = client.get("/v1/ledger/consistency", headers=a, params={"from": later.tree_size + 1, "to": later.tree_size})
        assert bad.status_code == 400 and bad.json()["field"] == "from"
        beyond = client.get("/v1/ledger/consistency", headers=a, params={"from": 0, "to": later.tree_size + 10})
        assert beyond.status_code == 400 and beyond.json()["field"] == "to"

    with TestClient(create_app(settings)) as client:  # a restart rebuilds the same tree, signs with the same key
        again = SignedTreeHead.from_json(client.get("/v1/ledger/tree-head", headers=a).json()["tree_head"])
        assert (again.tree_size, again.root_hash) == (later.tree_size, later.root_hash) and again.verify(key)


def test_a_rewritten_tail_that_verifies_as_a_chain_is_caught_by_a_kept_head(tmp_path: Path, public_pem: Path, token) -> None:  # noqa: ANN001
    """The operator cuts the last entries and appends others in their place, recomputing every
    hash and the head: the chain verifies, but the head a party kept cannot be reconciled."""
    a = bearer(token("azure", *PARTY_SCOPES))
    settings = settings_for(tmp_path, public_pem)
    with TestClient(create_app(settings)) as client:
        for i in range(4):
            client.put(f"/v1/declarations/a{i}", headers=a, json=op(34.0 + i))
        held = SignedTreeHead.from_json(client.get("/v1/ledger/tree-head", headers=a).json()["tree_head"])
        size = held.tree_size

    db = Database(sqlite_url(settings.db))
    with db.write() as connection:
        keep = size - 2
        connection.exec_driver_sql(f"DELETE FROM ledger WHERE seq > {keep}")
        last = connection.exec_driver_sql(f"SELECT seq, hash FROM ledger WHERE seq = {keep}").first()
        connection.exec_driver_sql("UPDATE ledger_head SET seq = ?, hash = ? WHERE id = 1", (last[0], last[1]))
        ledger_repo.append_many(connection, [(1.0, "azure", "declared", {"id": "a2", "note": "never said"}),
                                             (2.0, "azure", "declared", {"id": "a3", "note": "never said"})])
    with db.read() as connection:
        assert ledger_repo.verify(connection).ok  # the rewritten chain verifies on its own
    db.close()

    with TestClient(create_app(settings)) as client:
        key = load_public_key(client.get("/v1/ledger/key", headers=a).json()["public_key"])
        now = SignedTreeHead.from_json(client.get("/v1/ledger/tree-head", headers=a).json()["tree_head"])
        assert now.verify(key) and now.tree_size == size
        assert now.root_hash != held.root_hash  # same size, another history: caught
        proof = client.get("/v1/ledger/consistency", headers=a, params={"from": size, "to": size}).json()["proof"]
        assert not verify_consistency_between(held, now, [bytes.fromhex(h) for h in proof], key)


def test_a_purpose_is_logged_as_a_commitment_its_party_can_open_for_an_inquiry(
        tmp_path: Path, public_pem: Path, token) -> None:  # noqa: ANN001
    from deconfliction.engine.ledger.signing import b64url_decode, reveal_matches

    a = bearer(token("azure", *PARTY_SCOPES))
    inquiry = bearer(token("inquiry-board", "deconfliction.inquiry"))
    purpose = "strike package: bridge at grid 37SBA"
    settings = settings_for(tmp_path, public_pem)
    with TestClient(create_app(settings)) as client:
        made = client.put("/v1/declarations/s1", headers=a, json={**op(34.0), "purpose": purpose}).json()
        salt = b64url_decode(made["declaration"]["purpose_salt"])
        assert client.get("/v1/declarations/s1", headers=a).json()["declaration"]["purpose_salt"] == \
            made["declaration"]["purpose_salt"]
        logged = entries(client, inquiry)
        assert purpose not in orjson.dumps(logged).decode()  # the ledger never holds the text
        declared = next(e for e in logged if e["kind"] == "declared" and e["payload"]["id"] == "s1")
        commitment = declared["payload"]["purpose_commitment"]
        assert reveal_matches(commitment, purpose, salt)  # what the party reveals, the inquiry checks
        assert not reveal_matches(commitment, "reconnaissance", salt)  # a purpose changed after the fact
        revised = client.put("/v1/declarations/s1", headers=a,
                             json={**op(34.0), "purpose": purpose, "version": 1, "priority": 2}).json()
        assert revised["declaration"]["purpose_salt"] != made["declaration"]["purpose_salt"]  # per version

    with TestClient(create_app(settings)) as client:  # the salts survive a restart (the secret is kept)
        assert client.get("/v1/declarations/s1", headers=a).json()["declaration"]["purpose_salt"] == \
            revised["declaration"]["purpose_salt"]
