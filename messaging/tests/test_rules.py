"""The restricted substitution, the suggestion rule, {years} and the mailto: link."""

import re
from datetime import date
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from messaging import rules
from messaging.rules import PLACEHOLDERS, TOKEN, fill

VALUES = {
    "first_name": "Ada",
    "how_we_met": "PyCon 2024",
    "last_topic": "fundraising",
    "company": "Analytical Engines",
    "title": "Analyst",
    "years": "3 years",
    "my_name": "Sam",
}


# --- examples ----------------------------------------------------------------------


def test_known_placeholders_are_replaced():
    assert (
        fill("Hi {first_name}, {years} at {company}!", VALUES).text
        == "Hi Ada, 3 years at Analytical Engines!"
    )


def test_unknown_placeholders_stay_and_are_listed_in_order_once():
    result = fill("Hi {foo} {first_name} {bar} {foo}", VALUES)
    assert result.text == "Hi {foo} Ada {bar} {foo}"
    assert result.unknown == ("{foo}", "{bar}")
    assert result.missing == ()


def test_a_placeholder_without_a_value_stays_visible_and_is_listed():
    result = fill("At {company}, {title}.", {**VALUES, "company": ""})
    assert result.text == "At {company}, Analyst."
    assert result.missing == ("{company}",)


@pytest.mark.parametrize(
    "text",
    [
        "{{ settings.SECRET_KEY }}",
        "{% load static %}{% debug %}",
        "{first_name.__class__.__mro__}",
        "{first_name[0]}",
        "{0}",
        "{first_name!r}",
        "{first_name:>99999999}",
        "{}",
        "{ first_name }",
        "%(first_name)s $first_name",
    ],
)
def test_nothing_but_a_bare_name_is_evaluated(text):
    result = fill(text, VALUES)
    assert result.text == text  # left exactly as typed: no template, no format, no attribute access
    assert "Ada" not in result.text


def test_format_and_template_syntax_are_reported_as_unknown():
    result = fill("{{ settings.SECRET_KEY }} {first_name.__class__}", VALUES)
    assert result.unknown == ("{ settings.SECRET_KEY }", "{first_name.__class__}")


def test_a_value_is_not_scanned_again():
    assert fill("{first_name} at {company}", {**VALUES, "first_name": "{company}"}).text == (
        "{company} at Analytical Engines"
    )


def test_doubled_braces_fill_the_inner_name_and_keep_the_outer_braces():
    assert fill("{{first_name}}", VALUES).text == "{Ada}"


def test_message_body_is_four_paragraphs_without_empty_ones():
    body = rules.message_body(
        greeting="Hi {first_name},", context="", intent="Coffee? ", closing="Best,\nSam"
    )
    assert body == "Hi {first_name},\n\nCoffee?\n\nBest,\nSam"


def test_every_builtin_fills_without_unknown_placeholders():
    assert len(rules.BUILTINS) == 5
    for builtin in rules.BUILTINS:
        for text in (builtin.subject, builtin.greeting, builtin.context, builtin.intent, builtin.closing):
            result = fill(text, VALUES)
            assert result.unknown == () and result.missing == (), builtin.slug
            assert "{" not in result.text, builtin.slug


# --- properties ---------------------------------------------------------------------

names = st.sampled_from(sorted(PLACEHOLDERS))
plain = st.text(alphabet=st.characters(blacklist_characters="{}"), max_size=30)
values = st.fixed_dictionaries({name: st.text(max_size=20) for name in PLACEHOLDERS})
# Text with placeholders, near-placeholders and template/format syntax mixed in.
pieces = st.one_of(
    plain,
    names.map(lambda n: "{" + n + "}"),
    st.sampled_from(["{", "}", "{{", "}}", "{{ settings.SECRET_KEY }}", "{0}", "{first_name.x}", "{%", "%}"]),
    st.text(max_size=10).map(lambda t: "{" + t + "}"),
)
texts = st.lists(pieces, max_size=12).map("".join)


@given(text=st.text(max_size=200), vals=values)
def test_no_input_raises(text, vals):
    result = fill(text, vals)
    assert isinstance(result.text, str)


@given(text=texts, vals=values)
def test_output_is_the_text_with_only_known_names_swapped(text, vals):
    """Rebuild the expected output by hand: every token either becomes its value (a known
    name with a value) or stays as typed, and everything between tokens is unchanged. So
    nothing is evaluated: the output holds only the input's characters and the values."""
    result = fill(text, vals)
    expected, position = [], 0
    for match in TOKEN.finditer(text):
        expected.append(text[position : match.start()])
        name = match.group(1)
        expected.append(vals[name] if name in PLACEHOLDERS and vals[name] else match.group(0))
        position = match.end()
    expected.append(text[position:])
    assert result.text == "".join(expected)


