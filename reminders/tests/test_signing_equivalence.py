"""The batch signer's shortcut must make exactly Django's TimestampSigner tokens."""

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from reminders import signing


@given(
    user_id=st.integers(1, 10**12),
    reminder_id=st.integers(1, 10**12),
    action=st.sampled_from(signing.ACTIONS),
    seconds=st.integers(1_600_000_000, 2_000_000_000),
)
def test_batch_tokens_equal_djangos_and_read_back(user_id, reminder_id, action, seconds):
    at = datetime.fromtimestamp(seconds, tz=UTC)
    token = signing.ActionSigner(at=at).make(user_id=user_id, reminder_id=reminder_id, action=action)
    django_token = signing._SignerAt(salt=signing.ACTION_SALT, at=at).sign(
        f"{user_id}.{reminder_id}.{action}"
    )
    assert token == django_token
    read = signing.action_token_read(token, max_age=datetime.now(UTC) - at + signing.ACTION_MAX_AGE)
    assert (read.user_id, read.reminder_id, read.action) == (user_id, reminder_id, action)
