"""The data reader's types: a TOML ``true`` is never read as a number, whatever way the
number's type is written (``int``, ``float``, ``int | float``, a tuple)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from course.facts.knowledge import packaged_data_directory
from course.facts.physiology_data import load_physiology_file
from course.facts.reader import Entry as _Entry
from course.facts.reader import KnowledgeError
from course.facts.safe_practice import load_directory


def _entry(**fields: object) -> _Entry:
    return _Entry("test.toml", "entry", {"code": "one", **fields}, 0)


@pytest.mark.parametrize("kind", [int, float, int | float, float | int, (int, float),
                                  (float,), int | str])
@pytest.mark.parametrize("value", [True, False])
def test_a_boolean_is_not_a_number(kind, value):
    with pytest.raises(KnowledgeError, match=r"field 'x' has the wrong type \(bool\)"):
        _entry(x=value).get("x", kind)


@pytest.mark.parametrize("kind", [int | float, (int, float), int])
def test_numbers_are_still_numbers(kind):
    assert _entry(x=3).get("x", kind) == 3


@pytest.mark.parametrize("kind", [bool, bool | int, (bool, str)])
def test_a_boolean_is_read_where_one_is_asked_for(kind):
    assert _entry(x=True).get("x", kind) is True


def test_a_pair_of_booleans_is_not_a_range():
    with pytest.raises(KnowledgeError, match="must be \\[low, high\\]"):
        _entry(x=[True, 2]).pair("x")
    assert _entry(x=[1, 2.5]).pair("x") == (1, 2.5)


def test_physiology_data_refuses_true_as_a_temperature(tmp_path: Path):
    text = (packaged_data_directory() / "physiology.toml").read_text(encoding="utf-8")
    assert "agent_temp_c = -30.0\n" in text
    broken = tmp_path / "physiology.toml"
    broken.write_text(text.replace("agent_temp_c = -30.0\n", "agent_temp_c = true\n", 1),
                      encoding="utf-8")
    with pytest.raises(KnowledgeError, match="'agent_temp_c' has the wrong type"):
        load_physiology_file(broken)


def test_safe_practice_refuses_true_as_a_percentage(tmp_path: Path):
    folder = tmp_path / "data"
    shutil.copytree(packaged_data_directory(), folder)
    path = folder / "safety.toml"
    text = path.read_text(encoding="utf-8")
    assert "fresh_percent = 20.9\n" in text
    path.write_text(text.replace("fresh_percent = 20.9\n", "fresh_percent = true\n", 1),
                    encoding="utf-8")
    with pytest.raises(KnowledgeError, match="'fresh_percent' has the wrong type"):
        load_directory(folder)
