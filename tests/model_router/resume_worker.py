"""A worker process for the resume test: makes one provider-job call with a resume key and
waits on it (the test kills it mid-wait). Run as
``python -m tests.model_router.resume_worker DATA_DIR image|lipsync``."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from nexus.contracts.router import CallScope
from nexus.core.db import Database
from nexus.core.migrate import migrate
from nexus.core.settings import load_settings
from nexus.model_router import build_client
from tests.fakes.openai_server import png_bytes, wav_bytes


async def main(data_dir: Path, call: str) -> None:
    settings = load_settings(**json.loads((data_dir / "settings.json").read_text()))
    db = Database.from_url(settings.database_url)
    await migrate(db.engine)
    client = build_client(settings, None, None, None, db=db)
    scope = CallScope(tenant_id="t1", project_id="p1", run_id="r1", job_id="job-1")
    if call == "image":
        await client.image(scope, "p", width=64, height=64, seed=1, resume_key="job-1:frame")
    else:
        await client.lipsync(scope, wav_bytes(1.0), png_bytes(8, 8, "f"), resume_key="job-1:frame")


if __name__ == "__main__":
    asyncio.run(main(Path(sys.argv[1]), sys.argv[2]))
