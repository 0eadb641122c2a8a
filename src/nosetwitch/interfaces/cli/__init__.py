"""The `nosetwitch` command line (Typer + Rich)."""
