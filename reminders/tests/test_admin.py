def test_non_staff_cannot_open_the_admin(alice_client):
    response = alice_client.get("/admin/reminders/reminder/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]
