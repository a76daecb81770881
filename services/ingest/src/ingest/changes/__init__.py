"""Changes to an accepted order asked for by customer service or the customer: cancellation,
address changes (changed, intercepted, reordered), unpaid mini-program orders closing."""
