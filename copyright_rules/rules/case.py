"""The case being decided: the request, its priors and settings, and the decision it leads to."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from copyright_rules.configuration import RuleSettings
from copyright_rules.facts import (
    HOLDING_SLOT,
    Decision,
    Flag,
    Outcome,
    PriorRequest,
    RequestFacts,
    Rule,
    Status,
    clean,
)
from copyright_rules.keys import Authority, KeyResult
from copyright_rules.normalize import normalize_title
from copyright_rules.reading import (
    ParsedFacts,
    canonical,
)
from copyright_rules.rules.subject import KeyDoubt, Subject, prior_key, prior_year_of

# What a copy beyond the guidelines needs; the rules of several groups say it.
PERMISSION_OR_STAFF = "needs copyright permission or a staff determination"


@dataclass(slots=True)
class Case:
    request: RequestFacts
    settings: RuleSettings
    authority: Authority
    local_date: date
    year: int
    facts: ParsedFacts
    key: KeyResult
    priors: Sequence[PriorRequest]
    periodical: bool
    doubt: KeyDoubt
    subject: Subject
    corrected: bool = False  # R9 found an `older_than_window` basis on a recent article
    _holding: list[tuple[PriorRequest, int]] | None = None

    def holding_same_key(self) -> list[tuple[PriorRequest, int]]:
        """The institution's priors holding a slot under this key, with their year.

        R7 and R10/R11 look only at these, so each prior's key and year are computed once.
        """
        if self._holding is None:
            self._holding = [
                (prior, prior_year_of(prior, self.settings.time_zone))
                for prior in self.priors
                if canonical(Status, prior.status) in HOLDING_SLOT
                and prior.institution in (None, self.request.institution)
                and prior_key(prior, self.authority) == self.key.key
            ]
        return self._holding

    @property
    def title(self) -> str:
        return clean(self.request.title) or "this title"

    def flags(self, *, corrected: bool = False) -> tuple[Flag, ...]:
        flags = []
        if self.periodical and self.key.unverified:
            flags.append(Flag.UNVERIFIED_TITLE_KEY)
        if corrected or self.corrected:
            flags.append(Flag.STATEMENT_CORRECTED)
        if self.repeated_article():
            flags.append(Flag.REPEATED_ARTICLE)
        return tuple(flags)

    def repeated_article(self) -> bool:
        """A reproduction order of an article the institution already has from this holding
        this year (docs/copyright.md section 5): the priors already loaded for the key and year
        hold their article titles, so this costs no query."""
        article = normalize_title(clean(self.request.article) or "")
        if not (self.request.holding and article):
            return False
        return any(
            year == self.year and normalize_title(clean(prior.article) or "") == article
            for prior, year in self.holding_same_key()
        )

    def decision(
        self,
        outcome: Outcome,
        rule: Rule,
        explanation: str,
        *,
        counted: bool = False,
        copy_number: int | None = None,
        counted_ids: tuple[str, ...] = (),
        corrected: bool = False,
        flags: tuple[Flag, ...] = (),
    ) -> Decision:
        flags = (*self.flags(corrected=corrected), *flags)
        if Flag.REPEATED_ARTICLE in flags:
            explanation += f" Your institution already received this article in {self.year}."
        return Decision(
            outcome=outcome,
            rule=rule,
            counted=counted,
            copy_number=copy_number,
            title_key=self.key.key,
            counted_ids=counted_ids,
            flags=flags,
            explanation=explanation,
            year=self.year,
        )
