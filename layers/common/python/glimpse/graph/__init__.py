"""The social graph: follows, follow requests, blocks, and who may see whose content."""
