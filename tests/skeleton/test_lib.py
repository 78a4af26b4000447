from __future__ import annotations

import pytest

from supportline.lib.inn import inn_error, is_valid_inn
from supportline.lib.versions import version_error, version_key


@pytest.mark.parametrize("inn", ["7707083893", "7736207543", "500100732259"])
def test_r17_valid_inn(inn: str) -> None:
    assert is_valid_inn(inn)


@pytest.mark.parametrize(
    "inn,message",
    [
        ("7707083894", "контрольной цифры"),
        ("500100732258", "контрольных цифр"),
        ("77070838", "10 цифр"),
        ("77070838AB", "только из цифр"),
    ],
)
def test_r17_invalid_inn_messages(inn: str, message: str) -> None:
    error = inn_error(inn)
    assert error is not None and message in error


def test_versions_compare_numerically() -> None:
    assert version_key("3.0.82.18") > version_key("3.0.9.1")
    assert version_key("3.1") > version_key("3.0.99.99")
    assert version_error("3.0.x") is not None
    assert version_error("3.0.82.18") is None
