"""``ippools replay A B C`` and ``ippools replay DIR``: many scenarios in one process.

One summary line per file and a total on standard output, the differences on standard error
exactly as a single-file replay writes them; exit 0 when all pass, 1 when some differ, 2 when
some file is invalid. A single file behaves as it always has.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ippools.cli import main
from ippools.corpus import corpus_names, read_corpus_file
from ippools.documents import dump_json, load_scenario, parse_json, unstructure
from ippools.replay import replay


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def write(directory: Path, name: str, document: object) -> Path:
    path = directory / name
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def corpus_document(name: str) -> dict[str, object]:
    document: dict[str, object] = json.loads(read_corpus_file(name))
    return document


def test_a_directory_replays_each_json_file_in_name_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Only ``*.json`` files directly in the directory, sorted by name."""
    write(tmp_path, "b.json", corpus_document("quickstart"))
    write(tmp_path, "a.json", corpus_document("deletion-chain"))
    (tmp_path / "notes.txt").write_text("not a scenario", encoding="utf-8")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub", "c.json", {})
    assert run(capsys, "replay", str(tmp_path)) == (
        0,
        f"ok       {tmp_path / 'a.json'}\nok       {tmp_path / 'b.json'}\n"
        "2 files: 2 passed, 0 failed, 0 invalid\n",
        "",
    )


def test_failures_are_reported_as_a_single_replay_reports_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The difference lines are the single-file lines; the summary counts them; exit 1."""
    doc = corpus_document("route-3.8-add-ip-d11")
    doc["steps"][4]["expect"]["status"] = 404  # type: ignore[index]
    doc["steps"][4]["expect"]["body"] = {"message": "x"}  # type: ignore[index]
    changed = write(tmp_path, "changed.json", doc)
    good = write(tmp_path, "good.json", corpus_document("quickstart"))
    single = run(capsys, "replay", str(changed))
    assert single[0] == 1
    code, out, err = run(capsys, "replay", str(good), str(changed))
    assert (code, err) == (1, single[2])
    assert out == (
        f"ok       {good}\nFAIL     {changed} (2 differences)\n"
        "2 files: 1 passed, 1 failed, 0 invalid\n"
    )


def test_invalid_files_make_exit_2_and_the_others_still_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A missing file, a file that is not JSON and one that is not UTF-8: INVALID each, with
    the single-file message; the valid file still runs."""
    missing = tmp_path / "missing.json"
    text = tmp_path / "text.json"
    text.write_text("{", encoding="utf-8")
    binary = tmp_path / "binary.json"
    binary.write_bytes(b"\xff")
    doc = corpus_document("route-3.8-add-ip-d11")
    doc["steps"][4]["expect"]["status"] = 404  # type: ignore[index]
    changed = write(tmp_path, "changed.json", doc)
    code, out, err = run(capsys, "replay", str(missing), str(text), str(binary), str(changed))
    assert code == 2
    assert out.splitlines() == [
        f"INVALID  {missing}",
        f"INVALID  {text}",
        f"INVALID  {binary}",
        f"FAIL     {changed} (1 difference)",
        "4 files: 0 passed, 1 failed, 3 invalid",
    ]
    lines = err.splitlines()
    assert lines[0] == f"ippools: {missing}: cannot read: No such file or directory"
    assert lines[1].startswith(f"ippools: {text}: truncated JSON")
    assert lines[2] == f"ippools: {binary}: not UTF-8 text (byte 0)"
    assert lines[3].startswith(f"ippools: {changed}: steps[4] PUT ")
    assert len(lines) == 4


def test_the_whole_shipped_corpus_passes_in_one_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["corpus", "--out", str(tmp_path)]) == 0
    capsys.readouterr()
    code, out, err = run(capsys, "replay", str(tmp_path))
    names = corpus_names()
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        *(f"ok       {tmp_path / name}.json" for name in names),
        f"{len(names)} files: {len(names)} passed, 0 failed, 0 invalid",
    ]


def test_one_file_still_prints_its_replay_output(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A single FILE is the replay of old: the replay output, nothing else."""
    path = write(tmp_path, "q.json", corpus_document("quickstart"))
    scenario = load_scenario(parse_json(path.read_text(encoding="utf-8")))
    expected = dump_json(unstructure(replay(scenario).output))
    assert run(capsys, "replay", str(path)) == (0, expected, "")


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["--db", "x.db", "a.json", "b.json"],
            "ippools replay: --db takes one scenario file, not several",
        ),
        (["a.json", "-"], "ippools replay: - (standard input) is taken only as the one FILE"),
        (
            ["a.json", "--list-examples"],
            "ippools replay: argument FILE: not allowed with argument --list-examples",
        ),
    ],
)
def test_batch_usage_errors(capsys: pytest.CaptureFixture[str], argv: list[str], line: str) -> None:
    assert run(capsys, "replay", *argv) == (2, "", f"{line} (see ippools replay --help)\n")


def test_help_documents_the_batch_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "replay", "--help")
    assert code == 0
    text = " ".join(out.split())
    assert "several files, or a directory (its *.json files, in name order), run in one" in text
    assert "Exit status: 0 every scenario passed; 1 some failed; 2 some file is invalid" in text


def test_conform_help_documents_its_exit_statuses(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "conform", "--help")
    assert code == 0
    assert "  0  every scenario passed" in out
    assert "  1  some scenario failed (a difference, or a control answer" in out
    assert "or the target cannot be reached (one line, the run stops)" in out
