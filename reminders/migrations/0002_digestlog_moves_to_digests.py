# DigestLog moved to the digests app. State only: the table, its rows, constraint
# and indexes stay where they are (digests 0001 adopts the same table).

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("reminders", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DigestLog")],
            database_operations=[],
        ),
    ]
