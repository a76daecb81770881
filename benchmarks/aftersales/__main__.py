from benchmarks.aftersales.transitions import cli

cli()
