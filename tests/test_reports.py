"""Test report parsing: JUnit XML (jest-junit), jest --json, ESLint -f json."""

from __future__ import annotations

import json
import time

import pytest

from issue_flow.adapters import reports as r
from issue_flow.errors import IssueFlowError

JUNIT = b"""<?xml version="1.0" encoding="UTF-8"?>
<testsuites name="jest tests" tests="5" failures="1" errors="0" time="2.345">
  <testsuite name="VoiceAgent" errors="0" failures="1" skipped="1" timestamp="2025-01-01T00:00:00" time="1.2" tests="3">
    <testcase classname="VoiceAgent connects" name="VoiceAgent connects" time="0.1">
    </testcase>
    <testcase classname="VoiceAgent retries on 502" name="VoiceAgent retries on 502" time="0.2">
      <failure>Error: expect(received).toBe(expected)</failure>
    </testcase>
    <testcase classname="VoiceAgent later" name="VoiceAgent later" time="0">
      <skipped/>
    </testcase>
  </testsuite>
  <testsuite name="Proxy" errors="0" failures="0" skipped="0" timestamp="2025-01-01T00:00:01" time="1.1" tests="2">
    <testcase classname="Proxy forwards" name="Proxy forwards" time="0.5"/>
    <testcase classname="Proxy closes" name="Proxy closes" time="0.6"/>
  </testsuite>
</testsuites>
"""


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return p


def test_junit_jest_junit(tmp_path):
    s = r.parse_report(write(tmp_path, "junit.xml", JUNIT))
    assert (s.tests, s.failures, s.errors, s.skipped, s.suites) == (5, 1, 0, 1, 2)
    assert s.duration_s == pytest.approx(2.345)
    assert s.failed_names == ["VoiceAgent retries on 502"]
    assert s.format == "junit"
    assert not s.passed


def test_junit_bare_testsuite_and_errors(tmp_path):
    data = b"""<testsuite name="pytest" tests="3" errors="1" failures="0" skipped="0" time="0.5">
      <testcase classname="tests.test_a" name="test_ok" time="0.1"/>
      <testcase classname="tests.test_a" name="test_boom" time="0.1"><error message="x">trace</error></testcase>
      <testcase classname="tests.test_a" name="test_ok2" time="0.1"/>
    </testsuite>"""
    s = r.parse_report(write(tmp_path, "r.xml", data), "junit")
    assert (s.tests, s.failures, s.errors, s.skipped, s.suites) == (3, 0, 1, 0, 1)
    assert s.duration_s == pytest.approx(0.5)
    assert s.failed_names == ["tests.test_a test_boom"]
    assert not s.passed


def test_junit_suite_that_failed_to_run(tmp_path):
    # A suite with an error count but no test cases (e.g. a syntax error in the test file).
    data = b'<testsuites tests="0" failures="0" errors="1" time="0.1"><testsuite name="broken.test.ts" tests="0" errors="1" failures="0" time="0.1"/></testsuites>'
    s = r.parse_report(write(tmp_path, "r.xml", data))
    assert s.errors == 1 and not s.passed
    assert s.failed_names == ["broken.test.ts"]


def test_junit_all_passing(tmp_path):
    data = b'<testsuites><testsuite name="a" time="1.5"><testcase name="t1" classname="a"/></testsuite><testsuite name="b" time="0.5"><testcase name="t2" classname="b"/></testsuite></testsuites>'
    s = r.parse_report(write(tmp_path, "r.xml", data))
    assert s.passed and s.tests == 2 and s.duration_s == pytest.approx(2.0)


def test_junit_billion_laughs_is_refused_fast(tmp_path):
    bomb = b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    prev = "lol"
    for i in range(1, 10):
        bomb += f'<!ENTITY lol{i} "{("&" + prev + ";") * 10}">\n'.encode()
        prev = f"lol{i}"
    bomb += f"]>\n<testsuites>&{prev};</testsuites>\n".encode()
    path = write(tmp_path, "bomb.xml", bomb)
    t = time.perf_counter()
    with pytest.raises(IssueFlowError) as exc:
        r.parse_report(path)
    assert time.perf_counter() - t < 1.0
    assert "bomb.xml" in str(exc.value) and "\n" not in str(exc.value)


