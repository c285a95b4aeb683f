import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from crm.security import require_secret_key

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
application = get_wsgi_application()
# A server (gunicorn, scripts/run.sh) with DEBUG off never runs on the development key.
require_secret_key(debug=settings.DEBUG, secret_key=settings.SECRET_KEY)
