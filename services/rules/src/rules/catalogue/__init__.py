"""The catalogue's list prices (product.updated), for R10's comparison."""
