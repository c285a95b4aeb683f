"""The Content-Security-Policy middleware: django-csp's, with one narrow exception.

The policy (CONTENT_SECURITY_POLICY in crm/settings.py) allows no inline script and no
inline style anywhere. The digest preview is the one page that must show inline styles:
it shows the email exactly as it is sent, in a sandboxed <iframe srcdoc>, and an email
carries its styles inline (mail clients ignore stylesheets). A srcdoc frame inherits the
policy of the page that embeds it, so that page alone gets style-src 'unsafe-inline'.
Scripts stay 'self' only there too, and the frame's sandbox runs no script at all.

This is what django-csp's @csp_update decorator does on a view; it lives here so that the
whole policy, exception included, is in one place.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from csp.constants import SELF, UNSAFE_INLINE
from csp.middleware import CSPMiddleware, PolicyParts

if TYPE_CHECKING:
    from django.http import HttpRequest, HttpResponseBase

# URL name -> directives added to the policy on that page only.
PAGE_EXCEPTIONS: dict[str, dict[str, list[str]]] = {
    "digest_preview": {"style-src": [SELF, UNSAFE_INLINE]},
}


class KeepwarmCSPMiddleware(CSPMiddleware):
    def get_policy_parts(
        self, request: HttpRequest, response: HttpResponseBase, report_only: bool = False
    ) -> PolicyParts:
        parts = super().get_policy_parts(request=request, response=response, report_only=report_only)
        match = getattr(request, "resolver_match", None)
        extra = PAGE_EXCEPTIONS.get(match.view_name) if match is not None else None
        if extra and not report_only:
            parts.replace = {**extra, **(parts.replace or {})}
        return parts
