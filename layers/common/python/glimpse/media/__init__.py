"""Media: upload slots (`POST /media`), media items, and the thumbnailer's image pipeline."""
