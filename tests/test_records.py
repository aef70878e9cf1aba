"""``@record``: what the generated value classes must do (they stand in for dataclasses)."""

from __future__ import annotations

import pytest

from issue_flow.records import factory, record


@record
class Point:
    x: int
    y: int
    label: str = "p"
    tags: list = factory(list)


@record
class Counted:
    items: list = factory(list)
    size: int = -1

    def __post_init__(self) -> None:
        self.size = len(self.items)


@record
class Tricky:  # field names that a generator could confuse with its own
    make: int
    self_: int = 0
    a0: int = 1


@record
class Empty:
    pass


def test_positional_keyword_and_defaults():
    p = Point(1, 2)
    assert (p.x, p.y, p.label, p.tags) == (1, 2, "p", [])
    q = Point(y=5, x=4, label="q", tags=["t"])
    assert (q.x, q.y, q.label, q.tags) == (4, 5, "q", ["t"])


def test_a_factory_default_is_made_anew_for_each_instance():
    a, b = Point(0, 0), Point(0, 0)
    a.tags.append("x")
    assert b.tags == [] and a.tags is not b.tags
    given = ["mine"]
    assert Point(0, 0, tags=given).tags is given


def test_post_init_runs_after_the_fields_are_set():
    assert Counted().size == 0
    assert Counted([1, 2, 3]).size == 3


def test_field_names_of_any_spelling():
    t = Tricky(7)
    assert (t.make, t.self_, t.a0) == (7, 0, 1)
    assert Tricky(make=1, a0=3).a0 == 3
    assert Empty() == Empty()


def test_missing_and_unknown_arguments_are_type_errors_naming_them():
    with pytest.raises(TypeError, match="'y'"):
        Point(1)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="'z'"):
        Point(1, 2, z=3)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Point(1, 2, "l", [], 5)  # type: ignore[call-arg]


def test_repr_eq_hash_and_match_args():
    assert repr(Point(1, 2)) == "Point(x=1, y=2, label='p', tags=[])"
    assert Point(1, 2) == Point(1, 2) and Point(1, 2) != Point(2, 1)
    assert Point(1, 2) != (1, 2)
    assert Point.__hash__ is None
    assert Point.__match_args__ == ("x", "y", "label", "tags")
    assert Point.__init__.__qualname__ == "Point.__init__"
    match Point(3, 4):
        case Point(x, y):
            assert (x, y) == (3, 4)


def test_class_attributes_that_were_defaults_are_gone():
    assert "label" not in Point.__dict__ and "tags" not in Point.__dict__
