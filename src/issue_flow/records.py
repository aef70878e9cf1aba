"""``@record``: a light stand-in for ``@dataclass`` on the start-up path.

``dataclasses`` spends about half a millisecond on every class (it inspects and generates
much more than these value classes need); the modules that ``issue-flow status`` imports
define a score of them, which made start-up measurably slower. ``record`` generates only
``__init__`` from the annotations and adds a plain ``__repr__`` and ``__eq__``.
Use ``factory(list)`` where a dataclass would use ``field(default_factory=list)``.
"""

from __future__ import annotations

from typing import Any, Callable


class factory:  # noqa: N801 - reads like dataclasses.field
    """A default built anew for each instance."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]):
        self.make = make



def record(cls: type) -> type:
    names = list(cls.__dict__.get("__annotations__", {}))
    defaults = {n: cls.__dict__[n] for n in names if n in cls.__dict__}
    for n in defaults:
        delattr(cls, n)
    qual = cls.__name__
    # One small generated __init__ per class: ~50 us to build, as fast as a hand-written
    # one to call (status creates a hundred thousand rows, cells and headings).
    params, body, env = [], [], {"_factory": factory}
    for n in names:
        if n in defaults:
            d = defaults[n]
            env[f"_d_{n}"] = d
            params.append(f"{n}=_d_{n}")
            if isinstance(d, factory):
                body.append(f"    self.{n} = {n}.make() if {n} is _d_{n} else {n}")
                continue
        else:
            params.append(n)
        body.append(f"    self.{n} = {n}")
    if hasattr(cls, "__post_init__"):
        body.append("    self.__post_init__()")
    src = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "    pass") + "\n"
    exec(src, env)  # noqa: S102 - source built above from the class's own field names

    def __repr__(self) -> str:
        return f"{qual}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in names) + ")"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in names)

    init = env["__init__"]
    init.__qualname__ = f"{qual}.__init__"
    cls.__init__ = init  # type: ignore[misc]
    cls.__repr__ = __repr__  # type: ignore[method-assign]
    cls.__eq__ = __eq__  # type: ignore[method-assign]
    cls.__hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass with eq
    cls.__match_args__ = tuple(names)
    return cls
