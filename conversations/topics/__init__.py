"""Monthly topics: each chi bo studies a few of the signs of degradation every month."""
