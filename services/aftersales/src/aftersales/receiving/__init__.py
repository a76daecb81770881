"""The receiving dock: scanning a return parcel, the receipt, discrepancies and their photos."""
