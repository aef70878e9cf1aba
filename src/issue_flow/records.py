"""``@record``: a light stand-in for ``@dataclass`` on the start-up path.

``dataclasses`` spends about half a millisecond on every class (it inspects and generates
much more than these value classes need); the modules that ``issue-flow status`` imports
define a score of them, which made start-up measurably slower. ``record`` makes only
``__init__`` from the annotations and adds a plain ``__repr__`` and ``__eq__``.
Use ``factory(list)`` where a dataclass would use ``field(default_factory=list)``.
"""

from __future__ import annotations

from types import CodeType, FunctionType
from typing import Any, Callable


class factory:  # noqa: N801 - reads like dataclasses.field
    """A default built anew for each instance."""

    __slots__ = ("make",)

    def __init__(self, make: Callable[[], Any]):
        self.make = make



# The compiled ``__init__`` of each shape of record (kinds of its fields, __post_init__ or
# not), with placeholder names: a record of that shape renames a copy (below).
_INIT_CODES: dict[tuple[tuple[bool, ...], bool], CodeType] = {}


def _init_code(made: tuple[bool, ...], post_init: bool) -> CodeType:
    """``made[i]``: field i has a :class:`factory` default."""
    code = _INIT_CODES.get((made, post_init))
    if code is None:
        params, body = [], []
        for i, by_factory in enumerate(made):
            params.append(f"_f{i}")
            value = f"_f{i}.make() if _f{i} is _d{i} else _f{i}" if by_factory else f"_f{i}"
            body.append(f"    self._f{i} = {value}")
        if post_init:
            body.append("    self.__post_init__()")
        src = f"def __init__(self, {', '.join(params)}):\n" + ("\n".join(body) or "    pass") + "\n"
        env: dict[str, Any] = {}
        exec(src, env)  # noqa: S102 - source built above from placeholder names only
        code = _INIT_CODES[(made, post_init)] = env["__init__"].__code__
    return code


def _make_init(cls: type, names: list[str], defaults: dict[str, Any]) -> Callable[..., None]:
    """The class's ``__init__``: its shape's compiled code with the field names put in.

    Compiling Python source costs ~30-70 us a class, and a command imports forty records;
    renaming the code object of a shape already compiled (its parameters and the
    attributes it sets) costs ~5 us. As fast to call as a hand-written ``__init__``
    (``status`` creates a hundred thousand rows, cells and headings).
    """
    made = tuple(isinstance(defaults.get(n), factory) for n in names)
    code = _init_code(made, hasattr(cls, "__post_init__"))
    placeholder = {f"_f{i}": n for i, n in enumerate(names)}
    code = code.replace(
        co_varnames=("self", *names), co_names=tuple(placeholder.get(name, name) for name in code.co_names)
    )
    env = {f"_d{i}": defaults[n] for i, n in enumerate(names) if n in defaults}
    argdefs = tuple(defaults[n] for n in names if n in defaults)
    init = FunctionType(code, env, "__init__", argdefs or None)
    init.__qualname__ = f"{cls.__name__}.__init__"
    return init


def record(cls: type) -> type:
    names = list(cls.__dict__.get("__annotations__", {}))
    defaults = {n: cls.__dict__[n] for n in names if n in cls.__dict__}
    for n in defaults:
        delattr(cls, n)
    qual = cls.__name__
    init = _make_init(cls, names, defaults)

    def __repr__(self) -> str:
        return f"{qual}(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in names) + ")"

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return all(getattr(self, n) == getattr(other, n) for n in names)

    cls.__init__ = init  # type: ignore[misc]
    cls.__repr__ = __repr__  # type: ignore[method-assign]
    cls.__eq__ = __eq__  # type: ignore[method-assign]
    cls.__hash__ = None  # type: ignore[assignment]  # mutable, like a dataclass with eq
    cls.__match_args__ = tuple(names)
    return cls
