"""Which parser reads this text: decided from the content (the name only breaks ties)."""

from .errors import ImportFormatError
from .parsers import backup_json, generic_csv, google, linkedin, outlook, vcard
from .parsers.csvbase import find_header

FORMATS = {
    "linkedin": "LinkedIn Connections.csv",
    "google": "Google Contacts CSV",
    "outlook": "Outlook CSV",
    "vcard": "vCard (.vcf)",
    "csv": "Other CSV with a header row",
    "json": "Keepwarm JSON backup",
}
CSV_FORMATS = {"linkedin": linkedin, "google": google, "outlook": outlook, "csv": generic_csv}


def detect_format(text: str, *, filename: str = "") -> str:
    """Return a key of FORMATS for `text`, or raise ImportFormatError saying what is wrong."""
    stripped = text.lstrip()
    if vcard.is_vcard(stripped):
        return "vcard"
    if stripped[:1] in "{[":
        if backup_json.is_backup(stripped):
            return "json"
        raise ImportFormatError("This JSON file is not a Keepwarm backup.")
    for key in ("linkedin", "google", "outlook", "csv"):
        try:
            find_header(text, CSV_FORMATS[key].is_header)
        except ImportFormatError:
            continue
        return key
    if filename.lower().endswith(".vcf"):
        raise ImportFormatError("This .vcf file has no BEGIN:VCARD line.")
    raise ImportFormatError(
        "The format was not recognised: no known column in the header "
        "(expected e.g. First Name, Last Name, Email) and not a vCard or Keepwarm backup."
    )
