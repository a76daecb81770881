"""Returns at the warehouse: the return waybill of an approved ticket, and the restock of what came back."""
