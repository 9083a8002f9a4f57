"""The tick-box list that replaces multi-select boxes (which dropped earlier ticks)."""

import pytest
import traitlets

from course.views.checklist import Checklist

OPTIONS = [("Epilepsy", "epilepsy"), ("Raynaud's phenomenon", "raynauds"), ("Rosacea", "rosacea")]


def test_ticking_one_keeps_the_others_and_value_follows_the_boxes():
    checklist = Checklist(OPTIONS)
    checklist.boxes["rosacea"].value = True
    checklist.boxes["epilepsy"].value = True
    assert checklist.value == ("epilepsy", "rosacea")
    assert "Epilepsy, Rosacea" in checklist.ticked.value
    checklist.boxes["rosacea"].value = False
    assert checklist.value == ("epilepsy",)


def test_setting_value_ticks_the_boxes_and_is_observable():
    checklist = Checklist(OPTIONS)
    seen = []
    checklist.observe(lambda change: seen.append(change["new"]), names="value")
    checklist.value = ("raynauds",)
    assert [v for v, box in checklist.boxes.items() if box.value] == ["raynauds"]
    assert seen == [("raynauds",)]
    checklist.value = ()
    assert not any(box.value for box in checklist.boxes.values())
    assert "none" in checklist.ticked.value
    with pytest.raises(traitlets.TraitError, match="not in the list"):
        checklist.value = ("warts",)


def test_typing_in_the_search_box_hides_what_does_not_match_but_keeps_ticks():
    checklist = Checklist(OPTIONS)
    checklist.value = ("epilepsy",)
    checklist.search.value = "ray"
    shown = [v for v, box in checklist.boxes.items() if box.layout.display != "none"]
    assert shown == ["raynauds"]
    assert checklist.value == ("epilepsy",)
    checklist.search.value = ""
    assert all(box.layout.display != "none" for box in checklist.boxes.values())
