"""INN (taxpayer number) check digits (SPEC R17, registry): 10 digits for an organisation,
12 for an individual entrepreneur. Returns a Russian message, or None when the INN is valid."""

from __future__ import annotations

_W10 = (2, 4, 10, 3, 5, 9, 4, 6, 8)
_W11 = (7, 2, 4, 10, 3, 5, 9, 4, 6, 8)
_W12 = (3, 7, 2, 4, 10, 3, 5, 9, 4, 6, 8)


def _check(digits: list[int], weights: tuple[int, ...]) -> int:
    return sum(d * w for d, w in zip(digits, weights, strict=False)) % 11 % 10


def inn_error(value: str) -> str | None:
    inn = value.strip()
    if not inn.isdigit() or not inn.isascii():
        return "ИНН должен состоять только из цифр"
    digits = [int(c) for c in inn]
    if len(digits) == 10:
        if _check(digits, _W10) != digits[9]:
            return "ИНН организации не проходит проверку контрольной цифры"
        return None
    if len(digits) == 12:
        if _check(digits, _W11) != digits[10] or _check(digits, _W12) != digits[11]:
            return "ИНН индивидуального предпринимателя не проходит проверку контрольных цифр"
        return None
    return "ИНН должен содержать 10 цифр (организация) или 12 цифр (индивидуальный предприниматель)"


def is_valid_inn(value: str) -> bool:
    return inn_error(value) is None
