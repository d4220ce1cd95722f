"""Adapters at the edge: Hugging Face config.json, SkyPilot catalogs, request traces."""
