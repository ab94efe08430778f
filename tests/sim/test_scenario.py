"""Scenario files: read with libyaml, refused whole when a key or a file is wrong."""

from __future__ import annotations

from importlib import resources

import pytest
import yaml

from deconfliction.sim import scenario as scenario_module
from deconfliction.sim.scenario import load_scenario

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
