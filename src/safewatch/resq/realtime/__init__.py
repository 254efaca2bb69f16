"""Real-time events for ResQ's apps and console: the /ws WebSocket, its hub and audiences."""
