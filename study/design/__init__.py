"""A sequential-design study: which simulations to run next, chosen by each method's posterior."""
