"""``@record``: a light stand-in for ``@dataclass`` on the start-up path.

``dataclasses`` generates and ``exec``s code for every class, about half a millisecond
each; the modules that ``issue-flow status`` imports define a score of small value
classes, which made start-up measurably slower. ``record`` builds ``__init__``,
``__repr__`` and ``__eq__`` from the annotations with plain closures instead.
Use ``factory(list)`` where a dataclass would use ``field(default_factory=list)``.
"""

from __future__ import annotations

from typing import Any, Callable


class factory:  # noqa: N801 - reads like dataclasses.field
    """A default built anew for each instance."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]):
        self.make = make


_MISSING = object()


def record(cls: type) -> type:
    names = list(cls.__dict__.get("__annotations__", {}))
    defaults = {n: cls.__dict__[n] for n in names if n in cls.__dict__}
    for n in defaults:
        delattr(cls, n)
    required = [n for n in names if n not in defaults]
    qual = cls.__name__

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if len(args) > len(names):
            raise TypeError(f"{qual}() takes {len(names)} positional arguments but {len(args)} were given")
        values = dict(zip(names, args))
        for key, value in kwargs.items():
            if key not in defaults and key not in required:
                raise TypeError(f"{qual}() got an unexpected keyword argument {key!r}")
            if key in values:
                raise TypeError(f"{qual}() got multiple values for argument {key!r}")
            values[key] = value
        for n in names:
            if n in values:
                object.__setattr__(self, n, values[n])
            else:
                d = defaults.get(n, _MISSING)
                if d is _MISSING:
                    raise TypeError(f"{qual}() missing required argument {n!r}")
                object.__setattr__(self, n, d.make() if isinstance(d, factory) else d)
        post = getattr(self, "__post_init__", None)
        if post is not None:
            post()

    def __repr__(self) -> str:
        return f"{qual}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in names) + ")"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in names)

    cls.__init__ = __init__  # type: ignore[misc]
    cls.__repr__ = __repr__  # type: ignore[method-assign]
    cls.__eq__ = __eq__  # type: ignore[method-assign]
    cls.__hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass with eq
    cls.__match_args__ = tuple(names)
    return cls
