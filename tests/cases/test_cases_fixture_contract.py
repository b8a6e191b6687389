"""The faulty server's "valid" case really is valid under the contract, so its tests mean something."""

from __future__ import annotations

from backend.testing import Contract


def test_valid_case_fixture_conforms(valid_case: dict) -> None:
    Contract.load().validator({"$ref": "#/components/schemas/Case"}).validate(valid_case)
