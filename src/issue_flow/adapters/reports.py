"""Test and lint reports turned into one summary (no domain knowledge here).

Formats:

* ``junit``: JUnit XML as jest-junit writes it (``<testsuites>`` holding ``<testsuite>``
  elements holding ``<testcase>`` elements with ``<failure>``/``<error>``/``<skipped>``),
  or a bare ``<testsuite>`` root. Parsed with defusedxml: a document declaring entities
  (billion laughs, external entities) is refused before any expansion happens.
* ``jest-json``: the output of ``jest --json``.
* ``eslint``: the output of ``eslint -f json``. "tests" is the number of files checked,
  "failures" the total ``errorCount``; lint passes when that is 0 (warnings do not fail).

The format is guessed from the content when the caller does not name it. Numbers must be
finite: ``NaN`` or ``Infinity`` anywhere a count or a time is read makes the report malformed.

:func:`parse_summary` reads instead the closing lines a runner prints on its own (jest's
``Tests: 1 failed, 40 passed, 41 total``, node's test runner, pytest, mocha), for a gate
whose command writes no report.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from issue_flow.errors import IssueFlowError

FORMATS = ("junit", "jest-json", "eslint")


@dataclass
class ReportSummary:
    tests: int = 0
    failures: int = 0
    errors: int = 0
    skipped: int = 0
    duration_s: float | None = None
    failed_names: list[str] = field(default_factory=list)
    suites: int = 0
    format: str = ""
    warnings: int = 0

    @property
    def passed(self) -> bool:
        return self.failures == 0 and self.errors == 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def guess_format(data: bytes) -> str | None:
    """``junit`` for XML, ``eslint`` for a JSON list, ``jest-json`` for a JSON object."""
    head = data[:64].lstrip(b"\xef\xbb\xbf").lstrip()
    if head.startswith(b"<"):
        return "junit"
    if head.startswith(b"["):
        return "eslint"
    if head.startswith(b"{"):
        return "jest-json"
    return None


def parse_report(path: Path | str, format: str | None = None) -> ReportSummary:
    """Parse the report at ``path``; errors name the file (IssueFlowError, exit 2)."""
    from issue_flow.fsutil import read_bytes

    path = Path(path)
    if format is not None and format not in FORMATS:
        raise IssueFlowError(f"{path}: unknown report format {format!r} (junit, jest-json or eslint)")
    data = read_bytes(path)
    fmt = format or guess_format(data)
    if fmt is None:
        raise IssueFlowError(f"{path}: not a test report (expected JUnit XML, jest --json or ESLint JSON)")
    if fmt == "junit":
        return parse_junit(data, str(path))
    doc = _load_json(data, str(path))
    if fmt == "eslint":
        return parse_eslint(doc, str(path))
    return parse_jest_json(doc, str(path))


# --------------------------------------------------------------------------- JUnit


def parse_junit(data: bytes, source: str = "report") -> ReportSummary:
    from xml.etree.ElementTree import ParseError

    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        root = fromstring(data, forbid_dtd=False, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise IssueFlowError(f"{source}: refused unsafe XML ({type(exc).__name__}: entity or external reference)") from None
    except ParseError as exc:
        raise IssueFlowError(f"{source}: not a valid XML report ({exc})") from None
    if root.tag == "testsuites":
        suites = [el for el in root.iter("testsuite")]
    elif root.tag == "testsuite":
        suites = list(root.iter("testsuite"))
    else:
        raise IssueFlowError(f"{source}: not a JUnit report (root element <{root.tag}>, expected <testsuites> or <testsuite>)")

    s = ReportSummary(format="junit", suites=len(suites))
    for case in root.iter("testcase"):
        s.tests += 1
        name = _case_name(case)
        if case.find("failure") is not None:
            s.failures += 1
            s.failed_names.append(name)
        elif case.find("error") is not None:
            s.errors += 1
            s.failed_names.append(name)
        elif case.find("skipped") is not None:
            s.skipped += 1
    # A suite that failed to run (jest-junit: a syntax error in the test file) carries
    # an error or failure count but no test case saying so.
    for suite in suites:
        if suite.find("testcase") is not None or suite.find("testsuite") is not None:
            continue
        errors = _int_attr(suite, "errors", source) + _int_attr(suite, "failures", source)
        if errors:
            s.errors += errors
            s.failed_names.append(suite.get("name") or "(unnamed suite)")
        s.tests += _int_attr(suite, "tests", source)
    if root.get("time") is not None:
        s.duration_s = _float_attr(root, "time", source)
    else:
        times = [_float_attr(x, "time", source) for x in suites if x.get("time") is not None and x is not root]
        s.duration_s = sum(times) if times else None
    return s


def _case_name(case: Any) -> str:
    name = case.get("name") or "(unnamed test)"
    classname = case.get("classname") or ""
    if classname and classname not in name:
        return f"{classname} {name}"
    return name


def _int_attr(el: Any, attr: str, source: str) -> int:
    raw = el.get(attr)
    if raw is None or raw == "":
        return 0
    try:
        value = float(raw)
    except ValueError:
        raise IssueFlowError(f"{source}: <{el.tag}> has a non-numeric {attr}={raw!r}") from None
    if not math.isfinite(value):
        raise IssueFlowError(f"{source}: <{el.tag}> has a non-finite {attr}={raw!r}")
    return int(value)


def _float_attr(el: Any, attr: str, source: str) -> float:
    raw = el.get(attr)
    try:
        value = float(raw.replace(",", "")) if raw else 0.0
    except ValueError:
        raise IssueFlowError(f"{source}: <{el.tag}> has a non-numeric {attr}={raw!r}") from None
    if not math.isfinite(value):
        raise IssueFlowError(f"{source}: <{el.tag}> has a non-finite {attr}={raw!r}")
    return value


# --------------------------------------------------------------------------- JSON


class _NonFinite(ValueError):
    pass


def _no_constant(name: str) -> Any:
    raise _NonFinite(name)


def _finite_float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise _NonFinite(text)
    return value


def _load_json(data: bytes, source: str) -> Any:
    """JSON as the standard has it: ``NaN``, ``Infinity`` and numbers beyond a double refused."""
    try:
        return json.loads(data, parse_constant=_no_constant, parse_float=_finite_float)
    except _NonFinite as exc:
        raise IssueFlowError(f"{source}: malformed JSON (non-finite number {exc.args[0]})") from None
    except json.JSONDecodeError as exc:
        raise IssueFlowError(f"{source}: malformed JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except (ValueError, RecursionError) as exc:
        msg = "nested too deeply" if isinstance(exc, RecursionError) else str(exc).splitlines()[0]
        raise IssueFlowError(f"{source}: malformed JSON ({msg})") from None


def _num(obj: dict, key: str, source: str, default: int | None = None) -> int | None:
    value = obj.get(key, default)
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise IssueFlowError(f"{source}: not a jest --json report ({key} is not a number)")
    if isinstance(value, int) and abs(value) > 2**63:
        raise IssueFlowError(f"{source}: not a jest --json report ({key} is out of range)")
    return int(value)


def parse_jest_json(doc: Any, source: str = "report") -> ReportSummary:
    if not isinstance(doc, dict) or not ("testResults" in doc or "numTotalTests" in doc):
        raise IssueFlowError(f"{source}: not a jest --json report (no testResults / numTotalTests)")
    results = doc.get("testResults", [])
    if not isinstance(results, list) or not all(isinstance(r, dict) for r in results):
        raise IssueFlowError(f"{source}: not a jest --json report (testResults is not a list of objects)")

    s = ReportSummary(format="jest-json")
    counted = {"tests": 0, "failed": 0, "skipped": 0}
    starts: list[float] = []
    ends: list[float] = []
    for suite in results:
        assertions = suite.get("assertionResults", [])
        if not isinstance(assertions, list):
            raise IssueFlowError(f"{source}: not a jest --json report (assertionResults is not a list)")
        suite_failed = False
        for a in assertions:
            if not isinstance(a, dict):
                continue
            counted["tests"] += 1
            status = a.get("status")
            if status == "failed":
                counted["failed"] += 1
                suite_failed = True
                s.failed_names.append(str(a.get("fullName") or a.get("title") or "(unnamed test)"))
            elif status in ("pending", "skipped", "todo", "disabled"):
                counted["skipped"] += 1
        if suite.get("status") == "failed" and not suite_failed:
            s.failed_names.append(str(suite.get("name") or "(unnamed suite)"))
        for key, bucket in (("startTime", starts), ("endTime", ends)):
            value = suite.get(key)
            if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 0:
                bucket.append(float(value))

    s.tests = _num(doc, "numTotalTests", source, counted["tests"]) or 0
    s.failures = _num(doc, "numFailedTests", source, counted["failed"]) or 0
    s.skipped = (_num(doc, "numPendingTests", source, counted["skipped"]) or 0) + (_num(doc, "numTodoTests", source, 0) or 0)
    s.errors = _num(doc, "numRuntimeErrorTestSuites", source, 0) or 0
    s.suites = _num(doc, "numTotalTestSuites", source, len(results)) or 0
    start = _num(doc, "startTime", source, None)
    if start:
        starts.append(float(start))
    if starts and ends:
        s.duration_s = max(0.0, (max(ends) - min(starts)) / 1000.0)
    return s


def parse_eslint(doc: Any, source: str = "report") -> ReportSummary:
    if not isinstance(doc, list) or not all(isinstance(f, dict) for f in doc):
        raise IssueFlowError(f"{source}: not an ESLint -f json report (expected a list of file results)")
    s = ReportSummary(format="eslint", tests=len(doc), suites=len(doc))
    for f in doc:
        errors = f.get("errorCount", 0)
        warnings = f.get("warningCount", 0)
        for key, value in (("errorCount", errors), ("warningCount", warnings)):
            if isinstance(value, bool) or not isinstance(value, int):
                raise IssueFlowError(f"{source}: not an ESLint -f json report ({key} is not a number)")
        s.failures += errors
        s.warnings += warnings
        if errors:
            s.failed_names.append(str(f.get("filePath") or "(unknown file)"))
    return s


# --------------------------------------------------------------------------- summary lines


_ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07]*\x07")
_JEST_TESTS = re.compile(r"^\s*Tests:\s+((?:\d+ [a-z]+, )*\d+ total)\s*$")
_JEST_SUITES = re.compile(r"^\s*Test Suites:\s+((?:\d+ [a-z]+, )*\d+ total)\s*$")
_JEST_TIME = re.compile(r"^\s*Time:\s+([\d.]+)\s*(ms|s|m)\b")
_JEST_FAILED = re.compile(r"^\s*\u25cf (.+?)\s*$")
_NODE = re.compile(r"^\s*(?:\u2139|#) (tests|suites|pass|fail|cancelled|skipped|todo|duration_ms) (\d+(?:\.\d+)?)\s*$")
_PYTEST = re.compile(
    r"^=*\s*((?:\d+ (?:passed|failed|skipped|errors?|xfailed|xpassed|warnings?|deselected|rerun)(?:, )?)+)"
    r" in ([\d.]+)s\b.*?=*\s*$"
)
_MOCHA = re.compile(r"^\s*(\d+) (passing|failing|pending)(?: \((\d+(?:\.\d+)?)(ms|s|m|h)\))?\s*$")
_UNIT = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def _counts(text: str) -> dict[str, int]:
    out: dict[str, int] = {}
    for part in text.split(","):
        number, _, word = part.strip().partition(" ")
        out[word.strip()] = out.get(word.strip(), 0) + int(number)
    return out


def parse_summary(text: str) -> ReportSummary | None:
    """Counts from a runner's own closing lines in ``text`` (its output), or None.

    jest (``Tests: 2 failed, 39 passed, 41 total``, ``Test Suites: …``, ``Time: 3.4 s``; the
    ``●`` lines name the failed tests), node's test runner (``ℹ tests 5`` … ``ℹ fail 1``, or
    ``# tests 5`` in TAP), pytest (``1 failed, 40 passed, 2 skipped in 3.21s``) and mocha
    (``40 passing (2s)``, ``1 failing``, ``2 pending``). When output holds several runs, the
    last closing lines count; when it holds several runners, the one that closed last.
    """
    found: dict[str, tuple[int, ReportSummary]] = {}
    jest: ReportSummary | None = None
    jest_names: list[str] = []
    suites_line: tuple[int, int] | None = None
    node: dict[str, float] = {}
    node_at = -1
    mocha: dict[str, int] = {}
    mocha_at = -1
    mocha_time: float | None = None
    for i, raw in enumerate(text.splitlines()):
        line = _ANSI.sub("", raw)
        m = _JEST_FAILED.match(line)
        if m and not m.group(1).startswith("Console"):
            if m.group(1) not in jest_names:
                jest_names.append(m.group(1))
            continue
        m = _JEST_TESTS.match(line)
        if m:
            c = _counts(m.group(1))
            jest = ReportSummary(
                format="jest",
                tests=c.get("total", 0),
                failures=c.get("failed", 0),
                skipped=c.get("skipped", 0) + c.get("todo", 0) + c.get("pending", 0),
                failed_names=jest_names,
            )
            jest_names = []
            if suites_line is not None and i - suites_line[0] <= 2:
                jest.suites = suites_line[1]
            found["jest"] = (i, jest)
            continue
        m = _JEST_SUITES.match(line)
        if m:  # printed just before "Tests:"
            suites_line = (i, _counts(m.group(1)).get("total", 0))
            continue
        m = _JEST_TIME.match(line)
        if m and "jest" in found and found["jest"][0] >= i - 4:
            found["jest"][1].duration_s = float(m.group(1)) * _UNIT[m.group(2)]
            continue
        m = _NODE.match(line)
        if m:
            if m.group(1) == "tests":
                node = {}
            node[m.group(1)] = float(m.group(2))
            node_at = i
            continue
        m = _PYTEST.match(line)
        if m:
            c = _counts(m.group(1))
            errors = c.get("error", 0) + c.get("errors", 0)
            s = ReportSummary(
                format="pytest",
                failures=c.get("failed", 0),
                errors=errors,
                skipped=c.get("skipped", 0) + c.get("xfailed", 0),
                duration_s=float(m.group(2)),
            )
            s.tests = c.get("passed", 0) + s.failures + errors + c.get("skipped", 0) + c.get("xfailed", 0) + c.get("xpassed", 0)
            found["pytest"] = (i, s)
            continue
        m = _MOCHA.match(line)
        if m:
            if m.group(2) == "passing" or m.group(2) in mocha:
                mocha = {}
                mocha_time = None
            mocha[m.group(2)] = int(m.group(1))
            if m.group(3):
                mocha_time = float(m.group(3)) * _UNIT[m.group(4)]
            mocha_at = i
    if "tests" in node and "pass" in node and "fail" in node:
        s = ReportSummary(
            format="node",
            tests=int(node["tests"]),
            failures=int(node.get("fail", 0)) + int(node.get("cancelled", 0)),
            skipped=int(node.get("skipped", 0)) + int(node.get("todo", 0)),
            suites=int(node.get("suites", 0)),
            duration_s=node["duration_ms"] / 1000.0 if "duration_ms" in node else None,
        )
        found["node"] = (node_at, s)
    if "passing" in mocha or "failing" in mocha:
        s = ReportSummary(
            format="mocha",
            failures=mocha.get("failing", 0),
            skipped=mocha.get("pending", 0),
            duration_s=mocha_time,
        )
        s.tests = mocha.get("passing", 0) + s.failures + s.skipped
        found["mocha"] = (mocha_at, s)
    if not found:
        return None
    return max(found.values(), key=lambda x: x[0])[1]
