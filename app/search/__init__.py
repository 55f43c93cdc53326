"""Tra cứu: search over every field and the full text (DOMAIN §2.15 function 6)."""
