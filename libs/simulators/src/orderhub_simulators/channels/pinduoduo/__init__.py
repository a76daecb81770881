"""Pinduoduo open platform simulator: POP API gateway and the message-service WebSocket."""
