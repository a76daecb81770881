"""The printer queue: durable print jobs, an IPP client and a spool folder, the worker that sends."""
