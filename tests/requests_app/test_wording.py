"""Staff wording covers the whole vocabulary: a flag the rules can raise has its staff label."""

from copyright_rules.facts import Flag
from requests_app import wording


def test_every_flag_the_rules_raise_has_staff_wording() -> None:
    assert set(wording.FLAGS) == set(Flag)
    assert all(wording.staff_flag(flag.value) == wording.FLAGS[flag] for flag in Flag)
