"""Scenario files: read with libyaml, refused whole when a key or a file is wrong."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from deconfliction.errors import InvalidInput
from deconfliction.sim import scenario as scenario_module
from deconfliction.sim.scenario import load_scenario, parse_scenario
from tests.builders import box, scenario_declaration

DEMO = resources.files("deconfliction") / "scenarios" / "eastern_mediterranean.yaml"


def test_yaml_is_parsed_by_libyaml(monkeypatch):
    # PyYAML's wheels bundle libyaml; without it 1,500 declarations take several times longer.
    assert yaml.__with_libyaml__
    loaders = []
    real_load = yaml.load

    def spy(stream, Loader):  # noqa: N803 (PyYAML's name)
        loaders.append(Loader)
        return real_load(stream, Loader=Loader)

    monkeypatch.setattr(yaml, "load", spy)
    with resources.as_file(DEMO) as path:
        load_scenario(path)
    assert loaders == [yaml.CSafeLoader]


def test_pure_python_loader_reads_the_same_scenario(monkeypatch):
    with resources.as_file(DEMO) as path:
        fast = load_scenario(path)
        monkeypatch.setattr(scenario_module, "YAML_LOADER", yaml.SafeLoader)
        assert load_scenario(path) == fast


def _body():
    return {
        "name": "t", "rules": {"min_notice": "PT15M", "ack_deadline": "PT5M"},
        "parties": [{"id": "blue", "name": "Blue"}, {"id": "red"}],
        "declarations": [scenario_declaration("a", "blue", box(34, 33)) | {"purpose": "patrol"}],
        "acknowledgements": [{"party": "red", "notice_of": "a", "at": "2026-11-23T07:05:00Z", "version": 1}],
        "tracks": [{"track": "a-1", "operation": "a",
                    "states": [{"at": "2026-11-23T08:10:00Z", "lat": 34.05, "lng": 33.05, "alt_m": 500}]}],
        "until": "2026-11-23T12:00:00Z",
    }


def test_every_documented_key_is_accepted():
    scenario = parse_scenario(_body())
    assert scenario.declarations[0].purpose == "patrol" and scenario.tracks[0].states[0].alt_m == 500


@pytest.mark.parametrize(("where", "field", "expected"), [
    (lambda b: b, "scenario", "acknowledgements, declarations, name, parties, rules, tracks, until"),
    (lambda b: b["rules"], "rules", "ack_deadline, min_notice"),
    (lambda b: b["parties"][1], "parties[1]", "id, name"),
    (lambda b: b["declarations"][0], "declarations[0]",
     "declared_at, id, kind, party, priority, purpose, volumes"),
    (lambda b: b["acknowledgements"][0], "acknowledgements[0]", "at, notice_of, party, version"),
    (lambda b: b["tracks"][0], "tracks[0]", "operation, states, track"),
    (lambda b: b["tracks"][0]["states"][0], "tracks[0].states[0]", "alt_m, at, lat, lng"),
], ids=["top", "rules", "party", "declaration", "acknowledgement", "track", "track-state"])
def test_unknown_key_is_refused_naming_it_and_the_accepted_keys(where, field, expected):
    body = _body()
    where(body)["misspelt"] = 1
    with pytest.raises(InvalidInput) as caught:
        parse_scenario(body)
    assert caught.value.field == field
    assert caught.value.message == f"{field}: unknown key 'misspelt' (expected one of: {expected})"
