"""The corpus ships in the package: every scenario is there after ``pip install``.

Under ``nox -s wheel`` the package is the installed wheel, so these tests check the wheel
carries every file of the source tree's corpus and schemas.
"""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

import pytest

from ippools.cli import main
from ippools.corpus import SCHEMA_KINDS, corpus_names, read_corpus_file
from ippools.documents import load_scenario, parse_json

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src" / "ippools" / "scenarios"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_the_installed_package_carries_every_corpus_file_and_schema() -> None:
    """importlib.resources finds each scenario of the source tree, byte for byte, and the
    three schemas."""
    names = corpus_names()
    assert names == sorted(path.stem for path in SOURCE.glob("*.json"))
    assert len(names) >= 60
    for name in names:
        assert read_corpus_file(name) == (SOURCE / f"{name}.json").read_bytes()
    shipped = resources.files("ippools").joinpath("schemas")
    assert sorted(entry.name for entry in shipped.iterdir()) == sorted(
        f"{kind}.schema.json" for kind in SCHEMA_KINDS
    )


@pytest.mark.parametrize("name", corpus_names())
def test_every_shipped_file_is_a_valid_scenario(name: str) -> None:
    scenario = load_scenario(parse_json(read_corpus_file(name).decode("utf-8")))
    assert scenario.steps


def test_an_unknown_name_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        read_corpus_file("no-such-scenario")
    with pytest.raises(KeyError):
        read_corpus_file("../pyproject")


def test_corpus_lists_the_names_like_list_examples(capsys: pytest.CaptureFixture[str]) -> None:
    listed = run(capsys, "corpus")
    assert listed == (0, "".join(f"{name}\n" for name in corpus_names()), "")
    assert run(capsys, "replay", "--list-examples") == listed


def test_corpus_out_writes_every_file_and_replaces_on_a_second_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``--out DIR`` creates DIR and writes NAME.json for each; a second run replaces them."""
    out_dir = tmp_path / "new" / "corpus"
    names = corpus_names()
    assert run(capsys, "corpus", "--out", str(out_dir)) == (
        0,
        f"wrote {len(names)} scenarios to {out_dir}\n",
        "",
    )
    (out_dir / "quickstart.json").write_text("{}", encoding="utf-8")
    assert run(capsys, "corpus", "--out", str(out_dir))[0] == 0
    assert sorted(path.stem for path in out_dir.iterdir()) == names
    for name in names:
        assert (out_dir / f"{name}.json").read_bytes() == read_corpus_file(name)
    code, out, err = run(capsys, "replay", str(out_dir))
    assert (code, err) == (0, "")
    assert out.endswith(f"{len(names)} files: {len(names)} passed, 0 failed, 0 invalid\n")


def test_corpus_out_into_a_file_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    code, out, err = run(capsys, "corpus", "--out", str(blocker))
    assert (code, out) == (2, "")
    assert err == f"ippools: {blocker}: cannot write: File exists\n"


def test_every_example_replays_by_name(capsys: pytest.CaptureFixture[str]) -> None:
    """``--example NAME`` reaches every corpus file, not only the two first examples."""
    code, out, err = run(capsys, "replay", "--example", "deletion-chain")
    assert (code, err) == (0, "")
    assert json.loads(out)["pending"] == 0