def test_junit_external_entity_is_refused(tmp_path):
    data = b'<?xml version="1.0"?><!DOCTYPE t [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><testsuites name="&xxe;"/>'
    with pytest.raises(IssueFlowError, match="xxe.xml"):
        r.parse_report(write(tmp_path, "xxe.xml", data))


def test_junit_not_xml_names_the_file(tmp_path):
    with pytest.raises(IssueFlowError, match="junit-test-mock.xml"):
        r.parse_report(write(tmp_path, "junit-test-mock.xml", b"<testsuites><testsuite>"), "junit")
    with pytest.raises(IssueFlowError, match="odd.xml"):
        r.parse_report(write(tmp_path, "odd.xml", b"<html><body/></html>"), "junit")


JEST = {
    "numFailedTestSuites": 1,
    "numFailedTests": 1,
    "numPassedTestSuites": 1,
    "numPassedTests": 2,
    "numPendingTestSuites": 0,
    "numPendingTests": 1,
    "numRuntimeErrorTestSuites": 0,
    "numTodoTests": 0,
    "numTotalTestSuites": 2,
    "numTotalTests": 4,
    "startTime": 1_700_000_000_000,
    "success": False,
    "testResults": [
        {
            "name": "/repo/tests/a.test.ts",
            "status": "failed",
            "startTime": 1_700_000_000_100,
            "endTime": 1_700_000_001_100,
            "message": "",
            "assertionResults": [
                {"fullName": "A works", "status": "passed", "title": "works"},
                {"fullName": "A breaks", "status": "failed", "title": "breaks"},
                {"fullName": "A later", "status": "pending", "title": "later"},
            ],
        },
        {
            "name": "/repo/tests/b.test.ts",
            "status": "passed",
            "startTime": 1_700_000_000_200,
            "endTime": 1_700_000_002_500,
            "assertionResults": [{"fullName": "B works", "status": "passed", "title": "works"}],
        },
    ],
}


def test_jest_json(tmp_path):
    s = r.parse_report(write(tmp_path, "jest.json", json.dumps(JEST)))
    assert s.format == "jest-json"
    assert (s.tests, s.failures, s.errors, s.skipped, s.suites) == (4, 1, 0, 1, 2)
    assert s.failed_names == ["A breaks"]
    assert s.duration_s == pytest.approx(2.5)


def test_jest_json_runtime_error_suite(tmp_path):
    doc = {
        "numTotalTests": 0,
        "numFailedTests": 0,
        "numPendingTests": 0,
        "numTotalTestSuites": 1,
        "numRuntimeErrorTestSuites": 1,
        "testResults": [{"name": "/repo/t.test.ts", "status": "failed", "message": "SyntaxError", "assertionResults": []}],
    }
    s = r.parse_report(write(tmp_path, "j.json", json.dumps(doc)), "jest-json")
    assert s.errors == 1 and not s.passed
    assert s.failed_names == ["/repo/t.test.ts"]


def test_jest_json_counts_from_assertions_when_totals_absent(tmp_path):
    doc = {"testResults": [{"name": "x", "assertionResults": [{"fullName": "x a", "status": "failed"}, {"fullName": "x b", "status": "todo"}]}]}
    s = r.parse_report(write(tmp_path, "j.json", json.dumps(doc)))
    assert (s.tests, s.failures, s.skipped) == (2, 1, 1)


ESLINT = [
    {"filePath": "/repo/src/a.ts", "messages": [], "errorCount": 0, "warningCount": 1, "fatalErrorCount": 0},
    {"filePath": "/repo/src/b.ts", "messages": [{"ruleId": "no-unused-vars", "severity": 2}], "errorCount": 2, "warningCount": 0},
    {"filePath": "/repo/src/c.ts", "messages": [], "errorCount": 0, "warningCount": 0},
]


def test_eslint_json(tmp_path):
    s = r.parse_report(write(tmp_path, "eslint.json", json.dumps(ESLINT)))
    assert s.format == "eslint"
    assert (s.tests, s.failures, s.errors, s.skipped, s.warnings) == (3, 2, 0, 0, 1)
    assert s.failed_names == ["/repo/src/b.ts"]
    assert not s.passed


def test_eslint_clean_passes(tmp_path):
    s = r.parse_report(write(tmp_path, "eslint.json", json.dumps(ESLINT[:1])), "eslint")
    assert s.passed and s.tests == 1 and s.warnings == 1


