"""Stock levels and the reservations held against them."""
