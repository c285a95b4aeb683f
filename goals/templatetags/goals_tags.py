"""The goals page's history cells, built with format_html_join (escaped like the template):
a year of weekly periods is a few hundred cells, each about 100 µs through the template
engine and a few µs here."""

from django import template
from django.utils.html import format_html_join

from goals.rules import Outcome, PeriodResult

register = template.Library()

_SUFFIX = {Outcome.MET: ", met", Outcome.MISSED: ", missed"}


@register.simple_tag
def goal_history_cells(results: list[PeriodResult]) -> str:
    """One <li> per past period: its outcome as a class, its span and count as a title."""
    return format_html_join(
        "",
        '<li class="kw-goal-cell kw-goal-{}" title="{}: {} of {}{}"><span class="visually-hidden">{}: {}</span></li>',
        (
            (
                r.outcome,
                r.span_text,
                r.count,
                r.target,
                _SUFFIX.get(r.outcome, ", no event"),
                r.start_text,
                r.outcome,
            )
            for r in results
        ),
    )