def test_malformed_json_names_the_file(tmp_path):
    with pytest.raises(IssueFlowError, match="eslint.json"):
        r.parse_report(write(tmp_path, "eslint.json", "[{"), "eslint")
    with pytest.raises(IssueFlowError, match="jest.json"):
        r.parse_report(write(tmp_path, "jest.json", "{\"numTotalTests\": }"))
    with pytest.raises(IssueFlowError, match="deep.json"):
        r.parse_report(write(tmp_path, "deep.json", "[" * 100_000 + "]" * 100_000))


def test_wrong_shape_names_the_file(tmp_path):
    with pytest.raises(IssueFlowError, match="e.json"):
        r.parse_report(write(tmp_path, "e.json", '{"a": 1}'), "eslint")
    with pytest.raises(IssueFlowError, match="j.json"):
        r.parse_report(write(tmp_path, "j.json", '[1, 2]'), "jest-json")
    with pytest.raises(IssueFlowError, match="j2.json"):
        r.parse_report(write(tmp_path, "j2.json", '{"numTotalTests": "many"}'))
    with pytest.raises(IssueFlowError, match="x.txt"):
        r.parse_report(write(tmp_path, "x.txt", "PASS all good"))
    with pytest.raises(IssueFlowError, match="format"):
        r.parse_report(write(tmp_path, "y.json", "[]"), "tap")


def test_missing_file_names_it(tmp_path):
    with pytest.raises(IssueFlowError, match="nope.xml"):
        r.parse_report(tmp_path / "nope.xml")


def test_guess_format():
    assert r.guess_format(JUNIT) == "junit"
    assert r.guess_format(b"\xef\xbb\xbf  <testsuite/>") == "junit"
    assert r.guess_format(b"  [ ]") == "eslint"
    assert r.guess_format(b'\n{"numTotalTests": 0}') == "jest-json"
    assert r.guess_format(b"hello") is None


def test_a_parsed_report_is_recorded_as_plain_json(tmp_path):
    """What a report file becomes in the results a gate records (JSON, no NaN, every count)."""
    s = r.parse_report(write(tmp_path, "junit.xml", JUNIT))
    assert json.loads(json.dumps(s.to_dict(), allow_nan=False)) == {
        "tests": 5, "failures": 1, "errors": 0, "skipped": 1, "duration_s": 2.345,
        "failed_names": ["VoiceAgent retries on 502"], "suites": 2, "format": "junit", "warnings": 0,
    }


# --------------------------------------------------------------------------- NaN and Infinity


@pytest.mark.parametrize("value", ["NaN", "nan", "Infinity", "-inf", "INF"])
def test_junit_non_finite_time_is_refused(tmp_path, value):
    data = f'<testsuites tests="1" time="{value}"><testsuite name="s" tests="1"><testcase name="a"/></testsuite></testsuites>'
    with pytest.raises(IssueFlowError, match=r"t\.xml: .*time") as exc:
        r.parse_report(write(tmp_path, "t.xml", data))
    assert "\n" not in exc.value.message


def test_junit_non_finite_suite_time_and_count_are_refused(tmp_path):
    data = '<testsuites><testsuite name="s" tests="1" time="NaN"><testcase name="a"/></testsuite></testsuites>'
    with pytest.raises(IssueFlowError, match="time"):
        r.parse_report(write(tmp_path, "t.xml", data))
    data = '<testsuites><testsuite name="s" tests="inf" errors="1"/></testsuites>'
    with pytest.raises(IssueFlowError, match="tests"):
        r.parse_report(write(tmp_path, "t2.xml", data))


@pytest.mark.parametrize("literal", ["NaN", "Infinity", "-Infinity", "1e400"])
def test_jest_json_non_finite_numbers_are_refused(tmp_path, literal):
    text = '{"numTotalTests": 1, "numFailedTests": 0, "startTime": %s, "testResults": []}' % literal
    with pytest.raises(IssueFlowError, match=r"j\.json") as exc:
        r.parse_report(write(tmp_path, "j.json", text))
    assert "\n" not in exc.value.message


