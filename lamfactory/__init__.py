"""lamfactory: build Large Action Models from documentation to a trained, evaluated agent."""

__version__ = "0.1.0"
