"""Workload processes of the simulator: training/fine-tune/batch jobs and inference services."""
