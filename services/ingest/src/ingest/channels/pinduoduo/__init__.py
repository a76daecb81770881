"""Pinduoduo intake: message-service push, POP API detail fetch and decrypt, incremental sync."""
