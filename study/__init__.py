"""The study's entry point: data, configuration, pipelines and the command line."""
