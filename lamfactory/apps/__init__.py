"""One folder per application (registered through the `lamfactory.apps` entry points, see pyproject.toml)."""
