"""Command-line surface: one file per command, shared options, the app."""
