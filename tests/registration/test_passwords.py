import math
import random
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from registration.passwords import (
    ALPHABET,
    contains_dictionary_word,
    dictionary_words,
    generate_password,
)

AMBIGUOUS = set("0O1lIi")
SORTED_WORDS = sorted(dictionary_words())


def test_generated_passwords_carry_at_least_80_bits() -> None:
    length = len(generate_password().replace("-", ""))
    assert length * math.log2(len(ALPHABET)) >= 80


def test_alphabet_has_no_ambiguous_characters() -> None:
    assert not AMBIGUOUS & set(ALPHABET)


def test_word_list_holds_common_words() -> None:
    assert {"library", "loan", "copy", "password"} <= dictionary_words()


@settings(max_examples=300)
@given(st.randoms(use_true_random=False))
def test_generated_passwords_never_contain_a_dictionary_word(rng: random.Random) -> None:
    password = generate_password(rng)
    assert not contains_dictionary_word(password)
    assert set(password) <= set(ALPHABET) | {"-"}


@given(
    prefix=st.text(alphabet=ALPHABET, max_size=6),
    word=st.sampled_from(SORTED_WORDS),
    suffix=st.text(alphabet=ALPHABET, max_size=6),
)
def test_a_word_anywhere_inside_is_detected(prefix: str, word: str, suffix: str) -> None:
    assert contains_dictionary_word(f"{prefix}{word.upper()}{suffix}")


class _SpellsAWordFirst(random.Random):
    """Chooses the letters of 'psst' (a word without vowels) first, then behaves randomly."""

    def __init__(self) -> None:
        super().__init__(7)
        self.forced = list("psstbpsstbpsstbpsstb")

    def choice(self, seq: Any) -> Any:
        return self.forced.pop(0) if self.forced else super().choice(seq)


def test_a_candidate_containing_a_word_is_thrown_away() -> None:
    assert contains_dictionary_word("psstb")
    password = generate_password(_SpellsAWordFirst())
    assert "psst" not in password.replace("-", "")