def test_jest_json_non_finite_suite_time_is_refused(tmp_path):
    text = '{"numTotalTests": 0, "testResults": [{"name": "x", "startTime": 1, "endTime": NaN, "assertionResults": []}]}'
    with pytest.raises(IssueFlowError, match=r"j\.json"):
        r.parse_report(write(tmp_path, "j.json", text))


def test_eslint_nan_is_refused(tmp_path):
    with pytest.raises(IssueFlowError, match=r"e\.json"):
        r.parse_report(write(tmp_path, "e.json", '[{"filePath": "a", "errorCount": NaN, "warningCount": 0}]'))


# --------------------------------------------------------------------------- runners' own summary lines

JEST_OUT = """\
PASS src/a.test.ts
FAIL tests/b.test.ts
  \x1b[1m\x1b[31m● Widget › retries on 502\x1b[39m\x1b[22m

    expect(received).toBe(expected)

  ● Widget › closes cleanly

    boom

Test Suites: 1 failed, 5 passed, 6 total
Tests:       2 failed, 3 skipped, 1 todo, 35 passed, 41 total
Snapshots:   0 total
Time:        3.456 s, estimated 4 s
Ran all test suites.
"""

NODE_SPEC_OUT = """\
✔ adds (0.5ms)
✖ subtracts (1.2ms)
ℹ tests 5
ℹ suites 1
ℹ pass 3
ℹ fail 1
ℹ cancelled 0
ℹ skipped 1
ℹ todo 0
ℹ duration_ms 45.125
"""

NODE_TAP_OUT = """\
TAP version 13
ok 1 - adds
not ok 2 - subtracts
1..2
# tests 2
# suites 0
# pass 1
# fail 1
# cancelled 0
# skipped 0
# todo 0
# duration_ms 12.5
"""

PYTEST_OUT = """\
tests/test_a.py ..F.s                                                    [100%]
=========================== short test summary info ============================
FAILED tests/test_a.py::test_three - assert 1 == 2
ERROR tests/test_b.py::test_x - RuntimeError
============= 1 failed, 40 passed, 2 skipped, 1 error, 3 warnings in 62.50s (0:01:02) =============
"""

MOCHA_OUT = """\
  Widget
    ✓ connects
    1) retries


  40 passing (2s)
  2 pending
  1 failing

  1) Widget
       retries:
     AssertionError: expected 1 to equal 2
"""


def test_summary_lines_of_jest():
    s = r.parse_summary(JEST_OUT)
    assert s.format == "jest"
    assert (s.tests, s.failures, s.errors, s.skipped, s.suites) == (41, 2, 0, 4, 6)
    assert s.duration_s == pytest.approx(3.456)
    assert s.failed_names == ["Widget › retries on 502", "Widget › closes cleanly"]
    assert not s.passed


def test_summary_lines_of_node_test_runner():
    s = r.parse_summary(NODE_SPEC_OUT)
    assert s.format == "node"
    assert (s.tests, s.failures, s.skipped, s.suites) == (5, 1, 1, 1)
    assert s.duration_s == pytest.approx(0.045125)
    t = r.parse_summary(NODE_TAP_OUT)
    assert (t.format, t.tests, t.failures, t.skipped) == ("node", 2, 1, 0)


def test_summary_lines_of_pytest():
    s = r.parse_summary(PYTEST_OUT)
    assert s.format == "pytest"
    assert (s.tests, s.failures, s.errors, s.skipped) == (44, 1, 1, 2)
    assert s.duration_s == pytest.approx(62.5)
    q = r.parse_summary("..\n2 passed in 0.01s\n")
    assert (q.format, q.tests, q.failures) == ("pytest", 2, 0) and q.passed


def test_summary_lines_of_mocha():
    s = r.parse_summary(MOCHA_OUT)
    assert s.format == "mocha"
    assert (s.tests, s.failures, s.skipped) == (43, 1, 2)
    assert s.duration_s == pytest.approx(2.0)
    assert r.parse_summary("  3 passing (120ms)\n").duration_s == pytest.approx(0.12)


def test_summary_lines_the_last_run_counts():
    s = r.parse_summary(JEST_OUT + "\nTests:       10 passed, 10 total\n")
    assert (s.tests, s.failures) == (10, 0)


def test_no_summary_line_is_none():
    assert r.parse_summary("") is None
    assert r.parse_summary("eslint: not found\n") is None
    assert r.parse_summary("Tests are important\nThe tests 5 of them\n") is None
