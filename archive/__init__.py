"""System of record: directory, registers, documents, blobs, audit (no Flask)."""
