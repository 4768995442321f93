"""LLM-assisted planning with scripted chat models: parsing and repair, the bounded re-ask
loop, chunking by scene, entities carried across chunks, shot replies checked against the
passage and turned into contract ShotPlans."""

from __future__ import annotations

import json

import pytest
from tests.llm_oracle import OracleChat, ScriptedChat, shot_reply
from tests.story_samples import VOICES, load_sample

from nexus.contracts import studio
from nexus.contracts.errors import ErrorCode
from nexus.core.errors import NexusError
from nexus.entity_core import extract_entities
from nexus.planner import ingest_story, plan_shots
from nexus.planner.chunks import chunk_story
from nexus.planner.llm import ask_structured, parse_reply
from nexus.planner.llm_entities import (
    EntityDrafts,
    EntityReply,
    build_pack,
    check_reply,
    extract_chunk_entities,
    merge_drafts,
)
from nexus.planner.llm_plan import assemble_shots, shot_shares
from nexus.planner.llm_shots import ShotReply, plan_chunk_shots, to_shot_plans
from nexus.planner.llm_shots import check_reply as check_shots
from nexus.planner.prompt_files import load_prompt, parse_prompt

STORY = """# The Keeper

Mara climbed the lighthouse stairs. The lamp was cold.

"Is anyone there?" Mara called.

"Only me," said Tom. He held a brass key.

# The Storm

The storm came over the harbour. Tom ran to the quay.
"""


def story() -> studio.Story:
    return ingest_story(STORY.encode())


class TestParseReply:
    def test_plain_json_is_not_a_repair(self) -> None:
        assert parse_reply('{"a": 1}') == ({"a": 1}, False)

    @pytest.mark.parametrize(
        "text",
        [
            '```json\n{"a": 1}\n```',
            'Sure! Here it is: {"a": 1,}',
            '{"a": 1',  # a cut-off reply
        ],
    )
    def test_broken_json_is_repaired(self, text: str) -> None:
        value, repaired = parse_reply(text)
        assert value == {"a": 1} and repaired

    def test_prose_without_json_is_refused(self) -> None:
        with pytest.raises(ValueError):
            parse_reply("I cannot help with that.")


class TestAskStructured:
    async def test_reasks_with_the_errors_until_valid(self) -> None:
        chat = ScriptedChat(["not json at all", '{"characters": "nobody"}', '{"characters": []}'])
        answer = await ask_structured(chat, [{"role": "user", "content": "go"}], EntityReply,
                                      name="entities")  # fmt: skip
        assert answer.attempts == 3 and answer.value.characters == []
        last = chat.calls[-1]
        assert last[-2] == {"role": "assistant", "content": '{"characters": "nobody"}'}
        assert "characters" in last[-1]["content"] and "not accepted" in last[-1]["content"]

    async def test_gives_up_after_the_bound(self) -> None:
        chat = ScriptedChat(['{"characters": 7}'])
        with pytest.raises(NexusError) as err:
            await ask_structured(chat, [{"role": "user", "content": "go"}], EntityReply,
                                 name="entities", max_attempts=2)  # fmt: skip
        assert err.value.code == ErrorCode.PROVIDER_RESPONSE_INVALID
        assert len(chat.calls) == 2

    async def test_a_failed_check_is_reasked(self) -> None:
        chat = ScriptedChat(['{"characters": [{"name": "Zed"}]}', '{"characters": []}'])
        answer = await ask_structured(
            chat,
            [{"role": "user", "content": "go"}],
            EntityReply,
            name="entities",
            check=lambda r: [f"{c.name} is invented" for c in r.characters],
        )
        assert answer.attempts == 2
        assert answer.errors == ["attempt 1: Zed is invented"]


class TestPrompts:
    def test_prompts_are_versioned_files(self) -> None:
        for name in ("entities", "shots"):
            prompt = load_prompt(name)
            assert prompt.name == name and prompt.version >= 1
            assert prompt.tag == f"{name}@{prompt.version}"

    def test_a_missing_placeholder_is_a_config_error(self) -> None:
        with pytest.raises(NexusError) as err:
            load_prompt("entities").messages(passage="x")
        assert err.value.code == ErrorCode.CONFIG_INVALID

    def test_a_file_without_version_is_refused(self) -> None:
        with pytest.raises(NexusError):
            parse_prompt("---\nprompt: x\n---\n## system\na\n## user\nb\n")


class TestChunks:
    def test_whole_scenes_up_to_the_size(self) -> None:
        chunks = chunk_story(story(), max_units=25)
        assert [[s.index for s in c.scenes] for c in chunks] == [[0], [1]]
        assert chunk_story(story(), max_units=10_000)[0].scenes == story().scenes

    def test_a_long_scene_is_cut_between_paragraphs_and_nothing_is_lost(self) -> None:
        sample, _ = load_sample("en")
        chunks = chunk_story(sample, max_units=60)
        assert len(chunks) > len(sample.scenes)
        sentences = [s for c in chunks for scene in c.scenes for s in scene.sentences]
        assert sentences == [s for scene in sample.scenes for s in scene.sentences]
        for chunk in chunks:
            paragraphs = [s.paragraph_index for sc in chunk.scenes for s in sc.sentences]
            assert paragraphs == sorted(paragraphs)


