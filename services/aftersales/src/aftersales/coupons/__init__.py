"""Budget pools (预算池) and the compensation coupons drawn from them."""
