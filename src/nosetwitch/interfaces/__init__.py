"""The edges people and programs touch: CLI, web pages, JSON API, import/export."""
