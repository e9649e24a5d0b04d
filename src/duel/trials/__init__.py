"""The Monte Carlo floor: sampling, the batch engine, threat dispersion, the runner, the Parquet store."""
