"""Secret link tokens: random, stored as a hash, compared in constant time."""

from core.tokens import token_hash, token_matches, token_new


def test_a_new_token_is_long_random_and_url_safe():
    tokens = {token_new() for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t) >= 43 and t.replace("-", "").replace("_", "").isalnum() for t in tokens)


def test_only_the_hash_is_stored_and_it_matches_only_its_token():
    token = token_new()
    stored = token_hash(token)
    assert token not in stored and len(stored) == 64
    assert token_matches(stored, token)
    assert not token_matches(stored, token[:-1] + ("x" if token[-1] != "x" else "y"))
    assert not token_matches(stored, "")


def test_nothing_matches_when_no_token_is_stored():
    assert not token_matches("", "")
    assert not token_matches("", token_new())
