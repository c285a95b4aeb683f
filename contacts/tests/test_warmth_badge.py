"""The warmth badge tag (contacts_tags.warmth_badge) gives exactly what the include it
replaced gave, escaping included, for any warmth, reasons and size."""

from django.template import Context, Template
from hypothesis import given
from hypothesis import strategies as st

from contacts.models import Contact

# The template the tag replaced (templates/contacts/_warmth.html), kept as the plain path.
INCLUDE = Template(
    '<span class="kw-warmth kw-warmth-{{ c.warmth_band }}" tabindex="0" role="img" aria-label="Warmth '
    "{{ c.warmth }} of 100 ({{ c.warmth_band }}): {{ c.warmth_why|default:'not computed yet' }}\" "
    "data-why=\"Warmth {{ c.warmth }} · {{ c.warmth_why|default:'not computed yet' }}\"><span "
    'class="kw-warmth-dot" aria-hidden="true"></span>{% if not compact %}<span class="kw-warmth-num" '
    'aria-hidden="true">{{ c.warmth }}</span>{% endif %}</span>'
)
TAG = Template("{% load contacts_tags %}{% warmth_badge c compact=compact %}")


@given(warmth=st.integers(0, 100), why=st.text(max_size=40), compact=st.booleans())
def test_the_badge_equals_the_include_it_replaced(warmth, why, compact):
    contact = Contact(warmth=warmth, warmth_why=why)
    context = {"c": contact, "compact": compact}
    assert TAG.render(Context(context)) == INCLUDE.render(Context(context))


def test_reasons_are_escaped():
    contact = Contact(warmth=80, warmth_why='<script>alert(1)</script> & "x"')
    html = TAG.render(Context({"c": contact, "compact": False}))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;x&quot;" in html
