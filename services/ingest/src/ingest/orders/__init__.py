"""Taking orders in: the command, the global ID, the order record."""
