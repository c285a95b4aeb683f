"""Format parsers: text → normalised row dicts (see common.new_row) or RowError.

Each parser is pure (no ORM, no clock) and raises nothing but ImportFormatError.
"""
