"""The PyMC network (defined once), its ADVI and NUTS fits, and the posterior file."""
