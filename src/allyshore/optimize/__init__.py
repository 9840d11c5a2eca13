"""The ally-shoring plan: which sources, in what shares, balance landed cost, trust, USMCA origin and resilience."""
