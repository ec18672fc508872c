"""One module per `pv` subcommand, each exporting `add_parser` and `run(args) -> int`."""
