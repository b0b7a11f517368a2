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
