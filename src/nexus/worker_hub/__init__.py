"""The worker hub: consumes dispatched jobs, runs skills, reports results. No business state."""
