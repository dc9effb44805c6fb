"""The command line: the parser, the options derived from the run configuration, the commands."""
