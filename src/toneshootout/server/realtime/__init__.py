"""Live render progress over WebSocket: tickets, the event hub, the socket endpoint."""
