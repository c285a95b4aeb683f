from django.conf import settings
from django.db import models


class TemplateOrigin(models.TextChoices):
    BUILTIN = "builtin", "Built-in"
    CUSTOM = "custom", "Your own"


class MessageTemplate(models.Model):
    """A short message in four parts (greeting, context, intent, closing) with placeholders.

    The five built-ins (messaging.rules.BUILTINS) become rows of each user the first time
    they open the templates or compose (`messaging.services.templates_for_owner`), under
    the unique (owner, slug): the user edits their own copy, "reset" copies the original
    back, and "delete" only hides a built-in (`hidden`), so it is not created again.
    """

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="message_templates"
    )
    # `?template=<slug>` in the compose URL. A built-in keeps its slug; a custom one gets
    # one from its name when created (never one of the built-ins').
    slug = models.SlugField(max_length=60, allow_unicode=False)
    name = models.CharField(max_length=100)
    subject = models.CharField(max_length=200, blank=True)
    greeting = models.CharField(max_length=200, blank=True)
    context = models.TextField(blank=True)
    intent = models.TextField(blank=True)
    closing = models.TextField(blank=True)
    origin = models.CharField(max_length=8, choices=TemplateOrigin.choices, default=TemplateOrigin.CUSTOM)
    hidden = models.BooleanField(default=False)
    position = models.PositiveSmallIntegerField(default=100)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "name", "id"]
        constraints = [
            # Built-ins are created lazily by get-or-create: two first visits at once
            # (two tabs) make one row each, never two.
            models.UniqueConstraint(fields=["owner", "slug"], name="message_template_unique_slug"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_builtin(self) -> bool:
        return self.origin == TemplateOrigin.BUILTIN
