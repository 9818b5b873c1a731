"""Account data exports: the request and its status (`POST /me/exports`, `GET
/me/exports/{export_id}`), and the archive the exporter streams to S3."""
