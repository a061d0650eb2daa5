"""Stage 5, *analysis*: batches of runs: ensembles, sensitivity, tipping maps, policy search."""
