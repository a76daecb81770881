"""Rules service: evaluates every order against the active anomaly rule set, keeps the anomaly
lifecycle, and clears paid orders that nothing holds (OrderValidated) for fulfillment."""
