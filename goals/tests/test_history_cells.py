"""The history cells' plain f-strings (goals_tags.goal_history_cells) are exactly what
format_html_join, which escapes every value, makes of the same periods."""

from datetime import date, timedelta

from django.template import Context, Template
from django.utils.html import format_html_join
from hypothesis import given
from hypothesis import strategies as st

from goals.rules import Outcome, PeriodResult
from goals.templatetags.goals_tags import goal_history_cells


def escaped_cells(results: list[PeriodResult]) -> str:
    """The plain path: every value through format_html's escaping."""
    suffix = {Outcome.MET: ", met", Outcome.MISSED: ", missed"}
    return format_html_join(
        "",
        '<li class="kw-goal-cell kw-goal-{}" title="{}: {} of {}{}"><span class="visually-hidden">{}: {}</span></li>',
        (
            (
                r.outcome,
                r.span_text,
                r.count,
                r.target,
                suffix.get(r.outcome, ", no event"),
                r.start_text,
                r.outcome,
            )
            for r in results
        ),
    )


periods = st.builds(
    lambda start, days, count, target, events, outcome: PeriodResult(
        start=start,
        end=start + timedelta(days=days),
        count=count,
        target=target,
        events=events,
        outcome=outcome,
        current=False,
    ),
    st.dates(date(1, 1, 1), date(9998, 1, 1)),
    st.integers(0, 92),
    st.integers(0, 10**6),
    st.integers(0, 10**6),
    st.none() | st.integers(0, 100),
    st.sampled_from(list(Outcome)),
)


@given(st.lists(periods, max_size=60))
def test_the_cells_equal_the_escaped_plain_path(results):
    assert goal_history_cells(results) == escaped_cells(results)


def test_the_cells_render_unescaped_once_in_a_template():
    week = PeriodResult(date(2026, 11, 2), date(2026, 11, 8), 1, 3, None, Outcome.MISSED, False)
    html = Template("{% load goals_tags %}<ol>{% goal_history_cells results %}</ol>").render(
        Context({"results": [week]})
    )
    assert html == (
        '<ol><li class="kw-goal-cell kw-goal-missed" title="2 Nov 2026–8 Nov 2026: 1 of 3, missed">'
        '<span class="visually-hidden">2 Nov 2026: missed</span></li></ol>'
    )
