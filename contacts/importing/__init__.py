"""Bulk import and export of contacts: decoding, format detection, parsers, the import service."""
