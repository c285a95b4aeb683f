"""An import writes each new contact's search text as `contact_search_text` gives it.

write.py folds first names, companies and titles once per distinct value (`_Folds`):
the stored text must be the plain rule's, whether a value was remembered or not.
"""

import pytest

from contacts.importing import write
from contacts.importing.services import import_run
from contacts.models import Contact
from contacts.search import contact_search_text
from contacts.tests.factories import make_user

HEADER = "First Name,Last Name,URL,Email Address,Company,Position,Connected On\r\n"
PEOPLE = [
    ("Zoë", "Ødegaard", "Ærø  Shipping", "  Lead   Engineer "),
    ("ŁUKASZ", "Nowak", "Straße GmbH", "Ingénieure"),
    ("Zoë", "King", "Ærø  Shipping", "CTO"),
    ("José", "", "", ""),
    ("ADA", "Lovelace", "acme", "Engineer"),
    ("Ada", "Byron", "ACME", "engineer"),
    ("王", "小明", "Ünïcødé", "Directeur général"),
]


@pytest.mark.django_db
@pytest.mark.parametrize("kept", [0, 2, write.FOLDS_KEPT])
def test_new_contacts_search_text_is_the_plain_rule(monkeypatch, kept):
    monkeypatch.setattr(write, "FOLDS_KEPT", kept)
    owner = make_user(f"folds{kept}")
    lines = [
        f'{first},{last} {n},https://www.linkedin.com/in/p{n},,"{company}","{title}",01 Jan 2020\r\n'
        for n, (first, last, company, title) in enumerate(PEOPLE * 3)
    ]
    report = import_run(owner=owner, data=(HEADER + "".join(lines)).encode(), fmt="linkedin")
    assert report.created == len(PEOPLE) * 3
    for contact in Contact.objects.filter(owner=owner):
        expected = contact_search_text(contact.first_name, contact.last_name, contact.company, contact.title)
        assert contact.search_text == expected
