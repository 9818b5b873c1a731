"""HTTP plumbing shared by every API function: the resolver, errors as responses, the caller."""
