"""Benchmarks of the crisis module."""
