"""Pick lists: waves of the most urgent outbound orders, printed as Excel and PDF sheets."""
