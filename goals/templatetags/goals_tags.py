"""The goals page's history cells: a year of weekly periods is a few hundred cells, each
about 100 µs through the template engine and 30 µs through format_html.

Every value in a cell is a number, a day's text (goals.rules.day_text) or an outcome's
name: none comes from a user, none can hold markup. So the cells are plain f-strings
(a few µs each); goals/tests/test_history_cells.py proves they equal what
format_html_join, which escapes every value, makes of the same periods.
"""

from django import template
from django.utils.safestring import SafeString

from goals.rules import Outcome, PeriodResult

register = template.Library()

_SUFFIX = {Outcome.MET: ", met", Outcome.MISSED: ", missed"}


@register.simple_tag
def goal_history_cells(results: list[PeriodResult]) -> SafeString:
    """One <li> per past period: its outcome as a class, its span and count as a title."""
    return SafeString(
        "".join(
            f'<li class="kw-goal-cell kw-goal-{r.outcome}" title="{r.span_text}: {r.count:d} of {r.target:d}'
            f'{_SUFFIX.get(r.outcome, ", no event")}"><span class="visually-hidden">{r.start_text}: '
            f"{r.outcome}</span></li>"
            for r in results
        )
    )
