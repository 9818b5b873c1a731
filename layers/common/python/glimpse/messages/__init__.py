"""Direct messages: 1:1 and group conversations, messages, read markers, message requests."""
