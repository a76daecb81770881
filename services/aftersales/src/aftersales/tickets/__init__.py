"""After-sales tickets: filing (customer or platform), review, assignment and their transitions."""
