"""What to notice: the sentences a demo ends with, each one computed from the demo's own run.

A demo's pictures come with a few sentences that say what they show. Each sentence is a
Claim: `holds` records whether the run showed what the demo sets out to show (say, "Adam
ends below SGD"), and the text is chosen from that result, so the words are true of the
run that printed them. Every demo's main() returns its claims; the tests run each demo's
quick mode and check that every claim holds there too.
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    """One sentence about a run, and whether the run showed what the demo expected."""

    text: str
    holds: bool


def claim(holds: bool, if_so: str, if_not: str) -> Claim:
    """The sentence that is true of this run: `if_so` when `holds`, else `if_not`."""
    return Claim(if_so if holds else if_not, bool(holds))


def report(claims: list[Claim]) -> list[Claim]:
    """Print the claims under "what to notice:" and return them (for the tests)."""
    print("\nwhat to notice:")
    for c in claims:
        print(textwrap.fill(c.text, width=92, initial_indent="  - ", subsequent_indent="    ",
                            break_long_words=False, break_on_hyphens=False))
    return claims
