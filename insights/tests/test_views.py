from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from contacts.tests.factories import make_contact, make_interaction

pytestmark = pytest.mark.django_db


@pytest.fixture
def alice_network(alice):
    today = timezone.localdate()
    for n in range(12):
        contact = make_contact(
            owner=alice,
            first_name=f"Vc{n}",
            industry="Venture capital" if n < 9 else "Law",
            company=f"Fund {n}",
            tie_strength="strong",
            checkin_cadence_months=1,
        )
        make_interaction(contact=contact, occurred_on=today - timedelta(days=n), exchange="asked")
        contact.last_interaction_on = today - timedelta(days=n)  # as interaction_create keeps it
        contact.save(update_fields=["last_interaction_on"])
    return alice


def test_urls_are_the_public_contract():
    assert reverse("insights:page") == "/insights/"
    assert reverse("insights:data") == "/insights/data.json"


def test_signed_out_is_sent_to_login(client):
    for url in ("/insights/", "/insights/data.json"):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_data_json_shape(alice_network, client):
    client.force_login(alice_network)
    response = client.get("/insights/data.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"]
    data = response.json()
    assert set(data) == {"today", "contacts", "ties", "diversity", "activity", "reciprocity", "circles"}
    assert data["today"] == timezone.localdate().isoformat()
    assert set(data["ties"]) == {"strength", "relationship", "network"}
    assert set(data["ties"]["strength"][0]) == {"key", "label", "count", "percent"}
    assert set(data["diversity"]) == {"threshold_percent", "min_known", "industry", "company"}
    assert set(data["diversity"]["industry"]) == {
        "index",
        "effective",
        "groups",
        "known",
        "unknown",
        "top",
        "hint",
    }
    assert set(data["activity"]) == {"weeks", "months", "strong_ties"}
    assert len(data["activity"]["weeks"]) == 52 and len(data["activity"]["months"]) == 12
    assert set(data["activity"]["weeks"][0]) == {"week", "count"}
    assert set(data["activity"]["strong_ties"]) == {"bands", "warm", "cooling"}
    assert set(data["reciprocity"]) == {
        "days",
        "since",
        "gave",
        "asked",
        "mutual",
        "hint",
        "help",
        "help_total",
    }
    assert set(data["reciprocity"]["help"][0]) == {"contact_id", "name", "url", "reasons", "offers"}
    assert set(data["circles"]) == {"layers", "beyond_yearly", "never", "weekly_note"}
    assert set(data["circles"]["layers"][0]) == {
        "key", "label", "max_months", "dunbar", "count", "overflow", "hint", "url",
    }  # fmt: skip
    assert data["contacts"] == 12
    assert data["reciprocity"]["asked"] == 12


def test_page_renders_its_numbers_as_tables_and_hints(alice_network, client):
    client.force_login(alice_network)
    response = client.get("/insights/")
    assert response.status_code == 200
    html = response.content.decode()
    for table in ("strength", "network", "relationship", "industry", "company", "weeks", "months", "strong"):
        assert f'id="table-{table}"' in html, table
    for canvas in ("strength", "network", "relationship", "industry", "weeks", "months", "strong", "circles"):
        assert f'<canvas id="chart-{canvas}"' in html, canvas
    assert 'data-url="/insights/data.json"' in html
    assert "/static/vendor/chartjs/chart.umd.min.js" in html and "/static/js/insights.js" in html
    # 9 of 12 in venture capital: 75 %, an echo chamber.
    assert "75% of your contacts work in Venture capital — meet people outside it." in html
    # 12 strong ties, all without a reply: who to help.
    assert 'id="help"' in html and "helped you on" in html
    # The diversity index: 1 − 0.75² − 0.25² = 0.375 → "0.38".
    assert '<span class="fs-4 fw-semibold" id="index-industry">0.38</span>' in html
    assert 'href="/contacts/?cadence_within=1">12</a>' in html
    assert 'class="nav-link active" href="/insights/">Insights</a>' in html


def test_an_empty_account_gets_an_empty_state_and_no_charts(alice_client):
    response = alice_client.get("/insights/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'id="insights-empty"' in html and "<canvas" not in html and "chart.umd" not in html
    assert alice_client.get("/insights/data.json").json()["contacts"] == 0


def test_bob_never_sees_alices_numbers(alice_network, bob_client):
    data = bob_client.get("/insights/data.json").json()
    assert data["contacts"] == 0
    assert data["reciprocity"]["help"] == []
    html = bob_client.get("/insights/").content.decode()
    assert "Vc1" not in html and "Venture capital" not in html


def test_post_is_refused(alice_client):
    assert alice_client.post("/insights/data.json").status_code == 405
    assert alice_client.post("/insights/").status_code == 405


def test_the_layer_link_keeps_its_filter_in_the_contact_list(alice_network, client):
    client.force_login(alice_network)
    make_contact(owner=alice_network, first_name="Zed", checkin_cadence_months=3)
    html = client.get("/contacts/?cadence_within=1").content.decode()
    assert "Zed" not in html and "Vc0" in html
    assert '<option value="1" selected>Monthly</option>' in html
    # Anything else is ignored, never a 500.
    for bad in ("2", "0", "-1", "x", "²", "1" * 50):
        assert client.get(f"/contacts/?cadence_within={bad}").status_code == 200


def test_a_tiny_network_renders_its_empty_sections(alice_client, alice):
    make_contact(owner=alice, industry="", company="", tie_strength="weak")
    html = alice_client.get("/insights/").content.decode()
    assert "No industry noted on any contact yet." in html
    assert "No one is waiting on you" in html
    assert "Nothing given or asked in these 90 days" in html
    assert 'id="table-weeks"' in html and "1 active contact<" in html
