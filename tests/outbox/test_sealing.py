"""Files sealed at rest (outbox/sealing.py `seal_bytes` / `open_bytes`): clearance letters."""

import pytest

from outbox.sealing import open_bytes, seal_bytes

LETTER = b"%PDF-1.4 Dr Lee clears Ada for light pressure %%EOF"


def test_a_sealed_file_opens_to_what_was_sealed_and_hides_it():
    sealed = seal_bytes(LETTER, purpose="letters")
    assert b"Dr Lee" not in sealed
    assert seal_bytes(LETTER, purpose="letters") != sealed  # a fresh nonce every time
    assert open_bytes(sealed, purpose="letters") == LETTER


def test_a_file_sealed_for_one_purpose_does_not_open_as_another():
    with pytest.raises(ValueError, match="no longer in use"):
        open_bytes(seal_bytes(LETTER, purpose="letters"), purpose="receipts")


def test_a_tampered_or_foreign_file_is_refused():
    sealed = bytearray(seal_bytes(LETTER, purpose="letters"))
    sealed[-1] ^= 1
    with pytest.raises(ValueError):
        open_bytes(bytes(sealed), purpose="letters")
    with pytest.raises(ValueError, match="not sealed"):
        open_bytes(LETTER, purpose="letters")


def test_the_old_key_still_opens_after_rotation(settings):
    sealed = seal_bytes(LETTER, purpose="letters")
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "a-new-key-" + "x" * 50
    assert open_bytes(sealed, purpose="letters") == LETTER
    settings.SECRET_KEY_FALLBACKS = []
    with pytest.raises(ValueError):
        open_bytes(sealed, purpose="letters")
