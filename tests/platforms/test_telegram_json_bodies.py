"""The Bot API's request bodies and answers go through orjson on the path every message takes;
what orjson refuses goes through ``json`` exactly as before, so the same values arrive and the
same answers are read."""

from __future__ import annotations

import json

from bot.platforms.telegram.http import AiohttpRequest, _dumps


def test_a_body_carries_the_same_values_as_json_dumps() -> None:
    values = {
        "chat_id": -1001234567890,
        "text": 'Tea at 5 \u2014 caf\u00e9 \U0001f375 <b>&</b> "quoted"',
        "link_preview_options": {"is_disabled": True},
        "reply_markup": {"inline_keyboard": [[{"text": "Yes", "callback_data": "pc:x"}]]},
    }
    assert json.loads(_dumps(values)) == json.loads(json.dumps(values)) == values


def test_what_orjson_refuses_is_still_sent() -> None:
    huge = {"chat_id": 2**70, "text": "lone \ud800 surrogate"}
    assert _dumps(huge) == json.dumps(huge).encode()


def test_an_answer_that_is_not_utf8_is_read_as_ptb_reads_it() -> None:
    request = AiohttpRequest()
    payload = b'{"ok": true, "result": {"message_id": 7, "text": "caf\xe9"}}'
    assert request._loads(payload) == AiohttpRequest.parse_json_payload(payload)
    assert request._loads(payload)["result"]["text"] == "caf\ufffd"
    good = '{"ok":true,"result":{"message_id":8,"text":"caf\u00e9"}}'.encode()
    assert request._loads(good) == json.loads(good)


def test_where_orjson_would_differ_from_json_is_what_the_docstrings_say() -> None:
    """The two differences ``_dumps`` and ``_loads`` name, and the edges they stop at: so a
    change of library (or of its version) that moved them shows here."""
    assert json.loads(_dumps({"x": float("nan"), "y": float("inf")})) == {"x": None, "y": None}
    edges = {"x": 2**64 - 1, "y": -(2**63)}  # orjson's own, exact
    assert _dumps(edges) == json.dumps(edges, separators=(",", ":")).encode()
    request = AiohttpRequest()
    edge = b'{"ok":true,"result":[18446744073709551615,-9223372036854775808]}'
    assert request._loads(edge)["result"] == [2**64 - 1, -(2**63)]  # exact up to 64 bits
    beyond = b'{"ok":true,"result":18446744073709551616}'
    assert AiohttpRequest.parse_json_payload(beyond)["result"] == 2**64
    assert request._loads(beyond)["result"] == float(2**64)
    assert isinstance(request._loads(beyond)["result"], float)
    huge = b'{"ok":true,"result":1e400}'  # beyond a double: PTB reads it (as infinity)
    assert request._loads(huge) == AiohttpRequest.parse_json_payload(huge)
