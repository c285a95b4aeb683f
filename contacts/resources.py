"""django-import-export resource for the admin's bulk import/export of contacts.

Rows belong to the owner chosen in the admin's import form (`ContactResource(owner=...)`).
An existing contact of that owner is matched by email, else by exact name + company,
so re-importing the same file updates instead of duplicating; ids in the file are
ignored on import (they may belong to another account).
"""

from django.contrib.auth.models import User
from import_export import fields, resources, widgets

from contacts.importing.matching import email_key, name_key
from contacts.models import Contact, ContactEmail, ContactPhone

IMPORT_FIELDS = (
    "first_name",
    "last_name",
    "email",
    "phone",
    "company",
    "title",
    "industry",
    "location",
    "linkedin_url",
    "how_we_met",
    "relationship",
    "network",
    "tie_strength",
    "checkin_cadence_months",
    "birthday_month",
    "birthday_day",
    "birthday_year",
    "started_on",
    "notes",
    "archived",
)


class ContactResource(resources.ModelResource):
    id = fields.Field(attribute="id", column_name="id", readonly=True)
    owner = fields.Field(attribute="owner__username", column_name="owner", readonly=True)
    email = fields.Field(column_name="email")
    phone = fields.Field(column_name="phone")
    tags = fields.Field(column_name="tags", readonly=True)
    started_on = fields.Field(
        attribute="started_on", column_name="started_on", widget=widgets.DateWidget("%Y-%m-%d")
    )

    class Meta:
        model = Contact
        fields = ("id", "owner", *IMPORT_FIELDS, "tags", "created_at")
        export_order = ("id", "owner", *IMPORT_FIELDS, "tags", "created_at")
        import_id_fields = ("email",)
        clean_model_instances = True
        skip_unchanged = True
        report_skipped = True

    def __init__(self, owner: User | None = None, **kwargs):
        super().__init__(**kwargs)
        self.owner = owner
        self._by_email: dict[str, int] | None = None
        self._by_name: dict[tuple[str, str], int] = {}

    # --- export --------------------------------------------------------------

    def get_queryset(self):
        qs = Contact.objects.select_related("owner").prefetch_related("emails", "phones", "tags")
        return qs.filter(owner=self.owner) if self.owner is not None else qs

    def dehydrate_email(self, contact: Contact) -> str:
        emails = list(contact.emails.all()) if contact.pk else []
        return emails[0].value if emails else ""

    def dehydrate_phone(self, contact: Contact) -> str:
        phones = list(contact.phones.all()) if contact.pk else []
        return phones[0].value if phones else ""

    def dehydrate_tags(self, contact: Contact) -> str:
        return ", ".join(t.name for t in contact.tags.all()) if contact.pk else ""

    # --- import --------------------------------------------------------------

    def before_import(self, dataset, **kwargs):
        if self.owner is None:
            raise ValueError("Choose the user who will own the imported contacts.")
        # One read of the owner's keys instead of a query per row.
        self._by_email = {
            email_key(v): cid
            for v, cid in ContactEmail.objects.filter(contact__owner=self.owner).values_list(
                "value", "contact_id"
            )
        }
        self._by_name = {}
        for cid, first, last, company in Contact.objects.filter(owner=self.owner).values_list(
            "id", "first_name", "last_name", "company"
        ):
            if key := name_key(first, last, company):
                self._by_name.setdefault(key, cid)

    def get_instance(self, instance_loader, row):
        cid = None
        if email := email_key(row.get("email") or ""):
            cid = (self._by_email or {}).get(email)
        if cid is None:
            key = name_key(row.get("first_name") or "", row.get("last_name") or "", row.get("company") or "")
            cid = self._by_name.get(key) if key else None
        return Contact.objects.filter(owner=self.owner, pk=cid).first() if cid else None

    def init_instance(self, row=None):
        return Contact(owner=self.owner)

    def import_field(self, field, instance, row, is_m2m=False, **kwargs):
        if field.column_name in ("email", "phone"):
            return  # stored in their own tables, after the contact is saved
        super().import_field(field, instance, row, is_m2m=is_m2m, **kwargs)

    def after_save_instance(self, instance: Contact, row, **kwargs):
        email = (row.get("email") or "").strip()
        if email and email_key(email) not in (self._by_email or {}):
            ContactEmail.objects.create(contact=instance, value=email)
            self._by_email[email_key(email)] = instance.pk
        phone = (row.get("phone") or "").strip()
        if phone and not instance.phones.filter(value=phone).exists():
            ContactPhone.objects.create(contact=instance, value=phone)
        if key := name_key(instance.first_name, instance.last_name, instance.company):
            self._by_name.setdefault(key, instance.pk)

    def after_import(self, dataset, result, **kwargs):
        super().after_import(dataset, result, **kwargs)
        if self._is_dry_run(kwargs):
            return
        from reminders.services import contacts_schedule_refresh

        ids = [row.object_id for row in result.rows if row.object_id]
        if ids:
            contacts_schedule_refresh(contact_ids=ids)
