"""``nexus assets``: a folder of a user's portraits and backgrounds added with progress,
searched in Chinese and English, listed, removed; refusals exit non-zero with the code."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from nexus.cli.main import app

from .conftest import make_image


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("NEXUS_DATA_DIR", str(tmp_path / "data"))
    folder = tmp_path / "mine"
    (folder / "places").mkdir(parents=True)
    make_image(folder / "old_lighthouse_keeper.png", (40, 80, 200))
    make_image(folder / "places" / "海边的灯塔.jpg", (230, 230, 240))
    make_image(folder / "places" / "rainy_night_street.webp", (15, 15, 30))
    (folder / ".hidden.png").write_bytes(b"ignored")
    return folder


def test_add_search_list_rm(env: Path) -> None:
    runner = CliRunner()
    added = runner.invoke(app, ["assets", "add", str(env), "--tags", "mine", "--json"])
    assert added.exit_code == 0, added.output
    rows = json.loads(added.output)
    assert len(rows) == 3 and all(not r["duplicate"] for r in rows)
    again = runner.invoke(app, ["assets", "add", str(env / "old_lighthouse_keeper.png"), "--json"])
    assert json.loads(again.output)[0]["duplicate"] is True

    found = runner.invoke(app, ["assets", "search", "灯塔", "--json", "--limit", "2"])
    assert found.exit_code == 0, found.output
    titles = [c["title"] for c in json.loads(found.output)]
    assert titles[0] in {"海边的灯塔", "old lighthouse keeper"}
    street = runner.invoke(app, ["assets", "search", "rainy street at night", "--json"])
    top = json.loads(street.output)[0]
    assert top["title"] == "rainy night street" and top["why"]
    bad_kind = runner.invoke(app, ["assets", "search", "x", "--kind", "video"])
    assert bad_kind.exit_code == 2 and "validation_failed" in bad_kind.output

    listed = runner.invoke(app, ["assets", "list", "--json"])
    assert json.loads(listed.output)["total"] == 3
    asset_id = top["asset_id"]
    assert runner.invoke(app, ["assets", "rm", asset_id]).exit_code == 0
    after = runner.invoke(app, ["assets", "search", "rainy street at night", "--json"])
    assert asset_id not in {c["asset_id"] for c in json.loads(after.output)}


def test_refused_files_exit_non_zero_with_their_code(env: Path) -> None:
    notes = env / "notes.pdf"
    notes.write_bytes(b"%PDF-1.4\n1 0 obj")
    result = CliRunner().invoke(app, ["assets", "add", str(notes)])
    assert result.exit_code == 2 and "unsupported_media_type" in result.output
