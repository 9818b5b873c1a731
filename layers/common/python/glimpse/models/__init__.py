"""PynamoDB models: the only code that knows table names, keys and indexes."""
