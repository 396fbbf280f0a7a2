"""The keys file of public mode, and reading HTTP Basic auth ``api:<key>``."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from ippools import Actor
from ippools.errors import DocumentError
from ippools.server import ApiKey, keys_from, load_keys
from ippools.server.keys import basic_auth_key

GOOD = {"key": "key-1", "account": "acct-1", "requestor": "ops@example.com", "client": "c"}


def test_a_valid_keys_file_maps_each_key_to_its_actor(tmp_path: Path) -> None:
    path = tmp_path / "keys.json"
    other = {**GOOD, "key": "key-2", "account": "acct-2"}
    path.write_text('{"keys": [' + ", ".join(map(repr_json, (GOOD, other))) + "]}")
    keys = load_keys(path)
    assert len(keys) == 2
    assert keys.lookup("key-1") == ApiKey("acct-1", "ops@example.com", "c")
    assert keys.lookup("key-2") == ApiKey("acct-2", "ops@example.com", "c")
    assert keys.lookup("key-3") is None
    key = keys.lookup("key-1")
    assert key is not None
    assert key.actor == Actor("acct-1", "ops@example.com", "c")
    assert key.headers == (
        ("X-Mailgun-Account-Id", "acct-1"),
        ("X-Mailgun-Requestor", "ops@example.com"),
        ("X-Mailgun-Requestor-Client", "c"),
    )


def repr_json(value: dict[str, str]) -> str:
    return "{" + ", ".join(f'"{k}": "{v}"' for k, v in value.items()) + "}"


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ([], 'a keys file is a JSON object with one field, "keys"'),
        ({"keys": [], "other": 1}, 'a keys file is a JSON object with one field, "keys"'),
        ({"keys": {}}, "keys: expected an array"),
        ({"keys": ["key-1"]}, "keys[0]: expected an object"),
        ({"keys": [{**GOOD, "role": "x"}]}, "keys[0]: unknown field 'role'"),
        ({"keys": [{"key": "k", "account": "a", "client": "c"}]}, "keys[0].requestor: required"),
        ({"keys": [{**GOOD, "key": 7}]}, "keys[0].key: expected a string, got int"),
        ({"keys": [{**GOOD, "key": ""}]}, "keys[0].key: must be non-empty printable text"),
        ({"keys": [{**GOOD, "key": " k"}]}, "keys[0].key: must be non-empty printable text"),
        ({"keys": [{**GOOD, "client": "a\nb"}]}, "keys[0].client: must be non-empty printable"),
        ({"keys": [{**GOOD, "account": "a b"}]}, "keys[0].account: 'a b' contains whitespace"),
        ({"keys": [{**GOOD, "account": "a/b"}]}, "keys[0].account: 'a/b' contains whitespace"),
        (
            {"keys": [{**GOOD, "requestor": "ops"}]},
            "keys[0]: header X-Mailgun-Requestor 'ops' is not an e-mail address",
        ),
        ({"keys": [GOOD, GOOD]}, "keys[1].key: repeats the key of an earlier entry"),
    ],
)
def test_an_invalid_keys_document_names_the_bad_entry(data: Any, message: str) -> None:
    with pytest.raises(DocumentError) as raised:
        keys_from(data)
    assert str(raised.value).startswith(message)


def test_an_unreadable_keys_file_names_the_file(tmp_path: Path) -> None:
    with pytest.raises(DocumentError, match=r"missing.json: cannot read: No such file"):
        load_keys(tmp_path / "missing.json")
    broken = tmp_path / "broken.json"
    broken.write_text('{"keys": [')
    with pytest.raises(DocumentError, match=r"broken.json: truncated JSON"):
        load_keys(broken)
    latin = tmp_path / "latin.json"
    latin.write_bytes(b'{"keys": ["\xe9"]}')
    with pytest.raises(DocumentError, match=r"latin.json: not UTF-8 text \(byte 11\)"):
        load_keys(latin)


def encoded(text: bytes) -> bytes:
    return b"Basic " + base64.b64encode(text)


@pytest.mark.parametrize(
    ("values", "key"),
    [
        ([encoded(b"api:key-1")], "key-1"),
        ([b"basic " + base64.b64encode(b"api:key:with:colons")], "key:with:colons"),
        ([b"  Basic   " + base64.b64encode("api:clé".encode())], "clé"),
        ([], None),
        ([encoded(b"api:key-1"), encoded(b"api:key-1")], None),
        ([b"Bearer key-1"], None),
        ([b"Basic"], None),
        ([b"Basic a2V5"], None),
        ([encoded(b"API:key-1")], None),
        ([encoded(b"api:")], None),
        ([encoded(b"api:\xff")], None),
    ],
)
def test_basic_auth_gives_the_key_of_user_api(values: list[bytes], key: str | None) -> None:
    assert basic_auth_key(values) == key
