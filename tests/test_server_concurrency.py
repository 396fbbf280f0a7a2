"""Concurrency: 8 clients writing at once to the same DIPPs and domains, while the worker
processes pending updates. The audit log gives the commit order; replayed serially in that order
(``ippools replay`` of the audit log as a scenario), every answer is the one the client got,
the settled world is the server's, and I1-I7 hold."""

from __future__ import annotations

import json
import random
import threading
from pathlib import Path

from ippools.documents import SCENARIO_FORMAT, load_scenario, unstructure
from ippools.replay import replay
from ippools.testing import assert_invariants
from ippools.wire import Request
from tests.serving import Server, client_for, send, stored, wait_settled, world_file
from tests.test_server_durability import HEADERS, start_world, writes

CLIENTS = 8
WRITES = 30


def client_run(url: str, number: int, answers: dict[str, tuple[int, object]]) -> None:
    """One client: WRITES writes, each with its own requestor, answers recorded by it."""
    created: list[str] = []
    stream = writes(random.Random(number), created)
    with client_for(url, timeout=60) as client:
        for n in range(WRITES):
            request = next(stream)
            requestor = f"c{number}-{n}@example.com"
            headers = {**HEADERS, "X-Mailgun-Requestor": requestor}
            mine = Request(request.method, request.path, headers=headers, form=request.form)
            answer = send(client, mine)
            answers[requestor] = (answer.status_code, answer.json())
            if "pool_id" in answer.json():
                created.append(answer.json()["pool_id"])
            if n % 5 == 0:
                assert client.get("/v3/ip_pools/" + "a" * 24, headers=HEADERS).status_code in (
                    200,
                    404,
                )


def test_concurrent_writes_settle_to_the_serial_replay_in_commit_order(tmp_path: Path) -> None:
    audit = tmp_path / "audit.jsonl"
    args = [
        "--trust-headers",
        "--db",
        str(tmp_path / "pools.db"),
        "--world",
        str(world_file(tmp_path, start_world())),
        "--settle-delay",
        "0",
        "--audit-log",
        str(audit),
        "--no-access-log",
    ]
    answers: dict[str, tuple[int, object]] = {}
    with Server(*args, fork=True) as server:
        threads = [
            threading.Thread(target=client_run, args=(server.url, n, answers))
            for n in range(CLIENTS)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert len(answers) == CLIENTS * WRITES
        with client_for(server.url) as control:
            wait_settled(control)
            world, _ = stored(control)
    steps = [json.loads(line) for line in audit.read_text().splitlines()]
    in_order = [step["request"]["headers"]["X-Mailgun-Requestor"] for step in steps]
    assert sorted(in_order) == sorted(answers)
    for step, requestor in zip(steps, in_order, strict=True):
        expect = step["expect"]
        assert answers[requestor] == (expect["status"], expect["body"])
    accepted = [a for a in answers.values() if a[0] == 200]
    assert len(accepted) > CLIENTS * WRITES / 5
    ids = [
        step["expect"]["body"]["pool_id"]
        for step in steps
        if step["request"]["method"] == "POST" and step["expect"]["status"] == 200
    ]
    scenario = load_scenario(
        {
            "format": SCENARIO_FORMAT,
            "world": unstructure(start_world()),
            "ids": ids,
            "steps": [*steps, {"settle": True}],
        }
    )
    result = replay(scenario)
    assert result.differences == ()
    assert result.output.world == world
    assert result.output.pending == 0
    assert_invariants(world, label="settled world after concurrent writes")
