"""Write postmortems out: one document as Markdown, HTML or JSON, and the whole-site backup."""
