"""OrderHub insights: read models kept from the topics for the KPIs and the heat analysis."""
