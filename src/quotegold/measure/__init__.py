"""Measuring: span comparison, evaluation of suggestions against gold, inter-annotator
agreement."""
