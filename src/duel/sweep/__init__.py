"""Sweeps: the same pipeline over a grid of places, launch sites, shapes and inputs, run on Dask."""
