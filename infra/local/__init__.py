"""The local cloud: the whole of template.yaml on one machine, on an embedded moto server."""
