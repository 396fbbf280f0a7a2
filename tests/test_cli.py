"""``ippools replay``: output, exit statuses, one-line errors, examples, the documented example."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import ippools.cli
from ippools.cli import example_names, main
from ippools.documents import dump_json, load_scenario, parse_json, unstructure
from ippools.errors import DocumentError
from ippools.replay import replay
from tests.fuzzing import fuzz_examples

ROOT = Path(__file__).resolve().parent.parent
QUICKSTART = ROOT / "src" / "ippools" / "scenarios" / "quickstart.json"
CONFORMANCE = ROOT / "docs" / "conformance.md"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run the command line in-process; return exit status, stdout and stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, value: Any, name: str = "s.json") -> Path:
    path = tmp_path / name
    path.write_text(value if isinstance(value, str) else json.dumps(value), encoding="utf-8")
    return path


def quickstart() -> dict[str, Any]:
    value: dict[str, Any] = json.loads(QUICKSTART.read_text(encoding="utf-8"))
    return value


# -- exit 0 and 1 -----------------------------------------------------------------------------


def test_replay_prints_canonical_output_and_exits_0(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """§7: exit 0; the replay output as JSON with sorted keys and a 2-space indent."""
    path = write(tmp_path, quickstart())
    code, out, err = run(capsys, "replay", str(path))
    assert (code, err) == (0, "")
    expected = replay(load_scenario(quickstart())).output
    assert out == dump_json(unstructure(expected))
    assert out == json.dumps(json.loads(out), sort_keys=True, indent=2) + "\n"
    assert json.loads(out)["format"] == "ippools-replay/1"


def test_failed_expectation_exits_1_with_output_and_differences(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """§7/K18: exit 1; the full output still on stdout, one line per difference on stderr."""
    doc = quickstart()
    doc["steps"][2]["expect"]["status"] = 404
    doc["expect_world"]["pools"][0]["name"] = "other"
    path = write(tmp_path, doc)
    code, out, err = run(capsys, "replay", str(path))
    assert code == 1
    assert out == dump_json(unstructure(replay(load_scenario(doc)).output))
    pool = "658041ae44842b99ee2eaa1b"
    assert err == (
        f"ippools: {path}: steps[2] PUT /v3/ip_pools/{pool}/ips/198.51.100.2: "
        "status: expected 404, got 200\n"
        f'ippools: {path}: expect_world: world.pools[{pool}].name: expected "other", '
        'got "transactional"\n'
    )


# -- exit 2 --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("", "the file is empty, not a JSON document"),
        ("{\"format\": \"ippools-scenario/1\", \"world\": {", "truncated JSON: the text ends "
         "at line 1 column 44, before the document is complete"),
        ("{format: 1}", "not valid JSON: Expecting property name enclosed in double quotes "
         "(at line 1 column 2)"),
        ("[]", "expected a scenario (a JSON object), got an array"),
        ('{"format": "ippools-scenario/1", "world": {}}', "steps: required field is missing"),
        ('{"format": "ippools-scenario/1", "world": {"domains": [{"id": "d"}]}, "steps": []}',
         "world.domains[0].name: required field is missing"),
    ],
)  # fmt: skip
def test_invalid_scenario_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, content: str, message: str
) -> None:
    """§7: exit 2, nothing on stdout, `ippools: <file>: <what is wrong>` on stderr."""
    path = write(tmp_path, content)
    assert run(capsys, "replay", str(path)) == (2, "", f"ippools: {path}: {message}\n")


def test_missing_unreadable_and_binary_files_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """§7: a missing file, a directory without scenarios and bytes that are not UTF-8 are
    exit 2, one line each."""
    missing = tmp_path / "missing.json"
    assert run(capsys, "replay", str(missing)) == (
        2,
        "",
        f"ippools: {missing}: cannot read: No such file or directory\n",
    )
    assert run(capsys, "replay", str(tmp_path)) == (
        2,
        f"INVALID  {tmp_path}\n1 file: 0 passed, 0 failed, 1 invalid\n",
        f"ippools: {tmp_path}: a directory without any .json file\n",
    )
    binary = tmp_path / "b.json"
    binary.write_bytes(b'{"a": "\xff"}')
    assert run(capsys, "replay", str(binary)) == (
        2,
        "",
        f"ippools: {binary}: not UTF-8 text (byte 7)\n",
    )


def test_standard_input_is_read_with_a_dash(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """§7: `-` reads the scenario from standard input; its errors name <stdin>."""
    data = json.dumps(quickstart()).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data)))
    code, out, err = run(capsys, "replay", "-")
    assert (code, err) == (0, "")
    assert json.loads(out)["pending"] == 0
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(b"[")))
    assert run(capsys, "replay", "-") == (
        2,
        "",
        "ippools: <stdin>: truncated JSON: the text ends at line 1 column 2, "
        "before the document is complete\n",
    )


@settings(
    max_examples=fuzz_examples(1000),
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=15,
    )
)
def test_arbitrary_json_through_the_cli_exits_2_with_one_line(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value: Any
) -> None:
    """§7: any JSON value (or NaN/Infinity) that is not a valid scenario: exit 2, one line."""
    path = write(tmp_path, json.dumps(value))
    capsys.readouterr()
    code, out, err = run(capsys, "replay", str(path))
    try:
        load_scenario(parse_json(path.read_text(encoding="utf-8")))
    except DocumentError as error:
        message = " ".join(str(error).split())
    else:  # pragma: no cover - random JSON is almost never a scenario
        assert code in (0, 1)
        return
    assert (code, out) == (2, "")
    assert err == f"ippools: {path}: {message}\n"


# -- examples, usage, internal errors --------------------------------------------------------------


def test_examples_are_listed_and_replayed(capsys: pytest.CaptureFixture[str]) -> None:
    """§7: --list-examples names the shipped scenarios; --example replays one."""
    code, out, err = run(capsys, "replay", "--list-examples")
    assert (code, err) == (0, "")
    assert out.splitlines() == example_names()
    assert {"delete-with-replacement", "quickstart", "deletion-chain"} <= set(example_names())
    code, out, err = run(capsys, "replay", "--example", "quickstart")
    assert (code, err) == (0, "")
    assert out == dump_json(unstructure(replay(load_scenario(quickstart())).output))
    assert run(capsys, "replay", "--example", "nope") == (
        2,
        "",
        "ippools: example 'nope': no such example (see ippools replay --list-examples)\n",
    )


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["replay"],
        ["serve"],
        ["replay", "a.json", "--example", "quickstart"],
        ["replay", "--list-examples", "--example", "quickstart"],
        ["replay", "--db", "x.db", "a.json", "b.json"],
        ["replay", "-", "a.json"],
        ["replay", "--bogus"],
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    """A wrong command line is a usage error: exit 2, nothing on stdout, one line on stderr
    that says what is wrong and where the help is."""
    code, out, err = run(capsys, *argv)
    assert (code, out) == (2, "")
    assert err.count("\n") == 1
    assert re.fullmatch(r"ippools( (\w+))?: .+ \(see ippools( \2)? --help\)\n", err)


def test_help_documents_every_exit_status(capsys: pytest.CaptureFixture[str]) -> None:
    """--help exits 0 and lists the exit statuses, internal error (3) included."""
    code, out, err = run(capsys, "replay", "--help")
    assert (code, err) == (0, "")
    assert "  0  every step ran and every expectation held" in out
    assert "  1  an expectation failed" in out
    assert "  2  the file is missing, not JSON, truncated or not a valid scenario" in out
    assert "  3  internal error (a bug in ippools)" in out


def test_unexpected_exception_is_one_line_and_exit_3(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """Never a traceback: a bug gives `ippools: internal error: ...` and exit 3."""

    def broken(scenario: object) -> object:
        raise RuntimeError("boom\n  at line 2")

    monkeypatch.setattr(ippools.cli, "replay", broken)
    path = write(tmp_path, quickstart())
    assert run(capsys, "replay", str(path)) == (
        3,
        "",
        "ippools: internal error: RuntimeError: boom at line 2\n",
    )


def test_python_dash_m_runs_the_same_command() -> None:
    """§7: `python -m ippools replay` prints the same output; a bad file gives exit 2."""
    done = subprocess.run(
        [sys.executable, "-m", "ippools", "replay", str(QUICKSTART)],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert (done.returncode, done.stderr) == (0, "")
    assert done.stdout == dump_json(unstructure(replay(load_scenario(quickstart())).output))
    bad = subprocess.run(
        [sys.executable, "-m", "ippools", "replay", "no-such-file.json"],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    assert (bad.returncode, bad.stdout) == (2, "")
    assert bad.stderr == "ippools: no-such-file.json: cannot read: No such file or directory\n"


# -- the documented example ----------------------------------------------------------------


def _block(marker: str) -> str:
    text = CONFORMANCE.read_text(encoding="utf-8")
    found = re.search(rf"<!-- example: {marker} -->\n```json\n(.*?)```", text, flags=re.S)
    assert found is not None, marker
    return found.group(1)


def test_documented_example_is_the_shipped_quickstart(capsys: pytest.CaptureFixture[str]) -> None:
    """docs/conformance.md shows the quickstart scenario and exactly what the CLI prints for it."""
    assert json.loads(_block("scenario")) == quickstart()
    code, out, err = run(capsys, "replay", "--example", "quickstart")
    assert (code, err) == (0, "")
    assert _block("output") == out
