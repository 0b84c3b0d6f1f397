"""Scanned paper read back by its codes (a door): a scanner's PDF or TIFF of signed consent pages,
in any order, grouped by packet, checked, and each complete consent filed as its own PDF/A."""
