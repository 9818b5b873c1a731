"""Real time: WebSocket connections and the frames sent to them."""
