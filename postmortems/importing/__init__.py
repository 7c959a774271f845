"""Read postmortems into structured data: documents written elsewhere, and our own exports."""
