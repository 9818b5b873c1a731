"""Stories: 24-hour posts in followers' trays, their views and likes, highlights, close friends."""
