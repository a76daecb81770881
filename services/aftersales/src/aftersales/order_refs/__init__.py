"""What aftersales keeps of every order (items, receiver, waybill) for return tickets."""
