from datetime import date


def dashboard_context(*, owner, today: date) -> dict:
    return {"today": today}