@given(before=plain, name=names, after=plain, vals=values)
def test_a_known_placeholder_is_replaced_and_its_surroundings_kept(before, name, after, vals):
    result = fill(before + "{" + name + "}" + after, vals)
    if vals[name]:
        assert result.text == before + vals[name] + after
        assert result.missing == ()
    else:
        assert result.text == before + "{" + name + "}" + after
        assert result.missing == ("{" + name + "}",)


@given(text=plain, vals=values)
def test_text_without_braces_is_unchanged(text, vals):
    assert fill(text, vals).text == text


@given(text=texts, vals=values)
def test_every_unknown_is_a_token_of_the_input_and_stays_in_the_output(text, vals):
    result = fill(text, vals)
    for token in result.unknown:
        assert token in text and token in result.text
        assert token[1:-1] not in PLACEHOLDERS


@given(text=texts)
def test_the_secret_key_syntax_is_never_filled(text):
    secret = "{{ settings.SECRET_KEY }}"
    assert secret in fill(text + secret, VALUES).text


# --- suggestion -----------------------------------------------------------------------

TODAY = date(2026, 11, 26)


@pytest.mark.parametrize(
    ("kind", "dormant", "recent", "slug"),
    [
        ("birthday", True, False, "birthday"),
        ("job_change", False, False, "congratulations"),
        ("work_anniversary", False, True, "congratulations"),
        ("follow_up", False, True, "follow-up"),
        ("check_in", True, False, "reconnect"),
        (None, True, False, "reconnect"),
        (None, False, True, "follow-up"),
        (None, False, False, "reconnect"),
        ("check_in", False, True, "follow-up"),
    ],
)
def test_the_template_the_moment_calls_for(kind, dormant, recent, slug):
    assert rules.suggested_template(reminder_kind=kind, is_dormant=dormant, met_recently=recent) == slug


def test_met_recently_means_first_met_two_days_ago_or_later():
    assert rules.follow_up_since(TODAY) == date(2026, 11, 24)
    assert rules.follow_up_since(date(2028, 3, 1)) == date(2028, 2, 28)


def test_placeholders_in_lists_only_known_names():
    assert rules.placeholders_in("Hi {first_name} {foo}", "{years}{0}") == {"first_name", "years"}


def test_suggestions_are_builtins():
    assert set(rules.KIND_TEMPLATES.values()) | {"reconnect"} <= rules.BUILTIN_SLUGS


# --- {years} ---------------------------------------------------------------------------


def test_years_for_a_work_anniversary_count_the_role():
    assert (
        rules.years_value(
            anniversary_on=date(2026, 3, 1),
            started_on=date(2021, 3, 1),
            first_met_on=date(2010, 1, 1),
            added_on=date(2010, 1, 1),
            today=TODAY,
        )
        == "5 years"
    )


def test_years_otherwise_count_since_first_met_or_added():
    kwargs = {"anniversary_on": None, "started_on": date(2021, 3, 1), "today": TODAY}
    assert rules.years_value(first_met_on=date(2019, 6, 1), added_on=date(2024, 1, 1), **kwargs) == "7 years"
    assert rules.years_value(first_met_on=None, added_on=date(2025, 11, 26), **kwargs) == "1 year"
    assert rules.years_value(first_met_on=None, added_on=date(2025, 11, 27), **kwargs) == ""


def test_a_feb_29_start_completes_its_year_on_feb_28():
    assert rules.years_text(date(2024, 2, 29), date(2025, 2, 28)) == "1 year"
    assert rules.years_text(date(2024, 2, 29), date(2025, 2, 27)) == ""


def test_last_topic_prefers_topics_then_the_summary_first_line():
    assert rules.last_topic_text(topics=" hiring,  fundraising ", summary="x") == "hiring, fundraising"
    assert rules.last_topic_text(topics="", summary="Talked about Rust.\nMore") == "Talked about Rust"
    long = rules.last_topic_text(topics="", summary="word " * 60)
    assert len(long) <= 121 and long.endswith("…")


# --- mailto: -----------------------------------------------------------------------------


def test_mailto_encodes_subject_and_body_so_they_round_trip():
    subject = "Hi & welcome? 100% <script>"
    body = "Line one\nLine two&cc=evil@example.org\r\nLast — ünïcode"
    url = rules.mailto_url("ada@example.org", subject=subject, body=body)
    parts = urlsplit(url)
    assert parts.scheme == "mailto" and parts.path == "ada@example.org"
    query = parse_qs(parts.query, keep_blank_values=True)
    assert set(query) == {"subject", "body"}  # the "&cc=" in the body did not become a header
    assert query["subject"] == [subject]
    assert query["body"] == ["Line one\r\nLine two&cc=evil@example.org\r\nLast — ünïcode"]
    assert " " not in url and "+" not in url and "<" not in url and "\n" not in url


def test_mailto_address_cannot_start_headers():
    url = rules.mailto_url("a?b&c@example.org", subject="s", body="b")
    assert unquote(urlsplit(url).path) == "a?b&c@example.org"
    assert re.fullmatch(r"mailto:a%3Fb%26c@example\.org\?subject=s&body=b", url)