class TestEntities:
    def test_invented_names_are_refused(self) -> None:
        reply = EntityReply.model_validate({"characters": [{"name": "Gandalf"}]})
        problems = check_reply(reply, "Mara climbed the stairs.", EntityDrafts())
        assert problems and "Gandalf" in problems[0]

    def test_known_entities_carry_across_chunks(self) -> None:
        first = EntityReply.model_validate(
            {"characters": [{"name": "Mara Lind", "gender": "female"}]}
        )
        known = merge_drafts(EntityDrafts(), first, "Mara Lind climbed.")
        second = EntityReply.model_validate(
            {"characters": [{"name": "Mara Lind", "aliases": ["Mara", "the ghost"]}]}
        )
        assert check_reply(second, "Mara waved.", known) == []
        merged = merge_drafts(known, second, "Mara waved.")
        assert [(c.name, c.aliases, c.gender) for c in merged.characters] == [
            ("Mara Lind", ["Mara"], "female")  # "the ghost" is not in the passage: dropped
        ]

    async def test_the_chain_builds_a_contract_pack(self) -> None:
        chat = OracleChat()
        known = EntityDrafts()
        s = story()
        for chunk in chunk_story(s, max_units=25):
            answer = await extract_chunk_entities(chat, chunk, known)
            known = merge_drafts(known, answer.value, chunk.text())
        assert chat.calls["entities"] == 2
        pack = build_pack(known, s, voices=VOICES, narrator_voice="narrator")
        studio.EntityPack.model_validate(pack.model_dump())
        names = [c.name for c in pack.characters]
        assert set(names) == {"Mara", "Tom"}
        assert all(c.voice and c.voice != "narrator" and c.look for c in pack.characters)
        assert len({c.voice for c in pack.characters}) == 2


def _pack(s: studio.Story) -> studio.EntityPack:
    return extract_entities(s, voices=VOICES, narrator_voice="narrator")


class TestShots:
    def test_reworded_skipped_or_unknown_is_refused(self) -> None:
        s = story()
        pack = _pack(s)
        chunk = chunk_story(s, max_units=25)[0]
        roster = [{"name": c.name, "aliases": c.aliases} for c in pack.characters]
        good = ShotReply.model_validate(shot_reply(chunk.text(), roster))
        assert check_shots(good, chunk.text(), pack, max_shots=10) == []
        reworded = good.model_copy(deep=True)
        reworded.shots[0].lines[0].text = "Mara walked up the tower."
        assert any("word for word" in p for p in check_shots(reworded, chunk.text(), pack, 10))
        skipped = good.model_copy(update={"shots": good.shots[:1]})
        assert any("every sentence" in p for p in check_shots(skipped, chunk.text(), pack, 10))
        stranger = good.model_copy(deep=True)
        stranger.shots[1].lines[0].speaker = "Bob"
        assert any(
            "'Bob' is not a known" in p for p in check_shots(stranger, chunk.text(), pack, 10)
        )
        assert any("at most 1" in p for p in check_shots(good, chunk.text(), pack, 1))

    async def test_accepted_replies_become_shot_plans(self) -> None:
        s = story()
        pack = _pack(s)
        chat = OracleChat()
        chunks = chunk_story(s, max_units=25)
        per_chunk = []
        for chunk, share in zip(chunks, shot_shares(chunks, 40), strict=True):
            answer = await plan_chunk_shots(chat, chunk, pack, max_shots=share)
            per_chunk.append(to_shot_plans(answer.value, chunk, s, pack))
        shots = assemble_shots(per_chunk, max_shots=40)
        assert [sh.shot_id for sh in shots] == [f"shot-{i:03d}" for i in range(len(shots))]
        assert [sh.scene_index for sh in shots] == [0, 0, 0, 1]
        tom = next(c for c in pack.characters if c.name == "Tom")
        spoken = [ln for sh in shots for ln in sh.lines if ln.speaker_id == tom.entity_id]
        assert [ln.text for ln in spoken] == ["Only me,"] or [ln.text for ln in spoken] == [
            "Only me."
        ]
        assert all(ln.voice == tom.voice for ln in spoken)
        assert shots[0].transition_in == "fade" and shots[3].transition_in == "fade"
        for sh in shots:
            studio.ShotPlan.model_validate(sh.model_dump())

    def test_assembly_merges_down_to_the_budget(self) -> None:
        s, pack = load_sample("en")
        shots = plan_shots(s, pack, max_shots=40)
        merged = assemble_shots([shots[:10], shots[10:]], max_shots=5)
        assert len(merged) == 5
        words = lambda xs: json.dumps([ln.text for sh in xs for ln in sh.lines])  # noqa: E731
        assert words(merged) == words(shots)
