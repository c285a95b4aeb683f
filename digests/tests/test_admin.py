from django.contrib.auth.models import User
from django.utils import timezone

from digests.models import DigestLog


def test_failed_digests_are_visible_in_the_admin(client, alice, bob, db):
    staff = User.objects.create_superuser("root", "root@example.com", "pw-root-12345")
    DigestLog.objects.create(
        user=alice, period="2026-11-23", attempts=3, last_error="ConnectionRefusedError: SMTP down"
    )
    DigestLog.objects.create(user=bob, period="2026-11-23", sent_at=timezone.now())
    client.force_login(staff)
    response = client.get("/admin/digests/digestlog/?state=failed")
    assert response.status_code == 200
    rows = list(response.context["cl"].result_list)
    assert [row.user.username for row in rows] == ["alice"]
    assert b"SMTP down" in response.content
    sent = client.get("/admin/digests/digestlog/?state=sent").context["cl"].result_list
    assert [row.user.username for row in sent] == ["bob"]
