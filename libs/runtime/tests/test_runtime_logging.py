"""Phone numbers never reach a log line in full, however deeply they are nested."""

from __future__ import annotations

import json
import logging

import pytest
from orderhub_runtime.logging import configure_logging, get_logger


def test_phones_are_masked_in_nested_values(capsys: pytest.CaptureFixture[str]) -> None:
    configure_logging("test", json_logs=True)
    params = {"to": ["13912345678"], "n": 1}
    get_logger("t").info("sms.sent", phone="13812345678", params=params, note="拨打13700001111")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["phone"] == "138****5678"
    assert record["params"] == {"to": ["139****5678"], "n": 1}
    assert "13700001111" not in line and "137****1111" in record["note"]
    assert record["service"] == "test"
    logging.getLogger().handlers.clear()
