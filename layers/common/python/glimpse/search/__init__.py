"""Search and explore: documents and versions, the query DSL, the indexer and the service."""
