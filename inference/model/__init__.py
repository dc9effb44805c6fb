"""The network: defined once in PyMC, rebuilt from a posterior file, evaluated on new inputs."""
