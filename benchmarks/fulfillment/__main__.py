from benchmarks.fulfillment.drain import cli

cli()
