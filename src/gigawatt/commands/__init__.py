"""CLI commands, one module each; only typer and the standard library at module level."""
